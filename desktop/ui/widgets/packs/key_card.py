"""The "Your signing key" card: the fingerprint of the profile's Ed25519 key, Copy, and Export public key.

Why: whoever posts the creator's replies checks each pack (and each webhook delivery) with the
creator's public key; the fingerprint is what the two compare by a channel they trust.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel

from desktop.ui.controllers.packs_jobs import PacksData
from desktop.ui.widgets.common.buttons import button
from desktop.ui.widgets.common.labels import message_label, muted_label
from desktop.ui.widgets.packs import dialogs
from desktop.ui.widgets.packs.common import set_message
from desktop.ui.widgets.page import card_layout

if TYPE_CHECKING:
    from desktop.ui.widgets.packs_page import PacksPage

NO_KEY_YET = "No key yet: it is made with your first pack, or now with Export public key…"


class KeyCard(QFrame):
    """Your signing key: its fingerprint, Copy fingerprint, Export public key…"""

    def __init__(self, page: PacksPage) -> None:
        super().__init__()
        self.page = page
        self.fingerprint = ""
        layout = card_layout(self, "Your signing key")
        layout.addWidget(
            muted_label(
                "Your packs and webhook deliveries are signed with this key. Give whoever posts your "
                "replies the public key file, and compare the fingerprint with them by phone or in person."
            )
        )
        self.fingerprint_label = QLabel(NO_KEY_YET)
        self.fingerprint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint_label.setAccessibleName("Signing key fingerprint")
        self.fingerprint_label.setFont(QFont("monospace"))
        layout.addWidget(self.fingerprint_label)
        row = QHBoxLayout()
        self.copy_button = button("Copy fingerprint", "Copy the fingerprint to the clipboard", self.copy)
        self.export_button = button(
            "Export public key…", "Save the public key (PEM) for whoever checks your packs", self.export_key
        )
        row.addWidget(self.copy_button)
        row.addWidget(self.export_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.key_message = message_label("keyMessage")
        layout.addWidget(self.key_message)
        self.update_buttons()

    def show_key(self, data: PacksData) -> None:
        self.fingerprint = data.fingerprint
        shown = f"Fingerprint: {data.fingerprint}" if data.fingerprint else NO_KEY_YET
        self.fingerprint_label.setText(shown)
        self.update_buttons()

    def update_buttons(self) -> None:
        self.copy_button.setEnabled(bool(self.fingerprint))
        self.export_button.setEnabled(self.page.controller is not None)

    @Slot()
    def copy(self) -> None:
        if self.fingerprint:
            QGuiApplication.clipboard().setText(self.fingerprint)
            set_message(self.key_message, "Fingerprint copied.", "ok")

    @Slot()
    def export_key(self) -> None:
        page = self.page
        if page.controller is None:
            return
        suggested = page.last_folder / "understudy-public-key.pem"
        path = dialogs.choose_save_path(page, "Export your public key", suggested, "Public key (*.pem)")
        if not path:
            return
        path = page.remember_folder(path, ".pem")
        controller = page.controller
        page.retry["key"] = lambda: controller.export_public_key(path)
        controller.export_public_key(path)

    def on_key_exported(self, path: str, fingerprint: str) -> None:
        set_message(
            self.key_message,
            f"Saved your public key to {path} (fingerprint {fingerprint}). Anyone can check "
            f"a pack with it: understudy packs verify PACK.zip --key {path}",
            "ok",
        )

    def say(self, text: str, kind: str = "") -> None:
        set_message(self.key_message, text, kind)
