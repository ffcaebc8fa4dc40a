"""What Settings → Connections shows and the jobs behind it, Qt-free (run on the controller's workers).

Each job gets a store opened on its own worker thread and calls ``desktop.core.actions.connections``
(never SQL, never a connector directly: only a connector class's attributes, for the labels, the
form, the steps and what is read and sent). The core is imported inside each job to keep the
window's start light.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken, Progress

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
    problem: str = ""
    """Why the last fetch or send stopped (an expired sign-in, an unreachable server), until a
    later run or a test of the connection succeeds: kept in the run log, so it is still said
    after a restart."""


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


def open_profile_store(paths: Paths, profile: str) -> Any:
    from desktop.core.store import open_store

    return open_store(paths.create_profile(profile).store)


def secret_store() -> Any:
    from desktop.core.secrets import SecretStore

    return SecretStore()


def _problem(row: dict[str, Any] | None, last_run: dict[str, Any] | None) -> str:
    """The last run's failure, unless a test of the connection succeeded after it."""
    if row is None or last_run is None or last_run["outcome"] != "failed":
        return ""
    if str(row["checked_at"] or "") > str(last_run["finished_at"] or last_run["started_at"] or ""):
        return ""
    return str(last_run["message"] or "The last run stopped; test the connection to see why.")


def _platform_view(
    platform: str, row: dict[str, Any] | None, waiting: int, last_run: dict[str, Any] | None = None
) -> PlatformView:
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
        problem=_problem(row, last_run),
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
        _platform_view(
            p,
            connected.get(p),
            len(rows.approved_replies(store, p)) if p in connected else 0,
            next(iter(rows.latest_runs(store, p, 1)), None) if p in connected else None,
        )
        for p in connector_platforms()
    )
    return ConnectionsView(
        platforms, actions.load_options(store), tuple(rows.latest_runs(store, None, RUN_LOG_LIMIT))
    )


def fetch_all(
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


def send_all(
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
