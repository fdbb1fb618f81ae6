"""What the write tests under faults share: charges made as a checkout
makes them, a clerk's outcome in one word, and the operation tags read back
from the sandbox's state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from opn_desk.models.journal_store import OperationInFlight
from opn_desk.sandbox import SANDBOX_PUBLIC_KEY
from opn_desk.services.api import ApiError
from opn_desk.services.capture_rules import CaptureRefused
from opn_desk.services.evidence import DisputeNotOpen, SubmissionStopped
from opn_desk.services.operations import OPERATION_METADATA_KEY
from opn_desk.services.refund_rules import RefundRefused

CARD = {
    "name": "SOMSRI JAIDEE",
    "number": "4242424242424242",
    "expiration_month": 12,
    "expiration_year": 2031,
    "security_code": "123",
}


def new_charge(base_url: str, secret_key: str, **fields: Any) -> dict[str, Any]:
    """A ฿1,000.00 card charge, unless ``fields`` say otherwise."""
    token = httpx.post(
        f"{base_url}/tokens", auth=(SANDBOX_PUBLIC_KEY, ""), json={"card": CARD}
    ).json()["id"]
    body = {"amount": 100_000, "currency": "THB", "card": token, **fields}
    reply = httpx.post(f"{base_url}/charges", auth=(secret_key, ""), json=body)
    assert reply.status_code == 200, reply.text
    charge: dict[str, Any] = reply.json()
    return charge


def attempt(action: Callable[[], Any]) -> str:
    """Run one clerk action; what the clerk was told, in a few words."""
    try:
        operation = action()
    except (RefundRefused, CaptureRefused):
        return "refused by the rules"
    except OperationInFlight:
        return "refused, another write in flight"
    except DisputeNotOpen:
        return "refused, the dispute is answered"
    except SubmissionStopped as stopped:
        return str(stopped.operation.state)
    except ApiError:
        return "failed before sending"
    return str(getattr(operation, "state", "done"))


def refund_tags(state: Any) -> Counter[str]:
    """How many refunds on the server carry each operation tag."""
    tags: Counter[str] = Counter()
    for refund in state.objects("refund"):
        tag = (refund.get("metadata") or {}).get(OPERATION_METADATA_KEY)
        if tag:
            tags[tag] += 1
    return tags
