"""The demo merchant's charge schedules, with their past runs and charges.

Six schedules, made through the same code as ``POST /schedules`` with the
clock pinned to days in the past, then run up to the seed's "now": a weekly
and a monthly one running, one expiring (a single date left), one suspended
after its declined card failed three times, one deleted, one not started.
Their dates are chosen relative to today so that they always make exactly
``DEMO_CHARGES`` charges, none of them today, whatever today is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from opn_desk.sandbox import schedule_dates as sd
from opn_desk.sandbox import schedule_runs as runs
from opn_desk.sandbox.resources import schedules, tokens
from opn_desk.sandbox.store import decode

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

# Seeds with fewer charges than this get no schedules.
MIN_CHARGES = 100
# Charges the demo schedules make: 4 weekly, 3 monthly, 2 expiring,
# 4 declined (suspended), 1 before deletion.
DEMO_CHARGES = 14
CREATED_AT_LOCAL = time(8, 5)
_GOOD_CUSTOMERS = 5


def demo_charges(charges: int) -> int:
    """How many of a seed's ``charges`` the demo schedules make."""
    return DEMO_CHARGES if charges >= MIN_CHARGES else 0


def add_demo_schedules(state: SandboxState, now: datetime) -> None:
    """Create the demo schedules and run them up to ``now``."""
    today = now.astimezone(runs.zone(state)).date()
    good, declining = _customers(state, today - timedelta(days=80))
    for plan in _plans(today, good, declining):
        created_on: date = plan.pop("created_on")
        deleted_on: date | None = plan.pop("deleted_on", None)
        with state.pinned_clock(_moment(state, created_on)):
            schedule_id = schedules.create(state, plan)
        if deleted_on is not None:
            deleted_at = _moment(state, deleted_on, time(12, 0))
            runs.run_until(state, schedule_id, deleted_at)
            with state.pinned_clock(deleted_at):
                runs.delete(state, state.require("schedule", schedule_id))
        runs.run_until(state, schedule_id, now)


def _customers(state: SandboxState, before: date) -> tuple[list[str], str]:
    """(customers whose card pays, the customer whose card declines), from
    the oldest customers (made before ``before``)."""
    good: list[str] = []
    declining = None
    for _, data in state.store.in_order("customer"):
        customer = decode(data)
        card_id = customer["default_card"]
        if customer["created_at"][:10] >= before.isoformat():
            break
        if card_id is None:
            continue
        if tokens.card_failure(state, card_id) is None:
            good.append(customer["id"])
        elif declining is None:
            declining = customer["id"]
        if len(good) >= _GOOD_CUSTOMERS and declining is not None:
            break
    if not good or declining is None:
        raise ValueError("the seed has no customers to give schedules to")
    return good, declining


def _plans(today: date, good: list[str], declining: str) -> list[dict[str, Any]]:
    def day(offset: int) -> date:
        return today + timedelta(days=offset)

    def customer(index: int) -> str:
        return good[index % len(good)]

    return [
        _plan(day(-27), day(364), "week", {"weekdays": [_weekday(day(-27))]},
              customer(0), 15000, "Coffee club, weekly beans",
              {"plan": "coffee-weekly", "branch": "Online store"}),
        _plan(day(-70), day(300), "month", {"days_of_month": [day(-70).day]},
              customer(1), 99000, "สมาชิกฟิตเนสรายเดือน",
              {"plan": "gym-monthly", "branch": "Siam Paragon"}),
        _plan(day(-40), day(25), "month", {"days_of_month": [day(-40).day]},
              customer(2), 250000, "Sofa in three instalments",
              {"plan": "sofa-3-months", "order_id": "TH-SOFA-0042"}),
        _plan(day(-25), day(60), "day", {}, declining, 59900,
              "Daily meal box",
              {"plan": "meal-daily", "branch": "Online store"}),
        _plan(day(-50), day(300), "month", {"days_of_month": [day(-50).day]},
              customer(3), 120000, "Magazine subscription (cancelled)",
              {"plan": "magazine-monthly"}, deleted_on=day(-30)),
        _plan(day(-2), day(200), "month", {"weekday_of_month": "last_friday"},
              customer(4), 450000, "Office cleaning, last Friday",
              {"plan": "cleaning-monthly", "branch": "Chiang Mai"},
              start_on=day(3)),
    ]  # fmt: skip


def _plan(
    created_on: date,
    end_on: date,
    period: str,
    on: dict[str, Any],
    customer_id: str,
    amount: int,
    description: str,
    metadata: dict[str, Any],
    *,
    deleted_on: date | None = None,
    start_on: date | None = None,
) -> dict[str, Any]:
    return {
        "created_on": created_on,
        "deleted_on": deleted_on,
        "every": 1,
        "period": period,
        "on": on,
        "start_date": (start_on or created_on).isoformat(),
        "end_date": end_on.isoformat(),
        "charge": {
            "customer": customer_id,
            "amount": amount,
            "currency": "THB",
            "description": description,
            "metadata": metadata,
        },
    }


def _weekday(day: date) -> str:
    return sd.WEEKDAYS[day.weekday()]


def _moment(state: SandboxState, day: date, at: time = CREATED_AT_LOCAL) -> datetime:
    return datetime.combine(day, at, tzinfo=runs.zone(state)).astimezone(UTC)
