"""Settings → Connections, as seen by the GUI: connect, test, disconnect, check now, send, on workers.

Every step calls ``desktop.core.actions.connections`` (as ``understudy connect ...`` does) in a
job run by ``Tasks``: each job opens the profile's store on its own thread (a SQLite connection belongs to
the thread that opened it) and talks to the platform there, so a slow instance never blocks the
window. Secrets typed in a card go straight into ``actions.connect`` (the keychain) and are not kept.

Two keys, one job each at a time (a second request is refused): a *change* (connect, test,
disconnect, options) and a *run* (fetch or send, with progress and cancel); reads run again with
the latest request. While the app is open, a timer checks every connected
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
from desktop.ui.workers import Failure
from desktop.ui.workers_tasks import AGAIN, READ, ProfileTaskController

__all__ = [
    "FETCH",
    "SEND",
    "ChangeOutcome",
    "ConnectionsController",
    "ConnectionsView",
    "PlatformView",
    "RunOutcome",
]

CHANGE, RUN, SEND_STATE = "change", "run", "send-state"


def _open_in_browser(url: str) -> None:
    webbrowser.open(url)


class ConnectionsController(ProfileTaskController):
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
        super().__init__(paths, profile, parent)
        self.view: ConnectionsView | None = None
        self._change_platform = ""
        self.timer = QTimer(self)  # "check every N minutes while the app is open"
        self.timer.timeout.connect(self._on_timer)

    # --- requests (GUI thread) -------------------------------------------------------------------
    def load(self) -> None:
        """Read the platforms, the connections, the options and the log (the store is not created just
        to look: a profile with none shows every platform not connected)."""
        paths, profile = self.paths, self.profile

        def job(_cancel: CancelToken) -> ConnectionsView:
            if not paths.profile(profile).store.exists():
                return read_view(None)
            with open_profile_store(paths, profile) as store:
                return read_view(store)

        self._tasks.run(
            READ,
            job,
            when_busy=AGAIN,
            name="read-connections",
            on_done=self._set_view,
            on_failed=self.load_failed.emit,
        )

    def connect_platform(self, platform: str, values: dict[str, str]) -> bool:
        """Check the typed credentials with the platform and keep them (secrets to the keychain)."""
        from desktop.core.actions import connections as actions

        def action(store: Any, secrets: Any) -> str:
            # A browser sign-in (YouTube) opens the system browser, as `understudy connect add` does.
            account = actions.connect(store, secrets, platform, values, open_url=_open_in_browser)
            return f"Connected as {account.handle}."

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
        paths, profile = self.paths, self.profile

        def job(_cancel: CancelToken) -> tuple[int, Any]:
            from desktop.core.store import connections as rows

            if not paths.profile(profile).store.exists():
                return item_id, None
            with open_profile_store(paths, profile) as store:
                return item_id, rows.sends_of_items(store, [item_id]).get(item_id)

        self._tasks.run(
            SEND_STATE,
            job,
            when_busy=AGAIN,
            name="read-send-state",
            on_done=lambda result: self.send_state_loaded.emit(*result),
        )

    def cancel_run(self) -> None:
        self._tasks.cancel(RUN)

    def is_changing(self) -> bool:
        return self._tasks.busy(CHANGE)

    def is_running(self) -> bool:
        return self._tasks.busy(RUN)

    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        """Stop the timer, cancel a run (a check keeps nothing half-saved; a send stops between replies),
        join the workers (window closing)."""
        self.timer.stop()
        return super().shutdown(timeout_ms)

    # --- jobs ------------------------------------------------------------------------------------
    def _start_change(self, platform: str, action: Callable[[Any, Any], str], note: str) -> bool:
        if self._tasks.busy(CHANGE):
            return False
        paths, profile = self.paths, self.profile

        def job(_cancel: CancelToken) -> ChangeOutcome:
            secrets = secret_store()
            with open_profile_store(paths, profile) as store:
                message = action(store, secrets)
                return ChangeOutcome(platform, message, read_view(store))

        self._change_platform = platform
        return self._tasks.run(
            CHANGE,
            job,
            name="change-connection",
            on_started=lambda: self.change_started.emit(platform, note),
            on_done=self._on_change_finished,
            on_failed=self._on_change_failed,
        )

    def _start_run(self, kind: str, run: Callable[..., Any], note: str) -> bool:
        paths, profile = self.paths, self.profile

        def job(cancel: CancelToken) -> Generator[Progress, None, RunOutcome]:
            secrets = secret_store()
            with open_profile_store(paths, profile) as store:
                return (yield from run(store, secrets, cancel))

        return self._tasks.run(
            RUN,
            job,
            name=f"{kind}-connections",
            on_started=lambda: self.run_started.emit(kind, note),
            on_progress=self.run_progress.emit,
            on_done=self._on_run_finished,
            on_failed=self._on_run_failed,
            on_cancelled=self._on_run_cancelled,
        )

    def _set_view(self, view: ConnectionsView) -> None:
        self.view = view
        minutes = view.options.fetch_every_minutes
        if minutes and view.connected() and not self._tasks.closed:
            if not self.timer.isActive() or self.timer.interval() != minutes * 60_000:
                self.timer.start(minutes * 60_000)
        else:
            self.timer.stop()
        self.view_loaded.emit(view)

    # --- outcomes (GUI thread; the key is free again when they run) -----------------------------
    @Slot()
    def _on_timer(self) -> None:
        if not self.is_running():
            self.check_now()

    def _on_change_finished(self, outcome: ChangeOutcome) -> None:
        self._set_view(outcome.view)
        self.change_finished.emit(outcome)

    def _on_change_failed(self, failure: Failure) -> None:
        self.change_failed.emit(self._change_platform, failure)
        self.load()  # show what is kept now (a failed first connect kept nothing)

    def _on_run_finished(self, outcome: RunOutcome) -> None:
        self._set_view(outcome.view)
        self.run_finished.emit(outcome)
        if outcome.inbox_added or outcome.sent:
            self.inbox_changed.emit()
        if outcome.inbox_added and outcome.view.options.draft_new:
            self.draft_wanted.emit()

    def _on_run_failed(self, failure: Failure) -> None:
        self.run_failed.emit(failure)
        self.load()

    def _on_run_cancelled(self) -> None:
        self.run_cancelled.emit()
        self.load()  # the log has the cancelled run
