"""``expand=true``: an answer's expandable ids replaced by the objects they name.

REFERENCE.md section 1.3: without it, ``charge.customer``,
``charge.transaction``, ``refund.charge``, ``dispute.charge`` and the like
are id strings; with it, each is the full object, as stored now (an id
the sandbox no longer has, a deleted customer's, stays an id). Only the
answer's own objects are expanded (the items of a list or a search, an
event's ``data``), not the objects an expansion brings in, so an answer
never grows without end.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from opn_desk.sandbox.wire import encode

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

BY_PREFIX = ""
_KINDS = {"chrg": "charge", "rfnd": "refund", "dspt": "dispute"}
# object -> {field: kind of the object its id names, or BY_PREFIX}
EXPANDABLE: dict[str, dict[str, str]] = {
    "charge": {
        "customer": "customer",
        "transaction": "transaction",
        "schedule": "schedule",
    },
    "refund": {"charge": "charge", "transaction": "transaction"},
    "dispute": {"charge": "charge"},
    # The charge, refund or dispute a transaction comes from, by its id's
    # prefix (recorded expanded in the older versions' ``source``).
    "transaction": {"origin": BY_PREFIX},
}
_CONTAINERS = ("data",)
TRUE_WORDS = ("true", "1", "yes", "on")


def wants_expansion(params: dict[str, str]) -> bool:
    """True when the list or query parameters ask for ``expand``."""
    return params.get("expand", "").strip().lower() in TRUE_WORDS


def expand_answer(state: SandboxState, body: bytes) -> bytes:
    """``body`` (an encoded object, list, search or event) expanded."""
    value = json.loads(body)
    _expand(state, value)
    return encode(value)


def _expand(state: SandboxState, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _expand(state, item)
        return
    if not isinstance(value, dict):
        return
    for container in _CONTAINERS:
        if isinstance(value.get(container), list | dict):
            _expand(state, value[container])
    for name, kind in EXPANDABLE.get(str(value.get("object")), {}).items():
        object_id = value.get(name)
        if isinstance(object_id, str):
            kind = kind or _KINDS.get(object_id.partition("_")[0], "")
            found = state.get(kind, object_id) if kind else None
            if found is not None:
                value[name] = found
