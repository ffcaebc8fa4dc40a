"""The clone's fidelity as the creator sees it: the share of drafts approved without edits, per week."""

from __future__ import annotations

from typing import Any

from PySide6.QtCharts import QCategoryAxis, QChart, QChartView, QLineSeries, QScatterSeries, QValueAxis
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QLabel, QStackedLayout, QVBoxLayout, QWidget

LINE_COLOR = "#4f46e5"
EMPTY_TEXT = "Once you approve replies, the share you approve without edits shows here, week by week."
#: Only the most recent weeks are drawn (the chart is small).
MAX_WEEKS = 12


def week_label(week: str) -> str:
    """``'2024-W18'`` as ``'W18'`` (the year only where it changes is not worth the room)."""
    return week.split("-")[-1]


class FidelityChart(QWidget):
    """A small line chart of ``WeekFidelity`` rows, with a headline figure and a friendly empty state."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Approved without edits, by week")
        self.weeks: list[Any] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.headline = QLabel("Approved without edits")
        self.headline.setObjectName("muted")
        layout.addWidget(self.headline)

        self.chart = QChart()
        self.chart.legend().hide()
        self.chart.setBackgroundVisible(False)
        self.chart.setMargins(QMargins(0, 0, 0, 0))
        self.chart.layout().setContentsMargins(0, 0, 0, 0)
        self.series = QLineSeries()
        self.series.setPen(QPen(QColor(LINE_COLOR), 2))
        self.points = QScatterSeries()
        self.points.setMarkerSize(7)
        self.points.setColor(QColor(LINE_COLOR))
        self.points.setBorderColor(QColor(LINE_COLOR))
        self.chart.addSeries(self.series)
        self.chart.addSeries(self.points)
        small = QFont()
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.8))
        self.x_axis = QCategoryAxis()
        self.x_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        self.x_axis.setLabelsFont(small)
        self.x_axis.setGridLineVisible(False)
        self.y_axis = QValueAxis()
        self.y_axis.setRange(0, 100)
        self.y_axis.setTickCount(3)
        self.y_axis.setLabelFormat("%d%%")
        self.y_axis.setLabelsFont(small)
        self.chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        for series in (self.series, self.points):
            series.attachAxis(self.x_axis)
            series.attachAxis(self.y_axis)
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(104)
        self.view.setStyleSheet("background: transparent")

        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setObjectName("muted")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        holder = QWidget()
        self.stack = QStackedLayout(holder)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)
        layout.addWidget(holder, 1)

    def set_weeks(self, weeks: list[Any]) -> None:
        """Show ``WeekFidelity`` rows (oldest first)."""
        self.weeks = list(weeks)[-MAX_WEEKS:]
        self.series.clear()
        self.points.clear()
        for label in list(self.x_axis.categoriesLabels()):
            self.x_axis.remove(label)
        if not self.weeks:
            self.headline.setText("Approved without edits")
            self.stack.setCurrentWidget(self.empty)
            return
        approved = sum(w.approved for w in self.weeks)
        unedited = sum(w.unedited for w in self.weeks)
        latest = self.weeks[-1]
        self.headline.setText(
            f"Approved without edits: {latest.share:.0%} this week ({latest.unedited} of {latest.approved})"
            + (f" · {unedited / approved:.0%} over {len(self.weeks)} weeks" if len(self.weeks) > 1 else "")
        )
        self.headline.setToolTip("Drafts you approved as written: how well the clone writes like you.")
        for position, week in enumerate(self.weeks):
            point = QPointF(position, week.share * 100)
            self.series.append(point)
            self.points.append(point)
            self.x_axis.append(week_label(week.week), position)
        self.x_axis.setRange(-0.5, max(0.5, len(self.weeks) - 0.5))
        self.stack.setCurrentWidget(self.view)
