"""The creator's style profile as charts (QtCharts): how long, which emoji, when, and where.

The figures come from ``desktop.core.persona.style.StyleProfile`` (the creator's own messages,
comments and posts). The charts only show; the profile is read and computed off the GUI thread
by ``PersonaController``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

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
from PySide6.QtCore import QMargins, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.widgets.activity_chart import integer_ticks

BAR_COLOR = "#4f46e5"
HOUR_COLOR = "#0ea5e9"
EMOJI_COLOR = "#f59e0b"
PLATFORM_COLOR = "#14b8a6"
AXIS_TEXT = "#4b5563"
GRID_COLOR = "#eef0f4"

EMPTY_TITLE = "Your style appears here once you import an archive"
EMPTY_TEXT = (
    "Understudy learns how you write from your own messages, comments and posts: how long your "
    "replies are, your favourite emoji, when you're active, and how you sound on each platform."
)

#: Kinds of item, as a creator says them.
KIND_LABELS = {"dm": "Direct messages", "group": "Group chats", "comment": "Comments", "post": "Posts"}


@dataclass(frozen=True)
class Measure:
    """One figure the per-platform chart can compare."""

    label: str
    attribute: str
    scale: float = 1.0
    """Multiplier for display (100 turns a share into a percentage)."""
    suffix: str = ""
    decimals: int = 1


MEASURES: tuple[Measure, ...] = (
    Measure("Median words per message", "words_median", decimals=1),
    Measure("Emoji per message", "emoji_per_item", decimals=2),
    Measure("Messages with a question (%)", "question_rate", 100, "%", 0),
    Measure("Messages with “!” (%)", "exclamation_rate", 100, "%", 0),
    Measure("All in lower case (%)", "all_lowercase_share", 100, "%", 0),
    Measure("Formality (0-100)", "formality_mean", 100, "", 0),
)


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
        self.title_label.setStyleSheet("font-weight: 600; color: #111827;")
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
            axis.setLinePenColor(QColor("#d1d5db"))
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
            metrics = QFontMetrics(self.category_axis.labelsFont())
            widest = max(metrics.horizontalAdvance(label) for label in labels) + 10
            plot_width = max(1, self.width() - 50)
            every = max(1, -(-widest * len(labels) // plot_width))
        if every == self._label_every:
            return
        self._label_every = every
        for label in list(self.category_axis.categoriesLabels()):
            self.category_axis.remove(label)
        self.category_axis.setStartValue(-0.5)
        for index in range(0, len(labels), every):
            self.category_axis.append(labels[index], index)
        self.category_axis.setRange(-0.5, len(labels) - 0.5)

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


def platform_label(platform: str, labels: dict[str, str]) -> str:
    return labels.get(platform) or platform.replace("_", " ").title()


def summary_html(profile: Any) -> str:
    """The profile in a few plain sentences, as a creator would describe themselves."""
    o = profile.overall
    source = (
        f"an even sample of <b>{o.items:,}</b> of your {profile.own_items:,}"
        if profile.sampled
        else f"<b>{o.items:,}</b> of your"
    )
    parts = [
        f"From {source} messages, comments and posts: replies of "
        f"<b>{o.words_median:g} words</b> typically (9 in 10 within {o.words_p90}), "
        f"emoji in <b>{o.emoji_item_share:.0%}</b>, a question in {o.question_rate:.0%}, "
        f"“!” in {o.exclamation_rate:.0%}, all in lower case {o.all_lowercase_share:.0%}."
    ]

    def quoted(pairs: list[tuple[str, int]], most: int) -> str:
        return ", ".join(f"“{html.escape(text)}”" for text, _count in pairs[:most])

    extras = []
    if profile.greetings:
        extras.append("open with " + quoted(profile.greetings, 3))
    if profile.sign_offs:
        extras.append("sign off with " + quoted(profile.sign_offs, 3))
    if profile.phrases:
        extras.append("often say " + quoted(profile.phrases, 4))
    if extras:
        parts.append("You " + "; ".join(extras) + ".")
    return " ".join(parts)


class StyleCharts(QWidget):
    """Length histogram, top emoji, activity by hour and per-platform differences, or an empty state."""

    import_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile: Any = None
        self.platform_labels: dict[str, str] = {}

        # Empty state ---------------------------------------------------------------------------------
        self.empty = QWidget()
        empty_layout = QVBoxLayout(self.empty)
        empty_layout.setContentsMargins(0, 8, 0, 8)
        empty_layout.setSpacing(8)
        self.empty_title = QLabel(EMPTY_TITLE)
        self.empty_title.setStyleSheet("font-weight: 600; color: #3730a3;")
        self.empty_text = QLabel(EMPTY_TEXT)
        self.empty_text.setObjectName("muted")
        self.empty_text.setWordWrap(True)
        self.import_button = QPushButton("Go to Import")
        self.import_button.setToolTip("Import an archive of your messages and posts (Ctrl+1)")
        self.import_button.setAccessibleName("Go to the Import page")
        self.import_button.clicked.connect(self.import_requested)
        button_row = QHBoxLayout()
        button_row.addWidget(self.import_button)
        button_row.addStretch(1)
        empty_layout.addWidget(self.empty_title)
        empty_layout.addWidget(self.empty_text)
        empty_layout.addLayout(button_row)
        empty_layout.addStretch(1)

        # Charts -----------------------------------------------------------------------------------------
        self.charts = QWidget()
        charts_layout = QVBoxLayout(self.charts)
        charts_layout.setContentsMargins(0, 0, 0, 0)
        charts_layout.setSpacing(12)
        self.summary_label = QLabel("")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary_label.setAccessibleName("Your style in words")
        charts_layout.addWidget(self.summary_label)
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(14)
        self.length_chart = BarChart(
            "How long your messages are (words; 0 = emoji only)", empty_text="No text of yours yet."
        )
        # Emoji stand under upright bars: QtCharts elides large emoji labels on a vertical axis.
        self.emoji_chart = BarChart(
            "Your favourite emoji (times used)",
            value_labels=True,
            color=EMOJI_COLOR,
            empty_text="You don't use emoji (yet).",
        )
        self.emoji_chart.category_axis.setLabelsFont(QFont(self.font().family(), 14))  # small at 8 pt
        self.hours_chart = BarChart("When you write (hour of day, UTC)", color=HOUR_COLOR)
        self.platform_chart = BarChart(
            "", horizontal=True, color=PLATFORM_COLOR, empty_text="Import more than one platform to compare."
        )
        platform_box = QWidget()
        platform_layout = QVBoxLayout(platform_box)
        platform_layout.setContentsMargins(0, 0, 0, 0)
        platform_layout.setSpacing(4)
        pickers = QHBoxLayout()
        pickers.setSpacing(6)
        compare = QLabel("Compare")
        compare.setStyleSheet("font-weight: 600; color: #111827;")
        self.split_combo = QComboBox()
        self.split_combo.addItem("by platform", "platform")
        self.split_combo.addItem("DMs, comments, posts", "kind")
        self.split_combo.setAccessibleName("Compare by")
        self.split_combo.setToolTip("How your style differs between platforms, or kinds of message")
        self.measure_combo = QComboBox()
        for measure in MEASURES:
            self.measure_combo.addItem(measure.label)
        self.measure_combo.setAccessibleName("Figure to compare")
        self.split_combo.currentIndexChanged.connect(self._show_split)
        self.measure_combo.currentIndexChanged.connect(self._show_split)
        for combo in (self.split_combo, self.measure_combo):  # may shrink below their longest item
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        pickers.addWidget(compare)
        pickers.addWidget(self.split_combo)
        pickers.addWidget(self.measure_combo, 1)
        platform_layout.addLayout(pickers)
        self.platform_chart.title_label.hide()
        platform_layout.addWidget(self.platform_chart, 1)
        grid.addWidget(self.length_chart, 0, 0)
        grid.addWidget(self.emoji_chart, 0, 1)
        grid.addWidget(self.hours_chart, 1, 0)
        grid.addWidget(platform_box, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        charts_layout.addLayout(grid)

        # One of the two is shown; a hidden widget takes no room in a box layout (a stacked layout
        # would keep the empty state as tall as the charts).
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.charts)
        self.set_profile(None)

    def has_data(self) -> bool:
        return self.profile is not None and self.profile.items > 0

    def set_profile(self, profile: Any, platform_labels: dict[str, str] | None = None) -> None:
        """Show ``profile`` (a ``StyleProfile``), or the empty state for ``None`` or no items."""
        self.profile = profile
        self.platform_labels = dict(platform_labels or {})
        if not self.has_data():
            self._show(self.empty)
            return
        o = profile.overall
        self.summary_label.setText(summary_html(profile))
        self.length_chart.set_bars(list(o.length_histogram))
        self.emoji_chart.set_bars([(sequence, count) for sequence, count in o.top_emoji[:8]])
        self.hours_chart.set_bars([(f"{hour}h", count) for hour, count in enumerate(o.hours_utc)])
        # Compare the kinds when everything came from one platform.
        self.split_combo.blockSignals(True)
        self.split_combo.setCurrentIndex(1 if len(profile.by_platform) < 2 <= len(profile.by_kind) else 0)
        self.split_combo.blockSignals(False)
        self._show_split()
        self._show(self.charts)

    def _show(self, page: QWidget) -> None:
        self.empty.setVisible(page is self.empty)
        self.charts.setVisible(page is self.charts)

    @Slot()
    def _show_split(self) -> None:
        if not self.has_data():
            return
        measure = MEASURES[max(0, self.measure_combo.currentIndex())]
        by_kind = self.split_combo.currentData() == "kind"
        splits = self.profile.by_kind if by_kind else self.profile.by_platform
        bars = []
        for name, summary in splits.items():
            if by_kind:
                label = KIND_LABELS.get(name, name.title())
            else:
                label = platform_label(name, self.platform_labels)
            bars.append((label, round(getattr(summary, measure.attribute) * measure.scale, measure.decimals)))
        bars.sort(key=lambda bar: -bar[1])
        self.platform_chart.set_bars(bars, decimals=measure.decimals, suffix=measure.suffix)
        self.platform_chart.setAccessibleName(f"{measure.label}, {'by kind' if by_kind else 'by platform'}")
