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
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
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

    with caplog.at_level("ERROR", logger="desktop.ui.workers_thread"):
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


# --- ResourceWorker: one owner thread for a heavy resource -------------------------------------------

from desktop.ui.workers import OPEN_JOB  # noqa: E402
from desktop.ui.workers_resource import ResourceWorker  # noqa: E402


class ThreadBound:
    """A fake heavy resource that, like a llama.cpp model or a SQLite connection, refuses other threads."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()
        self.opened = False
        self.closed_in: int | None = None
        self.calls: list[str] = []

    def check(self) -> None:
        assert threading.get_ident() == self.thread, "used from a thread that did not open it"

    def open(self, cancel: CancelToken):
        self.check()
        yield Progress("loading")
        self.opened = True
        yield Progress("loaded")

    def close(self) -> None:
        self.check()
        self.closed_in = threading.get_ident()

    def count(self, cancel: CancelToken, n: int, delay: float = 0.0):
        self.check()
        self.calls.append(f"count {n}")
        for i in range(n):
            if delay:
                time.sleep(delay)
            yield i
        return f"counted {n}"


class ResourceRecorder(QObject):
    def __init__(self, worker: ResourceWorker) -> None:
        super().__init__()
        self.items: dict[int, list[object]] = {}
        self.progress: list[tuple[int, Progress]] = []
        self.outcomes: dict[int, tuple[str, object]] = {}
        self.events: list[tuple[str, int]] = []
        self.threads: set[QThread] = set()
        worker.yielded.connect(self.on_yielded)
        worker.progress.connect(self.on_progress)
        worker.finished.connect(self.on_finished)
        worker.failed.connect(self.on_failed)
        worker.cancelled.connect(self.on_cancelled)
        worker.opened.connect(self.on_opened)
        worker.stopped.connect(self.on_stopped)

    def _note(self, event: str, job_id: int) -> None:
        self.events.append((event, job_id))
        self.threads.add(QThread.currentThread())

    @Slot(int, list)
    def on_yielded(self, job_id: int, items: list) -> None:
        self._note("yielded", job_id)
        self.items.setdefault(job_id, []).extend(items)

    @Slot(int, object)
    def on_progress(self, job_id: int, progress: Progress) -> None:
        self._note("progress", job_id)
        self.progress.append((job_id, progress))

    @Slot(int, object)
    def on_finished(self, job_id: int, result: object) -> None:
        self._note("finished", job_id)
        self.outcomes[job_id] = ("finished", result)

    @Slot(int, object)
    def on_failed(self, job_id: int, failure: Failure) -> None:
        self._note("failed", job_id)
        self.outcomes[job_id] = ("failed", failure)

    @Slot(int)
    def on_cancelled(self, job_id: int) -> None:
        self._note("cancelled", job_id)
        self.outcomes[job_id] = ("cancelled", None)

    @Slot()
    def on_opened(self) -> None:
        self._note("opened", -1)

    @Slot()
    def on_stopped(self) -> None:
        self._note("stopped", -1)


def resource_worker(made: list[ThreadBound], **kwargs) -> ResourceWorker:
    def create() -> ThreadBound:
        made.append(ThreadBound())
        return made[-1]

    return ResourceWorker(create, open=lambda r, cancel: r.open(cancel), close=lambda r: r.close(), **kwargs)


def started_resource_worker(**kwargs) -> tuple[list[ThreadBound], ResourceWorker, ResourceRecorder]:
    """A started resource worker on a ``ThreadBound``, recorded from before its start."""
    made: list[ThreadBound] = []
    worker = resource_worker(made, **kwargs)
    recorder = ResourceRecorder(worker)
    worker.start()
    return made, worker, recorder


def test_resource_opens_runs_jobs_and_closes_on_its_own_thread(qtbot) -> None:
    made, worker, recorder = started_resource_worker(name="owner")
    qtbot.waitUntil(lambda: ("opened", -1) in recorder.events)
    assert worker.is_open()
    assert [p.message for _job, p in recorder.progress][-1] == "loaded"
    assert recorder.outcomes[OPEN_JOB] == ("finished", None)  # the resource never leaves its thread
    first = worker.submit(lambda r, cancel: r.count(cancel, 5))
    second = worker.submit(lambda r, cancel: r.count(cancel, 3))
    qtbot.waitUntil(lambda: second in recorder.outcomes)
    assert recorder.items[first] == list(range(5)) and recorder.items[second] == list(range(3))
    assert recorder.outcomes[first] == ("finished", "counted 5")
    # One at a time, in order: the first job's outcome comes before any of the second's items.
    order = [e for e in recorder.events if e[1] in (first, second)]
    assert order.index(("finished", first)) < order.index(("yielded", second))
    assert recorder.threads == {QApplication.instance().thread()}
    resource = made[0]
    assert resource.thread != threading.get_ident()
    assert worker.shutdown(5000)
    assert resource.closed_in == resource.thread
    assert not worker.is_running() and live_workers() == 0


def test_cancel_the_running_job_then_the_next_one_runs(qtbot) -> None:
    made, worker, recorder = started_resource_worker()
    slow = worker.submit(lambda r, cancel: r.count(cancel, 100_000, delay=0.002))
    qtbot.waitUntil(lambda: len(recorder.items.get(slow, [])) >= 3)
    # "The latest request wins": cancel what runs, then submit; the new job never waits for the old one's end.
    worker.cancel_jobs()
    quick = worker.submit(lambda r, cancel: r.count(cancel, 2))
    qtbot.waitUntil(lambda: quick in recorder.outcomes, timeout=5000)
    assert recorder.outcomes[slow] == ("cancelled", None)
    assert len(recorder.items[slow]) < 1000
    assert recorder.outcomes[quick] == ("finished", "counted 2")
    assert worker.active_jobs() == []
    assert worker.shutdown(5000)


def test_job_errors_are_reported_and_the_thread_keeps_serving(
    qtbot, caplog: pytest.LogCaptureFixture
) -> None:
    made, worker, recorder = started_resource_worker(name="owner")

    def known(r, cancel):
        raise KnownError("The model file is missing.", hint="Set it up again.")

    with caplog.at_level("ERROR", logger="desktop.ui.workers_thread"):
        bad = worker.submit(known)
        bug = worker.submit(lambda r, cancel: {}["missing"])
        fine = worker.submit(lambda r, cancel: "plain result")
        qtbot.waitUntil(lambda: fine in recorder.outcomes)
    assert recorder.outcomes[bad] == ("failed", Failure("The model file is missing.", "Set it up again."))
    kind, failure = recorder.outcomes[bug]
    assert kind == "failed" and failure.is_bug and "KeyError" in failure.details
    assert recorder.outcomes[fine] == ("finished", "plain result")
    assert worker.shutdown(5000)


def test_failed_opening_ends_the_thread_and_closes_what_was_made(qtbot) -> None:
    made: list[ThreadBound] = []

    def broken_open(r: ThreadBound, cancel: CancelToken):
        yield Progress("loading")
        raise KnownError("This model file is damaged.")

    worker = ResourceWorker(
        lambda: made.append(ThreadBound()) or made[-1], open=broken_open, close=lambda r: r.close()
    )
    recorder = ResourceRecorder(worker)
    worker.start()
    qtbot.waitUntil(lambda: ("stopped", -1) in recorder.events)
    assert recorder.outcomes[OPEN_JOB] == ("failed", Failure("This model file is damaged."))
    assert not worker.is_open()
    assert made[0].closed_in == made[0].thread
    late = worker.submit(lambda r, cancel: 1)
    qtbot.waitUntil(lambda: late in recorder.outcomes)
    assert recorder.outcomes[late] == ("cancelled", None)
    assert live_workers() == 0


def test_shutdown_mid_job_cancels_closes_and_joins(qtbot) -> None:
    made, worker, recorder = started_resource_worker()
    closed_generator = threading.Event()

    def endless(r: ThreadBound, cancel: CancelToken):
        try:
            while True:
                r.check()
                yield None
                time.sleep(0.002)
        finally:
            closed_generator.set()

    running = worker.submit(endless)
    worker.submit(lambda r, cancel: r.count(cancel, 1))
    qtbot.waitUntil(lambda: running in recorder.items)
    assert worker.shutdown(5000)
    assert closed_generator.is_set()
    assert made[0].closed_in == made[0].thread
    assert made[0].calls == []  # the queued job never ran
    assert not worker._runner.isRunning()
    assert live_workers() == 0
    qtbot.wait(50)  # queued signals arrive harmlessly


def test_stop_all_also_stops_resource_workers(qtbot) -> None:
    made: list[ThreadBound] = []
    worker = resource_worker(made).start()
    qtbot.waitUntil(worker.is_open)
    worker.submit(lambda r, cancel: r.count(cancel, 10**9, delay=0.001))
    assert stop_all(5000)
    assert not worker._runner.isRunning()
    assert made[0].closed_in == made[0].thread
    assert live_workers() == 0
    qtbot.wait(50)


def test_resource_tokens_are_batched(qtbot) -> None:
    made, worker, recorder = started_resource_worker(interval_ms=40)
    job = worker.submit(lambda r, cancel: r.count(cancel, 20_000))
    qtbot.waitUntil(lambda: job in recorder.outcomes)
    assert recorder.items[job] == list(range(20_000))
    assert sum(1 for e in recorder.events if e == ("yielded", job)) < 200
    assert worker.shutdown(5000)


def test_a_newer_request_with_the_same_key_cancels_the_running_one(qtbot) -> None:
    made, worker, recorder = started_resource_worker()
    slow = worker.submit(lambda r, cancel: r.count(cancel, 100_000, delay=0.002), key="draft")
    other = worker.submit(lambda r, cancel: r.count(cancel, 2), key="search")
    qtbot.waitUntil(lambda: len(recorder.items.get(slow, [])) >= 3)
    newer = worker.submit(lambda r, cancel: r.count(cancel, 2), key="draft")
    qtbot.waitUntil(lambda: newer in recorder.outcomes, timeout=5000)
    assert recorder.outcomes[slow] == ("cancelled", None)
    assert len(recorder.items[slow]) < 1000
    # Another key, and the newer request itself, are left alone.
    assert recorder.outcomes[other] == ("finished", "counted 2")
    assert recorder.outcomes[newer] == ("finished", "counted 2")
    assert worker.active_jobs() == []
    assert worker.shutdown(5000)


def test_a_newer_request_with_the_same_key_replaces_a_queued_one(qtbot) -> None:
    made, worker, recorder = started_resource_worker()
    release = threading.Event()
    busy = worker.submit(lambda r, cancel: release.wait(5))  # holds the thread; no key
    older = worker.submit(lambda r, cancel: r.count(cancel, 1), key=("read", 1))
    newer = worker.submit(lambda r, cancel: r.count(cancel, 3), key=("read", 1))
    release.set()
    qtbot.waitUntil(lambda: newer in recorder.outcomes, timeout=5000)
    assert recorder.outcomes[busy] == ("finished", True)  # a job without a key is not replaced
    assert recorder.outcomes[older] == ("cancelled", None)
    assert recorder.outcomes[newer] == ("finished", "counted 3")
    assert made[0].calls == ["count 3"]  # the replaced request never ran
    # Once ended, a key is forgotten: the next request with it cancels nothing.
    again = worker.submit(lambda r, cancel: r.count(cancel, 1), key=("read", 1))
    qtbot.waitUntil(lambda: again in recorder.outcomes, timeout=5000)
    assert recorder.outcomes[again] == ("finished", "counted 1")
    assert worker.shutdown(5000)


def test_a_keyed_request_after_shutdown_ends_cancelled(qtbot) -> None:
    made, worker, recorder = started_resource_worker()
    qtbot.waitUntil(worker.is_open)
    assert worker.shutdown(5000)
    late = worker.submit(lambda r, cancel: r.count(cancel, 1), key="draft")
    qtbot.waitUntil(lambda: late in recorder.outcomes)
    assert recorder.outcomes[late] == ("cancelled", None)
    assert made[0].calls == []


def test_a_plain_result_after_cancel_stands_for_a_worker_not_for_a_resource_job(qtbot) -> None:
    # A Worker's plain function that returns after its cancel still reports its result (the
    # work was done); a ResourceWorker's job ends cancelled (the caller asked for a newer one).
    def cancelled_midway(cancel: CancelToken) -> str:
        cancel.cancel()
        return "done anyway"

    recorder = run_to_end(qtbot, Worker(cancelled_midway))
    assert recorder.outcome == "finished" and recorder.result == "done anyway"

    made, worker, resource_recorder = started_resource_worker()
    job = worker.submit(lambda r, cancel: cancelled_midway(cancel))
    qtbot.waitUntil(lambda: job in resource_recorder.outcomes)
    assert resource_recorder.outcomes[job] == ("cancelled", None)
    assert worker.shutdown(5000)
