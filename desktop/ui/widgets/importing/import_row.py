"""One running (or finished) import on the Import page: name, status, progress, items, time."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
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
from desktop.ui.theme import ERROR_COLOR, OK_COLOR, TEXT_MUTED, plural
from desktop.ui.widgets.common.boxes import box_layout
from desktop.ui.workers import Failure


def format_elapsed(ms: int) -> str:
    seconds = max(0, ms // 1000)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


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
        outer = box_layout(QVBoxLayout, self, margins=(16, 12, 16, 12), spacing=6)
        top = box_layout(QHBoxLayout, spacing=10)
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
        self._finish(note, TEXT_MUTED)

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
