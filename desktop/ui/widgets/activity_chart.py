"""The creator's activity over time: their own items and everyone else's, as stacked bars."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCharts import QBarSet, QCategoryAxis, QChart, QChartView, QStackedBarSeries, QValueAxis
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QResizeEvent
from PySide6.QtWidgets import QLabel, QStackedLayout, QVBoxLayout, QWidget

from desktop.ui.theme import ACCENT, MONTHS

OWN_COLOR = ACCENT
OTHERS_COLOR = "#c7d2fe"
#: Beyond this many months, bars are per year (a bar per month would be unreadable).
MAX_MONTH_BARS = 36


EMPTY_TEXT = "Your activity over time will appear here once an archive is imported."


def month_label(month: str, *, short: bool = False) -> str:
    """``'2024-11'`` as ``'Nov 2024'`` (``short``: ``"Nov '24"``, for crowded axes)."""
    name = MONTHS[int(month[5:7]) - 1]
    return f"{name} '{month[2:4]}" if short else f"{name} {month[:4]}"


def integer_ticks(highest: int, most: int = 6) -> tuple[int, int]:
    """A whole, round tick step (1, 2, 5, 10, 20, 50, ...) and the axis top for counts up to ``highest``."""
    highest = max(1, highest)
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if highest / step <= most - 1:
                top = -(-highest // step) * step
                return step, top
        magnitude *= 10


def bucket(activity: list[tuple[str, int, int]]) -> tuple[str, list[tuple[str, int, int]]]:
    """Bars for the chart: per month when there are few, else per year; returns the unit too."""
    if len(activity) <= MAX_MONTH_BARS:
        short = len(activity) > 8
        return "month", [(month_label(month, short=short), own, others) for month, own, others in activity]
    years: dict[str, list[int]] = {}
    for month, own, others in activity:
        totals = years.setdefault(month[:4], [0, 0])
        totals[0] += own
        totals[1] += others
    return "year", [(year, own, others) for year, (own, others) in years.items()]


def labels_fit_every(axis: QCategoryAxis, labels: Sequence[str], pad: int, plot_width: int) -> int:
    """1 when ``labels`` (``pad`` pixels apart) fit side by side in ``plot_width``, else the n
    of "every nth bar labelled" that makes them fit (never an elided "N...")."""
    metrics = QFontMetrics(axis.labelsFont())
    widest = max(metrics.horizontalAdvance(label) for label in labels) + pad
    return max(1, -(-widest * len(labels) // max(1, plot_width)))


def label_every(axis: QCategoryAxis, labels: Sequence[str], every: int) -> None:
    """Put every ``every``-th of ``labels`` on ``axis``, each on its bar's centre."""
    for label in list(axis.categoriesLabels()):
        axis.remove(label)
    axis.setStartValue(-0.5)
    for index in range(0, len(labels), every):
        axis.append(labels[index], index)
    axis.setRange(-0.5, len(labels) - 0.5)


class ActivityChart(QWidget):
    """A stacked bar chart (yours / others') with a friendly empty state."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Activity over time")
        self.activity: list[tuple[str, int, int]] = []
        self.unit = "month"
        self.categories: list[str] = []
        self._label_every = 0

        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.setBackgroundVisible(False)
        self.chart.setMargins(QMargins(0, 0, 0, 0))
        self.chart.layout().setContentsMargins(0, 0, 0, 0)
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        self.chart.legend().setFont(QFont(self.font().family(), 9))
        self.own_set = QBarSet("You")
        self.others_set = QBarSet("Others (fans, comments, DMs)")
        for bar_set, color in ((self.own_set, OWN_COLOR), (self.others_set, OTHERS_COLOR)):
            bar_set.setColor(QColor(color))
            bar_set.setBorderColor(QColor(color))
        self.series = QStackedBarSeries()
        self.series.setBarWidth(0.7)
        self.series.append(self.own_set)
        self.series.append(self.others_set)
        self.chart.addSeries(self.series)
        # Bars sit at x = 0, 1, 2...; a category axis labels them, and can label every n-th bar only.
        self.x_axis = QCategoryAxis()
        self.x_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        self.y_axis = QValueAxis()
        self.y_axis.setLabelFormat("%d")
        self.y_axis.setGridLineColor(QColor("#eef0f4"))
        self.x_axis.setGridLineVisible(False)
        for axis in (self.x_axis, self.y_axis):
            axis.setLabelsFont(QFont(self.font().family(), 8))
            axis.setLinePenColor(QColor("#d1d5db"))
            axis.setLabelsColor(QColor("#4b5563"))
        self.chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        self.series.attachAxis(self.x_axis)
        self.series.attachAxis(self.y_axis)

        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(240)
        self.view.setMaximumHeight(320)
        self.view.setStyleSheet("background: transparent;")
        self.empty_label = QLabel(EMPTY_TEXT)
        self.empty_label.setObjectName("muted")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setMinimumHeight(90)

        # The stack joins this widget's layout before it gets widgets: a parentless stacked layout
        # shows its first widget as a window of its own (a flash, and the main window loses focus).
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedLayout()
        layout.addLayout(self.stack)
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self.view)
        self.set_activity([])

    def set_activity(self, activity: list[tuple[str, int, int]]) -> None:
        """Show ``(month 'YYYY-MM', yours, others')`` rows, oldest first."""
        self.activity = list(activity)
        self.unit, bars = bucket(self.activity)
        self.categories = [label for label, _, _ in bars]
        self.own_set.remove(0, self.own_set.count())
        self.others_set.remove(0, self.others_set.count())
        for label in list(self.x_axis.categoriesLabels()):
            self.x_axis.remove(label)
        if not bars:
            self.stack.setCurrentWidget(self.empty_label)
            self.view.setMinimumHeight(0)
            return
        self.own_set.append([float(own) for _, own, _ in bars])
        self.others_set.append([float(others) for _, _, others in bars])
        self._label_every = 0
        step, top = integer_ticks(max(own + others for _, own, others in bars))
        self.y_axis.setRange(0, top)
        self.y_axis.setTickType(QValueAxis.TickType.TicksDynamic)
        self.y_axis.setTickAnchor(0)
        self.y_axis.setTickInterval(step)
        self._fit_labels()
        self.chart.setTitle("")
        self.view.setMinimumHeight(240)
        self.stack.setCurrentWidget(self.view)
        total_own = sum(own for _, own, _ in bars)
        total_others = sum(others for _, _, others in bars)
        self.setAccessibleDescription(
            f"Items per {self.unit} from {self.categories[0]} to {self.categories[-1]}: "
            f"{total_own:,} by you, {total_others:,} by others."
        )

    def _fit_labels(self) -> None:
        """Label every bar when the labels fit side by side, else every 2nd, 3rd... bar (never "N...")."""
        if not self.categories:
            return
        # The plot is the chart less the value axis (the plot area itself updates later).
        every = labels_fit_every(self.x_axis, self.categories, pad=12, plot_width=self.width() - 60)
        if every != self._label_every:
            self._label_every = every
            label_every(self.x_axis, self.categories, every)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._fit_labels()

    def totals(self) -> tuple[int, int]:
        """The creator's and others' items in the chart."""
        return sum(own for _, own, _ in self.activity), sum(others for _, _, others in self.activity)
