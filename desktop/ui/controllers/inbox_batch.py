"""Drafting from the Inbox on the model thread: "Draft all" (pause, resume, cancel) and another try.

``InboxDrafting`` (GUI thread) hands the jobs to the drafting controller's model thread
(``run_session_job``), loading the model first when needed, and turns what the thread reports
into the Inbox's signals. The drafts are written through the session's own store connection
(WAL lets it work beside the inbox's store thread). ``InboxController`` owns one and relays its
signals to the page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Unpack

from PySide6.QtCore import QObject, Signal, Slot

from desktop.core.tasks import CancelToken
from desktop.ui.controllers.drafting_controller import FAILED, READY, DraftingController
from desktop.ui.workers import Failure, Replies

#: Batch drafting states, as the page shows them.
BATCH_IDLE, BATCH_WAITING, BATCH_RUNNING, BATCH_PAUSING = "idle", "waiting", "running", "pausing"


class DraftingSignals(QObject):
    """The signals of drafting from the Inbox, declared once: ``InboxDrafting`` emits them and
    ``InboxController`` relays them to the page (``relay_to``), as the controller documents them."""

    batch_state_changed = Signal(str)
    batch_progress = Signal(object)
    batch_item = Signal(object)
    batch_ended = Signal(str, object)
    redraft_text = Signal(int, str)
    redraft_ended = Signal(int, str)
    model_status = Signal(str)

    def relay_to(self, other: DraftingSignals) -> None:
        """Re-emit every one of these signals as ``other``'s signal of the same name."""
        names = ("batch_state_changed", "batch_progress", "batch_item", "batch_ended")
        for name in (*names, "redraft_text", "redraft_ended", "model_status"):
            getattr(self, name).connect(getattr(other, name))


