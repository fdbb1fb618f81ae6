"""Events: the account's feed, one event, and the events of one charge."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.listing import ListQuery
from opn_desk.sandbox.router import Request, Router
from opn_desk.sandbox.times import epoch_of_iso

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState


def add_routes(router: Router) -> None:
    router.add("GET", r"/events", list_events)
    router.add("GET", r"/events/([^/]+)", get_event)
    router.add("GET", r"/charges/([^/]+)/events", list_charge_events)


def list_events(state: SandboxState, request: Request) -> bytes:
    query = ListQuery.parse(request.list_params(), state.now())
    total, items = state.event_page(query)
    return query.envelope("/events", total, items)


def get_event(state: SandboxState, request: Request) -> bytes:
    (event_id,) = request.path_args
    found = state.event_json(event_id)
    if found is None:
        raise ApiError.not_found("event", event_id)
    return found


def list_charge_events(state: SandboxState, request: Request) -> bytes:
    """Events whose data is this charge (not its refunds or dispute)."""
    (charge_id,) = request.path_args
    if state.get_json("charge", charge_id) is None:
        raise ApiError.not_found("charge", charge_id)
    query = ListQuery.parse(request.list_params(), state.now())
    events = [
        event
        for event in state.events.of_object(charge_id)
        if event.object_kind == "charge"
    ]
    index = [
        (epoch_of_iso(event.created_at), position, event.event_id)
        for position, event in enumerate(events)
    ]
    total, entries = query.page(index)
    by_id = {event.event_id: event for event in events}
    items = [by_id[entry[2]].encode() for entry in entries]
    return query.envelope(f"/charges/{charge_id}/events", total, items)
