"""The one worker mechanism: run a long core operation on a QThread, signals out.

"Generator in, signals out" (after superqt): a long operation in the Qt-free core is a
generator that takes a ``CancelToken`` and yields ``Progress`` objects (or tokens, or any
items) and finally returns its result. ``Worker`` runs it on its own ``QThread`` and reports
on the GUI thread::

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

Thread rules (DESIGN.md section 4), kept here so that callers need not think about them:

* Only one kind of signal crosses threads: the runner's (a ``QThread`` subclass living in the GUI
  thread whose ``run`` executes in the new thread), and it is connected only to bound methods
  of ``Worker``, a QObject of the GUI thread. Those slots re-emit the public signals, so every
  handler a caller connects (lambdas included) runs in the GUI thread.
* High-rate yields do not flood the GUI: items go into a locked buffer, the runner wakes the
  GUI once per batch, and batches are delivered at most every ``interval_ms`` (40 ms) -- the
  first item at once, so a slow operation's progress is never held back.
* The outcome is reported after the thread has ended (``QThread.finished``), so a caller that
  drops a finished worker never destroys a running thread. Running workers are kept alive by a
  module registry; ``stop_all`` cancels and joins them at shutdown.
"""

from __future__ import annotations

import inspect
import logging
import threading
import traceback
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QElapsedTimer, QObject, QThread, QTimer, Signal, Slot

from desktop.core.errors import Cancelled, KnownError
from desktop.core.tasks import CancelToken, Progress

log = logging.getLogger(__name__)

#: What a worker runs: called with the cancel token, on the worker thread; returns a generator
#: (whose items are reported and whose return value is the result) or a plain result.
Job = Callable[[CancelToken], "Generator[Any, None, Any] | Any"]

DEFAULT_INTERVAL_MS = 40

BUG_MESSAGE = (
    "Something went wrong inside Understudy. This is a bug, not something you did; "
    "the details were written to the log."
)


@dataclass(frozen=True)
class Failure:
    """Why a worker failed, ready to show: ``message`` is plain words for the creator."""

    message: str
    hint: str = ""
    is_bug: bool = False
    #: The formatted traceback of a bug (also logged); empty for a KnownError.
    details: str = ""

    @property
    def text(self) -> str:
        """Message and hint together, as one paragraph."""
        return f"{self.message} {self.hint}".strip()


class _Outcome:
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"


def _drive(
    generator: Generator[Any, None, Any], token: CancelToken, push: Callable[[Any], None]
) -> tuple[str, Any]:
    """Run a job's generator on this thread, handing each item to ``push``; its outcome.

    The token is checked between yields, so an operation stops within one yield of a cancel,
    and a generator that honours the token by returning early still ends as cancelled.
    """
    try:
        while True:
            try:
                item = next(generator)
            except StopIteration as stop:
                value = stop.value
                break
            push(item)
            if token.cancelled:
                return (_Outcome.CANCELLED, None)
    finally:
        # Runs the generator's own finally/with blocks now, on this thread (clean-up of
        # half-written files happens before the GUI hears "cancelled").
        generator.close()
    if token.cancelled:
        return (_Outcome.CANCELLED, None)
    return (_Outcome.FINISHED, value)


