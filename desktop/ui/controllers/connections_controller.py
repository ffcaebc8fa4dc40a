"""Settings → Connections, as seen by the GUI: connect, test, disconnect, check now, send, on workers.

Every step calls ``desktop.core.actions.connections`` (as ``understudy connect ...`` does) inside a
``Worker``: each job opens the profile's store on its own thread (a SQLite connection belongs to
the thread that opened it) and talks to the platform there, so a slow instance never blocks the
window. Secrets typed in a card go straight into ``actions.connect`` (the keychain) and are not kept.

Two lanes, one job each at a time: a *change* (connect, test, disconnect, options) and a *run*
(fetch or send, with progress and cancel). While the app is open, a timer checks every connected
platform every N minutes when the creator chose it (off by default); replies are sent only when
asked, never by the timer.
"""

from __future__ import annotations

import webbrowser
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken, Progress
from desktop.ui.controllers.connections_jobs import (
    FETCH,
    SEND,
    ChangeOutcome,
    ConnectionsView,
    PlatformView,
    RunOutcome,
    fetch_all,
    open_profile_store,
    read_view,
    secret_store,
    send_all,
)
from desktop.ui.workers import Failure, Worker

__all__ = [
    "FETCH",
    "SEND",
    "ChangeOutcome",
    "ConnectionsController",
    "ConnectionsView",
    "PlatformView",
    "RunOutcome",
]


def _open_in_browser(url: str) -> None:
    webbrowser.open(url)


