"""The Persona page's live preview: sample messages re-drafted with the *working* persona.

``LivePreview`` re-drafts a few sample messages with the working (unsaved) persona a moment
after it stops changing, on the model thread of the ``DraftingController``. A change cancels
the drafts being written at once; the new round starts only once the cancelled job has ended,
so preview jobs never pile up behind each other on the model thread.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance, Slot

from desktop.core.persona.model import Persona
from desktop.core.tasks import CancelToken
from desktop.ui.controllers.drafting_controller import FAILED, READY, DraftingController

#: How long after the last change the live preview re-drafts.
PREVIEW_DELAY_MS = 600
#: Tokens per preview draft: enough for the longest length setting to show.
PREVIEW_MAX_TOKENS = 110


class LivePreview(QObject):
    """Re-drafts sample messages with the working persona, a moment after it stops changing.

    Call ``persona_changed`` on every edit: it cancels the drafts being written and (re)starts
    a ``PREVIEW_DELAY_MS`` single-shot timer; when it fires, the messages are drafted one after
    another, one model-thread job each. Only one preview job exists at a time.

    Signals (GUI thread; ``int`` is the message's index): ``outdated()`` (what is shown no longer
    matches the persona or messages), ``round_started()``, ``draft_started(int)``,
    ``text_streamed(int, str)``, ``attempt_restarted(int, object)`` (the guard sent an attempt
    back: the text so far is void), ``draft_finished(int, object)`` (a ``Draft``),
    ``draft_failed(int, object)``, ``status_changed(str)`` (what the preview is doing, in words).
    """

    outdated = Signal()
    round_started = Signal()
    draft_started = Signal(int)
    text_streamed = Signal(int, str)
    attempt_restarted = Signal(int, object)
    draft_finished = Signal(int, object)
    draft_failed = Signal(int, object)
    status_changed = Signal(str)

    def __init__(self, drafting: DraftingController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.drafting = drafting
        self.messages: list[str] = []
        self.max_tokens = PREVIEW_MAX_TOKENS
        self.active = False  # the page is shown
        self.enabled = True  # the creator wants live re-drafts
        self._persona: Persona | None = None  # the latest working persona (a private copy)
        self._round: list[int] = []  # message indexes still to draft in this round
        self._round_persona: Persona | None = None
        self._job = 0  # the preview job on the model thread (0: none)
        self._job_index = -1
        self._job_stale = False  # cancelled: its remaining output is ignored
        self._wanted = False  # a round should start as soon as the model (and the last job) allow
        #: Every job id this preview submitted, and those it cancelled (tests and logs read these).
        self.submitted: list[int] = []
        self.cancelled: list[int] = []
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(PREVIEW_DELAY_MS)
        self.timer.timeout.connect(self._on_timer)
        drafting.state_changed.connect(self._on_drafting_state)

    # --- requests (GUI thread) -------------------------------------------------------------------------
    def persona_changed(self, persona: Persona) -> None:
        """The working persona changed: stop what is being drafted, re-draft after a pause."""
        if self._persona is not None and persona.to_dict() == self._persona.to_dict():
            return  # e.g. a save: the voice did not change, the preview stands
        self._persona = copy.deepcopy(persona)  # the model thread reads it: never the editors' copy
        self._changed()

    def set_messages(self, messages: list[str]) -> None:
        if [m.strip() for m in messages] != self.messages:
            self.messages = [m.strip() for m in messages]
            self._changed()

    def set_active(self, active: bool) -> None:
        """The page was shown or hidden: drafts for a hidden page are a waste of the model."""
        self.active = active
        if not active:
            if self._job or self._round or self.timer.isActive():
                self._wanted = True  # unfinished: finish it when the page is back
            self._cancel_running()
            self.timer.stop()
        elif self._wanted or self._round:
            self._changed()

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        if enabled:
            self._changed()
        else:
            self._cancel_running()
            self.timer.stop()
            self._wanted = False
            self.status_changed.emit("Live preview is paused.")

    def redraft_now(self) -> None:
        """Re-draft at once (F5), without waiting for the pause."""
        self._cancel_running()
        self.timer.stop()
        self._on_timer()

    def is_busy(self) -> bool:
        return bool(self._job) or bool(self._round) or self.timer.isActive()

    def _changed(self) -> None:
        self._cancel_running()
        self._wanted = True
        self.outdated.emit()
        if self.active and self.enabled:
            self.timer.start()

    def _cancel_running(self) -> None:
        """Cancel the job being written and forget the rest of the round (never queued)."""
        self._round = []
        if self._job and not self._job_stale:
            self._job_stale = True
            self.cancelled.append(self._job)
            self.drafting.cancel_session_job(self._job)

    # --- the round -------------------------------------------------------------------------------------
    @Slot()
    def _on_timer(self) -> None:
        self._wanted = True
        self._start_round()

    def _start_round(self) -> None:
        if not (self.active and self.enabled and self._wanted) or self._persona is None:
            return
        if not any(self.messages):
            if self.messages:  # the creator emptied every sample
                self.status_changed.emit("Type a message to preview.")
            return
        if self._job:
            return  # the cancelled job is still ending; its end starts the round
        if self.drafting.state == FAILED:
            return
        if not self.drafting.is_ready():
            self.status_changed.emit("Loading the model for the live preview…")
            self.drafting.start()
            return
        self._wanted = False
        self._round_persona = self._persona
        self._round = [i for i, m in enumerate(self.messages) if m]
        self.round_started.emit()
        self._next()

    def _next(self) -> None:
        if not self._round:
            self._round_persona = None
            self.status_changed.emit("Preview up to date.")
            return
        index = self._round.pop(0)
        message, persona, max_tokens = self.messages[index], self._round_persona, self.max_tokens

        def job(session: Any, cancel: CancelToken) -> Any:  # runs on the model thread
            return session.draft(message, persona=persona, max_tokens=max_tokens, cancel=cancel)

        # Only one preview job exists at a time (a round starts once the last job ended), so what
        # these report is always about ``self._job``.
        job_id = self.drafting.run_session_job(
            job,
            on_items=self._on_job_yielded,
            on_done=lambda draft: self._on_job_done(self.draft_finished, draft),
            on_failed=lambda failure: self._on_job_done(self.draft_failed, failure),
            on_cancelled=self._on_job_cancelled,
        )
        if not job_id:  # the model went away (shut down or failed): try again once it is back
            self._round = []
            self._wanted = True
            return
        self.submitted.append(job_id)
        self._job, self._job_index, self._job_stale = job_id, index, False
        self.draft_started.emit(index)
        self.status_changed.emit(f"Drafting sample {index + 1} of {len(self.messages)}…")

    def _job_ended(self) -> bool:
        """Forget the job that just ended; True when its outcome is still wanted."""
        stale = self._job_stale
        self._job, self._job_index, self._job_stale = 0, -1, False
        if stale:
            if not self.timer.isActive():
                self._start_round()  # the change that cancelled it is past its pause already
            return False
        return True

    # --- what the model thread reports (relayed by the controller: all in the GUI thread) ------------
    @Slot(str)
    def _on_drafting_state(self, state: str) -> None:
        if state == READY and self._wanted and not self.timer.isActive():
            self._start_round()
        elif state == FAILED:
            self._round, self._job, self._job_stale = [], 0, False
            self._wanted = True  # a retry that loads the model re-drafts

    def _on_job_yielded(self, items: list) -> None:
        if not self._job or self._job_stale:
            return
        from desktop.core.generation.drafting import Regenerating

        text: list[str] = []
        for item in items:
            if isinstance(item, str):
                text.append(item)
            elif isinstance(item, Regenerating):
                if text:
                    self.text_streamed.emit(self._job_index, "".join(text))
                    text = []
                self.attempt_restarted.emit(self._job_index, item)
        if text:
            self.text_streamed.emit(self._job_index, "".join(text))

    def _on_job_done(self, signal: SignalInstance, outcome: Any) -> None:
        """The preview's job ended with ``outcome``: report it on ``signal`` (unless it was
        cancelled) and draft the next sample."""
        if not self._job:
            return
        index = self._job_index
        if self._job_ended():
            signal.emit(index, outcome)
            self._next()

    def _on_job_cancelled(self) -> None:
        if not self._job:
            return
        if not self._job_stale:  # cancelled from elsewhere (shutdown): start over when asked again
            self._round = []
            self._wanted = True
            self._job_stale = True
        self._job_ended()
