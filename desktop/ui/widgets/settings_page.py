"""Settings: real facts about where data lives, which models are there, and the keychain."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.core.paths import Paths
from desktop.ui.widgets.page import Page, card

MODEL_COLUMNS = ("Name", "Used for", "Size", "Quantization", "Architecture", "Context", "Chat template")
CONTEXT_COLUMN = 5

ROLE_WORDS = {"generation": "Drafting", "embedding": "Search"}
ROLE_TIPS = {
    "generation": "Writes the drafts of your replies.",
    "embedding": "Finds your past messages that are similar to a new one.",
}


def human_size(size_bytes: int | None) -> str:
    """1234567 -> '1.2 MB' (decimal units, as file managers show them)."""
    if size_bytes is None:
        return "?"
    size = float(size_bytes)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}".replace(".0 ", " ")
        size /= 1000
    return f"{size:.1f} TB"  # pragma: no cover


def _path_field(text: str) -> QLineEdit:
    # A read-only line edit: selectable and copyable, and a long path never widens the window.
    field = QLineEdit(text)
    field.setReadOnly(True)
    field.setCursorPosition(0)
    field.setToolTip(text)
    return field


class SettingsPage(Page):
    label = "Settings"
    icon_name = "settings"
    title = "Settings"
    summary = (
        "Where Understudy keeps your data, which AI models it has, and how it keeps secrets. "
        "Everything listed here is on this computer."
    )

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
        self.base_field = _path_field(str(paths.base))
        self.profile_field = _path_field(profile)
        self.profile_folder_field = _path_field(str(paths.profiles_dir / profile))
        self.settings_field = _path_field(str(paths.settings_file))
        self.models_folder_field = _path_field(str(paths.models))
        form.addRow("Base folder", self.base_field)
        form.addRow("Active profile", self.profile_field)
        form.addRow("Profile folder", self.profile_folder_field)
        form.addRow("Settings file", self.settings_field)
        form.addRow("Models folder", self.models_folder_field)
        data_layout.addLayout(form)
        open_base = QPushButton("Open base folder")
        open_base.clicked.connect(self._open_base_folder)
        data_layout.addLayout(_right_aligned(open_base))
        self.body.addWidget(data_card)

        # Models ------------------------------------------------------------------------------
        models_card, models_layout = card("AI models")
        self.models_status = QLabel("Reading the models folder…")
        self.models_status.setObjectName("muted")
        self.models_status.setWordWrap(True)
        models_layout.addWidget(self.models_status)
        self.models_table = QTableWidget(0, len(MODEL_COLUMNS))
        self.models_table.setHorizontalHeaderLabels(MODEL_COLUMNS)
        self.models_table.verticalHeader().setVisible(False)
        self.models_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.models_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.models_table.setAlternatingRowColors(False)
        self.models_table.setShowGrid(False)
        self.models_table.setWordWrap(False)
        header = self.models_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setMinimumSectionSize(60)
        self.models_table.setMinimumHeight(110)
        self.models_table.hide()
        models_layout.addWidget(self.models_table)
        self.refresh_button = QPushButton("Check again")
        self.refresh_button.clicked.connect(self.refresh_requested)
        open_models = QPushButton("Open models folder")
        open_models.clicked.connect(self._open_models_folder)
        models_layout.addLayout(_right_aligned(self.refresh_button, open_models))
        self.body.addWidget(models_card)

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

    # --- filled in by the main window, from workers -------------------------------------------
    def show_models_loading(self) -> None:
        self.models_status.setText("Reading the models folder…")
        self.refresh_button.setEnabled(False)

    def show_models(self, models: list[Any], default_chat: str | None = None) -> None:
        """Fill the table from ``ModelFacts`` objects (see ``desktop.core.models.list_models``)."""
        self.refresh_button.setEnabled(True)
        table = self.models_table
        table.setRowCount(0)
        if not models:
            self.models_status.setText(
                "No models in the models folder yet. Understudy needs its built-in models to draft replies."
            )
            table.hide()
            return
        count = len(models)
        self.models_status.setText(f"{count} model{'s' if count != 1 else ''} in the models folder.")
        table.setRowCount(count)
        for row, facts in enumerate(models):
            error = getattr(facts, "error", None)
            name = facts.file_name
            is_default = facts.file_name == default_chat
            if error:
                cells = [name, "Unreadable", human_size(getattr(facts, "size_bytes", None)), "", "", "", ""]
            else:
                context = getattr(facts, "context_length", None)
                cells = [
                    name,
                    ROLE_WORDS.get(facts.role, str(facts.role)),
                    human_size(facts.size_bytes),
                    str(facts.quantization or "?"),
                    str(facts.architecture or "?"),
                    f"{context:,}" if context else "?",
                    "Yes" if facts.has_chat_template else "No",
                ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                tip = str(error) if error else str(getattr(facts, "path", text))
                if is_default:
                    tip += "\nThe default model for drafting replies."
                    font = QFont(item.font())
                    font.setBold(column == 0)
                    item.setFont(font)
                if not error and column == 1:
                    tip = ROLE_TIPS.get(facts.role, tip)
                if not error and column == CONTEXT_COLUMN:
                    tip = "How many tokens (word pieces) the model can read at once."
                item.setToolTip(tip)
                table.setItem(row, column, item)
        table.resizeColumnsToContents()
        # Tall enough for every row (and a horizontal scroll bar in a narrow window): the page scrolls.
        table.setFixedHeight(
            table.horizontalHeader().sizeHint().height()
            + sum(table.rowHeight(r) for r in range(count))
            + table.horizontalScrollBar().sizeHint().height()
            + 4
        )
        table.show()

    def show_models_error(self, text: str) -> None:
        self.refresh_button.setEnabled(True)
        self.models_table.hide()
        self.models_status.setText(f"The models folder could not be read. {text}")

    def model_names(self) -> list[str]:
        """File names listed in the table (for tests and accessibility checks)."""
        names = []
        for row in range(self.models_table.rowCount()):
            item = self.models_table.item(row, 0)
            if item is not None:
                names.append(item.text())
        return names

    def show_keychain(self, status: Any) -> None:
        """Show a ``desktop.core.secrets.KeyringStatus``."""
        prefix = "✓ " if status.available else ""
        self.keychain_label.setText(prefix + status.message)
        self.keychain_backend.setText(f"Keychain in use: {status.backend}")

    def show_keychain_error(self, text: str) -> None:
        self.keychain_label.setText(f"The keychain could not be checked. {text}")
        self.keychain_backend.setText("")

    # --- folder buttons ------------------------------------------------------------------------
    @Slot()
    def _open_base_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.paths.base)))

    @Slot()
    def _open_models_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.paths.models)))


def _right_aligned(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    for widget in widgets:
        row.addWidget(widget)
    return row
