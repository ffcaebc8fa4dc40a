"""A bar chart with a heading and an empty state (QtCharts), vertical or horizontal, and the
round tick steps of its value axis. The Persona page's style charts are four of these."""

from __future__ import annotations

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QResizeEvent
from PySide6.QtWidgets import QLabel, QStackedLayout, QVBoxLayout, QWidget

from desktop.ui.theme import ACCENT, TEXT
from desktop.ui.widgets.activity_chart import integer_ticks, label_every, labels_fit_every

BAR_COLOR = ACCENT
AXIS_TEXT = "#4b5563"
AXIS_LINE = "#d1d5db"
GRID_COLOR = "#eef0f4"
#: A chart's heading (and the words beside its pickers).
TITLE_STYLE = f"font-weight: 600; color: {TEXT};"


class BarChart(QWidget):
    """One set of bars with a heading and an empty state; vertical or horizontal.

    Bars sit at 0, 1, 2...; a ``QCategoryAxis`` labels them, every n-th bar when they would
    not fit side by side (as in the activity chart), so labels are never elided.
    """

    def __init__(
        self,
        title: str,
        *,
        horizontal: bool = False,
        value_labels: bool | None = None,
        color: str = BAR_COLOR,
        empty_text: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.horizontal = horizontal
        self.value_labels = horizontal if value_labels is None else value_labels
        self.bars: list[tuple[str, float]] = []
        self.setAccessibleName(title)
        self._label_every = 0

        self.title_label = QLabel(title)
        self.title_label.setObjectName("chartTitle")
        self.title_label.setStyleSheet(TITLE_STYLE)
        self.title_label.setWordWrap(True)  # a long title must not hold the two chart columns apart
        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.setBackgroundVisible(False)
        self.chart.setMargins(QMargins(0, 0, 0, 0))
        self.chart.layout().setContentsMargins(0, 0, 0, 0)
        self.chart.legend().hide()
        self.bar_set = QBarSet(title)
        self.bar_set.setColor(QColor(color))
        self.bar_set.setBorderColor(QColor(color))
        self.bar_set.setLabelColor(QColor(AXIS_TEXT))
        self.series: QAbstractBarSeries = QHorizontalBarSeries() if horizontal else QBarSeries()
        self.series.setBarWidth(0.7)
        self.series.append(self.bar_set)
        self.chart.addSeries(self.series)
        self.category_axis = QCategoryAxis()
        self.category_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        self.category_axis.setGridLineVisible(False)
        self.value_axis = QValueAxis()
        self.value_axis.setGridLineColor(QColor(GRID_COLOR))
        for axis in (self.category_axis, self.value_axis):
            axis.setLabelsFont(QFont(self.font().family(), 8))
            axis.setLinePenColor(QColor(AXIS_LINE))
            axis.setLabelsColor(QColor(AXIS_TEXT))
        if horizontal:
            self.chart.addAxis(self.category_axis, Qt.AlignmentFlag.AlignLeft)
            self.chart.addAxis(self.value_axis, Qt.AlignmentFlag.AlignBottom)
            self.category_axis.setReverse(True)  # the first bar (the largest) at the top
        else:
            self.chart.addAxis(self.category_axis, Qt.AlignmentFlag.AlignBottom)
            self.chart.addAxis(self.value_axis, Qt.AlignmentFlag.AlignLeft)
        if self.value_labels:
            self.series.setLabelsVisible(True)
            self.series.setLabelsPosition(QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
        self.series.attachAxis(self.category_axis)
        self.series.attachAxis(self.value_axis)

        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(200)
        self.view.setStyleSheet("background: transparent;")
        self.empty_label = QLabel(empty_text or "Nothing to show yet.")
        self.empty_label.setObjectName("muted")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title_label)
        # The stack joins this widget's layout before it takes widgets: a parentless stacked layout
        # would hide them as top-level windows (a platform warning under offscreen Qt).
        self.stack = QStackedLayout()
        layout.addLayout(self.stack, 1)
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self.view)
        self.setMinimumHeight(230)

    def set_title(self, title: str) -> None:
        self.title_label.setText(title)
        self.setAccessibleName(title)

    def set_bars(self, bars: list[tuple[str, float]], *, decimals: int = 0, suffix: str = "") -> None:
        """Show ``(label, value)`` bars in order; an empty list shows the empty text."""
        self.bars = [(str(label), float(value)) for label, value in bars]
        self.bar_set.remove(0, self.bar_set.count())
        if not self.bars or not any(value > 0 for _, value in self.bars):
            self.stack.setCurrentWidget(self.empty_label)
            self.setAccessibleDescription(self.empty_label.text())
            return
        self.bar_set.append([value for _, value in self.bars])
        # Room past the longest bar for its value label.
        highest = max(value for _, value in self.bars) * (1.15 if self.value_labels else 1.0)
        step, top = nice_ticks(highest)
        self.value_axis.setLabelFormat("%d" if step >= 1 else f"%.{1 if step * 10 % 1 == 0 else 2}f")
        self.value_axis.setTickType(QValueAxis.TickType.TicksDynamic)
        self.value_axis.setTickAnchor(0)
        self.value_axis.setTickInterval(step)
        self.value_axis.setRange(0, top)
        self.series.setLabelsFormat("@value" + suffix)  # values come rounded to what is worth reading
        self._label_every = 0
        self._fit_labels()
        self.stack.setCurrentWidget(self.view)
        self.setAccessibleDescription(
            "; ".join(f"{label}: {value:.{decimals}f}{suffix}" for label, value in self.bars)
        )

    def _fit_labels(self) -> None:
        if not self.bars:
            return
        labels = [label for label, _ in self.bars]
        every = 1
        if not self.horizontal:
            every = labels_fit_every(self.category_axis, labels, pad=10, plot_width=self.width() - 50)
        if every != self._label_every:
            self._label_every = every
            label_every(self.category_axis, labels, every)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._fit_labels()


def nice_ticks(highest: float, most: int = 6) -> tuple[float, float]:
    """A round tick step (0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10...) and the axis top for ``highest``."""
    if highest >= 1:
        step, top = integer_ticks(int(-(-highest // 1)), most)
        return float(step), float(top)
    step = 0.01
    while True:
        for factor in (1, 2, 2.5, 5):
            candidate = round(step * factor, 4)
            if highest / candidate <= most - 1:
                top = -(-highest // candidate) * candidate
                return candidate, round(max(top, candidate), 4)
        step *= 10
