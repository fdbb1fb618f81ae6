"""Every API object parser fed recorded objects spoiled in generated ways.

Seeds are the real recorded responses of shared/fixtures/opn-sdk; hypothesis
spoils them: fields removed, values of the wrong type, enum values no
version of the API has, numbers too large for any column, fields no version
sends, whole objects replaced. A parser must either return its record, with
every number small enough for the cache and every time in UTC, or raise
``InvalidResponse`` (which sync records as the resource's last error and
the clerk sees). Anything else would crash a sync.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_figures import Figures
from sqlalchemy import Engine, func, select

from opn_desk.models.charges import ChargeRecord
from opn_desk.models.db import open_engine, session_scope
from opn_desk.models.sync_state import SyncState
from opn_desk.sandbox import SandboxServer, SandboxState
from opn_desk.services.api import (
    InvalidResponse,
    OpnClient,
    OpnError,
    embedded_refunds,
    error_from_response,
    parse_account,
    parse_balance,
    parse_capability,
    parse_card,
    parse_charge,
    parse_customer,
    parse_dispute,
    parse_document,
    parse_event,
    parse_occurrence,
    parse_page,
    parse_refund,
    parse_schedule,
    parse_transaction,
)
from opn_desk.services.sync import AccountSync

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "opn-sdk"
INT64_MAX = 2**63 - 1
# Examples per parser; set OPN_DESK_FUZZ_EXAMPLES for a longer run.
EXAMPLES = int(os.environ.get("OPN_DESK_FUZZ_EXAMPLES", "50"))

Parser = Callable[[Any], object]


def _page_of_charges(raw: Any) -> object:
    return parse_page(raw, parse_charge)


def _charge_refunds(raw: Any) -> object:
    if not isinstance(raw, dict):
        raise InvalidResponse("not an object")
    return embedded_refunds(raw)


# Each parser, and the kind of recorded object it is seeded with.
PARSERS: dict[str, tuple[str, Parser]] = {
    "parse_charge": ("charge", parse_charge),
    "embedded_refunds": ("charge", _charge_refunds),
    "parse_account": ("account", parse_account),
    "parse_event": ("event", parse_event),
    "parse_page": ("list", _page_of_charges),
    "parse_refund": ("refund", parse_refund),
    "parse_dispute": ("dispute", parse_dispute),
    "parse_document": ("document", parse_document),
    "parse_customer": ("customer", parse_customer),
    "parse_card": ("card", parse_card),
    "parse_schedule": ("schedule", parse_schedule),
    "parse_occurrence": ("occurrence", parse_occurrence),
    "parse_transaction": ("transaction", parse_transaction),
    "parse_balance": ("balance", parse_balance),
    "parse_capability": ("capability", parse_capability),
}


@cache
def recorded_objects() -> dict[str, list[dict[str, Any]]]:
    """Every object in the recordings, at any depth, by its ``object`` kind."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            kind = node.get("object")
            if isinstance(kind, str):
                found[kind].append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(FIXTURES.rglob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8-sig")))
    return found


# Bad values, by kind.

HUGE_NUMBERS = st.one_of(
    st.integers(min_value=INT64_MAX + 1, max_value=10**40),
    st.integers(min_value=-(10**40), max_value=-(2**63) - 1),
    st.sampled_from([10**308, float("inf"), float("-inf"), float("nan"), 1e308]),
)
UNKNOWN_ENUMS = st.one_of(
    st.sampled_from(["", "SUCCESSFUL", "refunded_twice", "✓", "null", "0"]),
    st.text(max_size=12),
)
BAD_DATES = st.sampled_from(
    [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "2025-02-30T10:00:00Z",
        "2025-13-01",
        "yesterday",
        "2025-03-20T10:07:40+25:00",
        "",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=8), inner, max_size=3),
    ),
    max_leaves=6,
)
MUTATIONS = (
    "missing field",
    "wrong type",
    "unknown enum value",
    "huge number",
    "bad date",
    "extra field",
    "null field",
)


