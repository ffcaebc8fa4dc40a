"""The Inbox's "Draft all" card: draft every new message (pause, resume, cancel), approve all unflagged.

It shows the batch's state, progress and outcome; the page connects its buttons to the
controller and hands it the controller's batch signals.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from desktop.ui.controllers.inbox_batch import BATCH_IDLE, BATCH_PAUSING, BATCH_RUNNING, BATCH_WAITING
from desktop.ui.widgets.page import card_layout

IDLE_TEXT = "Draft every new message in one go: highest priority, then newest."


def _button(text: str, tip: str) -> QPushButton:
    push = QPushButton(text)
    push.setToolTip(tip)
    return push


class BatchCard(QFrame):
    """Draft all new (with its progress), Pause, Cancel, and Approve all unflagged…"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = card_layout(self)
        self.state = BATCH_IDLE
        self.counts: dict[str, int] = {}
        self.paused = False  # the last batch was paused: Draft all resumes it
        row = QHBoxLayout()
        row.setSpacing(8)
        self.draft_all_button = _button(
            "Draft all new", "Draft every new message: highest priority, then newest first"
        )
        self.draft_all_button.setObjectName("primary")
        self.pause_button = _button("Pause", "Finish the reply being written, then stop (Draft all resumes)")
        self.cancel_button = _button("Cancel", "Stop now; finished drafts are kept")
        self.approve_all_button = _button(
            "Approve all unflagged…", "Approve every unflagged draft, once you confirm the count"
        )
        row.addWidget(self.draft_all_button)
        row.addWidget(self.pause_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        row.addWidget(self.approve_all_button)
        layout.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Drafting progress")
        self.progress.setMaximumHeight(10)
        self.progress.setTextVisible(False)
        layout.addWidget(self.progress)
        self.batch_label = QLabel("")
        self.batch_label.setObjectName("muted")
        self.batch_label.setWordWrap(True)
        self.batch_label.setAccessibleName("Drafting status")
        layout.addWidget(self.batch_label)
        layout.addStretch(1)
        self.show_idle("")

    def show_counts(self, counts: dict[str, int]) -> None:
        """Name what Draft all would do with ``counts`` (entries per state)."""
        self.counts = dict(counts)
        waiting = counts.get("new", 0)
        if self.state != BATCH_IDLE:
            self.draft_all_button.setText("Drafting…")
            return
        if self.paused and waiting:
            self.draft_all_button.setText(f"Resume ({waiting} left)")
        else:
            self.draft_all_button.setText(f"Draft all new ({waiting})" if waiting else "Draft all new")
        self.draft_all_button.setEnabled(waiting > 0)

    @Slot(str)
    def show_state(self, state: str) -> None:
        self.state = state
        running = state != BATCH_IDLE
        self.pause_button.setVisible(state in (BATCH_RUNNING, BATCH_PAUSING))
        self.pause_button.setEnabled(state == BATCH_RUNNING)
        self.cancel_button.setVisible(running)
        self.progress.setVisible(running)
        self.draft_all_button.setEnabled(not running)
        if running:
            self.paused = False
            self.draft_all_button.setText("Drafting…")
        if state == BATCH_WAITING:
            self.progress.setRange(0, 0)
            self.batch_label.setText("Loading the model…")
        elif state == BATCH_RUNNING:
            self.progress.setRange(0, max(1, self.counts.get("new", 1)))
            self.progress.setValue(0)
            self.batch_label.setText("Drafting… the drafts appear in the list as they finish.")
        elif state == BATCH_PAUSING:
            self.batch_label.setText("Pausing after the reply being written…")

    @Slot(object)
    def show_progress(self, progress: Any) -> None:
        if progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done)
        if self.state == BATCH_RUNNING:
            self.batch_label.setText(f"{progress.message}… the drafts appear in the list as they finish.")

    @Slot(str, object)
    def show_ended(self, how: str, result: Any) -> None:
        """The batch ended: ``finished`` / ``paused`` (a ``BatchSummary``), ``cancelled`` or ``failed``."""
        from desktop.core.inbox.batch import summary_line

        if how == "failed":
            self.show_idle(f"Drafting stopped: {getattr(result, 'text', result)}")
        elif how == "cancelled":
            self.show_idle("Stopped. The finished drafts were kept; Draft all goes on with the rest.")
        else:
            self.paused = how == "paused"
            self.show_idle(summary_line(result))

    def show_idle(self, text: str) -> None:
        self.progress.hide()
        self.pause_button.hide()
        self.cancel_button.hide()
        self.batch_label.setText(text or IDLE_TEXT)
        self.show_counts(self.counts)
