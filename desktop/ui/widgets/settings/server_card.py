"""The "Model server" card: draft on this computer or with an OpenAI-compatible server.

The form's API key is handed to the ``ServersController`` (which gives it to the keychain through
``ModelManager.add_server``) and the field is cleared at once: it is never written anywhere else.
Testing, saving, choosing and removing all run on the controller's workers.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.controllers.servers_controller import ServerForm
from desktop.ui.widgets.common.buttons import button
from desktop.ui.widgets.common.dialogs import confirm
from desktop.ui.widgets.common.labels import message_label
from desktop.ui.widgets.common.rows import left_row
from desktop.ui.widgets.page import card_layout

MODES = (("chat", "Chat (instruct models)"), ("completion", "Completion (base models, no chat template)"))
KEY_KEPT = "Kept in the keychain: leave empty to keep it"


def confirm_remove_server(parent: QWidget, name: str) -> bool:
    """Ask before forgetting a server; True to go ahead."""
    return confirm(
        parent,
        "Remove a model server",
        f"Forget the server '{name}' and remove its API key from the keychain?",
    )


class ServerCard(QFrame):
    """Local or server, the server's settings, Test connection, Use, and the saved servers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = card_layout(self, "Model server")
        intro = QLabel(
            "Drafts can be written by a bigger model on another computer or a GPU server: anything "
            "that speaks the OpenAI API (llama.cpp's server, vLLM, Ollama, LM Studio)."
        )
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.current = QLabel("Checking what drafts are written with…")
        self.current.setWordWrap(True)
        layout.addWidget(self.current)

        self.local_radio = QRadioButton("A model on this computer (the one in use under AI models)")
        self.server_radio = QRadioButton("A model server")
        self._kind = QButtonGroup(self)
        self._kind.addButton(self.local_radio)
        self._kind.addButton(self.server_radio)
        self.local_radio.setChecked(True)
        self.local_radio.toggled.connect(self._update)
        layout.addWidget(self.local_radio)
        layout.addWidget(self.server_radio)
        self.use_local_button = QPushButton("Draft on this computer")
        self.use_local_button.setToolTip("Stop using a server: drafts are written by the local model in use.")
        self.use_local_button.clicked.connect(self._on_use_local)
        layout.addLayout(left_row(self.use_local_button))

        self.server_box = QWidget()
        box = QVBoxLayout(self.server_box)
        box.setContentsMargins(0, 4, 0, 0)
        box.setSpacing(8)
        self.saved_list = QListWidget()
        self.saved_list.setToolTip("Servers saved on this computer; select one to see or change it.")
        self.saved_list.itemSelectionChanged.connect(self._on_saved_selected)
        self.saved_label = QLabel("Saved servers")
        box.addWidget(self.saved_label)
        box.addWidget(self.saved_list)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("a short name, e.g. gpu-box")
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("http://127.0.0.1:8080/v1")
        self.model_edit = QLineEdit()
        self.model_edit.setPlaceholderText("the model's name as the server lists it")
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("only if the server asks for one")
        self.key_edit.setToolTip("Kept in this computer's keychain, never in a file.")
        self.mode_combo = QComboBox()
        for value, text in MODES:
            self.mode_combo.addItem(text, value)
        form.addRow("Name", self.name_edit)
        form.addRow("Address", self.url_edit)
        form.addRow("Model", self.model_edit)
        form.addRow("API key", self.key_edit)
        form.addRow("Mode", self.mode_combo)
        box.addLayout(form)
        for edit in (self.name_edit, self.url_edit, self.model_edit):
            edit.textChanged.connect(self._update)
        self.test_button = button(
            "Test connection",
            "Send a one-token request with these settings and time it. Nothing is saved.",
            self._on_test,
        )
        self.save_button = button(
            "Save",
            "Save this server (its key goes to the keychain) without drafting with it yet.",
            lambda: self._on_save(use=False),
        )
        self.use_button = button(
            "Use this server",
            "Save this server and let it write your drafts from now on.",
            lambda: self._on_save(use=True),
            "primary",
        )
        self.remove_button = button(
            "Remove…", "Forget the selected saved server and its key.", self._on_remove
        )
        box.addLayout(left_row(self.test_button, self.save_button, self.use_button, self.remove_button))
        layout.addWidget(self.server_box)

        self.message = message_label("serverMessage")
        layout.addWidget(self.message)
        self._controller: Any = None
        self._view: Any = None
        self._update()

    # --- the controller ---------------------------------------------------------------------------
    def attach(self, controller: Any) -> None:
        """Connect to a ``ServersController`` (GUI-thread signals only)."""
        self._controller = controller
        controller.servers_loaded.connect(self.show_servers)
        controller.servers_failed.connect(self._on_failed)
        controller.change_started.connect(self._on_started)
        controller.change_finished.connect(self._on_change_finished)
        controller.change_failed.connect(self._on_failed)
        controller.test_started.connect(self._on_started)
        controller.test_finished.connect(self._on_test_finished)
        controller.test_failed.connect(self._on_failed)
        self._update()

    @Slot(object)
    def show_servers(self, view: Any) -> None:
        """Show the saved servers and the current choice (a ``ServersView``)."""
        first = self._view is None
        self._view = view
        choice = view.choice
        selected = self.selected_server()
        self.saved_list.clear()
        for entry in view.servers:
            in_use = choice.is_server and choice.name == entry.name
            key = "key in the keychain" if entry.has_key else "no key"
            item = QListWidgetItem(
                f"{entry.name}: {entry.model} at {entry.url} ({entry.mode}, {key})"
                + ("   ✓ in use" if in_use else "")
            )
            item.setData(Qt.ItemDataRole.UserRole, entry.name)
            self.saved_list.addItem(item)
            if entry.name == selected:
                item.setSelected(True)
        self.saved_label.setVisible(bool(view.servers))
        self.saved_list.setVisible(bool(view.servers))
        rows = min(max(len(view.servers), 1), 4)  # as tall as its entries (a few), never a blank box
        row_height = max(self.saved_list.sizeHintForRow(0), 20)
        self.saved_list.setFixedHeight(rows * row_height + 2 * self.saved_list.frameWidth() + 4)
        if choice.is_server:
            self.current.setText(
                f"Drafts are written by the server '{choice.name}' "
                f"({choice.server.model} at {choice.server.url})."
            )
        else:
            self.current.setText(f"Drafts are written on this computer by {choice.name}.")
        if first:  # the radio follows the saved choice once; after that it is the creator's
            (self.server_radio if choice.is_server or view.servers else self.local_radio).setChecked(True)
            if choice.is_server:
                self.select_server(choice.name)
        self._update()

    def selected_server(self) -> str | None:
        items = self.saved_list.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def select_server(self, name: str) -> bool:
        for row in range(self.saved_list.count()):
            if self.saved_list.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.saved_list.setCurrentRow(row)
                return True
        return False

    def form(self) -> ServerForm:
        return ServerForm(
            self.name_edit.text().strip(),
            self.url_edit.text().strip(),
            self.model_edit.text().strip(),
            str(self.mode_combo.currentData()),
            self.key_edit.text(),
        )

    def message_text(self) -> str:
        return self.message.text() if not self.message.isHidden() else ""

    # --- buttons ------------------------------------------------------------------------------------
    @Slot()
    def _update(self) -> None:
        busy = self._controller is None or self._controller.is_changing()
        server = self.server_radio.isChecked()
        self.server_box.setVisible(server)
        filled = all(edit.text().strip() for edit in (self.url_edit, self.model_edit))
        choice = self._view.choice if self._view is not None else None
        # Only offered when it would change something: a server drafts now and "this computer" is picked.
        self.use_local_button.setVisible(not server and choice is not None and choice.is_server)
        self.use_local_button.setEnabled(not busy)
        testing = self._controller is not None and self._controller.is_testing()
        self.test_button.setEnabled(self._controller is not None and filled and not testing)
        self.save_button.setEnabled(not busy and filled and bool(self.name_edit.text().strip()))
        self.use_button.setEnabled(not busy and filled and bool(self.name_edit.text().strip()))
        self.remove_button.setEnabled(not busy and self.selected_server() is not None)

    @Slot()
    def _on_saved_selected(self) -> None:
        name = self.selected_server()
        entry = next((e for e in (self._view.servers if self._view else []) if e.name == name), None)
        if entry is not None:
            self.name_edit.setText(entry.name)
            self.url_edit.setText(entry.url)
            self.model_edit.setText(entry.model)
            self.mode_combo.setCurrentIndex(max(0, self.mode_combo.findData(entry.mode)))
            self.key_edit.clear()
            self.key_edit.setPlaceholderText(KEY_KEPT if entry.has_key else "only if the server asks for one")
        self._update()

    @Slot()
    def _on_test(self) -> None:
        if self._controller is not None and self._controller.test(self.form()):
            self._update()

    def _on_save(self, *, use: bool) -> None:
        if self._controller is None:
            return
        if self._controller.save(self.form(), use=use):
            self.key_edit.clear()  # handed to the keychain; not kept in the widget

    @Slot()
    def _on_use_local(self) -> None:
        if self._controller is not None:
            self._controller.use(None)

    @Slot()
    def _on_remove(self) -> None:
        name = self.selected_server()
        if self._controller is not None and name and confirm_remove_server(self, name):
            self._controller.remove(name)

    # --- outcomes -----------------------------------------------------------------------------------
    @Slot(str)
    def _on_started(self, text: str) -> None:
        self._show(text)
        self._update()

    @Slot(object)
    def _on_change_finished(self, change: Any) -> None:
        self._show(change.message)
        self._update()

    @Slot(object)
    def _on_test_finished(self, check: Any) -> None:
        self._show("✓ " + check.message())
        self._update()

    @Slot(object)
    def _on_failed(self, failure: Any) -> None:
        self._show(failure.text, error=True)
        self._update()

    def _show(self, text: str, *, error: bool = False) -> None:
        self.message.setProperty("error", error)
        self.message.setText(text)
        self.message.setVisible(bool(text))
