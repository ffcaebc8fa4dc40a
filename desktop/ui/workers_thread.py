"""The one worker thread: a ``QThread`` that runs jobs from a queue, against a resource it may own.

``workers.py`` has two faces on it (``Worker``: one job, no resource; ``ResourceWorker``: a
long-lived thread that opens a model or a store connection and serves jobs until shut down);
this module is the thread they share, so that running a job, deciding its outcome (finished,
failed or cancelled) and handing its items to the GUI thread is written once.

Everything here but the requests and ``take_items`` (GUI thread) runs on the new thread. The GUI
side learns of items and outcomes through two argument-less signals (``items_ready``,
``job_ended``) and collects them with ``take_items``: each job's ``Batch`` of items and its
``Ended`` marker, in the order they happened (ARCHITECTURE.md, Traps: the signals are connected
only to bound methods of a GUI-thread QObject).
"""

from __future__ import annotations

import inspect
import logging
import threading
import traceback
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QThread, Signal

from desktop.core.errors import Cancelled, KnownError
from desktop.core.tasks import CancelToken, Progress

log = logging.getLogger(__name__)

#: What ``_created`` holds until ``create()`` has returned (it may return None).
_NOTHING = object()

#: What a job runs: called on the worker thread with the resource (None without one) and the job's
#: own cancel token; returns a generator (items reported, return value the result) or a plain result.
ResourceJob = Callable[[Any, CancelToken], "Generator[Any, None, Any] | Any"]

#: The id of the opening job (``open``); submitted jobs get ids from 1.
OPEN_JOB = 0

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


class Outcome:
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Batch:
    """Items one job yielded in a row, delivered together."""

    job_id: int
    items: list[Any]

    @property
    def last_progress(self) -> Progress | None:
        """The last ``Progress`` among the items (for progress bars), if any."""
        return next((item for item in reversed(self.items) if isinstance(item, Progress)), None)


@dataclass(frozen=True)
class Ended:
    """Marker in the delivery buffer: job ``job_id`` ended with ``kind`` (an ``Outcome``)."""

    job_id: int
    kind: str
    value: Any


