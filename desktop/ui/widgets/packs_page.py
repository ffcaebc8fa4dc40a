"""Packs: approved replies leave Understudy only as a signed zip the creator exports, or by their webhook.

The page shows how many approved replies wait for the next pack, exports them (after showing what
will go in, with the choice to remove fans' emails and phone numbers), lists the packs exported
so far (Verify, Re-export, Show in folder), shows the signing key's fingerprint (Copy, Export public
key), writes the fine-tuning file, and holds the optional webhook connector (off by default; its
token goes to the keychain only) with its delivery log. One card each, under ``widgets/packs/``;
the page holds what they share and routes the controller's signals to them.

Everything that touches the store, the keychain or a file runs on ``PacksController``'s threads;
connect the two with ``PacksPage.attach(controller)``. The page refreshes each time it is shown,
so replies approved in the Inbox meanwhile are counted.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import QWidget

from desktop.ui import page_infos
from desktop.ui.controllers.packs_controller import PacksController
from desktop.ui.controllers.packs_jobs import PacksData
from desktop.ui.widgets.packs import dialogs
from desktop.ui.widgets.packs.common import default_folder, window_shortcut, with_suffix
from desktop.ui.widgets.packs.export_card import NO_PACK_WRITTEN, ExportCard
from desktop.ui.widgets.packs.key_card import KeyCard
from desktop.ui.widgets.packs.pack_list import PackListCard
from desktop.ui.widgets.packs.webhook_card import WebhookCard
from desktop.ui.widgets.page import Page
from desktop.ui.workers import Failure


class PacksPage(Page):
    info = page_infos.PACKS

    #: The creator asked to go to the Inbox (from the empty state).
    inbox_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: PacksController | None = None
        self.data = PacksData()
        self.redact = True  # fans' emails and phone numbers are removed unless the creator says otherwise
        self.last_folder = default_folder()
        self.folder_chosen = False
        self.loaded = False
        self.asking = False  # a dialog of an export or the fine-tuning file is (about to be) open
        # action -> what to run again once the creator gives a passphrase or chooses this session only
        self.retry: dict[str, Any] = {}

        self.export_card = ExportCard(self)
        self.pack_list = PackListCard(self, self.export_card)
        self.key_card = KeyCard(self)
        self.webhook_card = WebhookCard(self)
        for card in (self.export_card, self.pack_list, self.key_card, self.webhook_card):
            self.body.addWidget(card)

        exporting, packs = self.export_card, self.pack_list
        self.shortcuts = [
            window_shortcut(self, "Ctrl+E", exporting.start_export),
            window_shortcut(self, "Ctrl+Shift+E", exporting.start_finetune),
            window_shortcut(self, "Ctrl+Shift+V", packs.verify_selected),
            window_shortcut(self, "Ctrl+R", packs.reexport_selected),
            window_shortcut(self, "Ctrl+Shift+O", packs.show_selected_in_folder),
            window_shortcut(self, QKeySequence.StandardKey.Open, packs.verify_file),
            window_shortcut(self, QKeySequence(Qt.Key.Key_Escape), self.cancel_running),
        ]
        self.update_buttons()

    # --- wiring ------------------------------------------------------------------------------------------
    def attach(self, controller: PacksController) -> None:
        """Show and drive ``controller``'s work (its signals arrive in the GUI thread)."""
        self.controller = controller
        exporting, packs, hook = self.export_card, self.pack_list, self.webhook_card
        controller.loaded.connect(self._on_loaded)
        controller.preview_ready.connect(exporting.on_preview_ready)
        controller.export_started.connect(exporting.on_export_started)
        controller.export_progress.connect(exporting.on_export_progress)
        controller.exported.connect(exporting.on_exported)
        controller.export_cancelled.connect(exporting.on_export_cancelled)
        controller.reexported.connect(packs.on_reexported)
        controller.finetune_counted.connect(exporting.on_finetune_counted)
        controller.finetune_written.connect(exporting.on_finetune_written)
        controller.verified.connect(packs.on_verified)
        controller.webhook_saved.connect(hook.on_webhook_saved)
        controller.delivery_started.connect(hook.on_delivery_started)
        controller.delivered.connect(hook.on_delivered)
        controller.delivery_cancelled.connect(hook.on_delivery_cancelled)
        controller.keychain_missing.connect(self._on_keychain_missing)
        controller.secrets_unlocked.connect(self._on_secrets_unlocked)
        controller.public_key_exported.connect(self.key_card.on_key_exported)
        controller.failed.connect(self._on_failed)
        if self.isVisible():
            controller.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self.controller is not None:
            self.controller.refresh()  # replies approved in the Inbox meanwhile are counted

    # --- what the cards share ----------------------------------------------------------------------------
    def busy_exporting(self) -> bool:
        return self.controller is not None and self.controller.is_exporting()

    def remember_folder(self, path: str, suffix: str) -> str:
        """``path`` with ``suffix`` when it has none; its folder is where the next save dialog opens."""
        path = with_suffix(path, suffix)
        self.last_folder, self.folder_chosen = Path(path).parent, True
        return path

    def update_buttons(self) -> None:
        self.export_card.update_buttons()
        self.pack_list.update_buttons()
        self.key_card.update_buttons()
        self.webhook_card.update_buttons()

    @Slot(object)
    def _on_loaded(self, data: PacksData) -> None:
        first = not self.loaded
        self.loaded = True
        self.data = data
        self.export_card.show_waiting(data)
        if first and not self.folder_chosen:  # save where the last pack went, if that folder is still there
            folder = next((Path(p.path).parent for p in data.packs if Path(p.path).parent.is_dir()), None)
            self.last_folder = folder or self.last_folder
        self.pack_list.show_packs(data.packs)
        self.key_card.show_key(data)
        self.webhook_card.show_webhook(data.webhook, update_fields=first)
        self.webhook_card.show_log(data.log)
        self.export_card.show_settled(data.settled)
        self.update_buttons()

    # --- exporting ---------------------------------------------------------------------------------------
    def export_to(self, path: str, *, redact: bool) -> None:
        """Export the waiting replies to ``path`` (the file dialog already asked before replacing a file)."""
        if self.controller is None:
            return
        path = self.remember_folder(path, ".zip")
        controller = self.controller
        # Run again as is if the creator chooses to keep the signing key for this session only.
        self.retry["export"] = lambda: controller.export(path, redact=redact, overwrite=Path(path).is_file())
        controller.export(path, redact=redact, overwrite=Path(path).is_file())

    @Slot()
    def cancel_running(self) -> None:
        """Esc: stop the running export (until it starts writing) or the webhook sending."""
        if self.controller is None:
            return
        if self.controller.is_exporting():
            self.export_card.cancel_export()
        elif self.controller.is_delivering():
            self.webhook_card.stop_sending()

    # --- trouble ------------------------------------------------------------------------------------------
    @Slot(str, str)
    def _on_keychain_missing(self, action: str, message: str) -> None:
        if action == "export":
            self.export_card.end_progress()
        retry = self.retry.pop(action, None)
        if action == "export":
            self.export_card.say(f"{message} {NO_PACK_WRITTEN}", "error")
        if self.controller is None:
            return
        exists = self.data.secrets_file_exists
        choice = dialogs.ask_keychain_choice(self, message, exists)
        if choice == dialogs.SESSION_ONLY:
            self.controller.use_session_secrets()
            if retry is not None:
                retry()
        elif choice == dialogs.PASSPHRASE:
            passphrase = dialogs.ask_passphrase(self, create=not exists)
            if passphrase:
                if retry is not None:
                    self.retry[action] = retry
                self.controller.unlock_secrets(passphrase, create=not exists, action=action)

    @Slot(str)
    def _on_secrets_unlocked(self, action: str) -> None:
        """The secrets file is open for this session: run what was waiting for it."""
        self.data = dataclasses.replace(self.data, secrets_file_exists=True)
        retry = self.retry.pop(action, None)
        if retry is not None:
            retry()
        if self.controller is not None:
            self.controller.refresh()

    @Slot(str, object)
    def _on_failed(self, action: str, failure: Failure) -> None:
        if action == "verify":
            self.pack_list.on_verify_failed(failure)
        elif action in ("webhook", "deliver"):
            self.webhook_card.on_failed(failure)
        elif action in ("key", "unlock"):
            self.key_card.say(failure.text, "error")
            if action == "unlock":  # a wrong passphrase: say it where the creator was working too
                self.export_card.say(failure.text, "error")
        else:  # the export card reports exports, re-exports, the fine-tuning file and loading
            self.export_card.on_failed(action, failure)
        self.asking = False
