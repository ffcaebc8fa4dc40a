"""The "AI models" card of Settings: the models folder as a table, and add / choose / remove.

Kept in its own module so the Settings page stays a short list of cards; every file operation
runs on the ``ModelsController``'s workers, never on the GUI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QDir, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.ui.widgets.common.dialogs import Role, choose, confirm
from desktop.ui.widgets.common.labels import message_label, muted_label
from desktop.ui.widgets.common.rows import left_row, right_row
from desktop.ui.widgets.common.tables import setup_row_table
from desktop.ui.widgets.page import card_layout

MODEL_COLUMNS = ("Name", "Used for", "Size", "Quant.", "Arch.", "Context", "Template", "In use")
CONTEXT_COLUMN = 5
IN_USE_COLUMN = 7
IN_USE_TEXT = "✓ in use"
GGUF_FILTER = "GGUF models (*.gguf)"

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


def ask_add_how(parent: QWidget, file_name: str) -> str | None:
    """Ask whether to copy ``file_name`` or link to it: "copy", "symlink", or None (cancelled)."""
    chosen = choose(
        parent,
        "Add a model",
        f"How should Understudy add {file_name}?",
        "A copy keeps working even if you move or delete the original file. "
        "A link uses no extra disk space, but the model stops working if the original is moved or deleted.",
        (
            ("Copy into the models folder", Role.AcceptRole),
            ("Link to it (saves disk space)", Role.AcceptRole),
        ),
        default=0,
        cancel=True,
    )
    return None if chosen is None else ("copy", "symlink")[chosen]


def confirm_remove(parent: QWidget, file_name: str, size_text: str, is_link: bool) -> bool:
    """Ask before deleting a model; True to go ahead."""
    detail = (
        "Only the link is removed; the original file stays where it is."
        if is_link
        else "The file is deleted from the models folder."
    )
    return confirm(
        parent, "Remove a model", f"Remove {file_name} ({size_text}) from the models folder?\n\n{detail}"
    )


class ModelsCard(QFrame):
    """The models folder's table and its manager buttons (``attach`` a ``ModelsController``)."""

    refresh_requested = Signal()

    def __init__(self, models_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.models_dir = models_dir
        models_layout = card_layout(self, "AI models")

        self.models_status = muted_label("Reading the models folder…")
        models_layout.addWidget(self.models_status)
        self.models_table = QTableWidget()
        setup_row_table(self.models_table, MODEL_COLUMNS)
        header = self.models_table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setMinimumSectionSize(60)
        self.models_table.setMinimumHeight(110)
        self.models_table.hide()
        self.models_table.itemSelectionChanged.connect(self._update_model_buttons)
        models_layout.addWidget(self.models_table)
        # The model manager: every file operation runs on the controller's worker.
        self.add_button = QPushButton("Add a model…")
        self.add_button.setToolTip("Add a GGUF model file from this computer.")
        self.add_button.clicked.connect(self._on_add_clicked)
        self.use_button = QPushButton("Use for drafting")
        self.use_button.setToolTip("Let the selected model write the drafts of your replies.")
        self.use_button.clicked.connect(self._on_use_clicked)
        self.remove_button = QPushButton("Remove…")
        self.remove_button.setToolTip("Delete the selected model from the models folder.")
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.models_busy = QProgressBar()
        self.models_busy.setRange(0, 0)  # busy: no percentage to show
        self.models_busy.setTextVisible(False)
        self.models_busy.setMaximumWidth(120)
        self.models_busy.hide()
        models_layout.addLayout(
            left_row(self.add_button, self.use_button, self.remove_button, self.models_busy)
        )
        self.models_message = message_label("modelsMessage")
        models_layout.addWidget(self.models_message)
        self.refresh_button = QPushButton("Check again")
        self.refresh_button.clicked.connect(self.refresh_requested)
        open_models = QPushButton("Open models folder")
        open_models.clicked.connect(self._open_models_folder)
        models_layout.addLayout(right_row(self.refresh_button, open_models))
        self._controller: Any = None  # a ModelsController, once attached
        self._models: list[Any] = []
        self._active: str | None = None
        self._busy = False
        self._update_model_buttons()

    # --- filled in by the main window, from workers -------------------------------------------
    def show_models_loading(self) -> None:
        self.models_status.setText("Reading the models folder…")
        self.refresh_button.setEnabled(False)

    def show_models(self, models: list[Any], active: str | None = None) -> None:
        """Fill the table from ``ModelFacts`` objects (see ``desktop.core.models.list_models``).

        ``active`` is the model that drafts replies: marked in bold, with "✓ in use".
        """
        self.refresh_button.setEnabled(not self._busy)
        selected = self.selected_model_name()
        self._models = list(models)
        self._active = active
        table = self.models_table
        table.setRowCount(0)
        self._update_model_buttons()
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
            is_active = facts.file_name == active
            if error:
                cells = [
                    name,
                    "Unreadable",
                    human_size(getattr(facts, "size_bytes", None)),
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
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
                    IN_USE_TEXT if is_active else "",
                ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                tip = str(error) if error else str(getattr(facts, "path", text))
                if is_active:
                    tip += "\nThe model that drafts your replies."
                    font = QFont(item.font())
                    font.setBold(column in (0, 1, IN_USE_COLUMN))
                    item.setFont(font)
                if not error and column == 1:
                    tip = ROLE_TIPS.get(facts.role, tip)
                if not error and column == CONTEXT_COLUMN:
                    tip = "How many tokens (word pieces) the model can read at once."
                if column == IN_USE_COLUMN:
                    tip = "Drafts are written by this model." if is_active else ""
                item.setToolTip(tip)
                table.setItem(row, column, item)
        if selected in self.model_names():
            self.select_model(selected)
        table.resizeColumnsToContents()
        # Tall enough for every row (and a horizontal scroll bar in a narrow window): the page scrolls.
        table.setFixedHeight(
            table.horizontalHeader().sizeHint().height()
            + sum(table.rowHeight(r) for r in range(count))
            + table.horizontalScrollBar().sizeHint().height()
            + 4
        )
        table.show()
        self._update_model_buttons()

    def show_models_error(self, text: str) -> None:
        self.refresh_button.setEnabled(not self._busy)
        self._models = []
        self.models_table.setRowCount(0)
        self._update_model_buttons()
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

    # --- the model manager -------------------------------------------------------------------------
    def attach(self, controller: Any) -> None:
        """Connect the manager's buttons to a ``ModelsController`` (which runs the file work on workers)."""
        self._controller = controller
        controller.change_started.connect(self._on_change_started)
        controller.change_finished.connect(self._on_change_finished)
        controller.change_failed.connect(self._on_change_failed)
        self._update_model_buttons()

    def selected_model_name(self) -> str | None:
        rows = self.models_table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.models_table.item(rows[0].row(), 0)
        return item.text() if item is not None else None

    def select_model(self, file_name: str) -> bool:
        """Select the row of ``file_name`` (as a click does); False if it is not listed."""
        for row, name in enumerate(self.model_names()):
            if name == file_name:
                self.models_table.selectRow(row)
                return True
        return False

    def active_model_name(self) -> str | None:
        return self._active

    def is_busy(self) -> bool:
        return self._busy

    def message_text(self) -> str:
        return self.models_message.text() if not self.models_message.isHidden() else ""

    def _facts_of(self, file_name: str | None) -> Any:
        return next((m for m in self._models if m.file_name == file_name), None)

    def _show_message(self, text: str, *, error: bool = False) -> None:
        self.models_message.setProperty("error", error)  # for tests and style sheets
        self.models_message.setText(text)
        self.models_message.setVisible(bool(text))

    @Slot()
    def _update_model_buttons(self) -> None:
        ready = self._controller is not None and not self._busy
        facts = self._facts_of(self.selected_model_name())
        usable = facts is not None and not getattr(facts, "error", None) and facts.role == "generation"
        self.add_button.setEnabled(ready)
        self.use_button.setEnabled(ready and usable and facts.file_name != self._active)
        self.remove_button.setEnabled(ready and facts is not None)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.models_busy.setVisible(busy)
        self.refresh_button.setEnabled(not busy)
        self._update_model_buttons()

    @Slot()
    def _on_add_clicked(self) -> None:
        if self._controller is None or self._busy:
            return
        path, _filter = QFileDialog.getOpenFileName(self, "Add a model", QDir.homePath(), GGUF_FILTER)
        if not path:
            return
        how = ask_add_how(self, Path(path).name)
        if how is None:
            return
        self._controller.add_model(Path(path), how)

    @Slot()
    def _on_use_clicked(self) -> None:
        name = self.selected_model_name()
        if self._controller is None or self._busy or name is None or name == self._active:
            return
        self._controller.set_active_model(name)

    @Slot()
    def _on_remove_clicked(self) -> None:
        name = self.selected_model_name()
        facts = self._facts_of(name)
        if self._controller is None or self._busy or facts is None:
            return
        if name == self._active:
            self._show_message(
                f"{name} writes your drafts, so it cannot be removed. "
                "Choose another model with “Use for drafting” first, then remove this one.",
                error=True,
            )
            return
        path = getattr(facts, "path", None)
        is_link = bool(path) and Path(path).is_symlink()
        if not confirm_remove(self, name, human_size(getattr(facts, "size_bytes", None)), is_link):
            return
        self._controller.remove_model(name)

    @Slot(str)
    def _on_change_started(self, text: str) -> None:
        self._set_busy(True)
        self._show_message(text)

    @Slot(object)
    def _on_change_finished(self, change: Any) -> None:
        self._set_busy(False)
        self._show_message(change.message)

    @Slot(object)
    def _on_change_failed(self, failure: Any) -> None:
        self._set_busy(False)
        self._show_message(failure.text, error=True)

    @Slot()
    def _open_models_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.models_dir)))
