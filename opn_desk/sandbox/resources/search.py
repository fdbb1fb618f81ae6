"""The Search API: ``GET /search`` over charges, refunds, disputes, customers
and schedules, with a free-text query, filters and pages.

``scope`` names what to search (400 ``invalid_scope`` when missing or
unknown). ``query`` is a substring, ignoring case, of an object's id,
description, metadata values, card name and last digits, and of the objects
it refers to: a charge's customer (email, description), a refund's or a
dispute's charge. ``filters[name]`` narrows the result (see
``search_filters``; an unknown name is 400 ``invalid_filter``). ``page``
starts at 1 (400 ``invalid_page`` otherwise), ``per_page`` is 30 unless
told and at most ``MAX_PER_PAGE`` (larger values are cut to it, as list
limits are), ``order`` is ``reverse_chronological`` unless told. A page
past the end is empty and still tells the total.

The scopes of objects the sandbox never makes (links, recipients,
transfers) answer an empty result, as the API does for an account without
them. Each request scans every object of the scope; ``search_rows`` keeps
what the scan reads, so only objects changed since the last search are
decoded again. Measured (CPU time) over 100,000 seeded charges: 80-250 ms
a search once read; the first search of a sandbox reads them all, 3.4 s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.listing import ORDERS
from opn_desk.sandbox.resources import search_filters as sf
from opn_desk.sandbox.resources.search_rows import (
    READERS,
    Link,
    Row,
    RowCache,
    cache_of,
)
from opn_desk.sandbox.router import Request, Router

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
DEFAULT_ORDER = "reverse_chronological"

_FILTER_KEY = re.compile(r"filters\[([^\]]*)\]\Z")

# A filter: its kind (search_filters) and the row field it reads;
# "charge.card_last_digits" reads the field of the linked charge.
Filter = tuple[str, str]
_CREATED: Filter = (sf.CREATED, "created")


@dataclass(frozen=True, slots=True)
class Scope:
    """What a scope searches: a kind, its filters, and which of its objects."""

    kind: str
    filters: dict[str, Filter]
    # A boolean row field an object must have true to be in the scope.
    member_field: str | None = None


SCOPES: dict[str, Scope] = {
    "charge": Scope(
        "charge",
        {
            "amount": (sf.AMOUNT, "amount"),
            "authorized": (sf.BOOLEAN, "authorized"),
            "captured": (sf.BOOLEAN, "paid"),
            "paid": (sf.BOOLEAN, "paid"),
            "refunded": (sf.BOOLEAN, "refunded"),
            "reversed": (sf.BOOLEAN, "reversed"),
            "voided": (sf.BOOLEAN, "voided"),
            "disputed": (sf.BOOLEAN, "disputed"),
            "currency": (sf.TEXT, "currency"),
            "status": (sf.TEXT, "status"),
            "card_last_digits": (sf.TEXT, "card_last_digits"),
            "failure_code": (sf.TEXT, "failure_code"),
            "customer_present": (sf.BOOLEAN, "customer_present"),
            "created": _CREATED,
        },
    ),
    "refund": Scope(
        "refund",
        {
            "amount": (sf.AMOUNT, "amount"),
            "voided": (sf.BOOLEAN, "voided"),
            "currency": (sf.TEXT, "currency"),
            "created": _CREATED,
        },
    ),
    "dispute": Scope(
        "dispute",
        {
            "status": (sf.TEXT, "status"),
            "card_last_digits": (sf.TEXT, "charge.card_last_digits"),
            "amount": (sf.AMOUNT, "amount"),
            "currency": (sf.TEXT, "currency"),
            "created": _CREATED,
        },
    ),
    "customer": Scope("customer", {"email": (sf.TEXT, "email"), "created": _CREATED}),
    "charge_schedule": Scope(
        "schedule",
        {
            "status": (sf.TEXT, "status"),
            "period": (sf.TEXT, "period"),
            "created": _CREATED,
        },
        member_field="of_charge",
    ),
    "transfer_schedule": Scope(
        "schedule",
        {"status": (sf.TEXT, "status"), "created": _CREATED},
        member_field="of_transfer",
    ),
    "link": Scope("link", {"used": (sf.BOOLEAN, "used"), "created": _CREATED}),
    "recipient": Scope(
        "recipient", {"active": (sf.BOOLEAN, "active"), "created": _CREATED}
    ),
    "transfer": Scope(
        "transfer",
        {
            "currency": (sf.TEXT, "currency"),
            "amount": (sf.AMOUNT, "amount"),
            "created": _CREATED,
        },
    ),
}


def add_routes(router: Router) -> None:
    # The official Python library asks for "/search/?scope=...".
    router.add("GET", r"/search/?", search)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A search request, read and checked."""

    scope_name: str
    query: str
    filters: dict[str, str]
    page: int
    per_page: int
    order: str

    @property
    def scope(self) -> Scope:
        return SCOPES[self.scope_name]


def search(state: SandboxState, request: Request) -> bytes:
    asked = parse_search(request)
    cache = cache_of(state)
    offset_h = state.config.account_utc_offset_hours
    tests = _row_tests(asked, cache, offset_h)
    rows = list(cache.rows(asked.scope.kind))
    for test in tests:
        rows = list(filter(test, rows))
    if asked.query:
        rows = QueryMatcher(cache, asked.query).select(rows)
    if asked.order == "reverse_chronological":
        rows.reverse()
    first = (asked.page - 1) * asked.per_page
    page = rows[first : first + asked.per_page]
    items = [cache.encoded(asked.scope.kind, row.object_id) for row in page]
    return _envelope(asked, len(rows), items)


