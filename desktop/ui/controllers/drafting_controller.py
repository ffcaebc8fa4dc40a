"""Drafting, as seen by the GUI: one model thread that owns a ``DraftingSession`` and runs drafts.

The session (llama.cpp models, the SQLite store, the search index) may only be used by the
thread that opened it, so it lives on a ``ResourceWorker``: opened there on first need (the
first time the Preview page is shown or a draft is asked for), used there for every draft and
store read, and closed there at shutdown. The controller lives in the GUI thread; every signal
it emits is emitted there.

A new draft request while one is being written cancels the running one (it stops within a
token) rather than waiting behind it: the Preview shows only the latest request.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from functools import partial
from typing import Any, Unpack

from PySide6.QtCore import QObject, Signal, SignalInstance, Slot

from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken, Progress
from desktop.ui.workers import OPEN_JOB, Failure, Outcome, Replies, reply
from desktop.ui.workers_resource import ResourceWorker

#: Controller states, as the page shows them.
IDLE, LOADING, READY, DRAFTING, FAILED = "idle", "loading", "ready", "drafting", "failed"

#: How many of the latest messages awaiting a reply the Preview offers to pick from.
CANDIDATE_LIMIT = 8


@dataclass(frozen=True)
class DraftRequest:
    """One draft the creator asked for: its id, the message and the seed."""

    id: int
    message: str
    seed: int


class DraftingController(QObject):
    """Owns the model thread for one profile's drafting; lives in the GUI thread.

    Signals:

    * ``state_changed(str)``: ``idle`` / ``loading`` / ``ready`` / ``drafting`` / ``failed``.
    * ``loading_progress(str)``: what the loading is doing, in words.
    * ``load_failed(object)``: a ``Failure`` (plain words); ``start()`` again to retry.
    * ``draft_started(object)``: a ``DraftRequest``; then ``draft_text(int, str)`` (request id,
      text pieces batched ~every 40 ms), ``regenerating(int, object)`` (the guard sent the
      attempt back: the text so far is void), and one of ``draft_finished(int, object)`` (the
      ``Draft``), ``draft_cancelled(int)``, ``draft_failed(int, object)``.
    * ``candidates_loaded(list)``: messages awaiting a reply in the store (texts).
    * Any other work on the model thread (``run_session_job``) reports to the callbacks given
      with it (``workers.Replies``): no page picks its job out of every job's signals by id.
    """

    state_changed = Signal(str)
    loading_progress = Signal(str)
    load_failed = Signal(object)
    draft_started = Signal(object)
    draft_text = Signal(int, str)
    regenerating = Signal(int, object)
    draft_finished = Signal(int, object)
    draft_cancelled = Signal(int)
    draft_failed = Signal(int, object)
    candidates_loaded = Signal(list)

    def __init__(
        self,
        paths: Paths,
        profile: str,
        parent: QObject | None = None,
        *,
        n_threads: int = 2,
        n_ctx: int = 2048,
        max_tokens: int = 120,
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.profile = profile
        self.n_threads = n_threads
        self.n_ctx = n_ctx
        self.max_tokens = max_tokens
        self.state = IDLE
        self.failure: Failure | None = None
        self._worker: ResourceWorker | None = None
        #: job id -> request, for draft jobs not yet ended.
        self._drafts: dict[int, DraftRequest] = {}
        self._candidates_job: int | None = None
        #: The controller's own jobs (drafts, the candidates) not yet ended: id -> their callbacks.
        self._own_jobs: dict[int, Replies] = {}
        #: Jobs submitted through ``run_session_job`` and not yet ended: id -> their callbacks.
        self._session_jobs: dict[int, Replies] = {}
        self._pending: DraftRequest | None = None  # asked for while the model was loading
        self._next_request = 1
        self._closed = False
        #: A session being closed after a model switch (``reload``); joined at shutdown.
        self._retiring: ResourceWorker | None = None
        #: Failures that were bugs (for the smoke test and logs).
        self.bugs: list[Failure] = []

    # --- life cycle -------------------------------------------------------------------------------
    def start(self) -> None:
        """Load the model (once) on its own thread; also the Retry after a failure."""
        if self._closed or self.state in (LOADING, READY, DRAFTING):
            return
        paths, profile, n_ctx, n_threads = self.paths, self.profile, self.n_ctx, self.n_threads

        def create() -> Any:  # runs on the model thread
            from desktop.core.generation.session import DraftingSession

            return DraftingSession(paths, profile, n_ctx=n_ctx, n_threads=n_threads)

        worker = ResourceWorker(
            create,
            open=lambda session, cancel: session.open(cancel),
            close=lambda session: session.close(),
            name=f"model:{profile}",
            parent=self,
        )
        worker.progress.connect(self._on_progress)
        worker.yielded.connect(self._on_yielded)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        self._worker = worker
        self.failure = None
        self._set_state(LOADING)
        self.loading_progress.emit("Starting the model…")
        worker.start()

    def is_ready(self) -> bool:
        return self.state in (READY, DRAFTING)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel any draft, unload the models on their thread, and join it (from closeEvent)."""
        self._closed = True
        self._pending = None
        retiring, self._retiring = self._retiring, None
        if retiring is not None:
            retiring.shutdown(timeout_ms)
        worker, self._worker = self._worker, None
        if worker is None:
            return True
        joined = worker.shutdown(timeout_ms)
        self._drafts.clear()
        self._candidates_job = None
        self._own_jobs.clear()
        self._session_jobs.clear()
        return joined

    def reload(self, *_choice: object) -> None:
        """Open the session again with the creator's new model choice (a local model or a server).

        Before the first load, and while a switch is under way, nothing more is needed: the next
        load reads the choice as it is then. Otherwise the
        current session is closed on its own thread, never waited for here: what was asked of it
        ends cancelled now, a draft asked for meanwhile waits, and the new session opens once the
        old thread has ended, so two models are never in memory at once.
        """
        if self._closed or (self._worker is None and self.state != FAILED):
            return
        old, self._worker = self._worker, None
        for request in self._drafts.values():
            self.draft_cancelled.emit(request.id)
        session_jobs, self._session_jobs = self._session_jobs, {}
        for job_id in sorted(session_jobs):
            reply(session_jobs[job_id], Outcome.CANCELLED)
        self._drafts.clear()
        self._candidates_job = None
        self._own_jobs.clear()
        if old is None:  # a failed load: simply try again with the new choice
            self.state = IDLE
            self.start()
            return
        self._retiring = old
        old.stopped.connect(self._on_retired)
        old.cancel()  # non-blocking: the session closes on its own thread
        self._set_state(LOADING)
        self.loading_progress.emit("Switching models…")

    @Slot()
    def _on_retired(self) -> None:
        retired = self.sender()
        if retired is not self._retiring:
            return
        self._retiring = None
        retired.deleteLater()
        if not self._closed and self._worker is None:
            self.state = IDLE  # quietly: start() moves on to "loading" at once
            self.start()

    def run_session_job(self, job: Any, **replies: Unpack[Replies]) -> int:
        """Run ``job(session, cancel)`` on the model thread, queued behind running work.

        For pages other than the Preview (the Persona page's live preview, the Inbox's batch
        drafting): what a generator job yields goes to ``on_items`` (its ``Progress`` also to
        ``on_progress``), and its outcome to ``on_done``, ``on_failed`` or ``on_cancelled`` (also
        when a model switch drops it).
        Returns the job id, or 0 while the model is not ready (call ``start()`` and wait for the
        ``ready`` state).
        """
        if self._closed or self._worker is None or not self.is_ready():
            return 0
        job_id = self._worker.submit(job)
        self._session_jobs[job_id] = replies
        return job_id

    def cancel_session_job(self, job_id: int) -> None:
        """Cancel a ``run_session_job`` job (it stops within a token); its ``on_cancelled`` follows."""
        if self._worker is not None and job_id in self._session_jobs:
            self._worker.cancel_job(job_id)

    # --- drafting -----------------------------------------------------------------------------------
    def request_draft(self, message: str, seed: int = 0) -> int:
        """Draft a reply to ``message``, cancelling the draft being written.

        Returns the request id (0 if refused).
        """
        message = message.strip()
        if self._closed or not message:
            return 0
        request = DraftRequest(self._next_request, message, seed)
        self._next_request += 1
        if not self.is_ready():
            self._pending = request  # the latest one wins here too
            self.start()
            return request.id
        self._submit(request)
        return request.id

    def stop(self) -> None:
        """Stop the draft being written (and forget one waiting for the model)."""
        self._pending = None
        if self._worker is not None:
            for job_id in self._drafts:
                self._worker.cancel_job(job_id)

    def is_drafting(self) -> bool:
        return bool(self._drafts)

    def load_candidates(self) -> None:
        """Read the latest messages awaiting a reply (on the model thread); ``candidates_loaded`` follows."""
        if self._worker is None or not self.is_ready() or self._candidates_job is not None:
            return
        job_id = self._candidates_job = self._worker.submit(_read_candidates)

        def read(texts: list[str] | None) -> None:
            self._candidates_job = None
            if texts is not None:
                self.candidates_loaded.emit(texts)

        self._own_jobs[job_id] = {
            "on_done": lambda texts: read(list(texts or [])),
            "on_failed": lambda _failure: read([]),
            "on_cancelled": lambda: read(None),
        }

    def refresh_search(self, *_finished_import: object) -> None:
        """Embed and index what an import just added, on the model thread (after any running draft).

        Connected to the import controller's ``import_finished``; does nothing until the model
        has loaded, since loading embeds everything new anyway.
        """
        if self._worker is not None and self.is_ready():
            self._worker.submit(_refresh_index)

    def _submit(self, request: DraftRequest) -> None:
        assert self._worker is not None
        # The latest request wins: whatever is being written (or waiting) is cancelled first.
        for job_id in self._drafts:
            self._worker.cancel_job(job_id)
        max_tokens = self.max_tokens

        def job(session: Any, cancel: CancelToken) -> Generator[Any, None, Any]:  # on the model thread
            return session.draft(request.message, seed=request.seed, max_tokens=max_tokens, cancel=cancel)

        job_id = self._worker.submit(job)
        self._drafts[job_id] = request
        self._own_jobs[job_id] = {
            "on_items": partial(self._stream_draft, request.id),
            "on_done": lambda draft: self._draft_ended(job_id, self.draft_finished, draft),
            "on_failed": lambda failure: self._draft_ended(job_id, self.draft_failed, failure),
            "on_cancelled": lambda: self._draft_ended(job_id, self.draft_cancelled),
        }
        self._set_state(DRAFTING)
        self.draft_started.emit(request)

    # --- worker signals (all delivered in the GUI thread) -----------------------------------------------
    def _is_current(self) -> bool:
        return self.sender() is self._worker and self._worker is not None

    @Slot(int, object)
    def _on_progress(self, job_id: int, progress: Progress) -> None:
        if not self._is_current():
            return
        if job_id == OPEN_JOB:
            self.loading_progress.emit(progress.message)
        elif (replies := self._session_jobs.get(job_id)) is not None:
            if (on_progress := replies.get("on_progress")) is not None:
                on_progress(progress)

    @Slot(int, list)
    def _on_yielded(self, job_id: int, items: list) -> None:
        if not self._is_current():
            return
        if (replies := self._session_jobs.get(job_id)) is not None:
            if (on_items := replies.get("on_items")) is not None:
                on_items(items)
        elif (on_items := self._own_jobs.get(job_id, {}).get("on_items")) is not None:
            on_items(items)

    @Slot(int, object)
    def _on_finished(self, job_id: int, result: object) -> None:
        if not self._is_current():
            return
        if job_id == OPEN_JOB:
            self._set_state(READY)
            pending, self._pending = self._pending, None
            if pending is not None:
                self._submit(pending)
        else:
            self._job_ended(job_id, Outcome.FINISHED, result)

    @Slot(int, object)
    def _on_failed(self, job_id: int, failure: Failure) -> None:
        if not self._is_current():
            return
        if failure.is_bug:
            self.bugs.append(failure)
        if job_id == OPEN_JOB:
            self._worker = None  # its thread ends by itself; a retry makes a new one
            self._pending = None
            self.failure = failure
            self._set_state(FAILED)
            self.load_failed.emit(failure)
        else:
            self._job_ended(job_id, Outcome.FAILED, failure)

    @Slot(int)
    def _on_cancelled(self, job_id: int) -> None:
        if not self._is_current():
            return
        if job_id == OPEN_JOB:
            self._worker = None
            self._set_state(IDLE)
        else:
            self._job_ended(job_id, Outcome.CANCELLED)

    def _job_ended(self, job_id: int, kind: str, value: Any = None) -> None:
        """A job of the current session ended (``Outcome``): its callbacks."""
        replies = self._session_jobs.pop(job_id, None) or self._own_jobs.pop(job_id, None)
        if replies is not None:
            reply(replies, kind, value)

    def _stream_draft(self, request_id: int, items: list) -> None:
        """A draft's text pieces (``draft_text``), and the guard's restarts (``regenerating``)."""
        from desktop.core.generation.drafting import Regenerating

        text: list[str] = []
        for item in items:
            if isinstance(item, Regenerating):
                if text:
                    self.draft_text.emit(request_id, "".join(text))
                    text = []
                self.regenerating.emit(request_id, item)
            elif isinstance(item, str):
                text.append(item)
        if text:
            self.draft_text.emit(request_id, "".join(text))

    def _draft_ended(self, job_id: int, signal: SignalInstance, *outcome: Any) -> None:
        request = self._drafts.pop(job_id)
        self._after_draft()
        signal.emit(request.id, *outcome)

    def _after_draft(self) -> None:
        if not self._drafts and self.state == DRAFTING:
            self._set_state(READY)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)


def _refresh_index(session: Any, cancel: CancelToken) -> Any:
    """On the model thread: embed new items and reopen the search index."""
    return session.refresh_index(cancel)


def _read_candidates(session: Any, cancel: CancelToken) -> list[str]:
    """On the model thread: the latest incoming messages awaiting the creator's reply (the inbox's
    rule, ``store.conversations``), newest first."""
    from desktop.core.store.conversations import awaiting_reply_texts

    return awaiting_reply_texts(session.store, CANDIDATE_LIMIT)
