"""The one worker mechanism: run long core operations on a QThread, signals out.

"Generator in, signals out" (after superqt): a long operation in the Qt-free core is a
generator that takes a ``CancelToken`` and yields ``Progress`` objects (or tokens, or any
items) and finally returns its result. ``Worker`` runs one such job on its own ``QThread`` and
reports on the GUI thread::

    worker = Worker(lambda cancel: ensure_default_models(models_dir, cancel))
    worker.progress.connect(self.on_progress)    # latest Progress of each batch
    worker.yielded.connect(self.on_items)        # every yielded item, in order, in batches
    worker.finished.connect(self.on_done)        # the generator's return value
    worker.failed.connect(self.on_failed)        # a Failure: plain words, or a bug (logged)
    worker.cancelled.connect(self.on_cancelled)
    worker.start()
    ...
    worker.cancel()                              # sets the token; checked between yields

The callable may also be a plain function (it then runs whole on the worker thread and its
return value is the result), so blocking reads such as GGUF headers never run on the GUI thread.
``workers_resource.ResourceWorker`` is the same thread (``workers_thread.JobThread``) kept alive
for one heavy resource (a model, a store connection) that it opens, serves jobs against and closes.

Thread rules (ARCHITECTURE.md, Traps), kept here so that callers need not think about them:

* Only the ``JobThread``'s signals cross threads, connected only to bound methods of the worker,
  a QObject of the GUI thread, which re-emits the public signals: every handler a caller
  connects (lambdas included) runs in the GUI thread.
* High-rate yields do not flood the GUI: items go into a locked buffer, the thread wakes the
  GUI once per batch, and batches are delivered at most every ``interval_ms`` (40 ms) -- the
  first item at once, so a slow operation's progress is never held back.
* A ``Worker``'s outcome is reported after its thread has ended, so a caller that drops a
  finished worker never destroys a running thread. Running workers are kept alive by a module
  registry; ``stop_all`` cancels and joins them at shutdown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from typing import Any, Self, TypedDict

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal, Slot

from desktop.core.tasks import CancelToken
from desktop.ui.workers_thread import (
    BUG_MESSAGE,
    OPEN_JOB,
    Batch,
    Ended,
    Failure,
    JobThread,
    Outcome,
    ResourceJob,
)

__all__ = [
    "BUG_MESSAGE",
    "OPEN_JOB",
    "Failure",
    "Outcome",
    "Replies",
    "Worker",
    "live_workers",
    "reply",
    "stop_all",
]

log = logging.getLogger(__name__)

#: What a worker runs: called with the cancel token, on the worker thread; returns a generator
#: (whose items are reported and whose return value is the result) or a plain result.
Job = Callable[[CancelToken], "Generator[Any, None, Any] | Any"]

DEFAULT_INTERVAL_MS = 40


class Replies(TypedDict, total=False):
    """Per-request callbacks for one job (any may be left out), run in the GUI thread (for a
    ``ResourceWorker`` job after the worker's own signals): the request says what to do with its
    outcome, so no listener has to pick its job out of every job's signals by id."""

    on_done: Callable[[Any], None]
    on_failed: Callable[[Failure], None]
    on_cancelled: Callable[[], None]
    #: The last ``Progress`` of each batch of yielded items.
    on_progress: Callable[[Any], None]
    #: Every yielded item, in order, in batches.
    on_items: Callable[[list], None]


#: Started workers whose end has not been reported yet (keeps them alive; ``stop_all`` joins them).
_LIVE: set[_ThreadOwner] = set()


class _ThreadOwner(QObject):
    """What ``Worker`` and ``ResourceWorker`` share: one ``JobThread``, its jobs' cancel tokens,
    batched delivery of what the jobs yield, and the registry of live threads.

    Subclasses define the signals ``yielded``, ``progress``, ``finished``, ``failed`` and
    ``cancelled``, with the job id first or (``_ID_IN_SIGNALS`` False) without it.
    """

    stopped = Signal()
    _ID_IN_SIGNALS: bool

    def __init__(self, runner: JobThread, name: str, interval_ms: int, parent: QObject | None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._runner = runner
        self._interval_ms = max(0, interval_ms)
        self._tokens: dict[int, CancelToken] = {}
        self._next_id = OPEN_JOB + 1
        # Cross-thread: all three are emitted from the worker thread, queued to these GUI-thread methods.
        runner.items_ready.connect(self._on_items_ready)
        runner.job_ended.connect(self._on_job_ended)
        runner.finished.connect(self._on_thread_finished)
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self._deliver)
        self._since_delivery = QElapsedTimer()
        self._started = False
        self._stopping = False
        self._done = False

    # --- control (GUI thread) -------------------------------------------------------------------
    def start(self) -> Self:
        """Start the thread (a resource is opened at once); a worker starts only once. Returns self."""
        if self._started:
            raise RuntimeError(f"a {type(self).__name__} runs only once; create a new one")
        self._started = True
        _LIVE.add(self)
        self._runner.start()
        return self

    def _queue(self, job: ResourceJob, *, refuse: bool = False) -> int:
        """Give ``job`` an id and a token and queue it (refused, or once stopping: report it unrun)."""
        job_id = self._next_id
        self._next_id += 1
        token = self._tokens[job_id] = CancelToken()
        if refuse or self._stopping or self._done:
            token.cancel()
            # Reported from the event loop, never from inside submit (callers connect after).
            QTimer.singleShot(0, self, lambda job_id=job_id: self._report_unrun(job_id))
        else:
            self._runner.enqueue(job_id, job, token)
        return job_id

    def cancel(self) -> None:
        """Ask the thread to end (non-blocking): every job is cancelled, then it ends."""
        self._stopping = True
        for token in list(self._tokens.values()):
            token.cancel()
        self._runner.request_stop()

    def is_running(self) -> bool:
        """True from ``start()`` until the thread has ended and that has been reported."""
        return self._started and not self._done

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the thread has ended (not until signals are delivered); False on timeout."""
        if not self._started:
            return True
        return self._runner.wait() if timeout_ms < 0 else self._runner.wait(timeout_ms)

    # --- delivery (GUI thread) ------------------------------------------------------------------
    @Slot()
    def _report_unrun(self, job_id: int) -> None:
        if self._tokens.pop(job_id, None) is not None:
            self._emit_outcome(Ended(job_id, Outcome.CANCELLED, None))

    @Slot()
    def _on_items_ready(self) -> None:
        if self._done or self._flush_timer.isActive():
            return
        remaining = (
            self._interval_ms - self._since_delivery.elapsed() if self._since_delivery.isValid() else 0
        )
        if remaining <= 0:
            self._deliver()
        else:
            self._flush_timer.start(int(remaining))

    @Slot()
    def _on_job_ended(self) -> None:
        if not self._done:
            self._flush_timer.stop()
            self._deliver()

    @Slot()
    def _deliver(self) -> None:
        self._since_delivery.start()
        for entry in self._runner.take_items():
            if isinstance(entry, Ended):
                self._tokens.pop(entry.job_id, None)
                self._emit_outcome(entry)
            else:
                self._emit_batch(entry)

    def _emit_batch(self, batch: Batch) -> None:
        head = (batch.job_id,) if self._ID_IN_SIGNALS else ()
        self.yielded.emit(*head, batch.items)
        if (progress := batch.last_progress) is not None:
            self.progress.emit(*head, progress)

    def _emit_outcome(self, ended: Ended) -> None:
        head = (ended.job_id,) if self._ID_IN_SIGNALS else ()
        if ended.kind == Outcome.FINISHED:
            self.finished.emit(*head, ended.value)
        elif ended.kind == Outcome.FAILED:
            self.failed.emit(*head, ended.value)
        else:
            self.cancelled.emit(*head)

    def _emit_held(self) -> None:
        """Emit what was held back until the thread had ended (a ``Worker``'s outcome)."""

    @Slot()
    def _on_thread_finished(self) -> None:
        self._finish(deliver=True)

    def _finish(self, *, deliver: bool) -> None:
        if self._done:
            return
        self._runner.wait()  # it has ended already; this only joins it
        self._flush_timer.stop()
        if deliver:
            self._deliver()  # whatever is left, before the end
        self._done = True
        try:
            if deliver:
                self._emit_held()
        finally:
            _LIVE.discard(self)
            if deliver:
                self.stopped.emit()


class Worker(_ThreadOwner):
    """Runs one job once on its own thread; all signals arrive in the GUI thread.

    Create it in the GUI thread, connect, then ``start()``. Signals:

    * ``yielded(list)``: the items yielded since the last delivery, in order.
    * ``progress(object)``: the last ``Progress`` among those items (if any), for progress bars.
    * ``finished(object)``: the job's result (a generator's return value).
    * ``failed(object)``: a ``Failure`` (``is_bug`` False for a ``KnownError``).
    * ``cancelled()``: after ``cancel()``, or when the job raised ``Cancelled``.
    * ``stopped()``: always last, once the thread has ended.

    Exactly one of finished/failed/cancelled is emitted, after every yielded batch.
    """

    yielded = Signal(list)
    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    _ID_IN_SIGNALS = False

    def __init__(
        self,
        job: Job,
        *,
        name: str = "worker",
        interval_ms: int = DEFAULT_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        runner = JobThread(name, keep_serving=False, plain_result_stands=True)
        super().__init__(runner, name, interval_ms, parent)
        job_id = self._queue(lambda _resource, cancel: job(cancel))
        self._token = self._tokens[job_id]
        # Held until the thread has ended; a thread that never reported its job ends cancelled.
        self._outcome = Ended(job_id, Outcome.CANCELLED, None)

    @property
    def token(self) -> CancelToken:
        return self._token

    def cancel_and_wait(self, timeout_ms: int = 10_000) -> bool:
        """Cancel, then block until the thread has ended; False if it did not within the timeout."""
        self.cancel()
        return self.wait(timeout_ms)

    def _emit_outcome(self, ended: Ended) -> None:
        self._outcome = ended

    def _emit_held(self) -> None:
        super()._emit_outcome(self._outcome)


def reply(replies: Replies, kind: str, value: Any = None) -> None:
    """Call the callback of ``replies`` for an outcome (``Outcome``: finished, failed, cancelled)."""
    if kind == Outcome.FINISHED and (on_done := replies.get("on_done")) is not None:
        on_done(value)
    elif kind == Outcome.FAILED and (on_failed := replies.get("on_failed")) is not None:
        on_failed(value)
    elif kind == Outcome.CANCELLED and (on_cancelled := replies.get("on_cancelled")) is not None:
        on_cancelled()


def live_workers() -> int:
    """How many workers have started and not yet reported their outcome."""
    return len(_LIVE)


def stop_all(timeout_ms: int = 10_000) -> bool:
    """Cancel every running worker and join its thread (at shutdown); False if one would not stop.

    The outcomes are not delivered here (the event loop may be gone); the threads are joined so
    that no ``QThread`` is destroyed while running.
    """
    workers = list(_LIVE)
    for worker in workers:
        worker.cancel()
    stopped = True
    for worker in workers:
        if not worker.wait(timeout_ms):
            log.warning("Background task %r did not stop within %d ms", worker.objectName(), timeout_ms)
            stopped = False
        else:
            _LIVE.discard(worker)
    return stopped