def parse_search(request: Request) -> SearchQuery:
    """Read scope, query, filters, page, per_page and order; 400 if wrong."""
    params, filters = _raw_params(request)
    scope = params.get("scope", "").strip()
    if not scope:
        raise ApiError(400, "invalid_scope", "scope is required")
    if scope not in SCOPES:
        known = ", ".join(sorted(SCOPES))
        raise ApiError(400, "invalid_scope", f"scope must be one of {known}")
    for name in filters:
        if name not in SCOPES[scope].filters:
            allowed = ", ".join(sorted(SCOPES[scope].filters))
            raise sf.invalid_filter(
                name, f"is not a filter of scope {scope} (use {allowed})"
            )
    order = params.get("order") or DEFAULT_ORDER
    if order not in ORDERS:
        raise ApiError.bad_request(
            "order must be chronological or reverse_chronological"
        )
    per_page = _page_number(params, "per_page", DEFAULT_PER_PAGE)
    return SearchQuery(
        scope_name=scope,
        query=params.get("query", ""),
        filters=filters,
        page=_page_number(params, "page", 1),
        per_page=min(per_page, MAX_PER_PAGE),
        order=order,
    )


def _raw_params(request: Request) -> tuple[dict[str, str], dict[str, str]]:
    """(plain parameters, filters) from the query string or a JSON body."""
    params: dict[str, str] = {}
    filters: dict[str, str] = {}
    body_filters = request.fields.get("filters") if request.body.strip() else None
    if body_filters is not None:
        if not isinstance(body_filters, dict):
            raise ApiError(
                400, "invalid_filter", "filters must be given as filters[name]=value"
            )
        filters.update({str(k): _text(v) for k, v in body_filters.items()})
    for name, value in request.list_params().items():
        match = _FILTER_KEY.match(name)
        if match is not None:
            filters[match.group(1)] = value
        elif name == "filters":
            raise ApiError(
                400, "invalid_filter", "filters must be given as filters[name]=value"
            )
        else:
            params[name] = value
    return params, filters


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _page_number(params: dict[str, str], name: str, default: int) -> int:
    text = params.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if value < 1:
        raise ApiError(400, "invalid_page", f"{name} must be an integer of at least 1")
    return value


# -- matching --------------------------------------------------------------

RowTest = Callable[[Row], bool]


def _row_tests(asked: SearchQuery, cache: RowCache, offset_h: int) -> list[RowTest]:
    scope = asked.scope
    tests: list[RowTest] = []
    if scope.member_field is not None:
        member = _field_reader(cache, scope.kind, scope.member_field)
        tests.append(lambda row: member(row) is True)
    for name, text in asked.filters.items():
        kind, field = scope.filters[name]
        value_test = sf.value_test(kind, name, text, offset_h)
        tests.append(_on_field(value_test, _field_reader(cache, scope.kind, field)))
    return tests


def _on_field(value_test: sf.ValueTest, read: Callable[[Row], Any]) -> RowTest:
    return lambda row: value_test(read(row))


def _field_reader(cache: RowCache, kind: str, field: str) -> Callable[[Row], Any]:
    """How to read ``field`` of a row of ``kind`` (maybe through a link)."""
    if field == "created":
        return lambda row: row.created_s
    linked_kind, _, linked_field = field.rpartition(".")
    if not linked_kind:
        position = READERS[kind].position(field)
        return lambda row: row.values[position]
    position = READERS[linked_kind].position(linked_field)

    def through_link(row: Row) -> Any:
        for link_kind, link_id in row.links:
            if link_kind == linked_kind:
                linked = cache.row(link_kind, link_id)
                return linked.values[position] if linked is not None else None
        return None

    return through_link


class QueryMatcher:
    """Whether a row, or an object it links to, contains the query text."""

    def __init__(self, cache: RowCache, query: str) -> None:
        self._cache = cache
        self._needle = query.strip().casefold()
        self._linked: dict[Link, bool] = {}

    def select(self, rows: list[Row]) -> list[Row]:
        """The rows that match, in their order."""
        needle = self._needle
        undecided = [row for row in rows if row.links and needle not in row.text]
        linked = self._matching_links(undecided)
        return [
            row
            for row in rows
            if needle in row.text or (row.links and not linked.isdisjoint(row.links))
        ]

    def _matching_links(self, rows: list[Row]) -> set[Link]:
        """Which of the objects ``rows`` link to match.

        A few are looked up one by one; when they are many of their kind,
        one scan of the kind is faster than a lookup each.
        """
        wanted: dict[str, set[str]] = {}
        for row in rows:
            for kind, object_id in row.links:
                wanted.setdefault(kind, set()).add(object_id)
        found: set[Link] = set()
        for kind, ids in wanted.items():
            if len(ids) * 4 < self._cache.count(kind):
                found.update((kind, i) for i in ids if self._link_matches((kind, i)))
            else:
                matching = self.select(self._cache.rows(kind))
                found.update((kind, row.object_id) for row in matching)
        return found

    def _link_matches(self, link: Link) -> bool:
        known = self._linked.get(link)
        if known is None:
            row = self._cache.row(*link)
            known = row is not None and bool(self.select([row]))
            self._linked[link] = known
        return known


def _envelope(asked: SearchQuery, total: int, items: list[bytes]) -> bytes:
    head = {
        "object": "search",
        "scope": asked.scope_name,
        "query": asked.query,
        "filters": asked.filters,
        "order": asked.order,
        "page": asked.page,
        "per_page": asked.per_page,
        "total": total,
        "total_pages": -(-total // asked.per_page),
        "location": "/search",
        "export": None,
        "aggregate_level": None,
    }
    encoded = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode()
    return b"".join((encoded[:-1], b',"data":[', b",".join(items), b"]}"))
