"""One platform in Settings → Connections: how to connect, what is read and sent, the form, its buttons.

The panel only shows and asks: each button emits a request that the ``ConnectionsCard`` hands to
the ``ConnectionsController``. A secret typed here (a token, an app password) leaves the field
in the request and the field is cleared at once: it goes to the keychain and nowhere else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui import theme
from desktop.ui.controllers.connections_controller import PlatformView

SECRET_KEPT = "Kept in the keychain: leave empty to keep it"


def confirm_disconnect(parent: QWidget, label: str) -> bool:
    """Ask before forgetting a connection; True to go ahead."""
    answer = QMessageBox.question(
        parent,
        f"Disconnect {label}",
        f"Disconnect {label} and remove its credentials from the keychain? The messages already "
        "fetched and the replies already sent stay.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


def _text(text: str, *, muted: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if muted:
        label.setObjectName("muted")
    return label


class ConnectionPanel(QFrame):
    """A platform's part of the Connections card (``show_view`` fills it; requests go out as signals)."""

    connect_requested = Signal(str, dict)  # platform, values typed (secrets included)
    test_requested = Signal(str)
    check_requested = Signal(str)
    send_requested = Signal(str)
    disconnect_requested = Signal(str)

    def __init__(self, view: PlatformView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionPanel")
        self.setStyleSheet(
            "QFrame#connectionPanel { border: 1px solid #e5e7eb; border-radius: 8px; background: #fcfcfd; }"
        )
        self.platform = view.platform
        self.view = view
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(6)

        head = QHBoxLayout()
        self.title = QLabel(view.label)
        self.title.setObjectName("cardTitle")
        self.status = _text("")
        head.addWidget(self.title)
        head.addSpacing(8)
        head.addWidget(self.status, 1)
        layout.addLayout(head)

        self.reason = _text("")
        self.reason.setStyleSheet(f"color: {theme.ERROR_COLOR};")
        layout.addWidget(self.reason)
        self.reads = _text(f"<b>What Understudy reads:</b> {view.reads}")
        self.sends = _text(f"<b>What it sends:</b> {view.sends}")
        layout.addWidget(self.reads)
        layout.addWidget(self.sends)

        self.steps_toggle = QToolButton()
        self.steps_toggle.setCheckable(True)
        self.steps_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.steps_toggle.setAutoRaise(True)
        self.steps_toggle.toggled.connect(self._on_steps_toggled)
        self.steps = _text(view.steps, muted=True)
        layout.addWidget(self.steps_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.steps)

        self.form_box = QWidget()  # the form and the buttons: hidden for a platform that cannot load
        form_layout = QVBoxLayout(self.form_box)
        form_layout.setContentsMargins(0, 0, 0, 0)
        self.form = QFormLayout()
        self.form.setHorizontalSpacing(16)
        self.inputs: dict[str, QLineEdit] = {}
        self.browse_buttons: dict[str, QPushButton] = {}
        self._secret: set[str] = set()
        for setup in view.fields:
            if setup.advanced:  # the CLI takes it (a test server's address); not a creator's question
                continue
            edit = QLineEdit()
            edit.setPlaceholderText(setup.placeholder)
            if setup.secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
                self._secret.add(setup.name)
            elif setup.default:
                edit.setText(setup.default)
            edit.returnPressed.connect(self._on_connect)
            self.inputs[setup.name] = edit
            self.form.addRow(setup.label, self._with_browse(edit, setup) if setup.file_filter else edit)
        form_layout.addLayout(self.form)

        buttons = QHBoxLayout()
        self.connect_button = QPushButton("Connect")
        self.connect_button.setObjectName("primary")
        self.connect_button.clicked.connect(self._on_connect)
        self.test_button = QPushButton("Test")
        self.test_button.setToolTip("Sign in with what is kept and show which account Understudy speaks as.")
        self.test_button.clicked.connect(lambda: self.test_requested.emit(self.platform))
        self.check_button = QPushButton("Check now")
        self.check_button.setToolTip("Bring the new messages from this platform into the Inbox.")
        self.check_button.clicked.connect(lambda: self.check_requested.emit(self.platform))
        self.send_button = QPushButton("Send approved")
        self.send_button.clicked.connect(lambda: self.send_requested.emit(self.platform))
        self.disconnect_button = QPushButton("Disconnect")
        self.disconnect_button.setToolTip(
            "Forget this connection and remove its credentials from the keychain."
        )
        self.disconnect_button.clicked.connect(self._on_disconnect)
        for button in (self.connect_button, self.test_button, self.check_button, self.send_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.disconnect_button)
        form_layout.addLayout(buttons)
        layout.addWidget(self.form_box)

        self.message = _text("")
        self.message.hide()
        layout.addWidget(self.message)
        self._busy = False
        self.show_view(view)

    def _with_browse(self, edit: QLineEdit, setup: Any) -> QWidget:
        """``edit`` with a "Browse…" button beside it that picks a file (``setup.file_filter``)."""
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        browse = QPushButton("Browse…")
        browse.setObjectName(f"browse_{setup.name}")
        browse.setToolTip(f"Choose the {setup.label.lower()} on this computer.")

        def pick() -> None:
            start = str(Path(edit.text()).expanduser().parent) if edit.text().strip() else str(Path.home())
            chosen, _ = QFileDialog.getOpenFileName(self, setup.label, start, setup.file_filter)
            if chosen:
                edit.setText(chosen)

        browse.clicked.connect(pick)
        line.addWidget(edit, 1)
        line.addWidget(browse)
        self.browse_buttons[setup.name] = browse
        return row

    # --- what the controller says ---------------------------------------------------------------
    def show_view(self, view: PlatformView) -> None:
        self.view = view
        if not view.available:
            self.status.setText("Unavailable")
            self.status.setStyleSheet(f"color: {theme.ERROR_COLOR};")
            self.reason.setText(view.reason)
        elif view.connected:
            parts = [f"✓ Connected as {view.account or '?'}"]
            parts.append(
                f"last checked for messages {theme.format_local(view.fetched_at)}"
                if view.fetched_at
                else "not checked for messages yet"
            )
            self.status.setText(" · ".join(parts))
            self.status.setStyleSheet(f"color: {theme.OK_COLOR};")
            if view.problem:
                self.show_problem(view.problem)
        else:
            self.status.setText("Not connected")
            self.status.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        self.reason.setVisible(not view.available)
        self.form_box.setVisible(view.available)
        for button in (self.test_button, self.check_button, self.send_button, self.disconnect_button):
            button.setVisible(view.connected)  # until connected, the only step is Connect
        for widget in (self.reads, self.sends, self.steps_toggle):
            widget.setVisible(view.available)
        for name, edit in self.inputs.items():
            if name in self._secret:
                edit.setPlaceholderText(SECRET_KEPT if view.connected else "")
            elif view.settings.get(name):
                edit.setText(view.settings[name])
        self.steps_toggle.setChecked(view.available and not view.connected)
        self._on_steps_toggled(self.steps_toggle.isChecked())
        self.connect_button.setText("Save and test" if view.connected else "Connect")
        waiting = view.approved_waiting
        self.send_button.setText(f"Send approved ({waiting})" if waiting else "Send approved")
        self.send_button.setToolTip(
            f"Post the {theme.plural(waiting, 'approved reply', 'approved replies')} to messages from "
            f"{view.label}, each in its thread. Nothing is ever sent without this button."
            if waiting
            else f"No approved replies to messages from {view.label} are waiting."
        )
        self._update_enabled()

    def set_busy(self, busy: bool) -> None:
        """Another change or run is under way: nothing else can be asked meanwhile."""
        self._busy = busy
        self._update_enabled()

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {theme.ERROR_COLOR if error else theme.OK_COLOR};")
        self.message.setVisible(bool(text))

    def show_problem(self, text: str) -> None:
        """The last check or send failed (an expired sign-in, an unreachable instance): said until the
        next time the connection is read."""
        self.status.setText(f"⚠ Needs attention{' (' + self.view.account + ')' if self.view.account else ''}")
        self.status.setStyleSheet(f"color: {theme.WARNING_COLOR};")
        self.show_message(text, error=True)

    def values(self) -> dict[str, str]:
        """What was typed; an empty secret is left out (the kept one stays)."""
        return {
            name: edit.text().strip()
            for name, edit in self.inputs.items()
            if edit.text().strip() or name not in self._secret
        }

    # --- the panel's own ------------------------------------------------------------------------
    def _update_enabled(self) -> None:
        usable = self.view.available and not self._busy
        connected = usable and self.view.connected
        for edit in self.inputs.values():
            edit.setEnabled(self.view.available)
        self.connect_button.setEnabled(usable)
        for button in (self.test_button, self.check_button, self.disconnect_button):
            button.setEnabled(connected)
        self.send_button.setEnabled(connected and self.view.approved_waiting > 0)

    @Slot(bool)
    def _on_steps_toggled(self, shown: bool) -> None:
        self.steps.setVisible(shown and self.view.available)
        self.steps_toggle.setText("Hide the steps" if shown else "How to connect")
        self.steps_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    @Slot()
    def _on_connect(self) -> None:
        if not self.connect_button.isEnabled():
            return
        values = self.values()
        for name in self._secret:
            self.inputs[name].clear()  # the secret leaves with the request, for the keychain only
        self.connect_requested.emit(self.platform, values)

    @Slot()
    def _on_disconnect(self) -> None:
        if confirm_disconnect(self, self.view.label):
            self.disconnect_requested.emit(self.platform)
