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

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken, Progress
from desktop.ui.workers import Failure, Worker

RUN_LOG_LIMIT = 20
FETCH = "fetch"
SEND = "send"


@dataclass(frozen=True)
class PlatformView:
    """One platform's card: what its connector says about itself, and its connection if any."""

    platform: str
    label: str
    available: bool = True
    reason: str = ""  # why the platform cannot be used (its module failed to load)
    fields: tuple[Any, ...] = ()  # desktop.core.connectors.base.SetupField
    steps: str = ""
    reads: str = ""
    sends: str = ""
    connected: bool = False
    account: str = ""
    settings: dict[str, str] = field(default_factory=dict)
    checked_at: str = ""
    fetched_at: str = ""
    approved_waiting: int = 0


@dataclass(frozen=True)
class ConnectionsView:
    platforms: tuple[PlatformView, ...]
    options: Any  # desktop.core.actions.connections.ConnectionOptions
    runs: tuple[dict[str, Any], ...]

    def platform(self, name: str) -> PlatformView:
        return next(p for p in self.platforms if p.platform == name)

    def connected(self) -> list[str]:
        return [p.platform for p in self.platforms if p.connected and p.available]


@dataclass(frozen=True)
class ChangeOutcome:
    """A finished connect / test / disconnect / options change: what to say, and the view after it."""

    platform: str  # "" for the options
    message: str
    view: ConnectionsView


@dataclass(frozen=True)
class RunOutcome:
    """A finished fetch or send over one or more platforms: a line each, and the failures by platform."""

    kind: str  # FETCH or SEND
    lines: tuple[str, ...]
    errors: dict[str, str]  # platform -> why it failed, in plain words
    inbox_added: int
    sent: int
    failed_replies: tuple[tuple[int, str], ...]  # (item id, reason) of replies that stay approved
    view: ConnectionsView

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def _open_store(paths: Paths, profile: str) -> Any:
    from desktop.core.store import open_store

    return open_store(paths.create_profile(profile).store)


def _secret_store() -> Any:
    from desktop.core.secrets import SecretStore

    return SecretStore()


def _platform_view(platform: str, row: dict[str, Any] | None, waiting: int) -> PlatformView:
    from desktop.core.connectors.registry import connector_class, connector_label

    label = connector_label(platform)
    try:
        cls = connector_class(platform)
    except Exception as exc:  # noqa: BLE001 -- a broken install must not break Settings: shown, not raised
        why = getattr(exc, "message", "") or f"{type(exc).__name__}: {exc}"
        return PlatformView(
            platform,
            label,
            available=False,
            reason=f"Understudy could not load its {label} connection ({why}). Reinstalling Understudy "
            "should bring it back; the other platforms work meanwhile.",
            connected=row is not None,
            account=str(row["account"] or "") if row else "",
        )
    return PlatformView(
        platform,
        cls.label,
        fields=tuple(cls.setup_fields),
        steps=cls.steps,
        reads=cls.reads,
        sends=cls.sends,
        connected=row is not None,
        account=str(row["account"] or "") if row else "",
        settings=dict(row["settings"]) if row else {},
        checked_at=str(row["checked_at"] or "") if row else "",
        fetched_at=str(row["fetched_at"] or "") if row else "",
        approved_waiting=waiting,
    )


def read_view(store: Any | None) -> ConnectionsView:
    """Every platform (connected or not, usable or not), the options and the latest runs
    (``store`` None: a profile with no store yet, where nothing is connected)."""
    from desktop.core.actions import connections as actions
    from desktop.core.connectors.registry import connector_platforms
    from desktop.core.store import connections as rows

    if store is None:
        views = tuple(_platform_view(p, None, 0) for p in connector_platforms())
        return ConnectionsView(views, actions.ConnectionOptions(), ())
    connected = {str(r["platform"]): r for r in rows.list_connections(store)}
    platforms = tuple(
        _platform_view(p, connected.get(p), len(rows.approved_replies(store, p)) if p in connected else 0)
        for p in connector_platforms()
    )
    return ConnectionsView(
        platforms, actions.load_options(store), tuple(rows.latest_runs(store, None, RUN_LOG_LIMIT))
    )


