"""One way for a controller to run work off the GUI thread: ``Tasks.run(key, job, on_done=...)``.

Every controller used to write the same plumbing around a ``Worker``: keep it in an attribute,
connect finished/failed/cancelled/stopped to its own slots, refuse a second request (or remember
it and run it again once the first ended), note failures that were bugs, cancel and join at
shutdown. ``Tasks`` is that plumbing once (after Anki's ``aqt.taskman`` and Picard's
``util.thread``): a request names a key; what happens when that key is still busy is the
request's ``when_busy``:

* ``REFUSE``: nothing runs, ``run`` returns False (one download, one test at a time).
* ``AGAIN``: the request waits and runs once the running one ended; a newer waiting request
  replaces an older one (a refresh asked for during a refresh: one more read, of the latest).
* ``QUEUE``: every request waits its turn, in order (writes that must all happen).
* ``REPLACE``: the running one is cancelled and the newer one runs as soon as it stopped.

Callbacks (``Callbacks``: ``workers.Replies`` and two more) are plain callables run in the GUI
thread, like every ``Worker`` signal. A job's outcome arrives after its thread has ended, so the
key is free again (``busy`` is False) by the time ``on_done`` / ``on_failed`` / ``on_cancelled``
run; then ``on_ended`` runs whatever the outcome, then the waiting request (if any) starts.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Unpack

from PySide6.QtCore import QObject, SignalInstance

from desktop.core.paths import Paths
from desktop.ui.workers import Failure, Job, Outcome, Replies, Worker, reply

REFUSE, AGAIN, QUEUE, REPLACE = "refuse", "again", "queue", "replace"

#: The key of ``TaskController._reread``: what the page shows.
READ = "read"


class Callbacks(Replies, total=False):
    """What to do, in the GUI thread, with what one job reports (any may be left out)."""

    #: When the job starts (at once, or once its turn came): "loading…" in the page.
    on_started: Callable[[], None]
    #: After the outcome, whatever it was (``refresh`` after a change, start the next thing).
    on_ended: Callable[[], None]


@dataclass
class _Request:
    job: Job
    name: str
    callbacks: Callbacks


class Tasks(QObject):
    """Runs a controller's jobs, each on its own ``Worker``, one at a time per key.

    ``bugs`` collects the failures that were bugs (the controllers' smoke-test list).
    """

    def __init__(self, parent: QObject | None = None, *, bugs: list[Failure] | None = None) -> None:
        super().__init__(parent)
        self.bugs: list[Failure] = bugs if bugs is not None else []
        self._running: dict[Hashable, tuple[Worker, Callbacks]] = {}
        self._waiting: dict[Hashable, list[_Request]] = {}
        self._anonymous = 0
        self.closed = False

    def run(
        self,
        key: Hashable | None,
        job: Job,
        *,
        when_busy: str = REFUSE,
        name: str = "",
        **callbacks: Unpack[Callbacks],
    ) -> bool:
        """Run ``job(cancel)`` on a worker thread under ``key`` (None: a key of its own).

        Returns True if it started or waits its turn, False if it was refused (``when_busy``
        ``REFUSE`` and the key busy, or after ``shutdown``).
        """
        if self.closed:
            return False
        if key is None:
            self._anonymous += 1
            key = ("anonymous", self._anonymous)
        request = _Request(job, name or str(key), callbacks)
        if key not in self._running:
            self._start(key, request)
            return True
        if when_busy == REFUSE:
            return False
        if when_busy == QUEUE:
            self._waiting.setdefault(key, []).append(request)
        else:  # AGAIN, REPLACE: only the newest waiting request is kept
            self._waiting[key] = [request]
            if when_busy == REPLACE:
                self._running[key][0].cancel()
        return True

    def busy(self, key: Hashable | None = None) -> bool:
        """Whether ``key`` (None: any key) has a job running or waiting."""
        if key is None:
            return bool(self._running) or any(self._waiting.values())
        return key in self._running or bool(self._waiting.get(key))

    def superseded(self, key: Hashable) -> bool:
        """True while a newer request of ``key`` waits: a result arriving now is already stale."""
        return bool(self._waiting.get(key))

    def cancel(self, key: Hashable) -> None:
        """Cancel the running job of ``key`` (it stops at its next yield); waiting ones still run."""
        if (running := self._running.get(key)) is not None:
            running[0].cancel()

    def take_waiting(self, key: Hashable) -> list[Job]:
        """Remove and return the jobs of ``key`` that have not started (to run them some other way)."""
        return [request.job for request in self._waiting.pop(key, [])]

    def shutdown(self, timeout_ms: int = 15_000, *, cancel: Container[Hashable] | None = None) -> bool:
        """Refuse new requests, drop waiting ones, cancel the running jobs (only those whose key is
        in ``cancel``, when given: the others are left to finish) and join every thread.

        False if one did not stop in time. Outcomes are not reported afterwards.
        """
        self.closed = True
        self._waiting.clear()
        workers = [(key, worker) for key, (worker, _calls) in self._running.items()]
        for key, worker in workers:
            if cancel is None or key in cancel:
                worker.cancel()
        return all([worker.wait(timeout_ms) for _key, worker in workers])

    # --- GUI thread --------------------------------------------------------------------------------
    def _start(self, key: Hashable, request: _Request) -> None:
        calls = request.callbacks
        worker = Worker(request.job, name=request.name, parent=self)
        if (on_progress := calls.get("on_progress")) is not None:
            worker.progress.connect(on_progress)
        if (on_items := calls.get("on_items")) is not None:
            worker.yielded.connect(on_items)
        # Lambdas are fine here: every Worker signal is emitted in the GUI thread (workers.py).
        worker.finished.connect(lambda value: self._ended(key, worker, Outcome.FINISHED, value))
        worker.failed.connect(lambda failure: self._ended(key, worker, Outcome.FAILED, failure))
        worker.cancelled.connect(lambda: self._ended(key, worker, Outcome.CANCELLED))
        self._running[key] = (worker, calls)
        if (on_started := calls.get("on_started")) is not None:
            on_started()
        worker.start()

    def _ended(self, key: Hashable, worker: Worker, kind: str, value: Any = None) -> None:
        """``key``'s worker reported its outcome (its thread has ended): free the key, report, go on."""
        running = self._running.get(key)
        if running is None or running[0] is not worker or self.closed:
            return  # after shutdown nothing more is reported
        calls = self._running.pop(key)[1]
        worker.deleteLater()
        if kind == Outcome.FAILED and value.is_bug:
            self.bugs.append(value)
        try:
            reply(calls, kind, value)
            if (on_ended := calls.get("on_ended")) is not None:
                on_ended()
        finally:
            waiting = self._waiting.get(key)
            if waiting and key not in self._running and not self.closed:
                request = waiting.pop(0)
                if not waiting:
                    del self._waiting[key]
                self._start(key, request)


class TaskController(QObject):
    """A controller whose work runs on ``Tasks``: its list of bugs, ``is_busy`` and ``shutdown``.

    ``CANCEL_AT_SHUTDOWN``: the keys whose running job is cancelled when the window closes
    (None: all); the others are left to finish (a short write keeps the creator's value).
    """

    CANCEL_AT_SHUTDOWN: Container[Hashable] | None = None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = Tasks(self)
        #: Failures that were bugs (for the smoke test and logs).
        self.bugs: list[Failure] = self._tasks.bugs

    def _reread(
        self,
        job: Job,
        name: str,
        started: SignalInstance,
        done: Callable[[Any], None],
        failed: SignalInstance,
    ) -> None:
        """Read what the page shows (again), under the key ``READ``: ``started``, then ``done(result)``
        or ``failed(Failure)``; a request during a read runs once more after it, with the latest job."""
        self._tasks.run(
            READ,
            job,
            when_busy=AGAIN,
            name=name,
            on_started=started.emit,
            on_done=done,
            on_failed=failed.emit,
        )

    def is_reading(self) -> bool:
        return self._tasks.busy(READ)

    def is_busy(self) -> bool:
        return self._tasks.busy()

    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        """Cancel the running jobs and join their threads (window closing); False if one would not stop."""
        return self._tasks.shutdown(timeout_ms, cancel=self.CANCEL_AT_SHUTDOWN)


class ProfileTaskController(TaskController):
    """A ``TaskController`` for one profile's data: its ``paths``, ``profile`` and store file."""

    def __init__(self, paths: Paths, profile: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.profile = profile

    @property
    def store_path(self) -> Path:
        """The profile's store (it may not exist yet)."""
        return self.paths.profile(self.profile).store

    def _create_store(self) -> Path:
        """The profile's store, its folder made first (for a job that writes)."""
        return self.paths.create_profile(self.profile).store
