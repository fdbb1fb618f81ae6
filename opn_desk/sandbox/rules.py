"""Rules that depend on the sandbox's settings: refund support, settlement, windows.

Pure functions of a charge, a ``SandboxConfig`` and the current time, used
by the endpoints and by the seeder alike, so seeded charges carry the same
flags as charges made over HTTP.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

from opn_desk.sandbox import charges as ch
from opn_desk.sandbox.config import SandboxConfig
from opn_desk.sandbox.times import parse_iso

# Timer hooks that re-check a paid charge's flags (settlement, window end).
REFRESH_FLAGS = "charge.refresh_flags"


def method_of(charge: dict[str, Any]) -> str:
    """``card`` or the charge's source type (``promptpay``...)."""
    source = charge.get("source")
    if isinstance(source, dict) and source.get("type"):
        return str(source["type"])
    return "card"


def refund_support(charge: dict[str, Any], config: SandboxConfig) -> str:
    return config.refund_support_of(method_of(charge))


def settles_at(paid_at: datetime, config: SandboxConfig) -> datetime:
    """Midnight after ``paid_at`` in the account's time zone, plus the delay.

    Until then a refund is a void (the default: the same Bangkok calendar
    day as the payment).
    """
    local = paid_at.astimezone(_zone(config.account_utc_offset_hours))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    next_day = midnight + timedelta(days=1 + config.settlement_delay_days)
    return next_day.astimezone(paid_at.tzinfo)


@cache
def _zone(offset_hours: int) -> timezone:
    return timezone(timedelta(hours=offset_hours))


def card_brand(charge: dict[str, Any]) -> str | None:
    card = charge.get("card")
    return str(card.get("brand")) if isinstance(card, dict) else None


def refund_window_ends_at(charge: dict[str, Any], config: SandboxConfig) -> datetime:
    """When refunds stop being accepted: ``paid_at`` + 365 (or 160) days."""
    days = config.refund_window_days_for(card_brand(charge))
    return parse_iso(charge["paid_at"]) + timedelta(days=days)


def voidable(charge: dict[str, Any], config: SandboxConfig, now: datetime) -> bool:
    """A refund now would be a void: a card charge not yet settled."""
    if not ch.paid_by_card(charge) or not charge.get("paid_at"):
        return False
    return now < settles_at(parse_iso(charge["paid_at"]), config)


def refresh_flags(charge: dict[str, Any], config: SandboxConfig, now: datetime) -> None:
    """Recompute the refund and void flags of a paid charge for ``now``."""
    if not charge.get("paid_at"):
        return
    ch.refresh_refund_flags(
        charge,
        refund_support(charge, config),
        config.max_refunds_per_charge,
        voidable=voidable(charge, config, now),
        window_open=now < refund_window_ends_at(charge, config),
    )


def after_payment_timers(
    charge: dict[str, Any], config: SandboxConfig, now: datetime
) -> list[tuple[datetime, str, str]]:
    """(due, hook, charge id) for the moments the charge's flags change."""
    paid_at = parse_iso(charge["paid_at"])
    moments = [settles_at(paid_at, config), refund_window_ends_at(charge, config)]
    return [(due, REFRESH_FLAGS, charge["id"]) for due in moments if due > now]
