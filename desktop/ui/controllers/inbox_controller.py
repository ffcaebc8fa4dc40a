"""The inbox, as seen by the GUI: every store read and write off the GUI thread, drafting on the model thread.

Two threads do the work, and the controller (GUI thread) relays what they report:

* A store thread (``ResourceWorker`` owning one ``Store``): lists, rows, the selected entry,
  and every creator action (approve, edit autosave, reject, undo, ...). One thread keeps the
  actions in the order they were made: an approve followed at once by Ctrl+Z undoes that approve.
* The drafting controller's model thread (``run_session_job``): batch drafting (``draft_all``)
  and another try for one message (``redraft``). Those write their drafts through the
  session's own store connection (WAL lets both connections work side by side).

The page never touches the store or the model; it calls the methods here and listens to the signals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken, Progress
from desktop.ui.controllers.drafting_controller import FAILED, READY, DraftingController
from desktop.ui.workers import Failure, ResourceWorker

#: Batch drafting states, as the page shows them.
BATCH_IDLE, BATCH_WAITING, BATCH_RUNNING, BATCH_PAUSING = "idle", "waiting", "running", "pausing"


@dataclass(frozen=True)
class Filters:
    """The list's filters (``None``: any)."""

    state: str | None = None
    platform: str | None = None
    flagged: bool | None = None
    search: str = ""
    trashed: bool = False


@dataclass(frozen=True)
class Listing:
    """One reload of the list: the ids in order, counts per state, the platforms to filter by."""

    ids: list[int]
    counts: dict[str, int]
    platforms: list[str]


# --- store jobs (run on the store thread; the core is imported lazily to keep start-up light) -----------


def _open_store(paths: Paths, profile: str) -> Any:
    from desktop.core.store import open_store

    return open_store(paths.create_profile(profile).store)


def _triage_for(store: Any) -> Callable[[str], Any]:
    from desktop.core.generation.triage import triage
    from desktop.core.persona.versions import load_active_persona

    _, persona = load_active_persona(store)
    return lambda text: triage(text, persona)


def _listing(store: Any, filters: Filters, add_candidates: bool) -> Listing:
    from desktop.core.inbox import add_import_candidates
    from desktop.core.inbox.review import list_ids, platforms, state_counts

    if add_candidates:  # conversations an import found awaiting a reply join the inbox (never twice)
        add_import_candidates(store, triage=_triage_for(store))
    ids = list_ids(
        store,
        state=filters.state,
        platform=filters.platform,
        flagged=filters.flagged,
        search=filters.search or None,
        trashed=filters.trashed,
    )
    return Listing(ids, state_counts(store), platforms(store))


