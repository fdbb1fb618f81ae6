"""Helpers every resource module uses: list and retrieve endpoints, sub-lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.listing import ListQuery
from opn_desk.sandbox.router import Request
from opn_desk.sandbox.times import epoch_of_iso
from opn_desk.sandbox.wire import encode

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

Endpoint = Callable[["SandboxState", Request], bytes]


def list_of(kind: str, location: str) -> Endpoint:
    """An endpoint listing every object of ``kind`` (list parameters)."""

    def list_objects(state: SandboxState, request: Request) -> bytes:
        query = ListQuery.parse(request.list_params(), state.now())
        total, items = state.page(kind, query)
        return query.envelope(location, total, items)

    return list_objects


def retrieve_of(kind: str) -> Endpoint:
    """An endpoint answering the object of ``kind`` named by the path."""

    def retrieve(state: SandboxState, request: Request) -> bytes:
        (object_id,) = request.path_args
        found = state.get_json(kind, object_id)
        if found is None:
            raise ApiError.not_found(kind, object_id)
        return found

    return retrieve


def sub_list(
    state: SandboxState,
    request: Request,
    items: list[dict[str, Any]],
    location: str,
) -> bytes:
    """A list envelope over ``items`` (a charge's refunds, a customer's cards)."""
    query = ListQuery.parse(request.list_params(), state.now())
    index = sorted(
        (epoch_of_iso(item["created_at"]), position, str(position))
        for position, item in enumerate(items)
    )
    total, entries = query.page(index)
    return query.envelope(location, total, [encode(items[int(e[2])]) for e in entries])
