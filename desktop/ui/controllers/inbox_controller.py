"""The inbox, as seen by the GUI: every store read and write off the GUI thread, drafting on the model thread.

Two threads do the work, and the controller (GUI thread) relays what they report:

* A store thread (``ResourceWorker`` owning one ``Store``): lists, rows, the selected entry,
  and every creator action (approve, edit autosave, reject, undo, ...). One thread keeps the
  actions in the order they were made: an approve followed at once by Ctrl+Z undoes that approve.
* The drafting controller's model thread (``run_session_job``): batch drafting (``draft_all``)
  and another try for one message (``redraft``), handed there by ``InboxDrafting``
  (``inbox_batch``). Those write their drafts through the session's own store connection (WAL
  lets both connections work side by side).

The page never touches the store or the model; it calls the methods here and listens to the signals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken
from desktop.ui.controllers.drafting_controller import DraftingController
from desktop.ui.controllers.inbox_batch import DraftingSignals, InboxDrafting
from desktop.ui.controllers.inbox_jobs import Filters, Listing, listing, open_profile_store
from desktop.ui.workers import OPEN_JOB, Failure
from desktop.ui.workers_resource import ResourceWorker


class InboxController(DraftingSignals):
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
        self._worker: ResourceWorker | None = None
        #: How many listings were asked for: only the latest one is shown.
        self._listings = 0
        self._closed = False
        # Drafting on the model thread; its signals are this controller's.
        self.batch = InboxDrafting(drafting, self)
        self.batch.relay_to(self)
        self.batch.reload_wanted.connect(self.reload)

    # --- life cycle --------------------------------------------------------------------------------------
    def _store_worker(self) -> ResourceWorker:
        if self._worker is None:
            paths, profile = self.paths, self.profile
            worker = ResourceWorker(
                lambda: open_profile_store(paths, profile),
                close=lambda store: store.close(),
                name=f"inbox-store:{profile}",
                parent=self,
            )
            worker.failed.connect(self._on_store_open_failed)
            self._worker = worker
            worker.start()
        return self._worker

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop a running batch and close the store on its thread (from the window's closeEvent)."""
        self.closing.emit()  # same thread: the page saves the text being typed before the store closes
        self._closed = True
        self.batch.shutdown()
        worker, self._worker = self._worker, None
        return True if worker is None else worker.shutdown(timeout_ms)

    def _run(
        self,
        job: Callable[[Any, CancelToken], Any],
        handler: Callable[[Any], None] = lambda _result: None,
        *,
        key: str | None = None,
    ) -> None:
        """Queue ``job(store, cancel)`` on the store thread; ``handler(result)`` runs in the GUI thread
        (a newer request with the same ``key`` replaces one not yet done); a failure is reported."""
        if not self._closed:
            self._store_worker().submit(job, key=key, on_done=handler, on_failed=self._on_store_failed)

    # --- reading -----------------------------------------------------------------------------------------
    def load(self) -> None:
        """List the inbox (adding the conversations imports found awaiting a reply) and its fidelity."""
        self.reload(add_candidates=True)
        self.load_fidelity()

    def refresh_after_import(self, *_finished_import: object) -> None:
        """After an import, list again (once loaded): the import action already added to the inbox
        the conversations it found awaiting a reply (``core.actions.import_into_profile``)."""
        if self._listings:
            self.reload()

    def set_filters(self, filters: Filters) -> None:
        self.filters = filters
        self.reload()

    def reload(self, *, add_candidates: bool = False) -> None:
        filters = self.filters
        self._listings += 1
        request = self._listings
        self._run(
            lambda store, _cancel: listing(store, filters, add_candidates),
            lambda found: self._deliver_listing(request, found),
        )

    def _deliver_listing(self, request: int, listing: Listing) -> None:
        if request == self._listings:  # else the filters moved on; a newer listing is on its way
            self.listed.emit(listing)

    def fetch_rows(self, ids: Iterable[int]) -> None:
        from desktop.core.inbox.review import get_entries

        wanted = list(ids)
        self._run(lambda store, _cancel: get_entries(store, wanted), self.rows_loaded.emit)

    def load_detail(self, item_id: int) -> None:
        from desktop.core.inbox.review import get_detail

        # The selection moved on: the detail asked for before is not read (or not shown).
        self._run(lambda store, _cancel: get_detail(store, item_id), self.detail_loaded.emit, key="detail")

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
            with open_profile_store(self.paths, self.profile) as store:
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
    @Slot(int, object)
    def _on_store_open_failed(self, job_id: int, failure: Failure) -> None:
        if job_id == OPEN_JOB and self.sender() is self._worker and self._worker is not None:
            self._worker = None  # the store could not be opened: a later call tries again
            self.action_failed.emit(failure.text)

    def _on_store_failed(self, failure: Failure) -> None:
        self.action_failed.emit(failure.text)

    # --- drafting on the model thread (``InboxDrafting``) -----------------------------------------------
    @property
    def batch_state(self) -> str:
        return self.batch.batch_state

    def is_batch_running(self) -> bool:
        return self.batch.is_batch_running()

    def draft_all(self) -> None:
        """Draft every new message in priority order (loads the model first if needed)."""
        self.batch.draft_all()

    def pause_batch(self) -> None:
        """Finish the reply being written, then stop; ``draft_all`` again resumes with what is left."""
        self.batch.pause_batch()

    def cancel_batch(self) -> None:
        """Stop now (within a token); finished drafts are kept."""
        self.batch.cancel_batch()

    def redraft(self, item_id: int) -> None:
        """Another try for one message (R): streamed through ``redraft_text``, kept as the next option."""
        self.batch.redraft(item_id)
