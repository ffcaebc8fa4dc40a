"""Importing archives, as seen by the GUI: a queue of imports run one after another on workers.

Everything that touches the store runs on a ``Worker`` with a store opened *inside* the job
(a SQLite connection works only in the thread that opened it) and closed there. Writes (an
import, removing a source) run one at a time, because each is one long transaction; reads
(the cards and the activity chart) run beside them, which WAL allows.

When an export does not say who the creator is (a WhatsApp chat), the job returns an
``OwnerNeeded`` instead of failing; the controller emits ``owner_needed`` and waits for
``answer_owner`` before it re-runs that import with the name (the pipeline remembers it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.core.paths import Paths
from desktop.core.tasks import Progress
from desktop.ui.controllers.import_jobs import OwnerNeeded, PageData, import_job, load_job, remove_job
from desktop.ui.workers import Failure
from desktop.ui.workers_tasks import READ, ProfileTaskController

#: Job states, as the page shows them.
QUEUED, RUNNING, ASKING, DONE, FAILED, CANCELLED = (
    "queued",
    "running",
    "asking",
    "done",
    "failed",
    "cancelled",
)

#: One import, one removal and one read of the page (``READ``) may run side by side.
IMPORT, REMOVE = "import", "remove"

_ITEM_COUNT = re.compile(r"([\d,]+)\s+items?\b")


def items_in(progress: Progress) -> int | None:
    """The item count a pipeline progress message carries ("Read 12,000 items"), if any."""
    match = _ITEM_COUNT.search(progress.message)
    return int(match.group(1).replace(",", "")) if match else None


@dataclass
class ImportJob:
    """One archive the creator asked to import."""

    id: int
    path: str
    state: str = QUEUED
    me: str | None = None
    asked: bool = False
    items: int = 0
    progress: Progress | None = None
    summary: Any = None  # desktop.core.importers.pipeline.ImportSummary
    failure: Failure | None = None

    @property
    def name(self) -> str:
        return Path(self.path).name or self.path


class ImportController(ProfileTaskController):
    """Owns the import queue and the store reads of the Import page; lives in the GUI thread."""

    #: A removal is one quick transaction: left to finish when the window closes.
    CANCEL_AT_SHUTDOWN = (IMPORT, READ)

    import_queued = Signal(int, str)  # job id, path
    import_started = Signal(int)  # job id (also after the creator answered who they are)
    import_progress = Signal(int, object)  # job id, Progress
    import_finished = Signal(int, object)  # job id, ImportSummary
    import_failed = Signal(int, object)  # job id, Failure
    import_cancelled = Signal(int)  # job id
    owner_needed = Signal(int, object)  # job id, OwnerNeeded
    queue_idle = Signal()  # no import running or waiting
    data_loading = Signal()
    data_loaded = Signal(object)  # PageData
    data_failed = Signal(object)  # Failure
    source_removed = Signal(int, int, int)  # source id, items removed, items kept (another source has them)
    remove_failed = Signal(int, object)  # source id, Failure

    def __init__(self, paths: Paths, profile: str, parent: QObject | None = None) -> None:
        super().__init__(paths, profile, parent)
        self.jobs: dict[int, ImportJob] = {}
        self._queue: list[int] = []
        self._removals: list[int] = []
        self._next_id = 1
        self._current: ImportJob | None = None
        self._removing: int | None = None

    # --- imports ---------------------------------------------------------------------------------
    def add_paths(self, paths: list[str]) -> list[int]:
        """Queue archives (zips, folders, single files); returns their job ids."""
        if self._tasks.closed:
            return []
        ids: list[int] = []
        for path in paths:
            job = ImportJob(self._next_id, str(path))
            self._next_id += 1
            self.jobs[job.id] = job
            self._queue.append(job.id)
            ids.append(job.id)
            self.import_queued.emit(job.id, job.path)
        self._pump()
        return ids

    def cancel(self, job_id: int) -> None:
        """Cancel one import: queued ones never start; a running one rolls back; nothing is kept."""
        job = self.jobs.get(job_id)
        if job is None:
            return
        if job.state == QUEUED:
            self._queue.remove(job_id)
            self._end_cancelled(job)
        elif job.state == ASKING:
            self._current = None
            self._end_cancelled(job)
            self._pump()
        elif job.state == RUNNING:
            self._tasks.cancel(IMPORT)

    def cancel_running(self) -> bool:
        """Cancel the import in progress (Esc); False when none is running."""
        job = self._current
        if job is None or job.state not in (RUNNING, ASKING):
            return False
        self.cancel(job.id)
        return True

    def answer_owner(self, job_id: int, name: str | None) -> None:
        """The creator said who they are in the archive (``None``: they skipped it)."""
        job = self.jobs.get(job_id)
        if job is None or job.state != ASKING:
            return
        name = (name or "").strip()
        if not name:
            self._current = None
            self._end_cancelled(job)
            self._pump()
            return
        job.me = name
        self._start_import(job)

    def is_importing(self) -> bool:
        """True while an import runs or waits for the creator's answer."""
        return self._current is not None

    def pending(self) -> int:
        """Imports not finished yet (running, waiting for an answer, or queued)."""
        return len(self._queue) + (1 if self._current is not None else 0)

    def _pump(self) -> None:
        """Start the next write: removals first (quick), then the next queued import."""
        if self._tasks.closed or self._current is not None or self._tasks.busy(REMOVE):
            return
        if self._removals:
            self._start_removal(self._removals.pop(0))
            return
        if not self._queue:
            self.queue_idle.emit()
            return
        self._start_import(self.jobs[self._queue.pop(0)])

    def _start_import(self, job: ImportJob) -> None:
        job.state = RUNNING
        job.progress = None
        self._current = job
        self._tasks.run(
            IMPORT,
            import_job(self._create_store(), job.path, job.me),
            name=f"import-{job.id}",
            on_started=lambda: self.import_started.emit(job.id),
            on_progress=self._on_import_progress,
            on_done=self._on_import_finished,
            on_failed=self._on_import_failed,
            on_cancelled=self._on_import_cancelled,
            on_ended=self._on_import_ended,
        )

    def _on_import_progress(self, progress: Progress) -> None:
        job = self._current
        if job is None:
            return
        job.progress = progress
        count = items_in(progress)
        if count is not None:
            job.items = count
        self.import_progress.emit(job.id, progress)

    def _on_import_finished(self, result: Any) -> None:
        job = self._current
        if job is None:
            return
        if isinstance(result, OwnerNeeded):
            if job.asked or self._tasks.closed:
                # The name given did not identify the creator either: say so rather than ask forever.
                self._end_failed(job, Failure(result.message, "Check the spelling of your name in the chat."))
                return
            job.asked = True
            job.state = ASKING
            self.owner_needed.emit(job.id, result)
            return
        summary = result.summary  # a desktop.core.actions.ImportOutcome
        job.state = DONE
        job.summary = summary
        job.items = summary.items
        self._current = None
        self.import_finished.emit(job.id, summary)
        self.refresh()

    def _on_import_failed(self, failure: Failure) -> None:
        job = self._current
        if job is not None:
            self._end_failed(job, failure)

    def _on_import_cancelled(self) -> None:
        job = self._current
        if job is not None:
            self._current = None
            self._end_cancelled(job)

    def _on_import_ended(self) -> None:
        if self._current is not None and self._current.state == ASKING:
            return  # waiting for the creator's answer
        self._pump()

    def _end_failed(self, job: ImportJob, failure: Failure) -> None:
        job.state = FAILED
        job.failure = failure
        if self._current is job:
            self._current = None
        self.import_failed.emit(job.id, failure)

    def _end_cancelled(self, job: ImportJob) -> None:
        job.state = CANCELLED
        self.import_cancelled.emit(job.id)

    # --- removing a source ------------------------------------------------------------------------
    def remove_source(self, source_id: int) -> None:
        """Remove an imported archive and what came only from it (after any running import)."""
        if self._tasks.closed or source_id in self._removals or source_id == self._removing:
            return
        self._removals.append(source_id)
        self._pump()

    def _start_removal(self, source_id: int) -> None:
        def started() -> None:
            self._removing = source_id

        def ended() -> None:
            self._removing = None
            self._pump()

        self._tasks.run(
            REMOVE,
            remove_job(self._create_store(), source_id),
            name=f"remove-source-{source_id}",
            on_started=started,
            on_done=lambda result: self._on_removed(source_id, result),
            on_failed=lambda failure: self._on_remove_failed(source_id, failure),
            on_ended=ended,
        )

    def _on_removed(self, source_id: int, result: Any) -> None:  # a RemovalResult
        self.source_removed.emit(source_id, int(result.removed), int(result.kept))
        self.refresh()

    def _on_remove_failed(self, source_id: int, failure: Failure) -> None:
        self.remove_failed.emit(source_id, failure)
        self.refresh()

    # --- reading the cards and the chart -------------------------------------------------------------
    def refresh(self) -> None:
        """Load the sources and the activity from the store; a request during a load runs after it."""
        job = load_job(self.store_path)
        self._reread(job, "load-import-page", self.data_loading, self._on_load_finished, self.data_failed)

    def is_loading(self) -> bool:
        return self.is_reading()

    def _on_load_finished(self, data: PageData) -> None:
        if not self._tasks.superseded(READ):  # a newer load follows: show only the latest
            self.data_loaded.emit(data)

    # --- shutdown ---------------------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        """Cancel every worker and join its thread (window closing); False if one would not stop.

        A cancelled import rolls back, so closing mid-import keeps the store as it was; a removal
        is one quick transaction: it is left to finish.
        """
        self._queue.clear()
        self._removals.clear()
        return super().shutdown(timeout_ms)
