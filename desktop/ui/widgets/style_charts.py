"""The creator's style profile as charts (QtCharts): how long, which emoji, when, and where.

The figures come from ``desktop.core.persona.style.StyleProfile`` (the creator's own messages,
comments and posts). The charts only show (each a ``bar_chart.BarChart``); the profile is read
and computed off the GUI thread by ``PersonaController``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.theme import ACCENT_DARK, WARNING_MARK
from desktop.ui.widgets.bar_chart import TITLE_STYLE, BarChart

HOUR_COLOR = "#0ea5e9"
EMOJI_COLOR = WARNING_MARK
PLATFORM_COLOR = "#14b8a6"

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
        self.empty_title.setStyleSheet(f"font-weight: 600; color: {ACCENT_DARK};")
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
        compare.setStyleSheet(TITLE_STYLE)
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
