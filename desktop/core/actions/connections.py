"""Connecting a platform, testing it, fetching from it, sending to it, disconnecting: for both front ends.

The CLI's ``understudy connect ...`` and Settings → Connections call these, never a connector
directly, so a connection made in one works in the other. What is typed goes two ways: the
fields a connector marks secret go to the keychain (``ConnectionSecrets``), the rest to the store.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Unpack

from desktop.core.connectors.base import Account, ConnectionSecrets, Connector
from desktop.core.connectors.fetching import FetchOutcome, fetch_connection, require_connection
from desktop.core.connectors.registry import connector_class
from desktop.core.connectors.retrying import RunOptions
from desktop.core.connectors.sending import SendReport, send_approved
from desktop.core.errors import KnownError
from desktop.core.secrets import SecretStore
from desktop.core.store import Store, get_item, record_audit, utc_now
from desktop.core.store import connections as rows
from desktop.core.store.settings import read_int_setting, read_setting, write_setting
from desktop.core.tasks import Progress

FETCH_EVERY_SETTING = "connections.fetch_every_minutes"
DRAFT_NEW_SETTING = "connections.draft_new"
FETCH_EVERY_CHOICES = (0, 5, 15, 30, 60)  # minutes; 0: off (the default)


@dataclass(frozen=True)
class ConnectionOptions:
    """How the app fetches while it is open: every N minutes (0: only when asked), and whether
    new messages are drafted at once. Both off by default."""

    fetch_every_minutes: int = 0
    draft_new: bool = False


def open_connector(store: Store, secret_store: SecretStore, platform: str) -> Connector:
    """The connector of a connected platform, with its settings and keychain entries."""
    cls = connector_class(platform)
    connection = require_connection(store, platform, cls.label)
    return cls(dict(connection["settings"]), ConnectionSecrets(secret_store, platform))


def connect(
    store: Store,
    secret_store: SecretStore,
    platform: str,
    values: dict[str, str],
    *,
    open_url: Callable[[str], None] | None = None,
) -> Account:
    """Check the credentials typed for ``platform`` and keep them (secrets in the keychain only).

    The connection is saved only when the platform accepted them; a failed first connection
    leaves no secret behind. Connecting again replaces the settings and secrets given.
    """
    cls = connector_class(platform)
    fields = {f.name: f for f in cls.setup_fields}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise KnownError(
            f"{cls.label} has no setting {', '.join(unknown)}.",
            hint="Its settings: " + ", ".join(fields),
        )
    secrets = ConnectionSecrets(secret_store, platform)
    existing = rows.get_connection(store, platform)
    settings = dict(existing["settings"]) if existing else {}
    settings.update(
        {f.name: f.default for f in cls.setup_fields if not f.secret and f.default and f.name not in settings}
    )
    settings.update({name: value.strip() for name, value in values.items() if not fields[name].secret})
    missing = [f.label for f in cls.setup_fields if f.required and not f.secret and not settings.get(f.name)]
    missing += [
        f.label
        for f in cls.setup_fields
        if f.required and f.secret and not values.get(f.name) and not existing
    ]
    if missing:
        raise KnownError(f"{cls.label} needs: {', '.join(missing)}.", hint=cls.steps)
    written = [name for name, value in values.items() if fields[name].secret and value]
    for name in written:
        secrets.set(name, values[name])
    connector = cls(settings, secrets)
    try:
        authorize = getattr(connector, "authorize", None)
        if authorize is not None and (open_url is not None or not existing):
            authorize(open_url)
        account = connector.check()
    except BaseException:
        if not existing:
            secrets.delete(cls.secret_names)
        raise
    now = utc_now()
    with store.db.atomic():
        rows.save_connection(store, platform, settings, now)
        rows.record_check(store, platform, account.handle, now)
        record_audit(store, "connect.connected", f"connection:{platform}", {"account": account.handle})
    return account


def check_connection(store: Store, secret_store: SecretStore, platform: str) -> Account:
    """Sign in with what is kept and say who we speak as (Settings' "Test")."""
    account = open_connector(store, secret_store, platform).check()
    rows.record_check(store, platform, account.handle, utc_now())
    return account


def disconnect(store: Store, secret_store: SecretStore, platform: str) -> bool:
    """Remove the connection and its keychain entries (what it fetched and sent stays); whether it existed."""
    cls = connector_class(platform)
    ConnectionSecrets(secret_store, platform).delete(cls.secret_names)
    with store.db.atomic():
        removed = rows.delete_connection(store, platform)
        if removed:
            record_audit(store, "connect.disconnected", f"connection:{platform}")
    return removed


def connected_platforms(store: Store) -> list[str]:
    return [str(row["platform"]) for row in rows.list_connections(store)]


def fetch(
    store: Store, secret_store: SecretStore, platform: str, **options: Unpack[RunOptions]
) -> Generator[Progress, None, FetchOutcome]:
    """Fetch what is new on one connected platform into the store and the inbox."""
    return (yield from fetch_connection(store, open_connector(store, secret_store, platform), **options))


def send(
    store: Store,
    secret_store: SecretStore,
    platform: str,
    item_id: int | None = None,
    **options: Unpack[RunOptions],
) -> Generator[Progress, None, SendReport]:
    """Send the approved replies to messages from one connected platform (or the one to ``item_id``)."""
    connector = open_connector(store, secret_store, platform)
    return (yield from send_approved(store, connector, item_id, **options))


def platform_of_item(store: Store, item_id: int) -> str:
    """The platform an inbox message came from (``send --item`` needs no platform named)."""
    item = get_item(store, item_id)
    if item is None:
        raise KnownError(f"There is no message {item_id}.", hint="See `understudy inbox list`.")
    return str(item["platform"])


def load_options(store: Store) -> ConnectionOptions:
    return ConnectionOptions(
        fetch_every_minutes=read_int_setting(store, FETCH_EVERY_SETTING, 0, 0, max(FETCH_EVERY_CHOICES)),
        draft_new=read_setting(store, DRAFT_NEW_SETTING) == "on",
    )


def save_options(store: Store, options: ConnectionOptions) -> None:
    if options.fetch_every_minutes not in FETCH_EVERY_CHOICES:
        raise KnownError(
            f"Fetching every {options.fetch_every_minutes} minutes is not offered.",
            hint="Choose " + ", ".join(str(n) for n in FETCH_EVERY_CHOICES) + " (0: off).",
        )
    with store.db.atomic():
        write_setting(store, FETCH_EVERY_SETTING, str(options.fetch_every_minutes))
        write_setting(store, DRAFT_NEW_SETTING, "on" if options.draft_new else "off")
