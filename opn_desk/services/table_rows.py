"""Streaming the rows a table shows to the exporter, page by page.

A tab describes what it shows as a ``TableExport``: translated headers,
column kinds, and functions that read the rows and count them. The
description is built on the GUI thread and holds no Qt object; the rows
are read on a worker thread, one short session per page, so memory stays
flat however many rows the table has.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from opn_desk.models.charge_filter import ChargeFilter
from opn_desk.models.charge_store import ChargeListItem, ChargeOrder, charge_page
from opn_desk.models.db import session_scope
from opn_desk.models.journal_queries import (
    AuditFilter,
    AuditListItem,
    iter_audit_entries,
)
from opn_desk.models.refund_queries import RefundFilter, RefundListItem, refund_page
from opn_desk.services.export import (
    Cancelled,
    ColumnKind,
    ExportFormat,
    Progress,
    SheetSpec,
    export_rows,
)

logger = logging.getLogger(__name__)

EXPORT_PAGE_ROWS = 1_000

Item = TypeVar("Item")
# read_page(session, last item of the previous page or None, rows before)
PageReader = Callable[[Session, Item | None, int], Sequence[Item]]
ValueOf = Callable[[Item], object]


@dataclass(frozen=True, slots=True)
class TableExport:
    """A table as the clerk sees it, ready to be written off the GUI thread.

    ``rows`` and ``count`` are called on the worker that writes the file;
    they open sessions of their own. ``count`` may answer None when the
    number is not known, and the progress bar then has no total.
    """

    name: str
    headers: Sequence[str]
    kinds: Sequence[ColumnKind]
    rows: Callable[[], Iterable[Sequence[object]]]
    count: Callable[[], int | None]
    zone: tzinfo = UTC
    buddhist_era: bool = False

    def __post_init__(self) -> None:
        if len(self.headers) != len(self.kinds):
            raise ValueError("a table export needs one column kind per header")


def write_table(
    table: TableExport,
    path: Path,
    export_format: ExportFormat,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> list[Path]:
    """Write ``table`` to ``path`` (nothing is left there when cancelled).

    Raises:
        ExportCancelled: when ``cancelled()`` answered true.
        OSError: when the file cannot be written.
    """
    total = table.count()
    sheet = SheetSpec(table.name, table.headers, table.rows(), table.kinds, total)
    return export_rows(
        path,
        export_format,
        [sheet],
        progress,
        cancelled,
        zone=table.zone,
        buddhist_era=table.buddhist_era,
    )


def stream_pages(
    engine: Engine, read_page: PageReader[Item], page_rows: int = EXPORT_PAGE_ROWS
) -> Iterator[Item]:
    """Every item a paged query gives, reading ``page_rows`` at a time.

    Each page is read in a short session of its own and handed on before
    the next is read, so only one page is ever held. ``read_page`` gets the
    last item of the previous page (to seek past it) and the number of
    items read so far (for a query that only knows offsets); a page shorter
    than ``page_rows`` is the last.
    """
    if page_rows < 1:
        raise ValueError("a page needs at least one row")
    last: Item | None = None
    done = 0
    while True:
        with session_scope(engine) as session:
            page = list(read_page(session, last, done))
        yield from page
        if len(page) < page_rows:
            return
        last, done = page[-1], done + len(page)


def table_rows(
    items: Iterable[Item], values: Sequence[ValueOf[Item]]
) -> Iterator[list[object]]:
    """One export row per item: each column's value, in order."""
    for item in items:
        yield [value(item) for value in values]


def shown_charges(
    engine: Engine,
    charge_filter: ChargeFilter,
    zone: tzinfo,
    order: ChargeOrder,
    page_rows: int = EXPORT_PAGE_ROWS,
) -> Iterator[ChargeListItem]:
    """Every charge the Transactions table shows, in its order.

    Each page seeks past the last charge of the one before (an index
    seek), so the millionth row costs what the first did.
    """

    def read(
        session: Session, last: ChargeListItem | None, _done: int
    ) -> list[ChargeListItem]:
        return charge_page(
            session, order, 0, page_rows, charge_filter, zone, after=last
        )

    return stream_pages(engine, read, page_rows)


def shown_refunds(
    engine: Engine, refund_filter: RefundFilter, page_rows: int = EXPORT_PAGE_ROWS
) -> Iterator[RefundListItem]:
    """Every refund the Refunds table shows, newest first."""

    # The refunds query knows only offsets, so a late page costs more than
    # an early one; refunds are far fewer than charges, and this stays
    # until the query takes a refund to seek past.
    def read(
        session: Session, _last: RefundListItem | None, done: int
    ) -> list[RefundListItem]:
        return refund_page(session, refund_filter, done, page_rows)

    return stream_pages(engine, read, page_rows)


def shown_audit_entries(
    engine: Engine, audit_filter: AuditFilter, page_rows: int = EXPORT_PAGE_ROWS
) -> Iterator[AuditListItem]:
    """Every entry the audit log shows, newest first."""
    return iter_audit_entries(engine, audit_filter, page_rows)


def counted(engine: Engine, count: Callable[[Session], int]) -> int:
    """``count`` run in a short session of its own."""
    with session_scope(engine) as session:
        return count(session)
