"""The Inbox's "Send to <platform>" button: an approved reply posted where its message came from.

Shown under the draft of an approved reply whose message came from a connected platform (Settings
→ Connections); pressing it sends that one reply through the ``ConnectionsController`` (never on
its own, never a reply that is not approved). Under the button: whether it was sent, or why the last
try failed (the reply then stays approved and can be sent again).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QPushButton

from desktop.core.connectors.registry import connector_label
from desktop.ui import theme

APPROVED = "approved"


class SendAction(QObject):
    """Adds the button and its note to an ``InboxPage``'s message view; wired to both controllers."""

    def __init__(self, page: Any, inbox: Any, connections: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.page = page
        self.inbox = inbox
        self.connections = connections
        self.button = QPushButton("Send")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys work from the list
        self.button.clicked.connect(self.send)
        self.button.hide()
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.hide()
        # A row of its own under the review buttons (that row is as wide as the pane already), in the
        # draft card's column, with the note under it.
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addStretch(1)
        column = page.message.detail.actions.parent()
        if isinstance(column, QBoxLayout):
            column.addLayout(row)
            column.addWidget(self.note)
        self._sending: int | None = None
        inbox.detail_loaded.connect(self._on_detail)
        connections.view_loaded.connect(self._on_view)
        connections.send_state_loaded.connect(self._on_send_state)
        connections.run_started.connect(self._update)
        connections.run_finished.connect(self._on_run_finished)
        connections.run_failed.connect(self._on_run_failed)
        connections.run_cancelled.connect(self._on_run_cancelled)

    def entry(self) -> Any | None:
        """The approved entry shown now, if its platform is connected."""
        detail = self.page.message.detail.detail
        view = self.connections.view
        if detail is None or view is None or detail.entry.item_id != self.page.message.current_id:
            return None
        entry = detail.entry
        if entry.state != APPROVED or entry.trashed_at is not None or entry.platform not in view.connected():
            return None
        return entry

    @Slot()
    def send(self) -> None:
        entry = self.entry()
        if entry is None or self.connections.is_running():
            return
        if self.connections.send_approved(item_id=entry.item_id):
            self._sending = entry.item_id
            self._say(f"Sending the reply to {connector_label(entry.platform)}…")

    # --- what the controllers say -------------------------------------------------------------------
    @Slot(object)
    def _on_detail(self, detail: Any) -> None:
        self.note.hide()
        if self.connections.view is None and detail.entry.state == APPROVED:
            self.connections.load()  # which platforms are connected (the button shows once known)
        self._update()
        if self.entry() is not None:
            self.connections.read_send_state(detail.entry.item_id)

    @Slot(object)
    def _on_view(self, _view: Any) -> None:
        self._update()

    @Slot(int, object)
    def _on_send_state(self, item_id: int, row: Any) -> None:
        entry = self.entry()
        if entry is None or entry.item_id != item_id or row is None:
            return
        label = connector_label(entry.platform)
        if row["status"] == "failed" and row["error"]:
            self._show_note(f"Not sent to {label} yet: {row['error']} It stays approved.", error=True)
        elif row["status"] == "sending":
            self._show_note(
                f"A send to {label} was interrupted; sending again first checks {label} for it.", error=False
            )

    @Slot(object)
    def _on_run_finished(self, outcome: Any) -> None:
        item_id, self._sending = self._sending, None
        self._update()
        if item_id is None:
            return
        failed = dict(outcome.failed_replies)
        if item_id in failed or outcome.errors:
            reason = failed.get(item_id) or " ".join(outcome.errors.values())
            self._say(f"Not sent: {reason} The reply stays approved.", error=True)
            self._show_note(f"Not sent: {reason} It stays approved.", error=True)
        else:
            self._say(outcome.text)
        self.inbox.load_detail(item_id)

    @Slot(object)
    def _on_run_failed(self, failure: Any) -> None:
        if self._sending is not None:
            self._sending = None
            self._say(f"Not sent: {failure.text} The reply stays approved.", error=True)
        self._update()

    @Slot()
    def _on_run_cancelled(self) -> None:
        self._sending = None
        self._update()

    # --- helpers ------------------------------------------------------------------------------------
    def _update(self, *_args: Any) -> None:
        entry = self.entry()
        self.button.setVisible(entry is not None)
        if entry is not None:
            label = connector_label(entry.platform)
            self.button.setText(f"Send to {label}")
            self.button.setToolTip(f"Post this approved reply on {label}, in the message's thread.")
            self.button.setEnabled(not self.connections.is_running())
        else:
            self.note.hide()

    def _show_note(self, text: str, *, error: bool) -> None:
        self.note.setText(text)
        self.note.setStyleSheet(f"color: {theme.ERROR_COLOR if error else theme.TEXT_MUTED};")
        self.note.show()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.page.status_label.setStyleSheet(f"color: {theme.ERROR_COLOR};" if error else "")
        self.page.status_label.setText(text)
