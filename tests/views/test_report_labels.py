"""How the Reports tab and the tables word payment methods and statuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from opn_desk.models.charges import ChargeRecord
from opn_desk.models.db import session_scope
from opn_desk.services.reports import (
    NONE_LABEL,
    Period,
    ReportDefinition,
    ReportResult,
    run_report,
)
from opn_desk.views.labels import payment_method_label, report_group_label
from opn_desk.views.report_chart import ReportChart
from opn_desk.views.reports_table_model import ReportsTableModel

ZONE = ZoneInfo("Asia/Bangkok")


def whole_cache_report(engine: Engine, group_by: tuple[str, ...]) -> ReportResult:
    with session_scope(engine) as session:
        oldest = session.scalar(select(func.min(ChargeRecord.created_at)))
        assert oldest is not None
        today = datetime.now(UTC).astimezone(ZONE).date() + timedelta(days=1)
        definition = ReportDefinition(
            period=Period.CUSTOM,
            first_day=oldest.date() - timedelta(days=1),
            last_day=today,
            group_by=group_by,
        )
        return run_report(session, definition, ZONE, today)


def test_payment_methods_and_statuses_are_shown_in_words(
    charges_engine: Engine, qapp: Any
) -> None:
    result = whole_cache_report(charges_engine, ("payment_method", "status"))
    model = ReportsTableModel()
    chart = ReportChart()

    model.set_result(result)
    chart.set_result(result)

    groups = [row for row in range(model.rowCount()) if not model.is_total(row)]
    methods = {model.index(row, 1).data() for row in groups}
    statuses = {model.index(row, 2).data() for row in groups}
    assert {"Card", "PromptPay", "K PLUS mobile banking"} <= methods
    assert not methods & {"card", "promptpay", "mobile_banking_kbank"}
    assert "Successful" in statuses and "successful" not in statuses
    bars = [group for group, _gross in chart.bar_values()]
    assert "Card" in bars and "card" not in bars
    heights = [gross for _group, gross in chart.bar_values()]
    assert heights == sorted(heights, reverse=True)  # the largest on top


def test_other_groups_keep_their_value_and_none_is_translated() -> None:
    assert report_group_label("metadata:branch", "Siam Paragon") == "Siam Paragon"
    assert report_group_label("payment_method", NONE_LABEL) == "(none)"
    assert report_group_label("status", "successful") == "Successful"


def test_installment_sources_are_named_by_their_bank() -> None:
    assert payment_method_label("installment_bay") == "Krungsri installments"
    assert payment_method_label("installment_kbank") == "KBank installments"
    assert payment_method_label("installment_wlb_ktc") == "KTC installments"
    assert payment_method_label("installment_newbank") == "NEWBANK installments"