class _Runner(QThread):
    """Runs the job in ``run`` (worker thread); the object itself lives in the GUI thread."""

    #: Emitted from the worker thread when the buffer goes from empty to non-empty.
    items_ready = Signal()

    def __init__(self, job: Job, token: CancelToken, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self._job = job
        self._token = token
        self._lock = threading.Lock()
        self._buffer: list[Any] = []
        self._wake_pending = False
        # Written once by the worker thread before it ends; read by the GUI after QThread.finished.
        self.outcome: tuple[str, Any] = (_Outcome.CANCELLED, None)

    # --- worker thread -------------------------------------------------------------------
    def run(self) -> None:  # noqa: D102 (QThread API)
        try:
            self.outcome = self._execute()
        except Cancelled:
            self.outcome = (_Outcome.CANCELLED, None)
        except KnownError as exc:
            self.outcome = (_Outcome.FAILED, Failure(exc.message, exc.hint))
        except BaseException as exc:  # noqa: BLE001 -- a bug: reported, never kills the thread
            details = "".join(traceback.format_exception(exc))
            log.error("Unexpected error in background task %r:\n%s", self.objectName(), details)
            self.outcome = (_Outcome.FAILED, Failure(BUG_MESSAGE, is_bug=True, details=details))

    def _execute(self) -> tuple[str, Any]:
        if self._token.cancelled:
            return (_Outcome.CANCELLED, None)
        result = self._job(self._token)
        if not inspect.isgenerator(result):
            return (_Outcome.FINISHED, result)
        return _drive(result, self._token, self._push)

    def _push(self, item: Any) -> None:
        with self._lock:
            self._buffer.append(item)
            wake = not self._wake_pending
            self._wake_pending = True
        if wake:
            # Cross-thread: queued to Worker._on_items_ready (a bound method of a GUI-thread QObject).
            self.items_ready.emit()

    # --- GUI thread ----------------------------------------------------------------------
    def take_items(self) -> list[Any]:
        with self._lock:
            items, self._buffer = self._buffer, []
            self._wake_pending = False
        return items


_LIVE: set["Worker"] = set()


class Worker(QObject):
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
    stopped = Signal()

    def __init__(
        self,
        job: Job,
        *,
        name: str = "worker",
        interval_ms: int = DEFAULT_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._token = CancelToken()
        self._interval_ms = max(0, interval_ms)
        self._runner = _Runner(job, self._token, name)
        # Cross-thread: both emitted from the worker thread, queued to these GUI-thread methods.
        self._runner.items_ready.connect(self._on_items_ready)
        self._runner.finished.connect(self._on_thread_finished)
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self._deliver)
        self._since_delivery = QElapsedTimer()
        self._started = False
        self._done = False

    # --- control (GUI thread) -------------------------------------------------------------
    def start(self) -> "Worker":
        """Start the thread; a worker runs once. Returns self, for chaining."""
        if self._started:
            raise RuntimeError("a Worker runs only once; create a new one")
        self._started = True
        _LIVE.add(self)
        self._runner.start()
        return self

    def cancel(self) -> None:
        """Ask the job to stop; it does so at its next yield (or next token check)."""
        self._token.cancel()

    @property
    def token(self) -> CancelToken:
        return self._token

    def is_running(self) -> bool:
        """True from ``start()`` until the outcome has been reported."""
        return self._started and not self._done

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the thread has ended (not until signals are delivered); False on timeout."""
        if not self._started:
            return True
        if timeout_ms < 0:
            return self._runner.wait()
        return self._runner.wait(timeout_ms)

    def cancel_and_wait(self, timeout_ms: int = 10_000) -> bool:
        """Cancel, then block until the thread has ended; False if it did not within the timeout."""
        self.cancel()
        return self.wait(timeout_ms)

    # --- delivery (GUI thread) -------------------------------------------------------------
    @Slot()
    def _on_items_ready(self) -> None:
        if self._done or self._flush_timer.isActive():
            return
        if not self._since_delivery.isValid():
            self._deliver()
            return
        remaining = self._interval_ms - self._since_delivery.elapsed()
        if remaining <= 0:
            self._deliver()
        else:
            self._flush_timer.start(int(remaining))

    @Slot()
    def _deliver(self) -> None:
        items = self._runner.take_items()
        self._since_delivery.start()
        if not items:
            return
        self.yielded.emit(items)
        last_progress = next((item for item in reversed(items) if isinstance(item, Progress)), None)
        if last_progress is not None:
            self.progress.emit(last_progress)

    @Slot()
    def _on_thread_finished(self) -> None:
        if self._done:
            return
        self._runner.wait()  # it has ended already; this only joins it
        self._flush_timer.stop()
        self._deliver()  # whatever is left, before the outcome
        self._done = True
        kind, value = self._runner.outcome
        try:
            if kind == _Outcome.FINISHED:
                self.finished.emit(value)
            elif kind == _Outcome.FAILED:
                self.failed.emit(value)
            else:
                self.cancelled.emit()
        finally:
            _LIVE.discard(self)
            self.stopped.emit()


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


# --- a long-lived owner thread for one heavy resource ------------------------------------------------

#: What a resource worker runs against its resource: called on the owner thread with the resource
#: and the job's own cancel token; returns a generator (items reported, return value the result)
#: or a plain result.
ResourceJob = Callable[[Any, CancelToken], "Generator[Any, None, Any] | Any"]

#: The id of the opening job (``open``); submitted jobs get ids from 1.
OPEN_JOB = 0


@dataclass(frozen=True)
class _Ended:
    """Marker in the delivery buffer: job ``job_id`` ended with ``kind`` (an ``_Outcome``)."""

    job_id: int
    kind: str
    value: Any


class _OwnerRunner(QThread):
    """The owner thread: creates and opens the resource, runs jobs one at a time, closes it.

    The object lives in the GUI thread; ``run`` (and so every use of the resource) runs in the
    new thread, which is the only thread that ever touches the resource.
    """

    #: Emitted from the owner thread when the buffer goes from empty to non-empty.
    items_ready = Signal()
    #: Emitted from the owner thread when a job has ended (its marker is in the buffer).
    job_ended = Signal()

    def __init__(
        self,
        create: Callable[[], Any],
        open_job: Callable[[Any, CancelToken], Any] | None,
        close: Callable[[Any], None] | None,
        open_token: CancelToken,
        name: str,
    ) -> None:
        super().__init__()
        self.setObjectName(name)
        self._create = create
        self._open = open_job
        self._close = close
        self._open_token = open_token
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._queue: list[tuple[int, ResourceJob, CancelToken]] = []
        self._stopping = False
        self._buffer: list[Any] = []
        self._wake_pending = False
        # Written and read only by the owner thread: what create() made, closed even if open() fails.
        self._created: Any = None

    # --- GUI thread: requests ------------------------------------------------------------------
    def enqueue(self, job_id: int, job: ResourceJob, token: CancelToken) -> None:
        with self._wake:
            self._queue.append((job_id, job, token))
            self._wake.notify()

    def request_stop(self) -> None:
        """Stop taking jobs: the running one was cancelled by the caller; queued ones end cancelled."""
        with self._wake:
            self._stopping = True
            for _job_id, _job, token in self._queue:
                token.cancel()
            self._wake.notify()

    def take_items(self) -> list[Any]:
        with self._lock:
            items, self._buffer = self._buffer, []
            self._wake_pending = False
        return items

    # --- owner thread --------------------------------------------------------------------------
    def run(self) -> None:  # noqa: D102 (QThread API)
        resource: Any = None
        created = False
        try:
            kind, value = self._guarded(OPEN_JOB, self._open_token, lambda token: self._open_resource(token))
            if kind == _Outcome.FINISHED:
                resource, created = value, True
                value = None  # the resource itself never leaves this thread
            elif self._created is not None:
                resource, created = self._created, True
            self._end(OPEN_JOB, kind, value)
            if kind == _Outcome.FINISHED:
                self._serve(resource)
        finally:
            with self._wake:
                self._stopping = True
                leftover = list(self._queue)
                self._queue.clear()
            for job_id, _job, _token in leftover:
                self._end(job_id, _Outcome.CANCELLED, None)
            if created and self._close is not None:
                try:
                    self._close(resource)  # on this thread, the one that opened it
                except BaseException:  # noqa: BLE001 -- a bug in clean-up: logged, never raised
                    log.error("Closing %r failed:\n%s", self.objectName(), traceback.format_exc())

    def _open_resource(self, token: CancelToken) -> Generator[Any, None, Any]:
        self._created = resource = self._create()
        if self._open is not None:
            result = self._open(resource, token)
            if inspect.isgenerator(result):
                yield from result
        return resource

    def _serve(self, resource: Any) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._stopping:
                    self._wake.wait()
                if self._stopping:
                    return
                job_id, job, token = self._queue.pop(0)
            kind, value = self._guarded(job_id, token, lambda t, job=job: job(resource, t))
            self._end(job_id, kind, value)

    def _guarded(
        self, job_id: int, token: CancelToken, call: Callable[[CancelToken], Any]
    ) -> tuple[str, Any]:
        try:
            return self._execute(job_id, token, call)
        except Cancelled:
            return (_Outcome.CANCELLED, None)
        except KnownError as exc:
            return (_Outcome.FAILED, Failure(exc.message, exc.hint))
        except BaseException as exc:  # noqa: BLE001 -- a bug: reported, never kills the thread
            details = "".join(traceback.format_exception(exc))
            log.error(
                "Unexpected error in background task %r (job %d):\n%s", self.objectName(), job_id, details
            )
            return (_Outcome.FAILED, Failure(BUG_MESSAGE, is_bug=True, details=details))

    def _execute(
        self, job_id: int, token: CancelToken, call: Callable[[CancelToken], Any]
    ) -> tuple[str, Any]:
        if token.cancelled:
            return (_Outcome.CANCELLED, None)
        result = call(token)
        if not inspect.isgenerator(result):
            return (_Outcome.CANCELLED, None) if token.cancelled else (_Outcome.FINISHED, result)
        return _drive(result, token, lambda item: self._push((job_id, item)))

    def _push(self, entry: Any) -> None:
        with self._lock:
            self._buffer.append(entry)
            wake = not self._wake_pending
            self._wake_pending = True
        if wake:
            # Cross-thread: queued to ResourceWorker._on_items_ready (a GUI-thread QObject's method).
            self.items_ready.emit()

    def _end(self, job_id: int, kind: str, value: Any) -> None:
        self._push(_Ended(job_id, kind, value))
        # Cross-thread: queued to ResourceWorker._on_job_ended: outcomes are not held back by batching.
        self.job_ended.emit()


class ResourceWorker(QObject):
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
    who wants "the latest request wins" cancels the running job first (``cancel_jobs``).
    """

    yielded = Signal(int, list)
    progress = Signal(int, object)
    finished = Signal(int, object)
    failed = Signal(int, object)
    cancelled = Signal(int)
    opened = Signal()
    stopped = Signal()

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
        super().__init__(parent)
        self.setObjectName(name)
        self._open_token = CancelToken()
        self._interval_ms = max(0, interval_ms)
        self._runner = _OwnerRunner(create, open, close, self._open_token, name)
        # Cross-thread: all three are emitted from the owner thread, queued to these GUI-thread methods.
        self._runner.items_ready.connect(self._on_items_ready)
        self._runner.job_ended.connect(self._on_job_ended)
        self._runner.finished.connect(self._on_thread_finished)
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self._deliver)
        self._since_delivery = QElapsedTimer()
        self._tokens: dict[int, CancelToken] = {OPEN_JOB: self._open_token}
        self._next_id = OPEN_JOB + 1
        self._started = False
        self._stopping = False
        self._done = False
        self._is_open = False

    # --- control (GUI thread) -------------------------------------------------------------------
    def start(self) -> "ResourceWorker":
        """Start the owner thread (it opens the resource at once); a worker starts only once."""
        if self._started:
            raise RuntimeError("a ResourceWorker starts only once; create a new one")
        self._started = True
        _LIVE.add(self)  # type: ignore[arg-type]  # stop_all treats it like a Worker
        self._runner.start()
        return self

    def submit(self, job: ResourceJob) -> int:
        """Queue ``job(resource, cancel)``; returns its id (its outcome arrives as a signal).

        After ``shutdown`` (or once the thread has ended) the job is not run: it ends cancelled.
        """
        job_id = self._next_id
        self._next_id += 1
        token = CancelToken()
        if not self._started or self._stopping or self._done:
            token.cancel()
            # Reported from the event loop, never from inside submit (callers connect after).
            self._tokens[job_id] = token
            QTimer.singleShot(0, self, lambda job_id=job_id: self._report_unrun(job_id))
            return job_id
        self._tokens[job_id] = token
        self._runner.enqueue(job_id, job, token)
        return job_id

    def cancel_job(self, job_id: int) -> None:
        """Cancel one job (running: it stops at its next yield; queued: it never starts)."""
        token = self._tokens.get(job_id)
        if token is not None:
            token.cancel()

    def cancel_jobs(self) -> None:
        """Cancel every submitted job not yet ended (the opening is left alone)."""
        for job_id, token in list(self._tokens.items()):
            if job_id != OPEN_JOB:
                token.cancel()

    def active_jobs(self) -> list[int]:
        """Ids of submitted jobs whose outcome has not been reported yet."""
        return [job_id for job_id in self._tokens if job_id != OPEN_JOB]

    def is_open(self) -> bool:
        """True once the opening finished, until shutdown."""
        return self._is_open and not self._stopping

    def is_running(self) -> bool:
        """True from ``start()`` until the thread has ended and that has been reported."""
        return self._started and not self._done

    def cancel(self) -> None:
        """Ask the thread to end (non-blocking): cancel the opening and every job, then close."""
        self._stopping = True
        self._open_token.cancel()
        self.cancel_jobs()
        self._runner.request_stop()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the thread has ended (the resource is closed by then); False on timeout."""
        if not self._started:
            return True
        if timeout_ms < 0:
            return self._runner.wait()
        return self._runner.wait(timeout_ms)

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

    # --- delivery (GUI thread) ----------------------------------------------------------------
    @Slot()
    def _report_unrun(self, job_id: int) -> None:
        if self._tokens.pop(job_id, None) is not None:
            self.cancelled.emit(job_id)

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
        entries = self._runner.take_items()
        self._since_delivery.start()
        batch: list[Any] = []
        batch_job = -1
        for entry in entries:
            if isinstance(entry, _Ended):
                self._emit_batch(batch_job, batch)
                batch, batch_job = [], -1
                self._emit_outcome(entry)
                continue
            job_id, item = entry
            if job_id != batch_job:
                self._emit_batch(batch_job, batch)
                batch, batch_job = [], job_id
            batch.append(item)
        self._emit_batch(batch_job, batch)

    def _emit_batch(self, job_id: int, items: list[Any]) -> None:
        if not items:
            return
        self.yielded.emit(job_id, items)
        last_progress = next((item for item in reversed(items) if isinstance(item, Progress)), None)
        if last_progress is not None:
            self.progress.emit(job_id, last_progress)

    def _emit_outcome(self, ended: _Ended) -> None:
        self._tokens.pop(ended.job_id, None)
        if ended.kind == _Outcome.FINISHED:
            if ended.job_id == OPEN_JOB:
                self._is_open = True
            self.finished.emit(ended.job_id, ended.value)
            if ended.job_id == OPEN_JOB:
                self.opened.emit()
        elif ended.kind == _Outcome.FAILED:
            self.failed.emit(ended.job_id, ended.value)
        else:
            self.cancelled.emit(ended.job_id)

    @Slot()
    def _on_thread_finished(self) -> None:
        self._finish(deliver=True)

    def _finish(self, *, deliver: bool) -> None:
        if self._done:
            return
        self._runner.wait()  # it has ended already; this only joins it
        self._flush_timer.stop()
        if deliver:
            self._deliver()
        self._done = True
        self._is_open = False
        _LIVE.discard(self)  # type: ignore[arg-type]
        if deliver:
            self.stopped.emit()