class InboxDrafting(DraftingSignals):
    """Batch drafting and another try for one message, with ``drafting``'s model (GUI thread).

    Signals: those of ``DraftingSignals``, and ``reload_wanted()`` when a batch ended and the list
    should show its drafts.
    """

    reload_wanted = Signal()

    def __init__(self, drafting: DraftingController | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.drafting = drafting
        self.batch_state = BATCH_IDLE
        self._pause: Any = None  # desktop.core.inbox.batch.PauseFlag of the running batch
        self._batch_job = 0
        self._redrafting: int | None = None  # the item whose other try is being written
        self._waiting_redraft: int | None = None
        self._closed = False
        if drafting is not None:
            drafting.state_changed.connect(self._on_model_state)
            drafting.loading_progress.connect(self._on_model_loading)
            drafting.load_failed.connect(self._on_model_failed)

    def shutdown(self) -> None:
        """The window is closing: stop a running batch (within a token); start nothing new."""
        self._closed = True
        if self.drafting is not None and self._batch_job:
            self.drafting.cancel_session_job(self._batch_job)

    def is_batch_running(self) -> bool:
        return self.batch_state != BATCH_IDLE

    def draft_all(self) -> None:
        """Draft every new message in priority order (loads the model first if needed)."""
        if self.drafting is None or self.batch_state != BATCH_IDLE or self._closed:
            return
        from desktop.core.inbox.batch import PauseFlag

        self._pause = PauseFlag()
        if not self.drafting.is_ready():
            self._set_batch_state(BATCH_WAITING)
            self.drafting.start()
            return
        self._submit_batch()

    def _submit_batch(self) -> None:
        from desktop.core.inbox.batch import draft_all

        assert self.drafting is not None
        pause, max_tokens = self._pause, self.drafting.max_tokens

        def job(session: Any, cancel: CancelToken) -> Any:  # on the model thread
            return draft_all(session, cancel=cancel, pause=pause, max_tokens=max_tokens)

        self._batch_job = self.drafting.run_session_job(
            job,
            **_outcomes(
                self._batch_ended,
                "Stopped.",
                on_items=self._on_batch_items,
                on_progress=self.batch_progress.emit,
            ),
        )
        self._set_batch_state(BATCH_RUNNING if self._batch_job else BATCH_IDLE)
        if not self._batch_job:
            self.batch_ended.emit("failed", Failure("The model is not ready; try again in a moment."))

    def pause_batch(self) -> None:
        """Finish the reply being written, then stop; ``draft_all`` again resumes with what is left."""
        if self._pause is not None and self.batch_state == BATCH_RUNNING:
            self._pause.pause()
            self._set_batch_state(BATCH_PAUSING)

    def cancel_batch(self) -> None:
        """Stop now (within a token); finished drafts are kept."""
        if self.batch_state == BATCH_WAITING:
            self._set_batch_state(BATCH_IDLE)
            self.batch_ended.emit("cancelled", None)
        elif self._batch_job and self.drafting is not None:
            self.drafting.cancel_session_job(self._batch_job)

    def redraft(self, item_id: int) -> None:
        """Another try for one message (R): streamed through ``redraft_text``, kept as the next option."""
        if self.drafting is None or self._closed:
            return
        if self.batch_state != BATCH_IDLE:
            self.redraft_ended.emit(item_id, "Drafting all is running: pause it first, then press R.")
            return
        if self._redrafting is not None or self._waiting_redraft is not None:
            return  # one try at a time
        if not self.drafting.is_ready():
            self._waiting_redraft = item_id
            self.drafting.start()
            return
        self._submit_redraft(item_id)

    def _submit_redraft(self, item_id: int) -> None:
        from desktop.core.inbox.batch import redraft

        assert self.drafting is not None
        max_tokens = self.drafting.max_tokens

        def job(session: Any, cancel: CancelToken) -> Any:  # on the model thread
            return redraft(session, item_id, max_tokens=max_tokens, cancel=cancel)

        def ended(_how: str, _result: object, note: str) -> None:
            self._redrafting = None
            self.redraft_ended.emit(item_id, note)

        on_items = partial(self._on_redraft_items, item_id)
        job_id = self.drafting.run_session_job(
            job, **_outcomes(ended, "Stopped; the draft is unchanged.", on_items=on_items)
        )
        if job_id:
            self._redrafting = item_id
        else:
            self.redraft_ended.emit(item_id, "The model is not ready; try again in a moment.")

    def _set_batch_state(self, state: str) -> None:
        if state != self.batch_state:
            self.batch_state = state
            self.batch_state_changed.emit(state)

    @Slot(str)
    def _on_model_state(self, state: str) -> None:
        if state == READY:
            self.model_status.emit("The model is ready.")
            if self.batch_state == BATCH_WAITING:
                self._submit_batch()
            if self._waiting_redraft is not None:
                item_id, self._waiting_redraft = self._waiting_redraft, None
                self._submit_redraft(item_id)
        elif state == FAILED:
            self.model_status.emit("The model could not be loaded.")

    @Slot(str)
    def _on_model_loading(self, text: str) -> None:
        self.model_status.emit(f"Loading the model… {text}")

    @Slot(object)
    def _on_model_failed(self, failure: Failure) -> None:
        if self.batch_state == BATCH_WAITING:
            self._set_batch_state(BATCH_IDLE)
            self.batch_ended.emit("failed", failure)
        if self._waiting_redraft is not None:
            item_id, self._waiting_redraft = self._waiting_redraft, None
            self.redraft_ended.emit(item_id, f"The model could not be loaded. {failure.text}")

    def _on_batch_items(self, items: list) -> None:
        from desktop.core.inbox.batch import ItemDrafted

        for item in items:
            if isinstance(item, ItemDrafted):
                self.batch_item.emit(item)

    def _on_redraft_items(self, item_id: int, items: list) -> None:
        from desktop.core.generation.drafting import Regenerating

        text: list[str] = []
        for item in items:
            if isinstance(item, Regenerating):
                text = []
                self.redraft_text.emit(item_id, "")
            elif isinstance(item, str):
                text.append(item)
        if text:
            self.redraft_text.emit(item_id, "".join(text))

    def _batch_ended(self, how: str, result: object, _note: str) -> None:
        """The batch goes idle (``batch_ended``, then the list reloads)."""
        self._batch_job = 0
        self._set_batch_state(BATCH_IDLE)
        self.batch_ended.emit(how, result)
        self.reload_wanted.emit()


def _outcomes(ended: Callable[[str, object, str], None], stopped: str, **replies: Unpack[Replies]) -> Replies:
    """``replies`` and a model-thread job's three outcomes as ``ended(how, result, note)``: how it
    ended ("finished", a batch's "paused", "failed", "cancelled"), its result, and a plain-words note."""

    def done(result: object) -> None:
        ended(getattr(result, "stopped", "finished"), result, str(getattr(result, "message", "")))

    return {
        **replies,
        "on_done": done,
        "on_failed": lambda failure: ended("failed", failure, failure.text),
        "on_cancelled": lambda: ended("cancelled", None, stopped),
    }
