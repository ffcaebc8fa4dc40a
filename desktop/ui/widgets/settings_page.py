"""Settings: real facts about where data lives, which models are there, and the keychain.

The page is a column of cards, each in ``desktop.ui.widgets.settings`` with the controller it is
attached to: the models folder, the model catalogue and its downloads, the model server, the
drafting settings. The names the models card had here (``models_table``, ``use_button``, ...)
are kept as attributes so callers and tests see one page.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QWidget

from desktop.core.paths import Paths
from desktop.ui import page_infos
from desktop.ui.widgets.common.rows import right_row
from desktop.ui.widgets.page import Page, card
from desktop.ui.widgets.settings.catalogue_card import CatalogueCard
from desktop.ui.widgets.settings.connections_card import ConnectionsCard
from desktop.ui.widgets.settings.drafting_card import DraftingCard
from desktop.ui.widgets.settings.models_card import (
    CONTEXT_COLUMN,
    GGUF_FILTER,
    IN_USE_COLUMN,
    IN_USE_TEXT,
    MODEL_COLUMNS,
    ModelsCard,
    human_size,
)
from desktop.ui.widgets.settings.server_card import ServerCard

__all__ = [
    "CONTEXT_COLUMN",
    "GGUF_FILTER",
    "IN_USE_COLUMN",
    "IN_USE_TEXT",
    "MODEL_COLUMNS",
    "SettingsPage",
    "human_size",
]

#: The models card's parts, reachable on the page as before the card had its own module.
_MODELS_CARD_NAMES = (
    "models_status",
    "models_table",
    "add_button",
    "use_button",
    "remove_button",
    "models_busy",
    "models_message",
    "refresh_button",
    "show_models_loading",
    "show_models",
    "show_models_error",
    "model_names",
    "selected_model_name",
    "select_model",
    "active_model_name",
    "is_busy",
    "message_text",
)


def _path_row(form: QFormLayout, label: str, text: str) -> QLineEdit:
    """Add a row ``label``: ``text`` to ``form``, as a read-only line edit: selectable and copyable,
    and a long path never widens the window."""
    field = QLineEdit(text)
    field.setReadOnly(True)
    field.setCursorPosition(0)
    field.setToolTip(text)
    form.addRow(label, field)
    return field


class SettingsPage(Page):
    info = page_infos.SETTINGS

    refresh_requested = Signal()

    def __init__(self, paths: Paths, profile: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.profile = profile

        # Where your data lives ------------------------------------------------------------
        data_card, data_layout = card("Where your data lives")
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(8)
        self.base_field = _path_row(form, "Base folder", str(paths.base))
        self.profile_field = _path_row(form, "Active profile", profile)
        self.profile_folder_field = _path_row(form, "Profile folder", str(paths.profiles_dir / profile))
        self.settings_field = _path_row(form, "Settings file", str(paths.settings_file))
        self.models_folder_field = _path_row(form, "Models folder", str(paths.models))
        data_layout.addLayout(form)
        open_base = QPushButton("Open base folder")
        open_base.clicked.connect(self._open_base_folder)
        data_layout.addLayout(right_row(open_base))
        self.body.addWidget(data_card)

        # Models: the folder, the catalogue, a server, the drafting settings ----------------------
        self.models_card = ModelsCard(paths.models)
        self.models_card.refresh_requested.connect(self.refresh_requested)
        for name in _MODELS_CARD_NAMES:
            setattr(self, name, getattr(self.models_card, name))
        self.body.addWidget(self.models_card)
        self.catalogue_card = CatalogueCard()
        self.body.addWidget(self.catalogue_card)
        self.server_card = ServerCard()
        self.body.addWidget(self.server_card)
        self.drafting_card = DraftingCard()
        self.body.addWidget(self.drafting_card)
        # Live connections to Bluesky, Mastodon, YouTube (its controller is attached by the window).
        self.connections_card = ConnectionsCard()
        self.body.addWidget(self.connections_card)

        # Keychain ----------------------------------------------------------------------------
        keychain_card, keychain_layout = card("Passwords and keys")
        self.keychain_label = QLabel("Checking this computer's keychain…")
        self.keychain_label.setWordWrap(True)
        self.keychain_backend = QLabel("")
        self.keychain_backend.setObjectName("muted")
        self.keychain_backend.setWordWrap(True)
        keychain_layout.addWidget(self.keychain_label)
        keychain_layout.addWidget(self.keychain_backend)
        self.body.addWidget(keychain_card)

    def attach(self, controller: Any) -> None:
        """Connect the models card to a ``ModelsController`` (which runs the file work on workers)."""
        self.models_card.attach(controller)

    def show_keychain(self, status: Any) -> None:
        """Show a ``desktop.core.secrets.KeyringStatus``."""
        prefix = "✓ " if status.available else ""
        self.keychain_label.setText(prefix + status.message)
        self.keychain_backend.setText(f"Keychain in use: {status.backend}")

    def show_keychain_error(self, text: str) -> None:
        self.keychain_label.setText(f"The keychain could not be checked. {text}")
        self.keychain_backend.setText("")

    @Slot()
    def _open_base_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.paths.base)))
