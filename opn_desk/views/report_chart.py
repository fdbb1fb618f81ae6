"""The Reports tab's charts: bars per group and a line over time."""

from __future__ import annotations

from datetime import datetime, time

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QDateTimeAxis,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from opn_desk.services.export import money_number
from opn_desk.services.money import Money
from opn_desk.services.reports import ReportResult
from opn_desk.views.labels import report_group_label

MAX_BARS = 20


def chart_value(amount: int, currency: str) -> float:
    """An amount in the main unit as a plot coordinate.

    Qt's charts take doubles: this value only places a bar or a point on
    screen and is never added, stored or shown as text.
    """
    return float(money_number(Money(amount, currency)))


class ReportChart(QWidget):
    """Gross captured per top-level group (bars) and over time (a line),
    for one currency at a time: amounts of two currencies share no axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._result: ReportResult | None = None
        self.currency_combo = QComboBox(self)
        self.currency_combo.setObjectName("reportChartCurrency")
        self.currency_combo.currentIndexChanged.connect(self._draw)
        self.bars_view = _chart_view(self)
        self.line_view = _chart_view(self)
        self.note = QLabel(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.currency_combo)
        # One band per group: the bars get the larger share of the height.
        layout.addWidget(self.bars_view, 3)
        layout.addWidget(self.line_view, 2)
        layout.addWidget(self.note)

    def set_result(self, result: ReportResult | None) -> None:
        self._result = result
        self.currency_combo.blockSignals(True)
        self.currency_combo.clear()
        totals = sorted(result.totals, key=lambda t: -t.charges) if result else []
        for total in totals:  # the busiest currency first
            self.currency_combo.addItem(total.currency, total.currency)
        self.currency_combo.blockSignals(False)
        self._draw()

    def bar_values(self) -> list[tuple[str, float]]:
        """The bars drawn now, top one first: (group, gross in the main unit)."""
        chart = self.bars_view.chart()
        series = [s for s in chart.series() if isinstance(s, QHorizontalBarSeries)]
        if not series:
            return []
        axis = chart.axes(Qt.Orientation.Vertical)[0]
        assert isinstance(axis, QBarCategoryAxis)
        bar_set = series[0].barSets()[0]
        drawn = [(axis.at(i), bar_set.at(i)) for i in range(bar_set.count())]
        return drawn[::-1]  # Qt draws the first category at the bottom

    def line_points(self) -> int:
        chart = self.line_view.chart()
        lines = [s for s in chart.series() if isinstance(s, QLineSeries)]
        return lines[0].count() if lines else 0

    def _draw(self) -> None:
        currency = self.currency_combo.currentData()
        self.bars_view.setChart(self._bar_chart(currency))
        self.line_view.setChart(self._line_chart(currency))

    def _bar_chart(self, currency: str | None) -> QChart:
        chart = _chart(self.tr("Gross captured per group"))
        groups = self._top_groups(currency)
        if not groups or currency is None:
            return chart
        # The bars lie flat, so that each group's name has the width it
        # needs on the left; Qt draws the first one at the bottom.
        bottom_up = groups[::-1]
        bar_set = QBarSet(currency)
        for _label, gross in bottom_up:
            bar_set.append(chart_value(gross, currency))
        series = QHorizontalBarSeries()
        series.append(bar_set)
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append([label for label, _gross in bottom_up])
        # Whole names; where bars are too many for the height, Qt leaves
        # out the names that would overlap rather than cutting them all.
        categories.setTruncateLabels(False)
        _attach(chart, series, QValueAxis(), categories)
        shown = len(groups)
        self.note.setText(
            self.tr("Largest %n group(s) shown.", "", shown)
            if shown >= MAX_BARS
            else ""
        )
        return chart

    def _top_groups(self, currency: str | None) -> list[tuple[str, int]]:
        """Gross per first-level group of ``currency``, largest first.

        With two levels, the second-level rows of a first-level group are
        added up here: whole smallest units of a single currency.
        """
        if self._result is None or not self._result.definition.group_by:
            return []
        dimension = self._result.definition.group_by[0]
        sums: dict[str, int] = {}
        for row in self._result.rows:
            if row.currency == currency:
                label = report_group_label(dimension, row.labels[0])
                sums[label] = sums.get(label, 0) + row.gross
        ordered = sorted(sums.items(), key=lambda item: -item[1])
        return ordered[:MAX_BARS]

    def _line_chart(self, currency: str | None) -> QChart:
        chart = _chart(self.tr("Gross captured over time"))
        if self._result is None or currency is None:
            return chart
        series = QLineSeries()
        series.setName(currency)
        for point in self._result.timeline:
            if point.currency == currency:
                moment = datetime.combine(point.first_day, time(12))
                series.append(
                    moment.timestamp() * 1000, chart_value(point.gross, currency)
                )
        chart.addSeries(series)
        dates = QDateTimeAxis()
        dates.setFormat("yyyy-MM-dd")
        _attach(chart, series, dates, QValueAxis())
        return chart


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.legend().hide()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    return chart


def _attach(chart: QChart, series: object, x_axis: object, y_axis: object) -> None:
    """Put the axes on the chart; the one of amounts gets round numbers."""
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)  # type: ignore[arg-type]
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)  # type: ignore[arg-type]
    series.attachAxis(x_axis)  # type: ignore[attr-defined]
    series.attachAxis(y_axis)  # type: ignore[attr-defined]
    for axis in (x_axis, y_axis):
        if isinstance(axis, QValueAxis):
            axis.setLabelFormat("%.0f")
            axis.applyNiceNumbers()


def _chart_view(parent: QWidget) -> QChartView:
    view = QChartView(parent)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumSize(280, 180)
    return view
