"""The "Ready to export" card: how many approved replies wait, exporting them, and the fine-tuning file.

It says what an export will hold before asking for a file, shows the export's progress with
Cancel, and keeps the line that reports what was written (with "Show in folder"), which the
packs list also uses for a re-export.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QWidget

from desktop.core.tasks import Progress
from desktop.ui.controllers.packs_jobs import ExportPreview, PacksData
from desktop.ui.theme import TEXT, plural
from desktop.ui.widgets.common.buttons import button
from desktop.ui.widgets.common.labels import message_label, muted_label
from desktop.ui.widgets.common.rows import left_row
from desktop.ui.widgets.packs import dialogs
from desktop.ui.widgets.packs.common import set_message, set_primary
from desktop.ui.widgets.page import card_layout
from desktop.ui.workers import Failure

if TYPE_CHECKING:
    from desktop.ui.widgets.packs_page import PacksPage

EMPTY_WAITING = "Approve drafts in the Inbox first: approved replies wait here until you export them."
ALL_EXPORTED = "Every approved reply is in a pack. Replies you approve next will wait here for the next pack."
NO_PACK_WRITTEN = "No pack was written and no reply was marked as exported."
NOTHING_TO_LEARN = f"No approved replies to learn from yet. {EMPTY_WAITING}"


class ExportCard(QFrame):
    """Ready to export: the count waiting, Export pack…, Export for fine-tuning…, Go to the Inbox."""

    def __init__(self, page: PacksPage) -> None:
        super().__init__()
        self.page = page
        self.last_written: str | None = None
        layout = card_layout(self, "Ready to export")
        self.waiting_label = QLabel("Counting the approved replies…")
        self.waiting_label.setObjectName("waitingCount")
        self.waiting_label.setStyleSheet(f"font-size: 15pt; font-weight: 600; color: {TEXT};")
        self.waiting_label.setWordWrap(True)
        self.waiting_hint = muted_label()
        layout.addWidget(self.waiting_label)
        layout.addWidget(self.waiting_hint)
        self.export_button = button(
            "Export pack…", "See what goes in, then choose where to save the zip (Ctrl+E)", self.start_export
        )
        self.export_button.setObjectName("primary")
        self.finetune_button = button(
            "Export for fine-tuning…",
            "Write your approved (message, reply) pairs as chat-format JSONL, for training a model "
            "(Ctrl+Shift+E)",
            self.start_finetune,
        )
        self.inbox_button = button(
            "Go to the Inbox", "Review and approve drafts (Ctrl+4)", page.inbox_requested
        )
        self.inbox_button.hide()
        layout.addLayout(left_row(self.export_button, self.finetune_button, self.inbox_button))
        # Progress of a running export (hidden otherwise).
        self.progress_row = QWidget()
        progress_layout = QHBoxLayout(self.progress_row)
        progress_layout.setContentsMargins(0, 4, 0, 0)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMaximumWidth(220)
        self.progress_label = QLabel("")
        self.progress_label.setObjectName("muted")
        self.cancel_button = button(
            "Cancel", "Stop the export; nothing is written (Esc)", page.cancel_running
        )
        progress_layout.addWidget(self.progress_bar)
        progress_layout.addWidget(self.progress_label, 1)
        progress_layout.addWidget(self.cancel_button)
        self.progress_row.hide()
        layout.addWidget(self.progress_row)
        self.export_message = message_label("exportMessage")
        self.show_written_button = button(
            "Show in folder", "Open the folder of the file just written", self._show_written
        )
        self.show_written_button.hide()
        message_row = QHBoxLayout()
        message_row.addWidget(self.export_message, 1)
        message_row.addWidget(self.show_written_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(message_row)

    def say(self, text: str, kind: str = "") -> None:
        """Report on exports (and re-exports): ``kind`` 'ok', 'error' or '' (see ``set_message``)."""
        set_message(self.export_message, text, kind)

    # --- what waits ------------------------------------------------------------------------------------
    def show_waiting(self, data: PacksData) -> None:
        if data.waiting:
            verb = "waits" if data.waiting == 1 else "wait"
            self.waiting_label.setText(
                f"{plural(data.waiting, 'approved reply', 'approved replies')} {verb} for the next pack"
            )
            self.waiting_hint.setText(
                "Export them as a zip for your posting tool. Each reply goes in one pack."
            )
        else:
            self.waiting_label.setText("Nothing waits for export")
            self.waiting_hint.setText(ALL_EXPORTED if data.packs else EMPTY_WAITING)
        self.inbox_button.setVisible(not data.waiting)
        # The next step is the primary button: export when replies wait, else approving some in the Inbox.
        set_primary(self.export_button, bool(data.waiting))
        set_primary(self.inbox_button, not data.waiting)

    def show_settled(self, settled: list[tuple[int, str]]) -> None:
        """Say what became of exports a crash interrupted (settled by this load)."""
        notes = []
        for pack_id, outcome in settled:
            if outcome == "completed":
                notes.append(f"An export interrupted last time had finished writing: it is pack {pack_id}.")
            else:
                notes.append(
                    "An export was interrupted last time; its unfinished file was removed and its "
                    "replies wait for the next pack."
                )
        if notes:
            self.say(" ".join(notes))

    def update_buttons(self) -> None:
        data = self.page.data
        self.export_button.setEnabled(not self.page.busy_exporting() and data.waiting > 0)
        self.finetune_button.setEnabled(data.approved_pairs > 0)

    # --- exporting a pack --------------------------------------------------------------------------------
    @Slot()
    def start_export(self) -> None:
        """Export pack… (Ctrl+E): see what goes in, choose the file, then write it off the GUI thread."""
        page = self.page
        if page.controller is None or page.asking or page.busy_exporting():
            return
        if page.loaded and not page.data.waiting:
            self.say(f"Nothing to export yet. {EMPTY_WAITING}")
            return
        page.asking = True
        self.say("Looking at what the pack will hold…")
        page.controller.preview_export()

    @Slot(object)
    def on_preview_ready(self, preview: ExportPreview) -> None:
        page = self.page
        try:
            if not preview.count:
                self.say(f"Nothing to export yet. {EMPTY_WAITING}")
                return
            self.say("")
            redact = dialogs.ask_export(page, preview, page.redact)
            if redact is None:
                return
            page.redact = redact
            suggested = page.last_folder / f"reply-pack-{datetime.now():%Y-%m-%d-%H%M}.zip"
            path = dialogs.choose_save_path(page, "Save the reply pack", suggested, dialogs.PACK_FILTER)
            if path:
                page.export_to(path, redact=redact)
        finally:
            page.asking = False

    @Slot()
    def on_export_started(self) -> None:
        self.progress_bar.setValue(0)
        self.progress_label.setText("Starting the export…")
        self.cancel_button.setEnabled(True)
        self.progress_row.show()
        self.show_written_button.hide()
        self.say("")
        self.update_buttons()

    @Slot(object)
    def on_export_progress(self, progress: Progress) -> None:
        self.progress_label.setText(progress.message)
        if progress.fraction is not None:
            self.progress_bar.setValue(int(progress.fraction * 1000))

    @Slot(object)
    def on_exported(self, summary: Any) -> None:
        self.end_progress()
        details = f"{plural(summary.replies, 'reply', 'replies')}"
        if summary.edited:
            details += f", {summary.edited} edited by you"
        if summary.redacted:
            details += ", fans' emails and phone numbers removed"
        self.say(
            f"✓ Pack {summary.export_id} written to {summary.path} ({details}). "
            "These replies are now marked exported.",
            "ok",
        )
        self.show_written_path(str(summary.path))

    @Slot()
    def on_export_cancelled(self) -> None:
        self.end_progress()
        self.say(f"Export cancelled. {NO_PACK_WRITTEN}")

    def end_progress(self) -> None:
        self.progress_row.hide()
        self.update_buttons()

    def cancel_export(self) -> None:
        """Esc during an export: stop it unless it has started writing (then it finishes in a moment)."""
        if self.page.controller is None:
            return
        if not self.page.controller.cancel_export():
            self.progress_label.setText(
                "Too late to cancel: the pack is being written and is complete in a moment "
                "(a half-written pack is never left behind)."
            )
        else:
            self.progress_label.setText("Cancelling…")
        self.cancel_button.setEnabled(False)

    def show_written_path(self, path: str) -> None:
        self.last_written = path
        self.show_written_button.show()

    @Slot()
    def _show_written(self) -> None:
        if self.last_written:
            dialogs.show_in_folder(self.last_written)

    # --- the fine-tuning file ----------------------------------------------------------------------------
    @Slot()
    def start_finetune(self) -> None:
        """Export for fine-tuning… (Ctrl+Shift+E)."""
        page = self.page
        if page.controller is None or page.asking:
            return
        if page.loaded and not page.data.approved_pairs:
            self.say(NOTHING_TO_LEARN)
            return
        page.asking = True
        page.controller.count_finetune()

    @Slot(int)
    def on_finetune_counted(self, count: int) -> None:
        page = self.page
        try:
            if not count:
                self.say(NOTHING_TO_LEARN)
                return
            redact = dialogs.ask_finetune(page, count, page.redact)
            if redact is None:
                return
            page.redact = redact
            suggested = page.last_folder / f"approved-replies-{datetime.now():%Y-%m-%d}.jsonl"
            path = dialogs.choose_save_path(
                page, "Save the fine-tuning file", suggested, dialogs.FINETUNE_FILTER
            )
            if path and page.controller is not None:
                path = page.remember_folder(path, ".jsonl")
                self.say("Writing the fine-tuning file…")
                page.controller.export_finetune(path, redact=redact)
        finally:
            page.asking = False

    @Slot(str, int)
    def on_finetune_written(self, path: str, count: int) -> None:
        self.say(
            f"✓ Wrote {plural(count, 'approved (message, reply) pair')} to {path} as chat-format JSONL.", "ok"
        )
        self.show_written_path(path)

    # --- trouble -----------------------------------------------------------------------------------------
    def on_failed(self, action: str, failure: Failure) -> None:
        """Say why an export, a re-export or the fine-tuning file failed."""
        if action == "export":
            self.end_progress()
            said = "nothing was" in failure.text.lower()  # the core's own words already say so
            text = failure.text if said else f"{failure.text} {NO_PACK_WRITTEN}"
            self.say(f"The pack could not be exported. {text}", "error")
        elif action == "reexport":
            self.say(f"The pack could not be written again. {failure.text}", "error")
        elif action == "finetune":
            self.say(f"The training file was not written. {failure.text}", "error")
        else:
            self.waiting_label.setText("The reply packs could not be read")
            self.say(failure.text, "error")
