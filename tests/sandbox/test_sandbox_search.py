"""The sandbox's Search API over loopback HTTP: scopes, query, filters, pages.

Each test searches a small seeded sandbox plus the objects it makes itself,
and checks what a clerk searching would see: which charges come back, in
which order, on which page, and the error code of a bad search.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from opn_desk.sandbox import SandboxServer, SandboxState
from opn_desk.sandbox import charges as ch
from opn_desk.sandbox.resources import MODULES, search_rows
from opn_desk.sandbox.resources.account import demo_account
from opn_desk.sandbox.times import iso

Charge = dict[str, Any]
VISA_OK = "4242424242424242"


def _search(api: httpx.Client, **params: str) -> dict[str, Any]:
    response = api.get("/search", params=params)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _ids(api: httpx.Client, **params: str) -> list[str]:
    """The ids of every result, page after page (100 a page)."""
    ids: list[str] = []
    page = 1
    while True:
        found = _search(api, **params, per_page="100", page=str(page))
        ids.extend(item["id"] for item in found["data"])
        if page >= found["total_pages"]:
            assert len(ids) == found["total"]
            return ids
        page += 1


def _refused(api: httpx.Client, code: str, **params: str) -> str:
    response = api.get("/search", params=params)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["object"] == "error" and error["code"] == code
    message: str = error["message"]
    return message


# -- the envelope ------------------------------------------------------------


def test_a_charge_search_answers_the_search_object(
    live: SandboxServer, api: httpx.Client
) -> None:
    charges = live.state.objects("charge")

    found = _search(api, scope="charge")

    assert found["object"] == "search" and found["location"] == "/search"
    assert (found["scope"], found["query"], found["filters"]) == ("charge", "", {})
    assert (found["page"], found["per_page"]) == (1, 30)
    assert found["order"] == "reverse_chronological"
    assert found["total"] == len(charges) == 30
    assert found["total_pages"] == 1
    assert found["export"] is None
    newest_first = [c["id"] for c in reversed(charges)]
    assert [c["id"] for c in found["data"]] == newest_first
    assert found["data"][0] == charges[-1]


def test_pages_split_the_result_without_gaps(
    live: SandboxServer, api: httpx.Client
) -> None:
    oldest_first = [c["id"] for c in live.state.objects("charge")]

    pages = [
        _search(api, scope="charge", per_page="7", page=str(n), order="chronological")
        for n in range(1, 6)
    ]
    beyond = _search(api, scope="charge", per_page="7", page="9")

    assert [p["total_pages"] for p in pages] == [5] * 5
    assert [c["id"] for p in pages for c in p["data"]] == oldest_first
    assert [len(p["data"]) for p in pages] == [7, 7, 7, 7, 2]
    assert beyond["data"] == [] and beyond["total"] == 30 and beyond["page"] == 9


def test_per_page_is_cut_to_the_maximum(api: httpx.Client) -> None:
    found = _search(api, scope="charge", per_page="500")

    assert found["per_page"] == 100 and len(found["data"]) == 30


@pytest.mark.parametrize(
    ("params", "code", "says"),
    [
        ({}, "invalid_scope", "scope is required"),
        ({"scope": "charges"}, "invalid_scope", "scope must be one of"),
        ({"scope": "charge", "filters[colour]": "red"}, "invalid_filter", "colour"),
        ({"scope": "refund", "filters[paid]": "true"}, "invalid_filter", "paid"),
        ({"scope": "charge", "filters[paid]": "maybe"}, "invalid_filter", "true"),
        ({"scope": "charge", "filters[amount]": "a lot"}, "invalid_filter", "main"),
        ({"scope": "charge", "filters[amount]": "1.005"}, "invalid_filter", "main"),
        ({"scope": "charge", "filters[amount]": ".."}, "invalid_filter", "range"),
        ({"scope": "charge", "filters[created]": "May"}, "invalid_filter", "date"),
        ({"scope": "charge", "page": "0"}, "invalid_page", "page"),
        ({"scope": "charge", "page": "two"}, "invalid_page", "page"),
        ({"scope": "charge", "per_page": "-5"}, "invalid_page", "per_page"),
        ({"scope": "charge", "order": "newest"}, "bad_request", "order"),
        ({"scope": "charge", "filters": "paid"}, "invalid_filter", "filters["),
    ],
)
def test_a_bad_search_is_refused_with_the_api_s_code(
    api: httpx.Client, params: dict[str, str], code: str, says: str
) -> None:
    assert says in _refused(api, code, **params)


# -- the query ---------------------------------------------------------------


def test_the_query_finds_thai_text_metadata_and_card_holders(
    make_charge: Callable[..., Charge],
    make_token: Callable[..., str],
    api: httpx.Client,
) -> None:
    silk = make_charge(
        description="ผ้าไหมแพรวา สีทอง",
        metadata={"order_id": "TH-4471", "branch": "สาขาพัทยาเหนือ 2"},
    )
    held = make_charge(card=make_token(VISA_OK, name="NAPAT KHEMTHONG"))

    assert _ids(api, scope="charge", query="แพรวา") == [silk["id"]]
    assert _ids(api, scope="charge", query="th-4471") == [silk["id"]]
    assert _ids(api, scope="charge", query="พัทยาเหนือ") == [silk["id"]]
    assert _ids(api, scope="charge", query="Khemthong") == [held["id"]]
    assert _ids(api, scope="charge", query=silk["id"].upper()) == [silk["id"]]
    assert _ids(api, scope="charge", query="no such words anywhere") == []


def test_the_query_finds_charges_by_their_customer_s_email(
    api: httpx.Client, make_token: Callable[..., str]
) -> None:
    made = api.post(
        "/customers",
        json={
            "email": "mali.srisuk@example.co.th",
            "description": "มะลิ ศรีสุข",
            "card": make_token(),
        },
    ).json()
    charge = api.post(
        "/charges", json={"amount": 50000, "currency": "THB", "customer": made["id"]}
    ).json()

    assert _ids(api, scope="charge", query="MALI.SRISUK@") == [charge["id"]]
    assert _ids(api, scope="charge", query="ศรีสุข") == [charge["id"]]
    assert _ids(api, scope="customer", query="mali.srisuk") == [made["id"]]


def test_a_changed_charge_is_found_by_its_new_text(
    make_charge: Callable[..., Charge], api: httpx.Client
) -> None:
    charge = make_charge(description="Mango sticky rice")
    assert _ids(api, scope="charge", query="mango") == [charge["id"]]

    api.patch(f"/charges/{charge['id']}", json={"description": "Coconut ice cream"})

    assert _ids(api, scope="charge", query="mango") == []
    assert _ids(api, scope="charge", query="coconut") == [charge["id"]]


# -- charge filters ----------------------------------------------------------


def test_amount_filters_are_in_the_main_unit_of_each_currency(
    make_charge: Callable[..., Charge], api: httpx.Client
) -> None:
    baht = make_charge(amount=123456)  # 1,234.56 THB
    yen = make_charge(amount=1234, currency="JPY")  # 1,234 JPY
    five_thousand = make_charge(amount=500000)  # 5,000.00 THB

    assert _ids(api, scope="charge", **{"filters[amount]": "1234.56"}) == [baht["id"]]
    assert _ids(api, scope="charge", **{"filters[amount]": "1234"}) == [yen["id"]]
    in_range = _ids(api, scope="charge", **{"filters[amount]": "1234..1235"})
    assert sorted(in_range) == sorted([baht["id"], yen["id"]])
    at_least = _ids(api, scope="charge", **{"filters[amount]": "5000.."})
    assert five_thousand["id"] in at_least
    assert baht["id"] not in at_least and yen["id"] not in at_least
    yen_only = {"filters[amount]": "1000..2000", "filters[currency]": "jpy"}
    assert _ids(api, scope="charge", **yen_only) == [yen["id"]]


@pytest.mark.parametrize(
    ("name", "flag"),
    [
        ("captured", "paid"),
        ("paid", "paid"),
        ("authorized", "authorized"),
        ("reversed", "reversed"),
        ("voided", "voided"),
    ],
)
def test_boolean_filters_split_the_charges_by_their_flag(
    live: SandboxServer,
    api: httpx.Client,
    make_charge: Callable[..., Charge],
    name: str,
    flag: str,
) -> None:
    voided = make_charge(amount=60000)
    api.post(f"/charges/{voided['id']}/refunds", json={"amount": 60000})
    charges = {c["id"]: c for c in live.state.objects("charge")}

    yes = _ids(api, scope="charge", **{f"filters[{name}]": "yes"})
    on = _ids(api, scope="charge", **{f"filters[{name}]": "on"})
    no = _ids(api, scope="charge", **{f"filters[{name}]": "off"})
    false = _ids(api, scope="charge", **{f"filters[{name}]": "false"})

    assert yes == on and no == false
    assert sorted(yes + no) == sorted(charges)
    assert yes and all(charges[i][flag] is True for i in yes)
    assert no and all(charges[i][flag] is False for i in no)


def test_state_filters_find_refunded_disputed_and_failed_charges(
    live: SandboxServer, api: httpx.Client
) -> None:
    charges = live.state.objects("charge")

    def ids_where(check: Callable[[Charge], bool]) -> list[str]:
        return sorted(c["id"] for c in charges if check(c))

    def found(**filters: str) -> list[str]:
        named = {f"filters[{k}]": v for k, v in filters.items()}
        return sorted(_ids(api, scope="charge", **named))

    assert found(refunded="true") == ids_where(lambda c: c["refunded_amount"] > 0)
    assert found(disputed="true") == ids_where(lambda c: c["dispute"] is not None)
    assert found(status="FAILED") == ids_where(lambda c: c["status"] == "failed")
    assert found(failure_code="insufficient_fund") == ids_where(
        lambda c: c["failure_code"] == "insufficient_fund"
    )
    assert found(customer_present="no") == ids_where(lambda c: not c["customer"])
    assert found(disputed="true") and found(refunded="true")


def test_card_last_digits_and_several_filters_together(
    make_charge: Callable[..., Charge], api: httpx.Client
) -> None:
    jcb = make_charge("3530111333300000", amount=77700)

    both = {"filters[card_last_digits]": "0000", "filters[amount]": "777"}
    wrong_amount = {"filters[card_last_digits]": "0000", "filters[amount]": "778"}

    assert _ids(api, scope="charge", **both) == [jcb["id"]]
    assert _ids(api, scope="charge", **wrong_amount) == []
    assert _ids(api, scope="charge", query="0000", **both) == [jcb["id"]]


def test_created_dates_are_whole_days_in_bangkok(
    live: SandboxServer, make_charge: Callable[..., Charge], api: httpx.Client
) -> None:
    # 00:30 in Bangkok is still the previous day in UTC.
    now = live.state.now()
    midnight_bkk = (now + timedelta(hours=7)).replace(hour=0, minute=0, second=0)
    at = midnight_bkk + timedelta(days=1, minutes=30) - timedelta(hours=7)
    live.set_clock(at.astimezone(UTC))
    late = make_charge()
    bkk_day = (at + timedelta(hours=7)).date().isoformat()
    utc_day = at.date().isoformat()

    on_the_day = _ids(api, scope="charge", **{"filters[created]": bkk_day})
    day_before = _ids(api, scope="charge", **{"filters[created]": utc_day})
    open_range = _ids(api, scope="charge", **{"filters[created]": f"{bkk_day}.."})
    exact = f"{iso(at)}..{iso(at + timedelta(seconds=1))}"

    assert on_the_day == open_range == [late["id"]]
    assert late["id"] not in day_before
    assert _ids(api, scope="charge", **{"filters[created]": exact}) == [late["id"]]
    assert (
        _ids(api, scope="charge", **{"filters[created]": "2001-01-01..2001-12-31"})
        == []
    )


# -- the other scopes --------------------------------------------------------


def test_refunds_are_searched_by_voided_amount_and_charge(
    make_charge: Callable[..., Charge], api: httpx.Client
) -> None:
    charge = make_charge(amount=200000)
    refund = api.post(
        f"/charges/{charge['id']}/refunds",
        json={"amount": 45000, "metadata": {"ticket": "CS-2210"}},
    ).json()

    assert refund["voided"] is True  # refunded before settlement
    voided = _ids(api, scope="refund", **{"filters[voided]": "true"})
    assert refund["id"] in voided
    assert _ids(api, scope="refund", **{"filters[amount]": "450"}) == [refund["id"]]
    assert _ids(api, scope="refund", query="cs-2210") == [refund["id"]]
    assert _ids(api, scope="refund", query=charge["id"]) == [refund["id"]]
    found = _search(api, scope="refund", query="cs-2210")["data"][0]
    assert found == api.get(f"/charges/{charge['id']}/refunds/{refund['id']}").json()


def test_disputes_are_searched_through_their_charge_s_card(
    live: SandboxServer, api: httpx.Client
) -> None:
    disputes = live.state.objects("dispute")
    assert disputes, "the seeded sandbox opens at least one dispute"
    dispute = disputes[0]
    charge = live.state.require("charge", dispute["charge"])
    digits = charge["card"]["last_digits"]
    other_digits = "1111" if digits != "1111" else "2222"

    by_card = _ids(api, scope="dispute", **{"filters[card_last_digits]": digits})
    by_status = _ids(api, scope="dispute", **{"filters[status]": dispute["status"]})

    assert dispute["id"] in by_card and dispute["id"] in by_status
    assert (
        _ids(api, scope="dispute", **{"filters[card_last_digits]": other_digits}) == []
    )
    assert _ids(api, scope="dispute", query=charge["id"]) == [dispute["id"]]
    assert dispute["id"] in _ids(api, scope="dispute", query=digits)


def test_customers_are_searched_by_email_and_created_date(
    live: SandboxServer, api: httpx.Client, make_token: Callable[..., str]
) -> None:
    made = api.post(
        "/customers",
        json={
            "email": "Pim.Chaiyo@example.co.th",
            "card": make_token("4111111111111111"),
        },
    ).json()
    today = (live.state.now() + timedelta(hours=7)).date().isoformat()

    by_email = _ids(
        api, scope="customer", **{"filters[email]": "pim.chaiyo@example.co.th"}
    )
    created_today = _ids(api, scope="customer", **{"filters[created]": today})

    assert by_email == [made["id"]]
    assert created_today == [made["id"]]
    assert made["id"] in _ids(api, scope="customer", query="1111")


def test_charge_schedules_are_searched_when_schedules_exist(
    live: SandboxServer, api: httpx.Client, make_token: Callable[..., str]
) -> None:
    if not any(m.__name__.endswith(".schedules") for m in MODULES):
        pytest.skip("the sandbox does not serve schedules yet (no schedules module)")
    customer = api.post("/customers", json={"card": make_token()}).json()
    today = live.state.now().date()
    start, end = today + timedelta(days=3), today + timedelta(days=400)
    made = api.post(
        "/schedules",
        json={
            "every": 1,
            "period": "month",
            "on": {"days_of_month": [15]},
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "charge": {
                "customer": customer["id"],
                "amount": 99000,
                "currency": "THB",
                "description": "ค่าสมาชิกรายเดือน",
            },
        },
    )
    assert made.status_code == 200, made.text
    schedule = made.json()

    assert _ids(api, scope="charge_schedule", query="สมาชิก") == [schedule["id"]]
    monthly = _ids(api, scope="charge_schedule", **{"filters[period]": "month"})
    assert schedule["id"] in monthly
    assert _ids(api, scope="transfer_schedule") == []


@pytest.mark.parametrize("scope", ["link", "recipient", "transfer"])
def test_scopes_of_objects_the_sandbox_never_makes_are_empty(
    api: httpx.Client, scope: str
) -> None:
    found = _search(api, scope=scope, query="demo")

    assert (found["scope"], found["total"], found["data"]) == (scope, 0, [])
    assert found["total_pages"] == 0


# -- reading only what changed ----------------------------------------------


def test_a_repeat_search_reads_only_the_charges_that_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = _many_charges(2000)
    decoded: list[str] = []
    read = search_rows._read

    def counting_read(reader: Any, object_id: str, *args: Any) -> Any:
        decoded.append(object_id)
        return read(reader, object_id, *args)

    monkeypatch.setattr(search_rows, "_read", counting_read)
    with (
        SandboxServer(state) as server,
        httpx.Client(base_url=server.base_url, auth=(server.secret_key, "")) as api,
    ):
        _search(api, scope="charge")
        first_search = len(decoded)
        changed = state.objects("charge")[123]
        state.update_charge(changed["id"], description="ลูกค้าประจำ VIP")
        decoded.clear()

        found = _search(api, scope="charge", query="ประจำ")

    assert first_search == 2000
    assert decoded == [changed["id"]]
    assert [c["id"] for c in found["data"]] == [changed["id"]]


def _many_charges(count: int) -> SandboxState:
    now = datetime(2025, 6, 1, tzinfo=UTC)
    state = SandboxState(demo_account(random.Random(1), now))
    for n in range(count):
        charge = ch.new_charge(
            f"chrg_test_{n:019d}", now - timedelta(seconds=count - n), 10000 + n, "THB"
        )
        charge["description"] = f"Order {n}"
        state.put("charge", charge)
    return state