class InboxController(QObject):
    """Owns the inbox's store thread; uses ``drafting`` for anything that needs the model.

    Signals (all in the GUI thread):

    * ``listed(object)``: a ``Listing`` for the current filters.
    * ``rows_loaded(object)``: item id -> ``InboxEntry``, for rows the list asked for or that changed.
    * ``counts_loaded(object)``: entries per state (outside the trash).
    * ``detail_loaded(object)``: the selected entry's ``EntryDetail``.
    * ``acted(str, str, list)``: an action succeeded: which (``approved``, ``rejected``, ``edited``,
      ``switched``, ``undone``, ``approved_all``), a plain-words note, and the item ids it changed.
    * ``action_failed(str)``: why an action could not be done (plain words).
    * ``unflagged_counted(int)``: how many drafts approve-all-unflagged would approve.
    * ``fidelity_loaded(list)``: ``WeekFidelity`` rows, oldest first.
    * ``batch_state_changed(str)``; ``batch_progress(object)`` (a ``Progress``); ``batch_item(object)``
      (an ``ItemDrafted``, as each draft is stored); ``batch_ended(str, object)``: ``finished`` /
      ``paused`` (with the ``BatchSummary``), ``cancelled`` (``None``) or ``failed`` (a ``Failure``).
    * ``redraft_text(int, str)``: text pieces of another try for an item (``""`` after a restart of the
      attempt by the guard); ``redraft_ended(int, str)``: the item and a plain-words outcome.
    * ``model_status(str)``: what the model is doing, for the page's status line.
    * ``closing()``: the window is closing; a page with an edit being typed saves it now (``save_edit_now``).
    """

    listed = Signal(object)
    rows_loaded = Signal(object)
    counts_loaded = Signal(object)
    detail_loaded = Signal(object)
    acted = Signal(str, str, list)
    action_failed = Signal(str)
    unflagged_counted = Signal(int)
    fidelity_loaded = Signal(list)
    batch_state_changed = Signal(str)
    batch_progress = Signal(object)
    batch_item = Signal(object)
    batch_ended = Signal(str, object)
    redraft_text = Signal(int, str)
    redraft_ended = Signal(int, str)
    model_status = Signal(str)
    closing = Signal()

    def __init__(
        self,
        paths: Paths,
        profile: str,
        drafting: DraftingController | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.profile = profile
        self.drafting = drafting
        self.filters = Filters()
        self.batch_state = BATCH_IDLE
        self._worker: ResourceWorker | None = None
        #: store job id -> what to do with its result (in the GUI thread).
        self._handlers: dict[int, Callable[[Any], None]] = {}
        self._list_job = 0
        self._detail_job = 0
        self._candidates_added = False
        self._pause: Any = None  # desktop.core.inbox.batch.PauseFlag of the running batch
        self._batch_job = 0
        self._redraft_jobs: dict[int, int] = {}  # model job id -> item id
        self._waiting_redraft: int | None = None
        self._closed = False
        if drafting is not None:
            drafting.state_changed.connect(self._on_model_state)
            drafting.loading_progress.connect(self._on_model_loading)
            drafting.load_failed.connect(self._on_model_failed)
            drafting.job_yielded.connect(self._on_job_yielded)
            drafting.job_progress.connect(self._on_job_progress)
            drafting.job_finished.connect(self._on_job_finished)
            drafting.job_failed.connect(self._on_job_failed)
            drafting.job_cancelled.connect(self._on_job_cancelled)

    # --- life cycle --------------------------------------------------------------------------------------
    def _store_worker(self) -> ResourceWorker:
        if self._worker is None:
            paths, profile = self.paths, self.profile
            worker = ResourceWorker(
                lambda: _open_store(paths, profile),
                close=lambda store: store.close(),
                name=f"inbox-store:{profile}",
                parent=self,
            )
            worker.finished.connect(self._on_store_finished)
            worker.failed.connect(self._on_store_failed)
            worker.cancelled.connect(self._on_store_cancelled)
            self._worker = worker
            worker.start()
        return self._worker

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop a running batch and close the store on its thread (from the window's closeEvent)."""
        self.closing.emit()  # same thread: the page saves the text being typed before the store closes
        self._closed = True
        if self.drafting is not None and self._batch_job:
            self.drafting.cancel_session_job(self._batch_job)
        worker, self._worker = self._worker, None
        self._handlers.clear()
        return True if worker is None else worker.shutdown(timeout_ms)

    def _run(
        self, job: Callable[[Any, CancelToken], Any], handler: Callable[[Any], None] | None = None
    ) -> int:
        """Queue ``job(store, cancel)`` on the store thread; ``handler(result)`` runs in the GUI thread."""
        if self._closed:
            return 0
        job_id = self._store_worker().submit(job)
        if handler is not None:
            self._handlers[job_id] = handler
        return job_id

    # --- reading -----------------------------------------------------------------------------------------
    def load(self) -> None:
        """List the inbox (adding the conversations imports found awaiting a reply) and its fidelity."""
        self.reload(add_candidates=True)
        self.load_fidelity()

    def refresh_candidates(self, *_finished_import: object) -> None:
        """After an import: the conversations it found awaiting a reply join the inbox (once loaded)."""
        if self._list_job:
            self.reload(add_candidates=True)

    def set_filters(self, filters: Filters) -> None:
        self.filters = filters
        self.reload()

    def reload(self, *, add_candidates: bool = False) -> None:
        filters = self.filters
        self._list_job = self._run(
            lambda store, _cancel: _listing(store, filters, add_candidates), self._deliver_listing
        )

    def _deliver_listing(self, listing: Listing) -> None:
        self.listed.emit(listing)

    def fetch_rows(self, ids: Iterable[int]) -> None:
        from desktop.core.inbox.review import get_entries

        wanted = list(ids)
        self._run(lambda store, _cancel: get_entries(store, wanted), self.rows_loaded.emit)

    def load_detail(self, item_id: int) -> None:
        from desktop.core.inbox.review import get_detail

        job_id = self._run(lambda store, _cancel: get_detail(store, item_id), self._deliver_detail)
        self._detail_job = job_id

    def _deliver_detail(self, detail: Any) -> None:
        self.detail_loaded.emit(detail)

    def reload_counts(self) -> None:
        from desktop.core.inbox.review import state_counts

        self._run(lambda store, _cancel: state_counts(store), self.counts_loaded.emit)

    def load_fidelity(self) -> None:
        from desktop.core.inbox import fidelity_by_week

        self._run(lambda store, _cancel: fidelity_by_week(store), self.fidelity_loaded.emit)

    # --- the creator's actions (store thread, in order) --------------------------------------------------
    def _act(self, kind: str, action: Callable[[Any], Any], note: str = "", ids: Iterable[int] = ()) -> None:
        """Run ``action(store)``; ``acted(kind, note, ids)`` follows, or the (note, ids) the action returns.

        The kind travels with each action, so a page that queued several knows which one ended.
        """
        changed = list(ids)

        def job(store: Any, _cancel: CancelToken) -> tuple[str, str, list[int]]:
            outcome = action(store)
            return (kind, *outcome) if isinstance(outcome, tuple) else (kind, note, changed)

        self._run(job, self._deliver_action)

    def _deliver_action(self, outcome: tuple[str, str, list[int]]) -> None:
        kind, note, ids = outcome
        self.acted.emit(kind, note, ids)
        self.load_fidelity()

    def approve(self, item_id: int) -> None:
        from desktop.core.inbox import approve

        note = "Approved: it leaves with the next reply pack."
        self._act("approved", lambda store: approve(store, item_id), note, [item_id])

    def reject(self, item_id: int) -> None:
        from desktop.core.inbox import reject

        note = "Rejected: it is in the trash (Ctrl+Z brings it back)."
        self._act("rejected", lambda store: reject(store, item_id), note, [item_id])

    def choose_option(self, item_id: int, draft_id: int, position: int) -> None:
        from desktop.core.inbox import choose_alternative

        def switch(store: Any) -> None:
            choose_alternative(store, draft_id, position)

        self._act("switched", switch, f"Option {position}.", [item_id])

    def autosave(self, draft_id: int, text: str) -> None:
        """Save the text being typed now (no reply, no undo step): a crash loses nothing."""
        from desktop.core.inbox import autosave_edit

        self._run(lambda store, _cancel: autosave_edit(store, draft_id, text))

    def save_edit_now(self, draft_id: int, text: str) -> None:
        """At close only: autosave the text being typed right here, since queued store jobs are dropped.

        One small write on a short-lived connection; the store thread may be mid-job, which WAL allows.
        """
        from desktop.core.errors import KnownError
        from desktop.core.inbox import autosave_edit

        try:
            with _open_store(self.paths, self.profile) as store:
                autosave_edit(store, draft_id, text)
        except KnownError:
            pass  # the draft changed meanwhile (e.g. rejected): there is nothing to keep it for

    def commit_edit(self, item_id: int, draft_id: int, text: str) -> None:
        from desktop.core.inbox import commit_edit

        def action(store: Any) -> tuple[str, list[int]]:
            changed = commit_edit(store, draft_id, text)
            return ("Edit saved (Ctrl+Z undoes it)." if changed else "No change.", [item_id])

        self._act("edited", action)

    def undo(self) -> None:
        from desktop.core.inbox import undo_last

        def action(store: Any) -> tuple[str, list[int]]:
            result = undo_last(store)
            if result is None:
                return ("Nothing to undo.", [])
            return (f"Undid: {result.action.replace('_', ' ')}.", list(result.item_ids))

        self._act("undone", action)

    def count_unflagged(self) -> None:
        from desktop.core.inbox import count_affected

        self._run(
            lambda store, _cancel: count_affected(store, "approve_all_unflagged").entries,
            self.unflagged_counted.emit,
        )

    def approve_all_unflagged(self, confirmed_count: int) -> None:
        from desktop.core.inbox import approve_all_unflagged
        from desktop.core.store.inbox_entries import drafted_entry_ids

        def action(store: Any) -> tuple[str, list[int]]:
            ids = drafted_entry_ids(store)
            count = approve_all_unflagged(store, confirmed_count=confirmed_count)
            return (f"Approved {count} replies (Ctrl+Z takes them all back).", ids)

        self._act("approved_all", action)

    # --- store thread outcomes ---------------------------------------------------------------------------
    def _is_current_store(self) -> bool:
        return self.sender() is self._worker and self._worker is not None

    @Slot(int, object)
    def _on_store_finished(self, job_id: int, result: object) -> None:
        if not self._is_current_store():
            return
        handler = self._handlers.pop(job_id, None)
        if handler is None:
            return
        if handler == self._deliver_detail and job_id != self._detail_job:
            return  # the selection moved on; a newer detail is on its way
        if handler == self._deliver_listing and job_id != self._list_job:
            return
        handler(result)

    @Slot(int, object)
    def _on_store_failed(self, job_id: int, failure: Failure) -> None:
        if not self._is_current_store():
            return
        self._handlers.pop(job_id, None)
        if job_id == 0:  # the store could not be opened: a later call tries again
            self._worker = None
        self.action_failed.emit(failure.text)

    @Slot(int)
    def _on_store_cancelled(self, job_id: int) -> None:
        if self._is_current_store():
            self._handlers.pop(job_id, None)

    # --- drafting on the model thread --------------------------------------------------------------------
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

        self._batch_job = self.drafting.run_session_job(job)
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
        if self._redraft_jobs or self._waiting_redraft is not None:
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

        job_id = self.drafting.run_session_job(job)
        if job_id:
            self._redraft_jobs[job_id] = item_id
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

    @Slot(int, list)
    def _on_job_yielded(self, job_id: int, items: list) -> None:
        from desktop.core.generation.drafting import Regenerating
        from desktop.core.inbox.batch import ItemDrafted

        if job_id == self._batch_job:
            for item in items:
                if isinstance(item, ItemDrafted):
                    self.batch_item.emit(item)
        elif job_id in self._redraft_jobs:
            item_id = self._redraft_jobs[job_id]
            text: list[str] = []
            for item in items:
                if isinstance(item, Regenerating):
                    text = []
                    self.redraft_text.emit(item_id, "")
                elif isinstance(item, str):
                    text.append(item)
            if text:
                self.redraft_text.emit(item_id, "".join(text))

    @Slot(int, object)
    def _on_job_progress(self, job_id: int, progress: Progress) -> None:
        if job_id == self._batch_job:
            self.batch_progress.emit(progress)

    @Slot(int, object)
    def _on_job_finished(self, job_id: int, result: object) -> None:
        if job_id == self._batch_job:
            self._batch_job = 0
            self._set_batch_state(BATCH_IDLE)
            self.batch_ended.emit(getattr(result, "stopped", "finished"), result)
            self.reload()
        elif job_id in self._redraft_jobs:
            item_id = self._redraft_jobs.pop(job_id)
            self.redraft_ended.emit(item_id, str(getattr(result, "message", "")))

    @Slot(int, object)
    def _on_job_failed(self, job_id: int, failure: Failure) -> None:
        if job_id == self._batch_job:
            self._batch_job = 0
            self._set_batch_state(BATCH_IDLE)
            self.batch_ended.emit("failed", failure)
            self.reload()
        elif job_id in self._redraft_jobs:
            self.redraft_ended.emit(self._redraft_jobs.pop(job_id), failure.text)

    @Slot(int)
    def _on_job_cancelled(self, job_id: int) -> None:
        if job_id == self._batch_job:
            self._batch_job = 0
            self._set_batch_state(BATCH_IDLE)
            self.batch_ended.emit("cancelled", None)
            self.reload()
        elif job_id in self._redraft_jobs:
            self.redraft_ended.emit(self._redraft_jobs.pop(job_id), "Stopped; the draft is unchanged.")
