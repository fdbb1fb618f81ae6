"""Charges read from recorded API responses, upgraded to the 2019-05-29 shape.

A recorded file may hold a charge, a list or search result of charges, an
event whose data is a charge, or a list of such events. Every charge found is
kept; when several files hold the same id, the copy seen latest wins. Files
that hold no charge are skipped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from opn_desk.sandbox.times import epoch_of_iso, iso, parse_iso

logger = logging.getLogger(__name__)

Charge = dict[str, Any]

# Datetimes that tell how recent a copy of a charge is.
_PROGRESS_KEYS = ("created_at", "authorized_at", "paid_at", "reversed_at")


def load_charges(paths: Iterable[Path]) -> list[Charge]:
    """Every charge found under ``paths`` (files or folders), one per id."""
    best: dict[str, tuple[tuple[int, int], Charge]] = {}
    for file in _json_files(paths):
        for charge, seen_s in _charges_in_file(file):
            rank = (seen_s, len(charge))
            known = best.get(charge["id"])
            if known is None or rank >= known[0]:
                best[charge["id"]] = (rank, charge)
    return [charge for _, charge in best.values()]


def _json_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(path.rglob("*.json"))
        elif path.is_file():
            yield path
        else:
            raise FileNotFoundError(f"no fixture file or folder at {path}")


def _charges_in_file(file: Path) -> list[tuple[Charge, int]]:
    try:
        document = json.loads(file.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        logger.debug("skipping %s: not JSON (%s)", file, exc)
        return []
    found = []
    for raw, context_time in _charge_objects(document):
        charge = upgrade_charge(raw)
        if charge is None:
            logger.debug("skipping a charge without id or time in %s", file)
            continue
        found.append((charge, max(_progress_s(charge), context_time)))
    if not found:
        logger.debug("skipping %s: holds no charge", file)
    return found


def _charge_objects(document: Any) -> Iterator[tuple[dict[str, Any], int]]:
    """(charge, time of the response) for each charge in a response body."""
    if not isinstance(document, dict):
        return
    kind = document.get("object")
    if kind == "charge":
        yield document, 0
    elif kind == "event":
        data = document.get("data")
        if isinstance(data, dict) and data.get("object") == "charge":
            yield data, _time_s(document, "created_at", "created")
    elif kind in ("list", "search"):
        listed_at = _time_s(document, "to")
        for item in document.get("data") or []:
            for charge, seen_s in _charge_objects(item):
                yield charge, max(seen_s, listed_at)


def upgrade_charge(raw: dict[str, Any]) -> Charge | None:
    """``raw`` in the 2019-05-29 shape, or None when it has no id or time.

    Legacy keys are renamed (``created``, go's ``created_at_at``,
    ``refunded``, ``captured``), currencies are upper-cased, and a status is
    derived when the recording predates it. Every other field is kept.
    """
    charge = dict(raw)
    _rename(charge, "created_at_at", "created_at")
    _rename(charge, "created", "created_at")
    _rename(charge, "refunded", "refunded_amount")
    _rename(charge, "captured", "paid")
    if not isinstance(charge.get("id"), str) or not charge.get("created_at"):
        return None
    try:
        charge["created_at"] = iso(parse_iso(str(charge["created_at"])))
    except ValueError:
        return None
    _upper_currency(charge)
    charge.setdefault("location", f"/charges/{charge['id']}")
    charge.setdefault("livemode", "_test_" not in charge["id"])
    if "status" not in charge:
        charge["status"] = _legacy_status(charge)
    refunds = charge.get("refunds")
    if isinstance(refunds, dict) and isinstance(refunds.get("data"), list):
        charge["refunds"] = dict(
            refunds, data=[_upgrade_refund(r) for r in refunds["data"]]
        )
    dispute = charge.get("dispute")
    if isinstance(dispute, dict):
        charge["dispute"] = _upgrade_nested(dispute)
    return charge


def _upgrade_refund(refund: Any) -> Any:
    return _upgrade_nested(refund) if isinstance(refund, dict) else refund


def _upgrade_nested(obj: dict[str, Any]) -> dict[str, Any]:
    upgraded = dict(obj)
    _rename(upgraded, "created", "created_at")
    _upper_currency(upgraded)
    return upgraded


def _rename(obj: dict[str, Any], old: str, new: str) -> None:
    if old in obj:
        value = obj.pop(old)
        obj.setdefault(new, value)


def _upper_currency(obj: dict[str, Any]) -> None:
    for key in ("currency", "funding_currency"):
        if isinstance(obj.get(key), str):
            obj[key] = obj[key].upper()


def _legacy_status(charge: Charge) -> str:
    if charge.get("paid"):
        return "successful"
    if charge.get("failure_code"):
        return "failed"
    if charge.get("reversed"):
        return "reversed"
    return "pending"


def _progress_s(charge: Charge) -> int:
    times = [_time_s(charge, key) for key in _PROGRESS_KEYS]
    refunds = charge.get("refunds")
    if isinstance(refunds, dict):
        times.append(_time_s(refunds, "to"))
    return max(times)


def _time_s(obj: dict[str, Any], *keys: str) -> int:
    """Seconds since 1970 of the first datetime among ``keys``, else 0."""
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str):
            try:
                return epoch_of_iso(value)
            except ValueError:
                continue
    return 0
