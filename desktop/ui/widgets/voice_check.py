"""The voice check on the Persona page: does the clone still sound like me?

It drafts the golden inbox (real messages with the reply the creator actually wrote, held out
of retrieval: ``desktop.core.persona.evaluation``) with the active persona on the model thread,
saves the report, and shows it beside the previous one: style distance, meaning similarity,
style averages against the creator's own, and the guard's counts. It runs on demand and after
every saved persona change, so a change shows whether it made the clone better or only
different. ``understudy persona eval`` prints the same table.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.persona.evaluation import (
    CLOSER,
    FEWER,
    FURTHER,
    MORE,
    Comparison,
    compare_reports,
    describe_report,
    format_value,
    latest_report,
    load_reports,
    run_eval,
    save_report,
)
from desktop.core.tasks import CancelToken, Progress
from desktop.ui.controllers.drafting_controller import DraftingController
from desktop.ui.theme import ERROR_COLOR
from desktop.ui.widgets.common.wiring import connect_by_name
from desktop.ui.widgets.persona.fields import button, muted
from desktop.ui.workers import Failure

AFTER_SAVE_LIMIT = 8
"""Golden messages drafted by the automatic check after a save (the full set on demand): a
quick answer while the creator is still looking; compared over the messages both runs drafted."""
COLUMNS = ("Measure", "Yours", "Before", "Now", "Change")
_GOOD, _BAD = QColor("#15803d"), QColor(ERROR_COLOR)
# For the guard's counts fewer is better; for the rest "closer" is.
_CHANGE_COLOURS = {CLOSER: _GOOD, FURTHER: _BAD, FEWER: _GOOD, MORE: _BAD}


def _check_job(limit: int | None) -> Any:
    def job(session: Any, cancel: CancelToken) -> Any:
        """On the model thread: draft the golden inbox with the active persona, save, compare."""
        before = latest_report(session.store)
        report = yield from run_eval(session, limit=limit, cancel=cancel)
        save_report(session.store, report)
        return compare_reports(before, report)

    return job


def _latest_job(session: Any, _cancel: CancelToken) -> Comparison | None:
    """On the model thread: the last two saved reports, compared (None before the first check)."""
    reports = load_reports(session.store, limit=2)
    if not reports:
        return None
    return compare_reports(reports[1] if len(reports) > 1 else None, reports[0])


class VoiceCheck(QWidget):
    """Runs and shows the voice regression; drives the model thread of a ``DraftingController``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drafting: DraftingController | None = None
        self.job_id = 0
        self._latest_job = 0
        self._shown_once = False
        self._pending = False  # a check asked for before the model was ready
        #: Run a quick check after every saved change (off only where a test drives the model itself).
        self.check_after_save = True

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.setSpacing(8)
        intro = muted(
            "Drafts replies to real messages you answered yourself (held out, never used as examples) "
            "and compares them with what you actually wrote. It runs after every save.",
            wrap=True,
        )
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.run_button = button(
            "Check my voice",
            "Draft the held-out messages with the saved persona and compare (F6)",
            clicked=self.run_full,
        )
        self.cancel_button = button("Stop", "Stop the voice check; nothing is saved", clicked=self.cancel)
        self.cancel_button.hide()
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.progress.hide()
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.progress, 1)
        layout.addLayout(row)
        self.status = QLabel("No voice check yet.")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Voice check status")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setAccessibleName("Voice check results")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)

    # --- wiring -----------------------------------------------------------------------------------------
    def attach(self, drafting: DraftingController) -> None:
        self.drafting = drafting
        connect_by_name(drafting, self, "state_changed")

    def is_running(self) -> bool:
        return bool(self.job_id)

    # --- actions ----------------------------------------------------------------------------------------
    def run(self, limit: int | None = None) -> None:
        """Start a voice check (queued behind the model's current work); one at a time."""
        if self.drafting is None or self.job_id:
            return
        if not self.drafting.is_ready():
            self._pending = True
            self.status.setText("The voice check starts when the model has loaded…")
            self.drafting.start()
            return
        self._pending = False
        self.job_id = self.drafting.run_session_job(
            _check_job(limit),
            on_progress=self._check_progress,
            on_done=self._check_done,
            on_failed=self._check_failed,
            on_cancelled=self._check_cancelled,
        )
        if self.job_id:
            self.run_button.setEnabled(False)
            self.cancel_button.show()
            self.progress.setRange(0, 0)
            self.progress.show()
            self.status.setText("Checking your voice: drafting the held-out messages…")

    @Slot()
    def run_full(self) -> None:
        """The check on demand: every golden message."""
        self.run()

    def run_after_save(self) -> None:
        """The automatic check after a saved change: quick, and only with the model already loaded
        (saving never starts loading a model by itself)."""
        if self.check_after_save and self.drafting is not None and self.drafting.is_ready():
            self.run(AFTER_SAVE_LIMIT)

    @Slot()
    def cancel(self) -> None:
        if self.drafting is not None and self.job_id:
            self.drafting.cancel_session_job(self.job_id)

    def show_latest(self) -> None:
        """Show the last saved check (once per session, when the model is ready)."""
        if self.drafting is None or self._shown_once or self._latest_job or not self.drafting.is_ready():
            return
        self._latest_job = self.drafting.run_session_job(
            _latest_job,
            on_done=self._latest_done,
            on_failed=lambda _failure: self._latest_ended(),
            on_cancelled=self._latest_ended,
        )

    # --- model-thread results ---------------------------------------------------------------------------
    @Slot(str)
    def _on_state_changed(self, _state: str) -> None:
        if self.drafting is not None and self.drafting.is_ready():
            if self._pending:
                self.run()
            self.show_latest()

    def _check_progress(self, progress: Progress) -> None:
        if progress.total:
            self.progress.setRange(0, int(progress.total))
            self.progress.setValue(int(progress.done))
        self.status.setText(progress.message)

    def _check_done(self, comparison: Comparison) -> None:
        self._end()
        self._shown_once = True
        self.show_comparison(comparison)

    def _check_failed(self, failure: Failure) -> None:
        self._end()
        self.status.setText(f"The voice check could not run: {failure.text}")

    def _check_cancelled(self) -> None:
        self._end()
        self.status.setText("Voice check stopped; nothing was saved.")

    def _latest_done(self, comparison: Comparison | None) -> None:
        self._latest_ended()
        self._shown_once = True
        if comparison is not None and not self.job_id:
            self.show_comparison(comparison)

    def _latest_ended(self) -> None:
        self._latest_job = 0

    def _end(self) -> None:
        self.job_id = 0
        self.run_button.setEnabled(True)
        self.cancel_button.hide()
        self.progress.hide()

    # --- the table ----------------------------------------------------------------------------------------
    def show_comparison(self, comparison: Comparison) -> None:
        """The report beside the previous one, a row per measure, the change coloured."""
        lines = [f"Now: {describe_report(comparison.now)}"]
        if comparison.before is not None:
            lines.append(f"Before: {describe_report(comparison.before)}")
        self.status.setText("\n".join(lines))
        self.table.setColumnHidden(2, comparison.before is None)
        self.table.setColumnHidden(4, comparison.before is None)
        self.table.setRowCount(len(comparison.rows))
        for row, metric in enumerate(comparison.rows):
            cells = (
                metric.label.strip(),
                format_value(metric.yours, metric.key) if metric.yours is not None else "",
                format_value(metric.before, metric.key),
                format_value(metric.now, metric.key),
                metric.change,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if metric.label.startswith(" "):
                    item.setForeground(QColor("#4b5563"))
                if column == 4 and metric.change in _CHANGE_COLOURS:
                    item.setForeground(_CHANGE_COLOURS[metric.change])
                self.table.setItem(row, column, item)