class ConnectionsController(QObject):
    """Reads, changes and runs the live connections of one profile; all signals in the GUI thread."""

    view_loaded = Signal(object)  # ConnectionsView
    load_failed = Signal(object)  # Failure
    change_started = Signal(str, str)  # platform ("" for options), what is being done
    change_finished = Signal(object)  # ChangeOutcome
    change_failed = Signal(str, object)  # platform, Failure
    run_started = Signal(str, str)  # FETCH or SEND, what is being done
    run_progress = Signal(object)  # Progress
    run_finished = Signal(object)  # RunOutcome
    run_failed = Signal(object)  # Failure
    run_cancelled = Signal()
    #: New messages joined the inbox (the Inbox lists again), or sent replies left it.
    inbox_changed = Signal()
    #: New messages joined the inbox and the creator asked for them to be drafted at once.
    draft_wanted = Signal()
    #: An inbox message's latest send (item id, the ``connection_sends`` row or None): the Inbox shows it.
    send_state_loaded = Signal(int, object)

    def __init__(self, paths: Paths, profile: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.profile = profile
        self.view: ConnectionsView | None = None
        self._read: Worker | None = None
        self._change: Worker | None = None
        self._change_platform = ""
        self._run: Worker | None = None
        self._readers: set[Worker] = set()  # send states the Inbox asked for
        self._closed = False
        self.bugs: list[Failure] = []
        self.timer = QTimer(self)  # "check every N minutes while the app is open"
        self.timer.timeout.connect(self._on_timer)

    # --- requests (GUI thread) -------------------------------------------------------------------
    def load(self) -> None:
        """Read the platforms, the connections, the options and the log (the store is not created just
        to look: a profile with none shows every platform not connected)."""
        if self._closed or self._read is not None:
            return
        paths, profile = self.paths, self.profile

        def job(_cancel: CancelToken) -> ConnectionsView:
            if not paths.profile(profile).store.exists():
                return read_view(None)
            with open_profile_store(paths, profile) as store:
                return read_view(store)

        worker = Worker(job, name="read-connections")
        worker.finished.connect(self._on_loaded)
        worker.failed.connect(self._on_load_failed)
        worker.stopped.connect(self._on_read_stopped)
        self._read = worker
        worker.start()

    def connect_platform(self, platform: str, values: dict[str, str]) -> bool:
        """Check the typed credentials with the platform and keep them (secrets to the keychain)."""
        from desktop.core.actions import connections as actions

        def action(store: Any, secrets: Any) -> str:
            # A browser sign-in (YouTube) opens the system browser, as `understudy connect add` does.
            outcome = actions.connect(store, secrets, platform, values, open_url=_open_in_browser)
            return f"Connected as {outcome.account.handle}."

        return self._start_change(platform, action, "Checking with the platform…")

    def test(self, platform: str) -> bool:
        """Sign in with what is kept and say who we speak as."""
        from desktop.core.actions import connections as actions

        def action(store: Any, secrets: Any) -> str:
            account = actions.check_connection(store, secrets, platform)
            name = f" ({account.display_name})" if account.display_name else ""
            return f"Signed in as {account.handle}{name}."

        return self._start_change(platform, action, "Signing in…")

    def disconnect_platform(self, platform: str) -> bool:
        """Forget the connection; its keychain entries are removed (what it fetched stays)."""
        from desktop.core.actions import connections as actions

        def action(store: Any, secrets: Any) -> str:
            removed = actions.disconnect(store, secrets, platform)
            return "Disconnected; its credentials were removed." if removed else "It was not connected."

        return self._start_change(platform, action, "Disconnecting…")

    def save_options(self, fetch_every_minutes: int, draft_new: bool) -> bool:
        from desktop.core.actions import connections as actions

        options = actions.ConnectionOptions(fetch_every_minutes, draft_new)

        def action(store: Any, _secrets: Any) -> str:
            actions.save_options(store, options)
            every = f"every {fetch_every_minutes} minutes" if fetch_every_minutes else "only when you ask"
            drafted = "drafted at once" if draft_new else "left for you to draft"
            return f"Saved: new messages are checked {every} while Understudy is open, and {drafted}."

        return self._start_change("", action, "Saving…")

    def check_now(self, platform: str | None = None) -> bool:
        """Fetch what is new on one platform (None: every connected one) into the inbox."""
        targets = [platform] if platform else (self.view.connected() if self.view else [])
        if not targets:
            return False

        def job(store: Any, secrets: Any, cancel: CancelToken) -> Generator[Progress, None, RunOutcome]:
            return (yield from fetch_all(store, secrets, targets, cancel))

        return self._start_run(FETCH, job, "Checking for new messages…")

    def send_approved(self, platform: str | None = None, item_id: int | None = None) -> bool:
        """Send the approved replies (of one platform, all, or the one to ``item_id``); never on a timer."""
        targets = [platform] if platform else (self.view.connected() if self.view else [])
        if not targets and item_id is None:
            return False

        def job(store: Any, secrets: Any, cancel: CancelToken) -> Generator[Progress, None, RunOutcome]:
            return (yield from send_all(store, secrets, targets, item_id, cancel))

        return self._start_run(SEND, job, "Sending approved replies…")

    def read_send_state(self, item_id: int) -> None:
        """Whether the reply to ``item_id`` was sent, or why its last try failed (``send_state_loaded``)."""
        if self._closed:
            return
        paths, profile = self.paths, self.profile

        def job(_cancel: CancelToken) -> tuple[int, Any]:
            from desktop.core.store import connections as rows

            if not paths.profile(profile).store.exists():
                return item_id, None
            with open_profile_store(paths, profile) as store:
                return item_id, rows.sends_of_items(store, [item_id]).get(item_id)

        worker = Worker(job, name="read-send-state")
        worker.finished.connect(self._on_send_state)
        worker.stopped.connect(self._on_reader_stopped)
        self._readers.add(worker)
        worker.start()

    def cancel_run(self) -> None:
        if self._run is not None:
            self._run.cancel()

    def is_changing(self) -> bool:
        return self._change is not None

    def is_running(self) -> bool:
        return self._run is not None

    def is_busy(self) -> bool:
        return any(w is not None for w in (self._read, self._change, self._run))

    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        """Cancel a run, let a change finish (a connect is short), join the workers (window closing)."""
        self._closed = True
        self.timer.stop()
        if self._run is not None:
            self._run.cancel()
        workers = [w for w in (self._read, self._change, self._run, *self._readers) if w is not None]
        return all(worker.wait(timeout_ms) for worker in workers)

    # --- workers ---------------------------------------------------------------------------------
    def _start_change(self, platform: str, action: Callable[[Any, Any], str], note: str) -> bool:
        if self._closed or self._change is not None:
            return False
        paths, profile = self.paths, self.profile

        def job(_cancel: CancelToken) -> ChangeOutcome:
            secrets = secret_store()
            with open_profile_store(paths, profile) as store:
                message = action(store, secrets)
                return ChangeOutcome(platform, message, read_view(store))

        worker = Worker(job, name="change-connection")
        worker.finished.connect(self._on_change_finished)
        worker.failed.connect(self._on_change_failed)
        worker.stopped.connect(self._on_change_stopped)
        self._change, self._change_platform = worker, platform
        self.change_started.emit(platform, note)
        worker.start()
        return True

    def _start_run(self, kind: str, run: Callable[..., Any], note: str) -> bool:
        if self._closed or self._run is not None:
            return False
        paths, profile = self.paths, self.profile

        def job(cancel: CancelToken) -> Generator[Progress, None, RunOutcome]:
            secrets = secret_store()
            with open_profile_store(paths, profile) as store:
                return (yield from run(store, secrets, cancel))

        worker = Worker(job, name=f"{kind}-connections")
        worker.progress.connect(self.run_progress)
        worker.finished.connect(self._on_run_finished)
        worker.failed.connect(self._on_run_failed)
        worker.cancelled.connect(self._on_run_cancelled)
        worker.stopped.connect(self._on_run_stopped)
        self._run = worker
        self.run_started.emit(kind, note)
        worker.start()
        return True

    def _set_view(self, view: ConnectionsView) -> None:
        self.view = view
        minutes = view.options.fetch_every_minutes
        if minutes and view.connected() and not self._closed:
            if not self.timer.isActive() or self.timer.interval() != minutes * 60_000:
                self.timer.start(minutes * 60_000)
        else:
            self.timer.stop()
        self.view_loaded.emit(view)

    # --- outcomes (GUI thread) -------------------------------------------------------------------
    @Slot()
    def _on_timer(self) -> None:
        if not self.is_running():
            self.check_now()

    @Slot(object)
    def _on_send_state(self, result: tuple[int, Any]) -> None:
        self.send_state_loaded.emit(*result)

    @Slot()
    def _on_reader_stopped(self) -> None:
        self._readers.discard(self.sender())  # type: ignore[arg-type,unused-ignore]

    @Slot(object)
    def _on_loaded(self, view: ConnectionsView) -> None:
        self._set_view(view)

    @Slot(object)
    def _on_load_failed(self, failure: Failure) -> None:
        self._note(failure)
        self.load_failed.emit(failure)

    @Slot()
    def _on_read_stopped(self) -> None:
        self._read = None

    @Slot(object)
    def _on_change_finished(self, outcome: ChangeOutcome) -> None:
        # Forget the worker first: the card's handlers already see "not changing".
        self._change = None
        self._set_view(outcome.view)
        self.change_finished.emit(outcome)

    @Slot(object)
    def _on_change_failed(self, failure: Failure) -> None:
        self._change = None
        self._note(failure)
        self.change_failed.emit(self._change_platform, failure)
        self.load()  # show what is kept now (a failed first connect kept nothing)

    @Slot()
    def _on_change_stopped(self) -> None:
        if self.sender() is self._change:
            self._change = None

    @Slot(object)
    def _on_run_finished(self, outcome: RunOutcome) -> None:
        self._run = None
        self._set_view(outcome.view)
        self.run_finished.emit(outcome)
        if outcome.inbox_added or outcome.sent:
            self.inbox_changed.emit()
        if outcome.inbox_added and outcome.view.options.draft_new:
            self.draft_wanted.emit()

    @Slot(object)
    def _on_run_failed(self, failure: Failure) -> None:
        self._run = None
        self._note(failure)
        self.run_failed.emit(failure)
        self.load()

    @Slot()
    def _on_run_cancelled(self) -> None:
        self._run = None
        self.run_cancelled.emit()
        self.load()  # the log has the cancelled run

    @Slot()
    def _on_run_stopped(self) -> None:
        if self.sender() is self._run:
            self._run = None

    def _note(self, failure: Failure) -> None:
        if failure.is_bug:
            self.bugs.append(failure)