def _fetch_all(
    store: Any, secrets: Any, platforms: list[str], cancel: CancelToken
) -> Generator[Progress, None, RunOutcome]:
    from desktop.core.actions import connections as actions
    from desktop.core.connectors.registry import connector_label
    from desktop.core.errors import KnownError

    lines: list[str] = []
    errors: dict[str, str] = {}
    added = 0
    for platform in platforms:
        label = connector_label(platform)
        try:
            outcome = yield from actions.fetch(store, secrets, platform, cancel=cancel)
        except KnownError as exc:
            errors[platform] = f"{exc.message} {exc.hint}".strip()
            lines.append(f"{label}: {exc.message}")
            continue
        added += outcome.inbox_added
        lines.append(outcome.sentence(label))
    return RunOutcome(FETCH, tuple(lines), errors, added, 0, (), read_view(store))


def _send_all(
    store: Any, secrets: Any, platforms: list[str], item_id: int | None, cancel: CancelToken
) -> Generator[Progress, None, RunOutcome]:
    from desktop.core.actions import connections as actions
    from desktop.core.connectors.registry import connector_label
    from desktop.core.errors import KnownError

    lines: list[str] = []
    errors: dict[str, str] = {}
    sent = 0
    failed: list[tuple[int, str]] = []
    if item_id is not None:
        platforms = [actions.platform_of_item(store, item_id)]
    for platform in platforms:
        label = connector_label(platform)
        try:
            report = yield from actions.send(store, secrets, platform, item_id=item_id, cancel=cancel)
        except KnownError as exc:
            errors[platform] = f"{exc.message} {exc.hint}".strip()
            lines.append(f"{label}: {exc.message}")
            continue
        sent += report.sent
        failed += [(r.item_id, r.error) for r in report.results if r.error]
        if report.stopped:
            errors[platform] = report.stopped
        lines.append(report.sentence(label))
    return RunOutcome(SEND, tuple(lines), errors, 0, sent, tuple(failed), read_view(store))


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

    def __init__(self, paths: Paths, profile: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.profile = profile
        self.view: ConnectionsView | None = None
        self._read: Worker | None = None
        self._change: Worker | None = None
        self._change_platform = ""
        self._run: Worker | None = None
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
            with _open_store(paths, profile) as store:
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
            outcome = actions.connect(store, secrets, platform, values)
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

    def disconnect(self, platform: str) -> bool:
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
            return (yield from _fetch_all(store, secrets, targets, cancel))

        return self._start_run(FETCH, job, "Checking for new messages…")

    def send_approved(self, platform: str | None = None, item_id: int | None = None) -> bool:
        """Send the approved replies (of one platform, all, or the one to ``item_id``); never on a timer."""
        targets = [platform] if platform else (self.view.connected() if self.view else [])
        if not targets and item_id is None:
            return False

        def job(store: Any, secrets: Any, cancel: CancelToken) -> Generator[Progress, None, RunOutcome]:
            return (yield from _send_all(store, secrets, targets, item_id, cancel))

        return self._start_run(SEND, job, "Sending approved replies…")

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
        workers = [w for w in (self._read, self._change, self._run) if w is not None]
        return all(worker.wait(timeout_ms) for worker in workers)

    # --- workers ---------------------------------------------------------------------------------
    def _start_change(self, platform: str, action: Callable[[Any, Any], str], note: str) -> bool:
        if self._closed or self._change is not None:
            return False
        paths, profile = self.paths, self.profile

        def job(_cancel: CancelToken) -> ChangeOutcome:
            secrets = _secret_store()
            with _open_store(paths, profile) as store:
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
            secrets = _secret_store()
            with _open_store(paths, profile) as store:
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
