"""A local emulator of the Opn Payments API, served over loopback HTTP."""

from opn_desk.sandbox.config import SandboxConfig
from opn_desk.sandbox.server import (
    SANDBOX_PUBLIC_KEY,
    SANDBOX_SECRET_KEY,
    SandboxServer,
)
from opn_desk.sandbox.state import SandboxState

__all__ = [
    "SANDBOX_PUBLIC_KEY",
    "SANDBOX_SECRET_KEY",
    "SandboxConfig",
    "SandboxServer",
    "SandboxState",
]
