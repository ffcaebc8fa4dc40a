"""The Inbox's message side: the selected message (``InboxDetail``), its review buttons and the editor.

It keeps what is being done to the shown message (an edit being typed, autosaved as it goes;
another try being written) and sends the creator's review actions to the controller. The page
tells it which message the list selected (``current_id``) and what the controller reports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QScrollArea

from desktop.ui.widgets.inbox.review_buttons import ReviewButtons
from desktop.ui.widgets.inbox_detail import InboxDetail
from desktop.ui.widgets.inbox_model import InboxModel

if TYPE_CHECKING:
    from desktop.ui.controllers.inbox_controller import InboxController

AUTOSAVE_MS = 250
STREAM_NOTE = "Writing another option…"


class MessagePane(QScrollArea):
    """The message and its draft; scrolls on its own, so a long thread never stretches the page."""

    def __init__(self, model: InboxModel, say: Callable[..., None], back_to_list: Callable[[], Any]) -> None:
        super().__init__()
        self.model = model
        self._say = say  # say(text, error=False): the page's status line
        self._back_to_list = back_to_list
        self.controller: InboxController | None = None
        self.current_id: int | None = None  # the message the list selected
        self.editing = False
        self.streaming: int | None = None  # item id whose other try is being written
        self.detail = InboxDetail()
        self.detail.option_chosen.connect(self.choose_option)
        self.detail.editor.textChanged.connect(self._on_editor_changed)
        self.detail.editor.installEventFilter(self)
        self.review = ReviewButtons(
            self.detail.actions,
            approve=self.approve,
            edit=self.edit,
            redraft=self.redraft,
            reject=self.reject,
            undo=self.undo,
        )
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(self.detail)
        self.detail.setObjectName("pageHost")
        self.detail.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setSingleShot(True)
        self._autosave_timer.setInterval(AUTOSAVE_MS)
        self._autosave_timer.timeout.connect(self._autosave_now)

    def current_entry(self) -> Any | None:
        return self.model.entry(self.current_id) if self.current_id is not None else None

    def _draft_id(self) -> int | None:
        detail = self.detail.detail
        if detail is None or detail.entry.item_id != self.current_id:
            return None
        return detail.entry.draft_id

    @Slot()
    def update_actions(self) -> None:
        detail = self.detail.detail
        entry = detail.entry if detail is not None and self.current_id == detail.entry.item_id else None
        self.review.update(
            entry,
            streaming=self.streaming is not None,
            editing=self.editing,
            batch_running=self.controller is not None and self.controller.is_batch_running(),
        )

    # --- the review actions --------------------------------------------------------------------------------
    @Slot()
    def approve(self) -> None:
        if self.controller is None or self.current_id is None or self.streaming is not None:
            return
        self.finish_edit()
        self.controller.approve(self.current_id)

    @Slot()
    def reject(self) -> None:
        if self.controller is None or self.current_id is None or self.streaming is not None:
            return
        self.finish_edit(commit=False)
        self.controller.reject(self.current_id)

    @Slot()
    def redraft(self) -> None:
        entry = self.current_entry()
        if self.controller is None or self.current_id is None or self.streaming is not None or self.editing:
            return
        if entry is not None and entry.triage_level == "red":
            self._say("This message gets no draft: answer it personally.")
            return
        self.streaming = self.current_id
        self.detail.start_stream(STREAM_NOTE)
        self.controller.redraft(self.current_id)
        self.update_actions()

    @Slot(int)
    def choose_option(self, position: int) -> None:
        detail = self.detail.detail
        draft_id = self._draft_id()
        if self.controller is None or draft_id is None or self.editing or self.streaming is not None:
            return
        if not any(a.position == position for a in detail.alternatives):
            if len(detail.alternatives) > 1:
                self._say(f"There is no option {position}.")
            return
        if any(a.position == position and a.chosen for a in detail.alternatives):
            return
        self.controller.choose_option(detail.entry.item_id, draft_id, position)

    @Slot()
    def undo(self) -> None:
        if self.controller is None or self.streaming is not None:
            return
        self.finish_edit()
        self.controller.undo()

    # --- editing ---------------------------------------------------------------------------------------
    @Slot()
    def edit(self) -> None:
        detail = self.detail.detail
        if self.editing or self._draft_id() is None or self.streaming is not None:
            return
        if detail.entry.state not in ("drafted", "flagged", "approved") or detail.entry.trashed_at:
            self._say(f"A {detail.entry.state} reply cannot be edited.")
            return
        self.editing = True
        self.detail.begin_edit()
        self.update_actions()

    def finish_edit(self, *, commit: bool = True) -> None:
        """Leave the editor: save what was typed as the draft's text (one undo step)."""
        if not self.editing:
            return
        self.editing = False
        self.detail.end_edit()
        draft_id = self._draft_id()
        if self._autosave_timer.isActive():
            self._autosave_timer.stop()
            self._autosave_now()
        if commit and self.controller is not None and draft_id is not None and self.current_id is not None:
            self.controller.commit_edit(self.current_id, draft_id, self.detail.editor.toPlainText())
        self._back_to_list()
        self.update_actions()

    @Slot()
    def _on_editor_changed(self) -> None:
        if self.editing:
            self._autosave_timer.start()

    @Slot()
    def _autosave_now(self) -> None:
        draft_id = self._draft_id()
        if self.controller is not None and draft_id is not None:
            self.controller.autosave(draft_id, self.detail.editor.toPlainText())

    @Slot()
    def on_closing(self) -> None:
        # Keep the text being typed (not committed: the creator did not finish the edit).
        draft_id = self._draft_id()
        if self.editing and self.controller is not None and draft_id is not None:
            self._autosave_timer.stop()
            self.controller.save_edit_now(draft_id, self.detail.editor.toPlainText())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        """In the editor, Esc or Ctrl+Enter ends the edit."""
        if watched is self.detail.editor and self.editing and event.type() == QEvent.Type.KeyPress:
            key_event: QKeyEvent = event  # type: ignore[assignment]
            key, modifiers = key_event.key(), key_event.modifiers()
            enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if key == Qt.Key.Key_Escape or (enter and modifiers & Qt.KeyboardModifier.ControlModifier):
                self.finish_edit()
                return True
        return super().eventFilter(watched, event)

    # --- what the controller reports ----------------------------------------------------------------------
    @Slot(object)
    def on_detail_loaded(self, detail: Any) -> None:
        if detail.entry.item_id != self.current_id or self.editing:
            return
        self.detail.show_detail(detail)
        if self.streaming == detail.entry.item_id:
            self.detail.start_stream(STREAM_NOTE)  # the rest of it streams in here
        self.update_actions()

    @Slot(int, str)
    def on_redraft_text(self, item_id: int, text: str) -> None:
        if item_id == self.streaming and item_id == self.current_id:
            self.detail.append_stream(text)

    @Slot(int, str)
    def on_redraft_ended(self, item_id: int, message: str) -> None:
        if item_id == self.streaming:
            self.streaming = None
        self._say(message)
        self.model.invalidate([item_id])
        if self.controller is not None:
            self.controller.reload_counts()
            if item_id == self.current_id:
                self.controller.load_detail(item_id)
        self.update_actions()
