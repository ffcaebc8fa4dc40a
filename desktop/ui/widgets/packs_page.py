"""Packs: approved replies leave Understudy only as a signed zip the creator exports, or by their webhook.

The page shows how many approved replies wait for the next pack, exports them (after showing what
will go in, with the choice to remove fans' emails and phone numbers), lists the packs exported
so far (Verify, Re-export, Show in folder), writes the fine-tuning file, and holds the optional
webhook connector (off by default; its token goes to the keychain only) with its delivery log.

Everything that touches the store, the keychain or a file runs on ``PacksController``'s threads;
connect the two with ``PacksPage.attach(controller)``. The page refreshes each time it is shown,
so replies approved in the Inbox meanwhile are counted.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QWidget,
)

from desktop.core.tasks import Progress
from desktop.ui import page_infos
from desktop.ui.controllers.packs_controller import (
    ExportPreview,
    PackRow,
    PacksController,
    PacksData,
    WebhookView,
)
from desktop.ui.theme import plural
from desktop.ui.widgets.packs_parts import (
    DeliveryLog,
    ExportDialog,
    PacksTable,
    export_summary,
    set_message,
)
from desktop.ui.widgets.page import Page, card
from desktop.ui.workers import Failure

PACK_FILTER = "Reply packs (*.zip);;All files (*)"
FINETUNE_FILTER = "Chat-format JSONL (*.jsonl);;All files (*)"

EMPTY_WAITING = "Approve drafts in the Inbox first: approved replies wait here until you export them."
ALL_EXPORTED = "Every approved reply is in a pack. Replies you approve next will wait here for the next pack."
EMPTY_PACKS = "No packs yet. Each pack you export is listed here, so you can check it or write it again."
EMPTY_LOG = "Nothing sent yet."
TOKEN_PLACEHOLDER = "Paste the token the receiving service gave you (kept in your keychain)"
TOKEN_SAVED_PLACEHOLDER = "A token is saved in your keychain (hidden). Type a new one to replace it."
NO_PACK_WRITTEN = "No pack was written and no reply was marked as exported."


# Dialogs, as module functions so that tests can answer them.
def ask_export(parent: QWidget, preview: ExportPreview, redact: bool) -> bool | None:
    """Show what the pack will hold; the redaction choice when the creator goes ahead, else ``None``."""
    heading, details = export_summary(preview)
    dialog = ExportDialog(
        "Export a reply pack", heading, details, samples=preview.samples, redact=redact, parent=parent
    )
    return dialog.redact() if dialog.exec() == ExportDialog.DialogCode.Accepted else None


def ask_finetune(parent: QWidget, count: int, redact: bool) -> bool | None:
    """Show what the fine-tuning file will hold; the redaction choice to go ahead, else ``None``."""
    dialog = ExportDialog(
        "Export for fine-tuning",
        f"{plural(count, 'approved (message, reply) pair')} will go into the file.",
        [
            "One line per pair in chat format (a system message, the fan's message, your approved reply): "
            "what fine-tuning tools read, so you can train a model of your own on replies you approved.",
            "Writing this file changes nothing in the inbox.",
        ],
        redact=redact,
        parent=parent,
    )
    return dialog.redact() if dialog.exec() == ExportDialog.DialogCode.Accepted else None


def choose_save_path(parent: QWidget, title: str, suggested: Path, file_filter: str) -> str:
    """Ask where to save; the path, or empty when the creator cancels (the dialog asks before replacing)."""
    path, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), file_filter)
    return path


def choose_pack_file(parent: QWidget, folder: Path) -> str:
    """Ask for a pack file to check; returns its path (empty when the creator cancels)."""
    path, _ = QFileDialog.getOpenFileName(parent, "Check a reply pack", str(folder), PACK_FILTER)
    return path


def confirm_reexport(parent: QWidget, pack: PackRow) -> bool:
    """Ask before writing a pack again: it holds the same replies, nothing new."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Write this pack again?")
    box.setText(f"Write pack {pack.id} again, with the same {plural(pack.replies, 'reply', 'replies')}?")
    box.setInformativeText(
        "Use this when the first file was lost or damaged. The new file holds exactly the replies of "
        "that pack; no reply approved since is added and none changes state, so nothing is exported twice."
    )
    again = box.addButton("Choose where to save…", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(again)
    box.exec()
    return box.clickedButton() is again


def ask_session_only(parent: QWidget, message: str) -> bool:
    """No keychain: keep the key or token for this session only? (Never written to a file either way.)"""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("No keychain on this computer")
    box.setText(message)
    box.setInformativeText(
        "Keep it for this session only? Packs signed with a session key can be checked only until "
        "you close Understudy."
    )
    session = box.addButton("Keep for this session", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return box.clickedButton() is session


def show_in_folder(path: str | Path) -> bool:
    """Open the folder holding ``path`` in the system's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))


def _default_folder() -> Path:
    documents = Path.home() / "Documents"
    return documents if documents.is_dir() else Path.home()


def _set_primary(button: QPushButton, primary: bool) -> None:
    """Give ``button`` the accent look of the page's next step (or take it away)."""
    if (button.objectName() == "primary") != primary:
        button.setObjectName("primary" if primary else "")
        button.style().unpolish(button)
        button.style().polish(button)


def _shortcut(parent: QWidget, keys: QKeySequence | str, slot: Any) -> QShortcut:
    # Window-wide, but a shortcut of a hidden page never fires: only while the Packs page shows.
    shortcut = QShortcut(QKeySequence(keys), parent)
    shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
    shortcut.activated.connect(slot)
    return shortcut


class PacksPage(Page):
    info = page_infos.PACKS

    #: The creator asked to go to the Inbox (from the empty state).
    inbox_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: PacksController | None = None
        self.data = PacksData()
        self.redact = True  # fans' emails and phone numbers are removed unless the creator says otherwise
        self.last_folder = _default_folder()
        self._folder_chosen = False
        self.last_written: str | None = None
        self._loaded = False
        self._asking = False
        # action -> what to run again once the creator lets secrets be kept for this session only
        self._retry: dict[str, Any] = {}

        # Ready to export ------------------------------------------------------------------------------
        export_card, export_layout = card("Ready to export")
        self.waiting_label = QLabel("Counting the approved replies…")
        self.waiting_label.setObjectName("waitingCount")
        self.waiting_label.setStyleSheet("font-size: 15pt; font-weight: 600; color: #111827;")
        self.waiting_label.setWordWrap(True)
        self.waiting_hint = QLabel("")
        self.waiting_hint.setObjectName("muted")
        self.waiting_hint.setWordWrap(True)
        export_layout.addWidget(self.waiting_label)
        export_layout.addWidget(self.waiting_hint)
        self.export_button = QPushButton("Export pack…")
        self.export_button.setObjectName("primary")
        self.export_button.setToolTip("See what goes in, then choose where to save the zip (Ctrl+E)")
        self.export_button.clicked.connect(self.start_export)
        self.finetune_button = QPushButton("Export for fine-tuning…")
        self.finetune_button.setToolTip(
            "Write your approved (message, reply) pairs as chat-format JSONL, for training a model "
            "(Ctrl+Shift+E)"
        )
        self.finetune_button.clicked.connect(self.start_finetune)
        self.inbox_button = QPushButton("Go to the Inbox")
        self.inbox_button.setToolTip("Review and approve drafts (Ctrl+4)")
        self.inbox_button.clicked.connect(self.inbox_requested)
        self.inbox_button.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.finetune_button)
        buttons.addWidget(self.inbox_button)
        buttons.addStretch(1)
        export_layout.addLayout(buttons)
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
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the export; nothing is written (Esc)")
        self.cancel_button.clicked.connect(self.cancel_running)
        progress_layout.addWidget(self.progress_bar)
        progress_layout.addWidget(self.progress_label, 1)
        progress_layout.addWidget(self.cancel_button)
        self.progress_row.hide()
        export_layout.addWidget(self.progress_row)
        self.export_message = QLabel("")
        self.export_message.setObjectName("exportMessage")
        self.export_message.setWordWrap(True)
        self.export_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_message.hide()
        self.show_written_button = QPushButton("Show in folder")
        self.show_written_button.setToolTip("Open the folder of the file just written")
        self.show_written_button.clicked.connect(self._show_written)
        self.show_written_button.hide()
        message_row = QHBoxLayout()
        message_row.addWidget(self.export_message, 1)
        message_row.addWidget(self.show_written_button, 0, Qt.AlignmentFlag.AlignTop)
        export_layout.addLayout(message_row)
        self.body.addWidget(export_card)

        # Packs exported so far ------------------------------------------------------------------------
        list_card, list_layout = card("Packs you exported")
        self.packs_empty = QLabel(EMPTY_PACKS)
        self.packs_empty.setObjectName("muted")
        self.packs_empty.setWordWrap(True)
        list_layout.addWidget(self.packs_empty)
        self.table = PacksTable()
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.activated.connect(self.verify_selected)  # Enter or double-click checks the pack
        self.table.hide()
        list_layout.addWidget(self.table)
        self.verify_button = QPushButton("Verify")
        self.verify_button.setToolTip("Check the pack's files and signature (Ctrl+Shift+V)")
        self.verify_button.clicked.connect(self.verify_selected)
        self.reexport_button = QPushButton("Re-export…")
        self.reexport_button.setToolTip("Write the same pack again, e.g. when the file was lost (Ctrl+R)")
        self.reexport_button.clicked.connect(self.reexport_selected)
        self.folder_button = QPushButton("Show in folder")
        self.folder_button.setToolTip("Open the folder holding the pack (Ctrl+Shift+O)")
        self.folder_button.clicked.connect(self.show_selected_in_folder)
        self.check_file_button = QPushButton("Check a pack file…")
        self.check_file_button.setToolTip("Verify any reply pack on this computer (Ctrl+O)")
        self.check_file_button.clicked.connect(self.verify_file)
        list_buttons = QHBoxLayout()
        for button in (self.verify_button, self.reexport_button, self.folder_button):
            list_buttons.addWidget(button)
        list_buttons.addStretch(1)
        list_buttons.addWidget(self.check_file_button)
        list_layout.addLayout(list_buttons)
        self.verify_message = QLabel("")
        self.verify_message.setObjectName("verifyMessage")
        self.verify_message.setWordWrap(True)
        self.verify_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verify_message.hide()
        list_layout.addWidget(self.verify_message)
        self.body.addWidget(list_card)

        # The optional webhook connector -------------------------------------------------------------
        hook_card, hook_layout = card("Webhook connector (optional)")
        intro = QLabel(
            "Off unless you turn it on. Sends each approved reply as JSON to an address you give, "
            "for example your own posting "
            "tool. Each reply carries an Idempotency-Key so the receiver never gets it twice; failed "
            "sends are retried a few times and every attempt is logged below."
        )
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        hook_layout.addWidget(intro)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        self.url_field = QLineEdit()
        self.url_field.setPlaceholderText("https://example.com/hooks/replies")
        self.url_field.setAccessibleName("Webhook address")
        self.url_field.returnPressed.connect(self.save_webhook)
        self.token_field = QLineEdit()
        self.token_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_field.setPlaceholderText(TOKEN_PLACEHOLDER)
        self.token_field.setAccessibleName("Webhook token")
        self.token_field.returnPressed.connect(self.save_webhook)
        self.forget_token_button = QPushButton("Remove token")
        self.forget_token_button.setToolTip("Delete the saved token from the keychain")
        self.forget_token_button.clicked.connect(self.forget_token)
        token_row = QHBoxLayout()
        token_row.addWidget(self.token_field, 1)
        token_row.addWidget(self.forget_token_button)
        self.enabled_box = QCheckBox("On: send approved replies to this address")
        self.enabled_box.setAccessibleName("Webhook connector on")
        form.addRow("Address", self.url_field)
        form.addRow("Token", token_row)
        form.addRow("", self.enabled_box)
        hook_layout.addLayout(form)
        self.save_hook_button = QPushButton("Save connector settings")
        self.save_hook_button.setToolTip("Save the address and switch; a token goes to the keychain (Enter)")
        self.save_hook_button.clicked.connect(self.save_webhook)
        self.send_button = QPushButton("Send approved replies now")
        self.send_button.setToolTip("Send every approved reply the webhook has not received yet")
        self.send_button.clicked.connect(self.send_now)
        self.stop_send_button = QPushButton("Stop sending")
        self.stop_send_button.setToolTip("Stop between attempts; unsent replies are sent next time (Esc)")
        self.stop_send_button.clicked.connect(self.cancel_running)
        self.stop_send_button.hide()
        hook_buttons = QHBoxLayout()
        hook_buttons.addWidget(self.save_hook_button)
        hook_buttons.addWidget(self.send_button)
        hook_buttons.addWidget(self.stop_send_button)
        hook_buttons.addStretch(1)
        hook_layout.addLayout(hook_buttons)
        self.hook_message = QLabel("")
        self.hook_message.setObjectName("hookMessage")
        self.hook_message.setWordWrap(True)
        self.hook_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hook_message.hide()
        hook_layout.addWidget(self.hook_message)
        log_title = QLabel("Delivery log")
        log_title.setStyleSheet("font-weight: 600;")
        hook_layout.addWidget(log_title)
        self.log_empty = QLabel(EMPTY_LOG)
        self.log_empty.setObjectName("muted")
        hook_layout.addWidget(self.log_empty)
        self.log_table = DeliveryLog()
        self.log_table.hide()
        hook_layout.addWidget(self.log_table)
        self.body.addWidget(hook_card)

        # Keyboard -------------------------------------------------------------------------------------
        self.shortcuts = [
            _shortcut(self, "Ctrl+E", self.start_export),
            _shortcut(self, "Ctrl+Shift+E", self.start_finetune),
            _shortcut(self, "Ctrl+Shift+V", self.verify_selected),
            _shortcut(self, "Ctrl+R", self.reexport_selected),
            _shortcut(self, "Ctrl+Shift+O", self.show_selected_in_folder),
            _shortcut(self, QKeySequence.StandardKey.Open, self.verify_file),
            _shortcut(self, QKeySequence(Qt.Key.Key_Escape), self.cancel_running),
        ]
        self._update_buttons()

    # --- wiring ------------------------------------------------------------------------------------------
    def attach(self, controller: PacksController) -> None:
        """Show and drive ``controller``'s work (its signals arrive in the GUI thread)."""
        self.controller = controller
        controller.loaded.connect(self._on_loaded)
        controller.preview_ready.connect(self._on_preview_ready)
        controller.export_started.connect(self._on_export_started)
        controller.export_progress.connect(self._on_export_progress)
        controller.exported.connect(self._on_exported)
        controller.export_cancelled.connect(self._on_export_cancelled)
        controller.reexported.connect(self._on_reexported)
        controller.finetune_counted.connect(self._on_finetune_counted)
        controller.finetune_written.connect(self._on_finetune_written)
        controller.verified.connect(self._on_verified)
        controller.webhook_saved.connect(self._on_webhook_saved)
        controller.delivery_started.connect(self._on_delivery_started)
        controller.delivered.connect(self._on_delivered)
        controller.delivery_cancelled.connect(self._on_delivery_cancelled)
        controller.keychain_missing.connect(self._on_keychain_missing)
        controller.failed.connect(self._on_failed)
        if self.isVisible():
            controller.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self.controller is not None:
            self.controller.refresh()  # replies approved in the Inbox meanwhile are counted

    # --- the page's data ---------------------------------------------------------------------------------
    @Slot(object)
    def _on_loaded(self, data: PacksData) -> None:
        first = not self._loaded
        self._loaded = True
        self.data = data
        self._show_waiting(data)
        if first and not self._folder_chosen:  # save where the last pack went, if that folder is still there
            folder = next((Path(p.path).parent for p in data.packs if Path(p.path).parent.is_dir()), None)
            self.last_folder = folder or self.last_folder
        self.table.set_packs(data.packs)
        self.table.setVisible(bool(data.packs))
        self.packs_empty.setVisible(not data.packs)
        self._show_webhook(data.webhook, update_fields=first)
        self.log_table.set_log(data.log)
        self.log_table.setVisible(bool(data.log))
        self.log_empty.setVisible(not data.log)
        self._show_settled(data.settled)
        self._update_buttons()

    def _show_waiting(self, data: PacksData) -> None:
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
        _set_primary(self.export_button, bool(data.waiting))
        _set_primary(self.inbox_button, not data.waiting)

    def _show_settled(self, settled: list[tuple[int, str]]) -> None:
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
            set_message(self.export_message, " ".join(notes))

    def _show_webhook(self, view: WebhookView, *, update_fields: bool) -> None:
        if update_fields:  # never overwrite what the creator is typing
            self.url_field.setText(view.url)
            self.enabled_box.setChecked(view.enabled)
        self.token_field.setPlaceholderText(TOKEN_SAVED_PLACEHOLDER if view.has_token else TOKEN_PLACEHOLDER)
        self.forget_token_button.setEnabled(view.has_token)
        if view.keychain_note and not self.hook_message.isVisible():
            set_message(self.hook_message, view.keychain_note)

    def _busy_exporting(self) -> bool:
        return self.controller is not None and self.controller.is_exporting()

    def _update_buttons(self) -> None:
        exporting = self._busy_exporting()
        self.export_button.setEnabled(not exporting and self.data.waiting > 0)
        self.finetune_button.setEnabled(self.data.approved_pairs > 0)
        pack = self.table.selected_pack()
        self.verify_button.setEnabled(pack is not None and pack.file_exists)
        self.folder_button.setEnabled(pack is not None and pack.file_exists)
        self.reexport_button.setEnabled(pack is not None)
        delivering = self.controller is not None and self.controller.is_delivering()
        self.send_button.setEnabled(self.data.webhook.enabled and not delivering)
        self.send_button.setVisible(not delivering)
        self.stop_send_button.setVisible(delivering)

    # --- exporting a pack ----------------------------------------------------------------------------------
    @Slot()
    def start_export(self) -> None:
        """Export pack… (Ctrl+E): see what goes in, choose the file, then write it off the GUI thread."""
        if self.controller is None or self._asking or self._busy_exporting():
            return
        if self._loaded and not self.data.waiting:
            set_message(self.export_message, f"Nothing to export yet. {EMPTY_WAITING}")
            return
        self._asking = True
        set_message(self.export_message, "Looking at what the pack will hold…")
        self.controller.preview_export()

    @Slot(object)
    def _on_preview_ready(self, preview: ExportPreview) -> None:
        try:
            if not preview.count:
                set_message(self.export_message, f"Nothing to export yet. {EMPTY_WAITING}")
                return
            set_message(self.export_message, "")
            redact = ask_export(self, preview, self.redact)
            if redact is None:
                return
            self.redact = redact
            suggested = self.last_folder / f"reply-pack-{datetime.now():%Y-%m-%d-%H%M}.zip"
            path = choose_save_path(self, "Save the reply pack", suggested, PACK_FILTER)
            if path:
                self.export_to(path, redact=redact)
        finally:
            self._asking = False

    def export_to(self, path: str, *, redact: bool) -> None:
        """Export the waiting replies to ``path`` (the file dialog already asked before replacing a file)."""
        if self.controller is None:
            return
        path = self._with_suffix(path, ".zip")
        self.last_folder, self._folder_chosen = Path(path).parent, True
        controller = self.controller
        # Run again as is if the creator chooses to keep the signing key for this session only.
        self._retry["export"] = lambda: controller.export(path, redact=redact, overwrite=Path(path).is_file())
        controller.export(path, redact=redact, overwrite=Path(path).is_file())

    @Slot()
    def _on_export_started(self) -> None:
        self.progress_bar.setValue(0)
        self.progress_label.setText("Starting the export…")
        self.cancel_button.setEnabled(True)
        self.progress_row.show()
        self.show_written_button.hide()
        set_message(self.export_message, "")
        self._update_buttons()

    @Slot(object)
    def _on_export_progress(self, progress: Progress) -> None:
        self.progress_label.setText(progress.message)
        if progress.fraction is not None:
            self.progress_bar.setValue(int(progress.fraction * 1000))

    @Slot(object)
    def _on_exported(self, summary: Any) -> None:
        self._end_progress()
        details = f"{plural(summary.replies, 'reply', 'replies')}"
        if summary.edited:
            details += f", {summary.edited} edited by you"
        if summary.redacted:
            details += ", fans' emails and phone numbers removed"
        set_message(
            self.export_message,
            f"✓ Pack {summary.export_id} written to {summary.path} ({details}). "
            "These replies are now marked exported.",
            "ok",
        )
        self._show_written_path(str(summary.path))

    @Slot()
    def _on_export_cancelled(self) -> None:
        self._end_progress()
        set_message(self.export_message, f"Export cancelled. {NO_PACK_WRITTEN}")

    def _end_progress(self) -> None:
        self.progress_row.hide()
        self._update_buttons()

    @Slot()
    def cancel_running(self) -> None:
        """Esc: stop the running export (until it starts writing) or the webhook sending."""
        if self.controller is None:
            return
        if self.controller.is_exporting():
            if not self.controller.cancel_export():
                self.progress_label.setText(
                    "Too late to cancel: the pack is being written and is complete in a moment "
                    "(a half-written pack is never left behind)."
                )
            else:
                self.progress_label.setText("Cancelling…")
            self.cancel_button.setEnabled(False)
        elif self.controller.is_delivering():
            self.controller.cancel_delivery()
            set_message(self.hook_message, "Stopping after the current attempt…")

    # --- the list of packs ------------------------------------------------------------------------------
    @Slot()
    def verify_selected(self) -> None:
        """Verify (Ctrl+Shift+V, Enter in the list): check the selected pack's files and signature."""
        pack = self.table.selected_pack()
        if pack is None or self.controller is None:
            return
        if not pack.file_exists:
            set_message(
                self.verify_message,
                f"{pack.name} is not in {Path(pack.path).parent} any more, so it cannot be checked. "
                "Re-export writes the same replies again.",
                "error",
            )
            return
        set_message(self.verify_message, f"Checking {pack.name}…")
        self.controller.verify(pack.path)

    @Slot()
    def verify_file(self) -> None:
        """Check a pack file… (Ctrl+O): any reply pack on this computer."""
        if self.controller is None:
            return
        path = choose_pack_file(self, self.last_folder)
        if path:
            set_message(self.verify_message, f"Checking {Path(path).name}…")
            self.controller.verify(path)

    @Slot(str, object)
    def _on_verified(self, path: str, result: Any) -> None:
        name = Path(path).name
        if result.ok:
            set_message(self.verify_message, f"✓ Signature valid: {name}. {result.message}", "ok")
        else:
            problems = "\n".join(f"• {problem}" for problem in result.problems)
            set_message(
                self.verify_message,
                f"✗ {name} did not pass the check. Do not post from it; re-export the pack instead."
                f"\n{problems}",
                "error",
            )

    @Slot()
    def reexport_selected(self) -> None:
        """Re-export… (Ctrl+R): write the selected pack's replies again, after saying what that means."""
        pack = self.table.selected_pack()
        if pack is None or self.controller is None or not confirm_reexport(self, pack):
            return
        folder = Path(pack.path).parent if Path(pack.path).parent.is_dir() else self.last_folder
        suggested = folder / f"{Path(pack.path).stem}-again.zip"
        path = choose_save_path(self, "Save the pack again", suggested, PACK_FILTER)
        if not path:
            return
        path = self._with_suffix(path, ".zip")
        self.last_folder, self._folder_chosen = Path(path).parent, True
        set_message(self.export_message, f"Writing pack {pack.id} again…")
        controller, pack_id = self.controller, pack.id
        self._retry["reexport"] = lambda: controller.reexport(pack_id, path, overwrite=Path(path).is_file())
        controller.reexport(pack_id, path, overwrite=Path(path).is_file())

    @Slot(object)
    def _on_reexported(self, summary: Any) -> None:
        set_message(
            self.export_message,
            f"✓ Wrote pack {summary.reexport_of} again to {summary.path}: the same "
            f"{plural(summary.replies, 'reply', 'replies')}, nothing new, and no reply changed state "
            f"(listed as pack {summary.export_id}).",
            "ok",
        )
        self._show_written_path(str(summary.path))

    @Slot()
    def show_selected_in_folder(self) -> None:
        """Show in folder (Ctrl+Shift+O)."""
        pack = self.table.selected_pack()
        if pack is not None and pack.file_exists:
            show_in_folder(pack.path)

    def _show_written_path(self, path: str) -> None:
        self.last_written = path
        self.show_written_button.show()

    @Slot()
    def _show_written(self) -> None:
        if self.last_written:
            show_in_folder(self.last_written)

    # --- the fine-tuning file ----------------------------------------------------------------------------
    @Slot()
    def start_finetune(self) -> None:
        """Export for fine-tuning… (Ctrl+Shift+E)."""
        if self.controller is None or self._asking:
            return
        if self._loaded and not self.data.approved_pairs:
            set_message(self.export_message, f"No approved replies to learn from yet. {EMPTY_WAITING}")
            return
        self._asking = True
        self.controller.count_finetune()

    @Slot(int)
    def _on_finetune_counted(self, count: int) -> None:
        try:
            if not count:
                set_message(self.export_message, f"No approved replies to learn from yet. {EMPTY_WAITING}")
                return
            redact = ask_finetune(self, count, self.redact)
            if redact is None:
                return
            self.redact = redact
            suggested = self.last_folder / f"approved-replies-{datetime.now():%Y-%m-%d}.jsonl"
            path = choose_save_path(self, "Save the fine-tuning file", suggested, FINETUNE_FILTER)
            if path:
                path = self._with_suffix(path, ".jsonl")
                self.last_folder, self._folder_chosen = Path(path).parent, True
                set_message(self.export_message, "Writing the fine-tuning file…")
                self.controller.export_finetune(path, redact=redact)
        finally:
            self._asking = False

    @Slot(str, int)
    def _on_finetune_written(self, path: str, count: int) -> None:
        set_message(
            self.export_message,
            f"✓ Wrote {plural(count, 'approved (message, reply) pair')} to {path} as chat-format JSONL.",
            "ok",
        )
        self._show_written_path(path)

    # --- the webhook ---------------------------------------------------------------------------------------
    @Slot()
    def save_webhook(self) -> None:
        """Save the address and the switch; a typed token goes to the keychain and leaves the field."""
        if self.controller is None:
            return
        token = self.token_field.text().strip() or None
        url, enabled = self.url_field.text().strip(), self.enabled_box.isChecked()
        controller = self.controller
        self._retry["webhook"] = lambda: controller.save_webhook(url, enabled, token=token)
        controller.save_webhook(url, enabled, token=token)
        self.token_field.clear()  # never kept on screen, nor in the page, once handed on

    @Slot()
    def forget_token(self) -> None:
        if self.controller is None:
            return
        url, enabled = self.url_field.text().strip(), self.enabled_box.isChecked()
        self.controller.save_webhook(url, enabled, forget_token=True)

    @Slot(object)
    def _on_webhook_saved(self, view: WebhookView) -> None:
        self._retry.pop("webhook", None)
        self.data = dataclasses.replace(self.data, webhook=view)
        self._show_webhook(view, update_fields=True)
        if view.enabled:
            text = f"Saved. The connector is on: “Send approved replies now” sends them to {view.url}."
        else:
            text = "Saved. The connector is off: nothing is sent."
        if not view.has_token:
            text += " No token is saved."
        set_message(self.hook_message, text, "ok")
        self._update_buttons()

    @Slot()
    def send_now(self) -> None:
        if self.controller is not None and self.data.webhook.enabled:
            self.controller.deliver()

    @Slot()
    def _on_delivery_started(self) -> None:
        set_message(self.hook_message, "Sending approved replies…")
        self._update_buttons()

    @Slot(object)
    def _on_delivered(self, report: Any) -> None:
        if not report.deliveries:
            set_message(self.hook_message, "Nothing new to send: the webhook has every approved reply.", "ok")
        elif not report.failed:
            set_message(self.hook_message, f"✓ Sent {plural(report.delivered, 'reply', 'replies')}.", "ok")
        else:
            last_error = next(d.error for d in report.deliveries if d.outcome == "failed")
            set_message(
                self.hook_message,
                f"Sent {plural(report.delivered, 'reply', 'replies')}; {report.failed} could not be sent "
                f"({last_error}). They are tried again the next time you send.",
                "error",
            )

    @Slot()
    def _on_delivery_cancelled(self) -> None:
        set_message(self.hook_message, "Sending stopped. Replies not sent yet go out the next time you send.")

    # --- trouble ------------------------------------------------------------------------------------------
    @Slot(str, str)
    def _on_keychain_missing(self, action: str, message: str) -> None:
        if action == "export":
            self._end_progress()
        retry = self._retry.pop(action, None)
        if action == "export":
            set_message(self.export_message, f"{message} {NO_PACK_WRITTEN}", "error")
        if self.controller is not None and ask_session_only(self, message):
            self.controller.use_session_secrets()
            if retry is not None:
                retry()

    @Slot(str, object)
    def _on_failed(self, action: str, failure: Failure) -> None:
        if action == "export":
            self._end_progress()
            said = "nothing was" in failure.text.lower()  # the core's own words already say so
            text = failure.text if said else f"{failure.text} {NO_PACK_WRITTEN}"
            set_message(self.export_message, f"The pack could not be exported. {text}", "error")
        elif action == "reexport":
            set_message(self.export_message, f"The pack could not be written again. {failure.text}", "error")
        elif action == "finetune":
            set_message(self.export_message, f"The training file was not written. {failure.text}", "error")
        elif action == "verify":
            set_message(self.verify_message, failure.text, "error")
        elif action in ("webhook", "deliver"):
            self._retry.pop("webhook", None)
            set_message(self.hook_message, failure.text, "error")
            self._update_buttons()
        else:
            self.waiting_label.setText("The reply packs could not be read")
            set_message(self.export_message, failure.text, "error")
        self._asking = False

    @staticmethod
    def _with_suffix(path: str, suffix: str) -> str:
        return path if Path(path).suffix else path + suffix
