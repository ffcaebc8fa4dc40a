"""``Tasks``, the one run path of the controllers, with a real event loop and real threads."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from desktop.core.errors import KnownError
from desktop.core.tasks import CancelToken, Progress
from desktop.ui.workers import live_workers
from desktop.ui.workers_tasks import AGAIN, QUEUE, REPLACE, Tasks

TIMEOUT = 10_000


def gated(gate: threading.Event, value: object):
    """A job that waits for ``gate`` (or a cancel), then returns ``value``."""

    def job(cancel: CancelToken):
        while not gate.wait(0.01):
            if cancel.cancelled:
                return None
            yield Progress("waiting")
        return value

    return job


def test_outcomes_arrive_in_the_gui_thread_with_the_key_already_free(qtbot) -> None:
    tasks = Tasks()
    seen: list[tuple[str, object, bool, bool]] = []
    gui = QThread.currentThread()

    def note(event: str, value: object = None) -> None:
        seen.append((event, value, QThread.currentThread() is gui, tasks.busy("k")))

    assert tasks.run(
        "k",
        lambda cancel: 42,
        on_started=lambda: note("started"),
        on_done=lambda value: note("done", value),
        on_ended=lambda: note("ended"),
    )
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=TIMEOUT)
    assert seen == [("started", None, True, True), ("done", 42, True, False), ("ended", None, True, False)]
    qtbot.waitUntil(lambda: live_workers() == 0, timeout=TIMEOUT)


def test_refuse_is_the_default_and_failures_that_are_bugs_are_kept(qtbot) -> None:
    bugs: list = []
    tasks = Tasks(bugs=bugs)
    gate = threading.Event()
    failures: list = []
    assert tasks.run("k", gated(gate, 1))
    assert not tasks.run("k", lambda cancel: 2), "a busy key refuses by default"
    gate.set()
    qtbot.waitUntil(lambda: not tasks.busy(), timeout=TIMEOUT)

    def known(cancel: CancelToken):
        raise KnownError("No such file.")

    def bug(cancel: CancelToken):
        raise ZeroDivisionError

    tasks.run("a", known, on_failed=failures.append)
    tasks.run("b", bug, on_failed=failures.append)
    qtbot.waitUntil(lambda: len(failures) == 2, timeout=TIMEOUT)
    assert sorted(f.is_bug for f in failures) == [False, True]
    assert len(bugs) == 1 and bugs[0].is_bug


def test_again_runs_only_the_newest_waiting_request_after_the_running_one(qtbot) -> None:
    tasks = Tasks()
    gate = threading.Event()
    results: list[object] = []
    stale: list[bool] = []

    def done(value: object) -> None:
        results.append(value)
        stale.append(tasks.superseded("read"))

    tasks.run("read", gated(gate, "first"), when_busy=AGAIN, on_done=done)
    tasks.run("read", lambda cancel: "second", when_busy=AGAIN, on_done=done)
    tasks.run("read", lambda cancel: "third", when_busy=AGAIN, on_done=done)
    assert tasks.busy("read") and tasks.superseded("read")
    gate.set()
    qtbot.waitUntil(lambda: len(results) == 2, timeout=TIMEOUT)
    assert results == ["first", "third"]
    assert stale == [True, False], "the first result knew a newer read was waiting"
    qtbot.waitUntil(lambda: not tasks.busy(), timeout=TIMEOUT)


def test_queue_runs_every_request_in_order_one_at_a_time(qtbot) -> None:
    tasks = Tasks()
    order: list[int] = []
    running = threading.Lock()

    def job(n: int):
        def run(cancel: CancelToken) -> int:
            assert running.acquire(blocking=False), "two jobs of one key ran at once"
            try:
                return n
            finally:
                running.release()

        return run

    for n in range(5):
        tasks.run("write", job(n), when_busy=QUEUE, on_done=order.append)
    qtbot.waitUntil(lambda: len(order) == 5, timeout=TIMEOUT)
    assert order == [0, 1, 2, 3, 4]


def test_replace_cancels_the_running_request_and_runs_the_newer_one(qtbot) -> None:
    tasks = Tasks()
    events: list[str] = []
    never = threading.Event()
    tasks.run(
        "draft",
        gated(never, "old"),
        on_done=lambda v: events.append(f"done {v}"),
        on_cancelled=lambda: events.append("cancelled old"),
    )
    tasks.run("draft", lambda cancel: "new", when_busy=REPLACE, on_done=lambda v: events.append(f"done {v}"))
    qtbot.waitUntil(lambda: len(events) == 2, timeout=TIMEOUT)
    assert events == ["cancelled old", "done new"]


def test_shutdown_cancels_only_what_it_is_told_joins_all_and_refuses_more(qtbot) -> None:
    tasks = Tasks()
    slow_gate, read_gate = threading.Event(), threading.Event()
    reported: list[str] = []
    finished_write = threading.Event()

    def write(cancel: CancelToken) -> str:
        slow_gate.wait(0.3)  # not cancellable: shutdown must wait for it
        finished_write.set()
        return "written"

    tasks.run("write", write, on_done=reported.append)
    tasks.run("read", gated(read_gate, "read"), on_done=reported.append)
    tasks.run("read", lambda cancel: "again", when_busy=AGAIN, on_done=reported.append)
    assert tasks.shutdown(TIMEOUT, cancel=("read",))
    assert finished_write.is_set()
    assert not tasks.run("read", lambda cancel: "late")
    qtbot.wait(100)
    assert reported == [], "nothing is reported after shutdown"
    qtbot.waitUntil(lambda: live_workers() == 0, timeout=TIMEOUT)


def test_a_resource_job_reports_to_its_own_callbacks_and_a_newer_key_replaces_it(qtbot) -> None:
    from desktop.ui.workers_resource import ResourceWorker

    worker = ResourceWorker(lambda: {"opened": True}, name="replies")
    worker.start()
    gate = threading.Event()
    events: list[tuple[str, object]] = []

    def slow(resource: dict, cancel: CancelToken):
        while not gate.wait(0.01):
            if cancel.cancelled:
                return None
        yield Progress("half")
        return "slow"

    try:
        worker.submit(
            slow,
            key="detail",
            on_done=lambda v: events.append(("done old", v)),
            on_cancelled=lambda: events.append(("cancelled old", None)),
        )
        worker.submit(
            lambda resource, cancel: (yield Progress("reading")) or resource["opened"],
            key="detail",
            on_progress=lambda p: events.append(("progress", p.message)),
            on_items=lambda items: events.append(("items", len(items))),
            on_done=lambda v: events.append(("done new", v)),
        )

        def bug(resource: dict, cancel: CancelToken):
            raise ZeroDivisionError

        worker.submit(bug, on_failed=lambda f: events.append(("failed", f.is_bug)))
        qtbot.waitUntil(lambda: len(events) == 5, timeout=TIMEOUT)
        assert events == [
            ("cancelled old", None),
            ("items", 1),
            ("progress", "reading"),
            ("done new", True),
            ("failed", True),
        ]
    finally:
        assert worker.shutdown(TIMEOUT)
