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
        generator = result
        try:
            while True:
                try:
                    item = next(generator)
                except StopIteration as stop:
                    value = stop.value
                    break
                self._push(item)
                # Checked between yields: the operation stops within one yield of a cancel.
                if self._token.cancelled:
                    return (_Outcome.CANCELLED, None)
        finally:
            # Runs the generator's own finally/with blocks now, on this thread (clean-up of
            # half-written files happens before the GUI hears "cancelled").
            generator.close()
        if self._token.cancelled:
            # A generator may honour the token by returning early; "cancel" always ends as cancelled.
            return (_Outcome.CANCELLED, None)
        return (_Outcome.FINISHED, value)

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
