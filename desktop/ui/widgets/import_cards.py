"""The Import page's pieces: a row per running import, a card per imported archive."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QElapsedTimer, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.tasks import Progress
from desktop.ui.theme import ERROR_COLOR, OK_COLOR, plural
from desktop.ui.workers import Failure

#: Below this width (pixels) a card shows its numbers in two rows.
NARROW_CARD = 620
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_elapsed(ms: int) -> str:
    seconds = max(0, ms // 1000)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


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
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}" if moment else ""


def format_range(first: str | None, last: str | None) -> str:
    start, end = format_day(first), format_day(last)
    if not start and not end:
        return "No dates"
    if start == end or not end:
        return start
    return f"{start} – {end}"


class ImportRow(QFrame):
    """One import: file name, status, a progress bar (bytes), items, elapsed time, Cancel.

    States follow the controller's job states (queued, running, asking, done, failed, cancelled).
    """

    cancel_requested = Signal(int)  # job id
    dismiss_requested = Signal(int)  # job id

    def __init__(self, job_id: int, name: str, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job_id = job_id
        self.name = name
        self.state = "queued"
        self.items = 0
        self.setObjectName("card")
        self.setAccessibleName(f"Import of {name}")
        self.elapsed = QElapsedTimer()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.setSpacing(6)

        top = QHBoxLayout()
        top.setSpacing(10)
        self.name_label = QLabel(name)
        self.name_label.setObjectName("cardTitle")
        self.name_label.setToolTip(path)
        self.name_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.name_label.setMinimumWidth(80)
        self.status_label = QLabel("Queued: starts when the one before it ends")
        self.status_label.setObjectName("muted")
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName(f"Cancel the import of {name}")
        self.cancel_button.setToolTip("Stop this import; nothing from it is kept (Esc)")
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setAccessibleName(f"Dismiss the import of {name}")
        self.dismiss_button.clicked.connect(self._on_dismiss_clicked)
        self.dismiss_button.hide()
        top.addWidget(self.name_label, 1)
        top.addWidget(self.status_label)
        top.addWidget(self.cancel_button)
        top.addWidget(self.dismiss_button)
        outer.addLayout(top)

        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedHeight(8)
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.progress_bar.setAccessibleName(f"Progress of {name}")
        self.progress_bar.hide()  # until it starts
        outer.addWidget(self.progress_bar)

        self.message_label = QLabel("")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.hide()
        outer.addWidget(self.message_label)

        self.details_button = QToolButton()
        self.details_button.setText("Show details")
        self.details_button.setCheckable(True)
        self.details_button.setAutoRaise(True)
        self.details_button.setAccessibleName("Show the technical details")
        self.details_button.toggled.connect(self._on_details_toggled)
        self.details_button.hide()
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(160)
        self.details.setAccessibleName("Technical details")
        self.details.hide()
        outer.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignLeft)
        outer.addWidget(self.details)

    # --- states ---------------------------------------------------------------------------------
    def is_active(self) -> bool:
        return self.state in ("queued", "running", "asking")

    def show_running(self) -> None:
        self.state = "running"
        if not self.elapsed.isValid():
            self.elapsed.start()
        self.progress_bar.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self.message_label.hide()
        self.tick()

    def show_progress(self, progress: Progress, items: int) -> None:
        self.items = items
        fraction = progress.fraction
        if fraction is None:
            self.progress_bar.setRange(0, 0)  # busy: size unknown
        else:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(max(self.progress_bar.value(), int(fraction * 1000)))
        self.tick()

    def tick(self) -> None:
        """Refresh the items-and-elapsed text (called every second while running)."""
        if self.state != "running":
            return
        elapsed = format_elapsed(self.elapsed.elapsed()) if self.elapsed.isValid() else "0 s"
        self.status_label.setText(f"{plural(self.items, 'item')} read · {elapsed}")

    def show_asking(self) -> None:
        self.state = "asking"
        self.status_label.setText("Waiting for you: which participant are you?")

    def show_done(self, summary: object) -> None:
        self.state = "done"
        items = int(getattr(summary, "items", 0))
        new = int(getattr(summary, "new_items", 0))
        label = str(getattr(summary, "label", ""))
        elapsed = format_elapsed(self.elapsed.elapsed()) if self.elapsed.isValid() else ""
        if items and not new:
            text = f"Nothing new: all {plural(items, 'item')} were imported before"
        else:
            text = f"Imported {plural(items, 'item')} from {label}" + (
                f" ({new:,} new)" if new != items else ""
            )
        self.status_label.setText(f"Done in {elapsed}" if elapsed else "Done")
        self._finish(f"✓ {text}.", OK_COLOR)
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(1000)

    def show_failed(self, failure: Failure) -> None:
        self.state = "failed"
        self.status_label.setText("Not imported")
        if failure.is_bug:
            self._finish(
                "Something went wrong inside Understudy while importing this archive (a bug, not something "
                "you did). Nothing from it was kept.",
                ERROR_COLOR,
            )
            self.details.setPlainText(failure.details or failure.text)
            self.details_button.show()
        else:
            self._finish(failure.text, ERROR_COLOR)

    def show_cancelled(self, note: str = "Cancelled. Nothing from this archive was kept.") -> None:
        self.state = "cancelled"
        self.status_label.setText("Cancelled")
        self._finish(note, "#6b7280")

    def _finish(self, message: str, color: str) -> None:
        self.cancel_button.hide()
        self.dismiss_button.show()
        self.progress_bar.hide()
        self.message_label.setText(message)
        self.message_label.setStyleSheet(f"color: {color};")
        self.message_label.show()

    # --- buttons ----------------------------------------------------------------------------------
    def _on_cancel_clicked(self) -> None:
        self.cancel_button.setEnabled(False)
        self.status_label.setText("Cancelling…")
        self.cancel_requested.emit(self.job_id)

    def _on_dismiss_clicked(self) -> None:
        self.dismiss_requested.emit(self.job_id)

    def _on_details_toggled(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText("Hide details" if shown else "Show details")


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
        color = "#b45309" if highlight and value else "#111827"
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(8)

        header = QHBoxLayout()
        header.setSpacing(10)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        version = str(getattr(overview, "version", "") or "")
        self.title_label = QLabel(str(overview.label))
        self.title_label.setObjectName("cardTitle")
        if version:
            self.title_label.setText(
                f"{overview.label}  <span style='color:#6b7280; font-weight:400;'>· export {version}</span>"
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
        self.warnings_button.setStyleSheet("color: #b45309;")
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
