"""A local emulator of the Opn Payments API, served over loopback HTTP."""

from opn_desk.sandbox.server import SANDBOX_SECRET_KEY, SandboxServer
from opn_desk.sandbox.state import SandboxState

__all__ = ["SANDBOX_SECRET_KEY", "SandboxServer", "SandboxState"]
