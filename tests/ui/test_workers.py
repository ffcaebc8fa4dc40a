"""The worker mechanism with a real event loop: order, results, errors, cancel, threads."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QThread, Slot
from PySide6.QtWidgets import QApplication

from desktop.core.errors import KnownError
from desktop.core.tasks import CancelToken, Progress
from desktop.ui.workers import BUG_MESSAGE, Failure, Worker, live_workers, stop_all


class Recorder(QObject):
    """A GUI-thread receiver that records every signal and the thread it ran in."""

    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.items: list[object] = []
        self.batches: list[list[object]] = []
        self.progress: list[Progress] = []
        self.result: object = None
        self.failure: Failure | None = None
        self.events: list[str] = []
        self.threads: set[QThread] = set()
        worker.yielded.connect(self.on_yielded)
        worker.progress.connect(self.on_progress)
        worker.finished.connect(self.on_finished)
        worker.failed.connect(self.on_failed)
        worker.cancelled.connect(self.on_cancelled)
        worker.stopped.connect(self.on_stopped)

    def _note(self, event: str) -> None:
        self.events.append(event)
        self.threads.add(QThread.currentThread())

    @Slot(list)
    def on_yielded(self, items: list) -> None:
        self._note("yielded")
        self.batches.append(list(items))
        self.items.extend(items)

    @Slot(object)
    def on_progress(self, progress: Progress) -> None:
        self._note("progress")
        self.progress.append(progress)

    @Slot(object)
    def on_finished(self, result: object) -> None:
        self._note("finished")
        self.result = result

    @Slot(object)
    def on_failed(self, failure: Failure) -> None:
        self._note("failed")
        self.failure = failure

    @Slot()
    def on_cancelled(self) -> None:
        self._note("cancelled")

    @Slot()
    def on_stopped(self) -> None:
        self._note("stopped")

    @property
    def outcome(self) -> str | None:
        for event in ("finished", "failed", "cancelled"):
            if event in self.events:
                return event
        return None


def run_to_end(qtbot, worker: Worker, timeout: int = 10_000) -> Recorder:
    recorder = Recorder(worker)
    worker.start()
    qtbot.waitUntil(lambda: "stopped" in recorder.events, timeout=timeout)
    return recorder


def counting(n: int, delay: float = 0.0):
    def job(cancel: CancelToken):
        for i in range(n):
            if delay:
                time.sleep(delay)
            yield Progress(f"step {i + 1}", i + 1, n)
        return f"counted {n}"

    return job


def test_progress_arrives_in_order_then_result(qtbot) -> None:
    recorder = run_to_end(qtbot, Worker(counting(20, delay=0.005)))
    assert [p.done for p in recorder.items] == list(range(1, 21))
    assert recorder.result == "counted 20"
    assert recorder.progress[-1].done == 20
    assert [p.done for p in recorder.progress] == sorted(p.done for p in recorder.progress)
    assert recorder.events[-2:] == ["finished", "stopped"]
    assert "failed" not in recorder.events and "cancelled" not in recorder.events


def test_all_handlers_run_in_the_gui_thread(qtbot) -> None:
    gui_thread = QApplication.instance().thread()
    seen_in_job: list[QThread] = []
    lambda_threads: list[QThread] = []

    def job(cancel: CancelToken):
        seen_in_job.append(QThread.currentThread())
        yield Progress("one")
        yield "token"
        return 1

    worker = Worker(job)
    # Even a lambda runs in the GUI thread: the public signals are emitted there.
    worker.yielded.connect(lambda items: lambda_threads.append(QThread.currentThread()))
    recorder = run_to_end(qtbot, worker)
    assert recorder.threads == {gui_thread}
    assert lambda_threads and all(t is gui_thread for t in lambda_threads)
    assert seen_in_job and seen_in_job[0] is not gui_thread


def test_plain_function_runs_off_the_gui_thread(qtbot) -> None:
    gui_thread = QApplication.instance().thread()
    ran_in: list[QThread] = []

    def job(cancel: CancelToken) -> int:
        ran_in.append(QThread.currentThread())
        return 42

    recorder = run_to_end(qtbot, Worker(job))
    assert recorder.result == 42
    assert recorder.items == []
    assert ran_in[0] is not gui_thread


def test_tokens_are_batched_not_flooded(qtbot) -> None:
    def job(cancel: CancelToken):
        for i in range(20_000):
            yield i
        return "done"

    recorder = run_to_end(qtbot, Worker(job, interval_ms=40))
    assert recorder.items == list(range(20_000))
    assert recorder.result == "done"
    # 20,000 items arrive in far fewer deliveries than items.
    assert len(recorder.batches) < 200


def test_batches_keep_at_most_the_interval_rate(qtbot) -> None:
    arrivals: list[float] = []

    def job(cancel: CancelToken):
        end = time.monotonic() + 0.5
        i = 0
        while time.monotonic() < end:
            i += 1
            yield i
            time.sleep(0.0005)

    worker = Worker(job, interval_ms=40)
    worker.yielded.connect(lambda items: arrivals.append(time.monotonic()))
    run_to_end(qtbot, worker)
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    assert len(arrivals) >= 3
    # The final flush (on finish) may come sooner; every timed delivery respects the interval.
    assert min(gaps[:-1]) >= 0.035


def test_first_item_is_not_held_back(qtbot) -> None:
    release = threading.Event()

    def job(cancel: CancelToken):
        yield Progress("started")
        release.wait(5)  # a long step after the first yield
        return None

    worker = Worker(job)
    recorder = Recorder(worker)
    worker.start()
    qtbot.waitUntil(lambda: bool(recorder.progress), timeout=2000)
    assert recorder.progress[0].message == "started"
    release.set()
    qtbot.waitUntil(lambda: "stopped" in recorder.events)


def test_known_error_fails_with_plain_message(qtbot) -> None:
    def job(cancel: CancelToken):
        yield Progress("reading")
        raise KnownError("This archive is damaged.", hint="Download it again.")

    recorder = run_to_end(qtbot, Worker(job))
    assert recorder.outcome == "failed"
    assert recorder.failure == Failure("This archive is damaged.", "Download it again.")
    assert not recorder.failure.is_bug
    assert recorder.failure.text == "This archive is damaged. Download it again."
    assert [p.message for p in recorder.items] == ["reading"]


def test_bug_fails_and_logs_traceback(qtbot, caplog: pytest.LogCaptureFixture) -> None:
    def job(cancel: CancelToken):
        yield Progress("about to break")
        return {}["missing"]

    with caplog.at_level("ERROR", logger="desktop.ui.workers"):
        recorder = run_to_end(qtbot, Worker(job, name="breaker"))
    assert recorder.outcome == "failed"
    assert recorder.failure is not None and recorder.failure.is_bug
    assert recorder.failure.message == BUG_MESSAGE
    assert "KeyError" in recorder.failure.details
    assert any("KeyError" in r.getMessage() and "breaker" in r.getMessage() for r in caplog.records)


def test_cancel_stops_within_one_yield(qtbot) -> None:
    produced: list[int] = []
    closed = threading.Event()

    def job(cancel: CancelToken):
        try:
            i = 0
            while True:
                i += 1
                produced.append(i)
                yield i
                time.sleep(0.002)
        finally:
            closed.set()  # the generator's clean-up runs on cancel

    worker = Worker(job)
    recorder = Recorder(worker)
    worker.start()
    qtbot.waitUntil(lambda: len(recorder.items) >= 5)
    count_at_cancel = len(produced)
    worker.cancel()
    qtbot.waitUntil(lambda: "stopped" in recorder.events)
    assert recorder.outcome == "cancelled"
    assert len(produced) <= count_at_cancel + 1
    assert closed.is_set()
    assert recorder.result is None


def test_job_raising_cancelled_reports_cancelled(qtbot) -> None:
    def job(cancel: CancelToken):
        yield Progress("working")
        cancel.cancel()
        cancel.raise_if_cancelled()

    recorder = run_to_end(qtbot, Worker(job))
    assert recorder.outcome == "cancelled"
    assert recorder.failure is None


def test_cancel_before_start_runs_nothing(qtbot) -> None:
    ran = threading.Event()

    def job(cancel: CancelToken):
        ran.set()
        yield 1

    worker = Worker(job)
    worker.cancel()
    recorder = run_to_end(qtbot, worker)
    assert recorder.outcome == "cancelled"
    assert not ran.is_set()


def _os_thread_count() -> int:
    return len(os.listdir("/proc/self/task"))


def test_many_workers_in_a_row_do_not_leak_threads(qtbot) -> None:
    def job(cancel: CancelToken):
        yield Progress("x")
        return 1

    run_to_end(qtbot, Worker(job))  # warm-up: Qt may start its own helper threads once
    before = _os_thread_count() if Path("/proc/self/task").is_dir() else None
    for _ in range(30):
        recorder = run_to_end(qtbot, Worker(job))
        assert recorder.result == 1
    assert live_workers() == 0
    if before is not None:
        qtbot.waitUntil(lambda: _os_thread_count() <= before)


def test_stop_all_cancels_and_joins(qtbot) -> None:
    def job(cancel: CancelToken):
        while True:
            yield None
            time.sleep(0.005)

    workers = [Worker(job).start() for _ in range(3)]
    qtbot.waitUntil(lambda: live_workers() == 3)
    assert stop_all(5000)
    assert all(not w._runner.isRunning() for w in workers)
    assert live_workers() == 0
    qtbot.wait(50)  # let their queued outcomes arrive harmlessly


def test_a_worker_runs_once(qtbot) -> None:
    worker = Worker(lambda cancel: 1)
    run_to_end(qtbot, worker)
    with pytest.raises(RuntimeError):
        worker.start()