def drive(
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
                return (Outcome.CANCELLED, None)
    finally:
        # Runs the generator's own finally/with blocks now, on this thread (clean-up of
        # half-written files happens before the GUI hears "cancelled").
        generator.close()
    if token.cancelled:
        return (Outcome.CANCELLED, None)
    return (Outcome.FINISHED, value)


class JobThread(QThread):
    """Opens the resource (if any), runs queued jobs one at a time, closes the resource.

    The object lives in the GUI thread; ``run`` (and so every job and every use of the resource)
    runs in the new thread, the only thread that ever touches the resource.

    ``keep_serving``: wait for more jobs until ``request_stop`` (a resource's thread), or end
    once the queue is empty (a one-job ``Worker``). ``plain_result_stands``: a plain (non-generator)
    job that returns after its token was cancelled still ends finished (``Worker``), rather than
    cancelled (``ResourceWorker``, whose callers want a cancelled request never to report).
    """

    #: Emitted from the worker thread when the buffer goes from empty to non-empty.
    items_ready = Signal()
    #: Emitted from the worker thread when a job has ended (its marker is in the buffer).
    job_ended = Signal()

    def __init__(
        self,
        name: str,
        *,
        create: Callable[[], Any] | None = None,
        open_job: Callable[[Any, CancelToken], Any] | None = None,
        close: Callable[[Any], None] | None = None,
        open_token: CancelToken | None = None,
        keep_serving: bool = True,
        plain_result_stands: bool = False,
    ) -> None:
        super().__init__()
        self.setObjectName(name)
        self._create = create
        self._open = open_job
        self._close = close
        self._open_token = open_token or CancelToken()
        self._keep_serving = keep_serving
        self._plain_result_stands = plain_result_stands
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._queue: list[tuple[int, ResourceJob, CancelToken]] = []
        self._stopping = False
        self._buffer: list[Any] = []
        self._wake_pending = False
        # Written and read only by the worker thread: what create() made, closed even if open() fails.
        self._created: Any = _NOTHING

    # --- GUI thread: requests and delivery ------------------------------------------------------------------
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

    def take_items(self) -> list[Batch | Ended]:
        """Everything reported since the last call, in order: each job's items, and its end."""
        with self._lock:
            entries, self._buffer = self._buffer, []
            self._wake_pending = False
        taken: list[Batch | Ended] = []
        for entry in entries:
            if isinstance(entry, Ended):
                taken.append(entry)
            elif taken and isinstance(taken[-1], Batch) and taken[-1].job_id == entry[0]:
                taken[-1].items.append(entry[1])
            else:
                taken.append(Batch(entry[0], [entry[1]]))
        return taken

    # --- worker thread -------------------------------------------------------------------------
    def run(self) -> None:  # noqa: D102 (QThread API)
        resource: Any = None
        try:
            if self._create is not None:
                kind, value = self._guarded(OPEN_JOB, self._open_token, self._open_resource)
                resource = self._created
                # The resource itself never leaves this thread.
                self._end(OPEN_JOB, kind, None if kind == Outcome.FINISHED else value)
                if kind != Outcome.FINISHED:
                    return
            self._serve(resource)
        finally:
            with self._wake:
                self._stopping = True
                leftover = list(self._queue)
                self._queue.clear()
            for job_id, _job, _token in leftover:
                self._end(job_id, Outcome.CANCELLED, None)
            if self._created is not _NOTHING and self._close is not None:
                try:
                    self._close(self._created)  # on this thread, the one that opened it
                except BaseException:  # noqa: BLE001 -- a bug in clean-up: logged, never raised
                    log.error("Closing %r failed:\n%s", self.objectName(), traceback.format_exc())

    def _open_resource(self, token: CancelToken) -> Generator[Any, None, Any]:
        assert self._create is not None
        self._created = resource = self._create()
        if self._open is not None:
            result = self._open(resource, token)
            if inspect.isgenerator(result):
                yield from result
        return resource

    def _serve(self, resource: Any) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._stopping and self._keep_serving:
                    self._wake.wait()
                if self._stopping or not self._queue:
                    return
                job_id, job, token = self._queue.pop(0)
            kind, value = self._guarded(job_id, token, lambda t, job=job: job(resource, t))
            self._end(job_id, kind, value)

    def _guarded(
        self, job_id: int, token: CancelToken, call: Callable[[CancelToken], Any]
    ) -> tuple[str, Any]:
        """Run one job to its outcome; an exception becomes a ``Failure``, never kills the thread."""
        try:
            if token.cancelled:
                return (Outcome.CANCELLED, None)
            result = call(token)
            if inspect.isgenerator(result):
                return drive(result, token, lambda item: self._push((job_id, item)))
            if token.cancelled and not self._plain_result_stands:
                return (Outcome.CANCELLED, None)
            return (Outcome.FINISHED, result)
        except Cancelled:
            return (Outcome.CANCELLED, None)
        except KnownError as exc:
            return (Outcome.FAILED, Failure(exc.message, exc.hint))
        except BaseException as exc:  # noqa: BLE001 -- a bug: reported, never kills the thread
            details = "".join(traceback.format_exception(exc))
            log.error(
                "Unexpected error in background task %r (job %d):\n%s", self.objectName(), job_id, details
            )
            return (Outcome.FAILED, Failure(BUG_MESSAGE, is_bug=True, details=details))

    def _push(self, entry: Any) -> None:
        with self._lock:
            self._buffer.append(entry)
            wake = not self._wake_pending
            self._wake_pending = True
        if wake:
            # Cross-thread: queued to a bound method of the GUI-thread owner (workers._ThreadOwner).
            self.items_ready.emit()

    def _end(self, job_id: int, kind: str, value: Any) -> None:
        self._push(Ended(job_id, kind, value))
        # Cross-thread: queued to the owner's _on_job_ended: outcomes are not held back by batching.
        self.job_ended.emit()
