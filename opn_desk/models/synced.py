"""Columns every table of API objects shares: identity, raw JSON, tombstone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, String, false
from sqlalchemy.orm import Mapped, mapped_column

from opn_desk.models.base import JsonDocument, UtcDateTime


class Tombstoned:
    """An object that can vanish upstream and stays cached as a tombstone.

    ``deleted`` is set when the API reports the object deleted, or answers
    404 when it is fetched again; ``deleted_at`` is when that was learnt
    (or when the API says it ended).
    """

    deleted: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ApiObject(Tombstoned):
    """An API object as last seen: its id, mode, JSON and when it was fetched."""

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    raw: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)
