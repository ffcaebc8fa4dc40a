"""``ResourceWorker``: a worker thread kept alive for one heavy resource (a model, a store connection).

It shares ``workers._ThreadOwner``'s thread rules (signals re-emitted on the GUI thread, batched
yields, outcomes after the thread's work): see ``desktop/ui/workers.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any, Unpack

from PySide6.QtCore import QObject, Signal

from desktop.core.tasks import CancelToken
from desktop.ui.workers import DEFAULT_INTERVAL_MS, Replies, _ThreadOwner, reply
from desktop.ui.workers_thread import OPEN_JOB, Batch, Ended, JobThread, Outcome, ResourceJob

log = logging.getLogger(__name__)


class ResourceWorker(_ThreadOwner):
    """One long-lived thread that owns one heavy resource (a model, a store connection).

    The resource is created and opened on that thread (``create()`` then ``open(resource,
    cancel)``, which may be a generator of progress), every submitted job runs there against it,
    one at a time, and ``close(resource)`` runs there at shutdown::

        worker = ResourceWorker(lambda: DraftingSession(paths, profile),
                                open=lambda s, cancel: s.open(cancel), close=lambda s: s.close())
        worker.finished.connect(self.on_finished)   # (job id, result); job 0 is the opening
        worker.start()
        job_id = worker.submit(lambda session, cancel: session.draft("hi", cancel=cancel))
        worker.cancel_job(job_id)                    # that job's own token
        worker.shutdown()                            # cancel, close on its thread, join

    Signals (all in the GUI thread, each carrying the job id; ``OPEN_JOB`` (0) is the opening):

    * ``yielded(int, list)``: items the job yielded since the last delivery, batched every
      ``interval_ms`` like ``Worker``; ``progress(int, object)``: the last ``Progress`` of a batch.
    * ``finished(int, object)``, ``failed(int, object)`` (a ``Failure``), ``cancelled(int)``:
      exactly one per job, after its last batch. Queued jobs still waiting at shutdown end cancelled.
    * ``opened()`` after the opening finished; ``stopped()`` once the thread has ended.

    If the opening fails or is cancelled the thread ends (after closing what was created):
    create a new worker to try again. New requests while a job runs wait for it; a caller
    who wants "the latest request wins" cancels the running job first (``cancel_jobs``), or
    gives its requests a ``key`` (``submit(job, key=...)``).
    """

    yielded = Signal(int, list)
    progress = Signal(int, object)
    finished = Signal(int, object)
    failed = Signal(int, object)
    cancelled = Signal(int)
    _ID_IN_SIGNALS = True
    opened = Signal()

    def __init__(
        self,
        create: Callable[[], Any],
        *,
        open: Callable[[Any, CancelToken], Any] | None = None,  # noqa: A002 (the resource's own verb)
        close: Callable[[Any], None] | None = None,
        name: str = "resource",
        interval_ms: int = DEFAULT_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        open_token = CancelToken()
        runner = JobThread(name, create=create, open_job=open, close=close, open_token=open_token)
        super().__init__(runner, name, interval_ms, parent)
        self._tokens[OPEN_JOB] = open_token
        self._keys: dict[int, Hashable] = {}
        self._replies: dict[int, Replies] = {}
        self._is_open = False

    def submit(
        self,
        job: ResourceJob,
        *,
        key: Hashable | None = None,
        **replies: Unpack[Replies],
    ) -> int:
        """Queue ``job(resource, cancel)``; returns its id (its outcome arrives as a signal, and
        to the ``on_*`` callbacks given here: ``Replies``).

        With a ``key``, the newer request replaces older ones with the same key: those not yet
        ended are cancelled (queued: they never start; running: they stop at their next yield)
        and report ``cancelled``. After ``shutdown`` (or once the thread has ended, or before
        ``start``) the job is not run: it ends cancelled.
        """
        if key is not None:
            for earlier, earlier_key in list(self._keys.items()):
                if earlier_key == key:
                    self.cancel_job(earlier)
        job_id = self._queue(job, refuse=not self._started)
        if key is not None:
            self._keys[job_id] = key
        if replies:
            self._replies[job_id] = replies
        return job_id

    def cancel_job(self, job_id: int) -> None:
        """Cancel one job (running: it stops at its next yield; queued: it never starts)."""
        if (token := self._tokens.get(job_id)) is not None:
            token.cancel()

    def cancel_jobs(self) -> None:
        """Cancel every submitted job not yet ended (the opening is left alone)."""
        for job_id in self.active_jobs():
            self.cancel_job(job_id)

    def active_jobs(self) -> list[int]:
        """Ids of submitted jobs whose outcome has not been reported yet."""
        return [job_id for job_id in self._tokens if job_id != OPEN_JOB]

    def is_open(self) -> bool:
        """True once the opening finished, until shutdown."""
        return self._is_open and not self._stopping and not self._done

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel the running job, close the resource on its thread, and join it.

        Blocks the caller (at most ``timeout_ms``; a model load cannot be interrupted). The
        outcomes still on their way are not delivered afterwards; ``stopped`` is not emitted.
        """
        self.cancel()
        joined = self.wait(timeout_ms)
        if joined:
            self._finish(deliver=False)
        else:
            log.warning("Background task %r did not stop within %d ms", self.objectName(), timeout_ms)
        return joined

    # --- delivery (GUI thread) ------------------------------------------------------------------
    def _emit_batch(self, batch: Batch) -> None:
        super()._emit_batch(batch)
        if (replies := self._replies.get(batch.job_id)) is None:
            return
        if (on_items := replies.get("on_items")) is not None:
            on_items(batch.items)
        if (on_progress := replies.get("on_progress")) is not None and batch.last_progress is not None:
            on_progress(batch.last_progress)

    def _emit_outcome(self, ended: Ended) -> None:
        self._keys.pop(ended.job_id, None)
        replies = self._replies.pop(ended.job_id, None)
        opened = ended.job_id == OPEN_JOB and ended.kind == Outcome.FINISHED
        self._is_open = self._is_open or opened
        super()._emit_outcome(ended)
        if opened:
            self.opened.emit()
        if replies is None:
            return
        reply(replies, ended.kind, ended.value)
