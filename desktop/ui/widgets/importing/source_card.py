"""One imported archive on the Import page: platform and export version, dates, counts,
warnings, and Remove."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.theme import MONTHS, TEXT, TEXT_MUTED, WARNING_COLOR, plural
from desktop.ui.widgets.common.boxes import box_layout

#: Below this width (pixels) a card shows its numbers in two rows.
NARROW_CARD = 620


def _parse(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def format_day(stamp: str | None) -> str:
    """``'2024-11-09T12:14:18.000Z'`` as ``'9 Nov 2024'`` (empty when unknown)."""
    moment = _parse(stamp)
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}" if moment else ""


def format_range(first: str | None, last: str | None) -> str:
    start, end = format_day(first), format_day(last)
    if not start and not end:
        return "No dates"
    if start == end or not end:
        return start
    return f"{start} – {end}"


class _Stat(QWidget):
    """A number over its label."""

    def __init__(self, key: str, label: str, value: int, *, highlight: bool = False) -> None:
        super().__init__()
        self.key = key
        self.value = value
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        number = QLabel(f"{value:,}")
        color = WARNING_COLOR if highlight and value else TEXT
        number.setStyleSheet(f"font-size: 15pt; font-weight: 600; color: {color};")
        caption = QLabel(label)
        caption.setObjectName("muted")
        caption.setWordWrap(True)
        caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout.addWidget(number)
        layout.addWidget(caption)
        layout.addStretch(1)
        self.setAccessibleName(f"{value:,} {label}")


class SourceCard(QFrame):
    """One imported archive: platform and export version, dates, counts, warnings, Remove."""

    remove_requested = Signal(int)  # source id

    def __init__(self, overview: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source_id = int(overview.id)
        self.overview = overview
        self.setObjectName("card")
        self.setAccessibleName(f"Imported archive: {overview.label} ({overview.filename})")
        layout = box_layout(QVBoxLayout, self, margins=(20, 16, 20, 16), spacing=8)
        header = box_layout(QHBoxLayout, spacing=10)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        version = str(getattr(overview, "version", "") or "")
        self.title_label = QLabel(str(overview.label))
        self.title_label.setObjectName("cardTitle")
        if version:
            self.title_label.setText(
                f"{overview.label}  <span style='color:{TEXT_MUTED}; font-weight:400;'>"
                f"· export {version}</span>"
            )
            self.title_label.setTextFormat(Qt.TextFormat.RichText)
        self.dates_label = QLabel(
            f"{format_range(overview.first_at, overview.last_at)}"
            f"  ·  {overview.filename}"
            + (f"  ·  imported {format_day(overview.imported_at)}" if overview.imported_at else "")
        )
        self.dates_label.setObjectName("muted")
        self.dates_label.setToolTip(str(getattr(overview, "path", "")))
        self.dates_label.setWordWrap(True)
        titles.addWidget(self.title_label)
        titles.addWidget(self.dates_label)
        header.addLayout(titles, 1)
        self.remove_button = QPushButton("Remove…")
        self.remove_button.setAccessibleName(f"Remove the {overview.label} archive {overview.filename}")
        self.remove_button.setToolTip("Remove this archive and everything that came only from it")
        self.remove_button.clicked.connect(self._on_remove_clicked)
        header.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(header)
        layout.addSpacing(4)

        stats = [
            ("posts", "your posts", int(getattr(overview, "posts", 0)), False),
            ("comments", "comments", int(getattr(overview, "comments", 0)), False),
            ("threads", "DM threads", int(getattr(overview, "threads", 0)), False),
            ("messages", "messages", int(getattr(overview, "messages", 0)), False),
            ("exchanges", "exchanges to learn from", int(getattr(overview, "exchanges", 0)), False),
            ("inbox_candidates", "awaiting your reply", int(getattr(overview, "inbox_candidates", 0)), True),
        ]
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(10)
        self.stats: dict[str, int] = {}
        self._stat_widgets = [
            _Stat(key, label, value, highlight=highlight) for key, label, value, highlight in stats
        ]
        self.stats = {widget.key: widget.value for widget in self._stat_widgets}
        self.columns = 0
        self._arrange_stats(len(self._stat_widgets))
        layout.addLayout(self.grid)

        new = getattr(overview, "new_items", None)
        already = getattr(overview, "already_imported", None)
        items = int(getattr(overview, "items", 0))
        if new is None or already is None:
            note = f"{plural(items, 'item')} in all."
        elif new == 0 and already:
            note = (
                f"{plural(items, 'item')} in all. The last import found nothing new: "
                f"all {already:,} were already imported."
            )
        else:
            note = f"{plural(items, 'item')} in all. The last import added {new:,} new" + (
                f"; {already:,} were already imported." if already else "."
            )
        self.note_label = QLabel(note)
        self.note_label.setObjectName("muted")
        self.note_label.setWordWrap(True)
        layout.addWidget(self.note_label)

        warnings = [str(w) for w in getattr(overview, "warnings", []) or []]
        self.warnings_button = QToolButton()
        self.warnings_button.setCheckable(True)
        self.warnings_button.setAutoRaise(True)
        self.warnings_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.warnings_button.setText(f"▸ {plural(len(warnings), 'warning')}")
        self.warnings_button.setAccessibleName(f"Show {plural(len(warnings), 'warning')}")
        self.warnings_button.setStyleSheet(f"color: {WARNING_COLOR};")
        self.warnings_button.toggled.connect(self._on_warnings_toggled)
        self.warnings_label = QLabel("\n".join(f"• {w}" for w in warnings))
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warnings_label.hide()
        self.warnings_button.setVisible(bool(warnings))
        layout.addWidget(self.warnings_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.warnings_label)
        self.warnings = warnings

    def _arrange_stats(self, columns: int) -> None:
        """Six numbers in one row, or two rows of three when the card is narrow."""
        if columns == self.columns:
            return
        self.columns = columns
        for widget in self._stat_widgets:
            self.grid.removeWidget(widget)
        for column in range(len(self._stat_widgets)):
            self.grid.setColumnStretch(column, 1 if column < columns else 0)
        for index, widget in enumerate(self._stat_widgets):
            self.grid.addWidget(widget, index // columns, index % columns)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._arrange_stats(len(self._stat_widgets) if event.size().width() >= NARROW_CARD else 3)

    def _on_remove_clicked(self) -> None:
        self.remove_requested.emit(self.source_id)

    def _on_warnings_toggled(self, shown: bool) -> None:
        self.warnings_label.setVisible(shown)
        count = plural(len(self.warnings), "warning")
        self.warnings_button.setText(f"{'▾' if shown else '▸'} {count}")

    def set_removing(self) -> None:
        self.remove_button.setEnabled(False)
        self.remove_button.setText("Removing…")