def object_paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every JSON object inside ``node``, itself included."""
    paths = []
    if isinstance(node, dict):
        paths.append(path)
        for key, value in node.items():
            paths.extend(object_paths(value, (*path, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            paths.extend(object_paths(value, (*path, index)))
    return paths


def at(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        node = node[step]
    return node


def wrong_type(value: Any) -> st.SearchStrategy[Any]:
    return JSON_VALUES.filter(lambda new: type(new) is not type(value))


def spoil(data: st.DataObject, obj: dict[str, Any], kind: str) -> None:
    """Apply one mutation of ``kind`` somewhere inside ``obj``."""
    target = at(obj, data.draw(st.sampled_from(object_paths(obj))))
    keys = sorted(target, key=str)
    if kind == "extra field" or not keys:
        name = data.draw(st.text(min_size=1, max_size=12))
        target[name] = data.draw(JSON_VALUES)
        return
    key = data.draw(st.sampled_from(keys))
    if kind == "missing field":
        del target[key]
    elif kind == "null field":
        target[key] = None
    elif kind == "wrong type":
        target[key] = data.draw(wrong_type(target[key]))
    elif kind == "unknown enum value":
        target[key] = data.draw(UNKNOWN_ENUMS)
    elif kind == "huge number":
        target[key] = data.draw(HUGE_NUMBERS)
    else:
        target[key] = data.draw(BAD_DATES)


def check_record(record: object) -> None:
    """A parsed record fits the cache: int64 numbers, aware times."""
    records = record if isinstance(record, list) else [record]
    for item in records:
        if dataclasses.is_dataclass(item):
            for value in (getattr(item, f.name) for f in dataclasses.fields(item)):
                check_value(value)


def check_value(value: Any) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        assert -INT64_MAX - 1 <= value <= INT64_MAX, value
    elif isinstance(value, datetime):
        assert value.utcoffset() is not None and not value.utcoffset(), value
    elif isinstance(value, tuple | list) and not isinstance(value, str):
        for item in value:
            check_record(item) if dataclasses.is_dataclass(item) else check_value(item)


def seeds_for(kind: str) -> list[dict[str, Any]]:
    seeds = recorded_objects().get(kind, [])
    assert seeds, f"no recorded {kind} object to start from"
    return seeds


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_a_spoiled_object_is_read_or_refused_never_crashes(
    name: str, figures: Figures
) -> None:
    kind, parser = PARSERS[name]
    seeds = seeds_for(kind)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def spoiled(data: st.DataObject) -> None:
        obj = copy.deepcopy(data.draw(st.sampled_from(seeds)))
        kinds = data.draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4))
        for mutation in kinds:
            spoil(data, obj, mutation)
            figures.add("bad inputs", mutation)
        figures.add("parser calls", name)
        try:
            record = parser(obj)
        except InvalidResponse as error:
            assert str(error)
            figures.add("parser outcomes", "refused with InvalidResponse")
            return
        check_record(record)
        figures.add("parser outcomes", "read")

    spoiled()


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_anything_but_an_object_is_refused(name: str, figures: Figures) -> None:
    _kind, parser = PARSERS[name]

    @settings(
        max_examples=EXAMPLES // 5, derandomize=True, deadline=None, database=None
    )
    @given(value=JSON_VALUES.filter(lambda v: not isinstance(v, dict)))
    def not_an_object(value: Any) -> None:
        figures.add("bad inputs", "not an object")
        with pytest.raises(InvalidResponse):
            parser(value)

    not_an_object()


@settings(max_examples=2 * EXAMPLES, derandomize=True, deadline=None, database=None)
@given(
    status=st.integers(min_value=100, max_value=599),
    body=st.one_of(
        JSON_VALUES,
        st.fixed_dictionaries(
            {"object": st.just("error"), "code": JSON_VALUES},
            optional={"message": JSON_VALUES, "location": JSON_VALUES},
        ),
    ),
)
def test_any_error_answer_becomes_an_opn_error(status: int, body: Any) -> None:
    Figures().add("bad inputs", "error answer of any shape")
    error = error_from_response(status, body, request_id=None)

    assert isinstance(error, OpnError)
    assert error.http_status == status
    assert error.user_message()


def test_every_parser_has_recorded_seeds(figures: Figures) -> None:
    """The fuzzing above is only as good as its seeds: each kind has some."""
    counts = {kind: len(seeds_for(kind)) for kind, _parser in PARSERS.values()}
    figures.add("recorded seeds", "objects", sum(counts.values()))
    assert min(counts.values()) >= 1


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    yield engine
    engine.dispose()


def test_sync_of_an_unreadable_charge_stops_with_a_sentence_keeping_the_rest(
    engine: Engine, figures: Figures
) -> None:
    """What a clerk sees when Opn sends a charge the client cannot read."""
    state = SandboxState.seeded(charges=60, seed=3)
    charges = sorted(state.objects("charge"), key=lambda c: c["created_at"])
    state.put("charge", dict(charges[len(charges) // 2], amount=2**70))
    figures.add("bad inputs", "unreadable object served to sync")

    with (
        SandboxServer(state) as server,
        OpnClient(server.secret_key, base_url=server.base_url) as client,
    ):
        with pytest.raises(InvalidResponse):
            AccountSync(client, engine).run()

    with session_scope(engine) as session:
        sync_state = session.get(SyncState, "charges")
        kept = session.scalar(select(func.count()).select_from(ChargeRecord))
    assert sync_state is not None and sync_state.last_error
    assert "Opn sent an answer opn-desk cannot read" in sync_state.last_error
    # Windows before the unreadable charge stay committed.
    assert kept and kept >= 1
