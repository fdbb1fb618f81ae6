"""The API's resources, one module each, and how they plug into the sandbox.

Each module listed in ``MODULES`` has ``add_routes(router)``, and may have
``add_control_routes(router)`` (paths under ``/__sandbox/``) and
``timer_hooks()`` (name -> hook for timers it schedules on the state).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from . import (
    account,
    charge_actions,
    charges,
    customers,
    disputes,
    documents,
    events,
    ledger,
    refunds,
    schedules,
    search,
    tokens,
)

if TYPE_CHECKING:
    from opn_desk.sandbox.router import Router

MODULES: tuple[ModuleType, ...] = (
    account,
    ledger,
    events,
    tokens,
    customers,
    schedules,  # before charges: /charges/schedules is not a charge id
    charges,
    charge_actions,
    refunds,
    disputes,
    documents,
    search,
)


def add_routes(router: Router) -> None:
    """Every module's API routes."""
    for module in MODULES:
        module.add_routes(router)


def add_control_routes(router: Router) -> None:
    """Every module's routes under ``/__sandbox/``."""
    for module in MODULES:
        adder = getattr(module, "add_control_routes", None)
        if adder is not None:
            adder(router)


def timer_hooks() -> dict[str, Callable[..., Any]]:
    """Every module's timer hooks by name."""
    hooks: dict[str, Callable[..., Any]] = {}
    for module in MODULES:
        provider = getattr(module, "timer_hooks", None)
        if provider is not None:
            hooks.update(provider())
    return hooks
