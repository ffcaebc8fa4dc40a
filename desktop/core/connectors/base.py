"""What a live connector is: today's messages in (``fetch_new``), approved replies out (``send``).

A connector is the live twin of an importer (``desktop.core.importers.base``): it yields the same
plain records (``ThreadRecord``, ``ItemRecord``) under the same ``platform`` name, so what it
fetches lands in the same people, threads and items as an imported archive (dedup by the
platform's id) and retrieval, triage and the Inbox treat both alike. It never touches the store:
``desktop.core.connectors.fetching`` saves what it yields, ``desktop.core.connectors.sending``
decides what may be sent and keeps the log that makes sending idempotent.

Each platform module wraps that platform's own client library (``atproto``, ``Mastodon.py``,
``google-api-python-client``) and translates its failures into the errors below, in plain words.
Credentials: ``settings`` holds what is not secret (a handle, an instance URL); every token and
password goes through ``ConnectionSecrets`` to the keychain, never to the store or a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from desktop.core.errors import KnownError
from desktop.core.importers.records import ItemRecord, ThreadRecord
from desktop.core.secrets import SecretStore
from desktop.core.tasks import CancelToken

Record = ThreadRecord | ItemRecord


class ConnectorError(KnownError):
    """A platform refused or failed a request; the message says what happened in plain words."""


class SignInExpired(ConnectorError):
    """The platform no longer accepts the saved sign-in (token expired or revoked, password changed)."""


class RateLimited(ConnectorError):
    """The platform asked us to slow down; ``retry_after`` seconds (from its headers) when it said."""

    def __init__(self, message: str, *, retry_after: float | None = None, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class PlatformUnavailable(ConnectorError):
    """The platform could not be reached or answered with a server error (5xx): worth retrying later."""


@dataclass(frozen=True)
class SetupField:
    """One thing the creator types to connect (shown as a form row in Settings → Connections)."""

    name: str
    label: str
    secret: bool = False  # kept in the keychain, shown as dots
    placeholder: str = ""
    required: bool = True
    default: str = ""
    advanced: bool = False  # not shown in Settings (the CLI takes it): e.g. an API address for a test server
    file_filter: str = ""  # a file's path: Settings offers "Browse…" with this filter ("Client (*.json)")


@dataclass(frozen=True)
class Account:
    """Who the connection speaks as, as the platform says (what "Test" shows)."""

    handle: str
    display_name: str = ""
    user_id: str = ""


@dataclass
class FetchResult:
    """What one ``fetch_new`` found: records to save and the cursor to start from next time."""

    records: list[Record] = field(default_factory=list)
    cursor: str | None = None


@dataclass(frozen=True)
class OutgoingReply:
    """An approved reply, ready for the platform it came from.

    ``reply_id`` is the idempotency key (the same as in reply packs); ``in_reply_to`` is the
    platform id of the message answered (an ``ItemRecord.external_id`` this connector produced),
    ``thread`` its thread key; ``text`` is final (the persona's AI-disclosure line included).
    """

    reply_id: str
    in_reply_to: str
    thread: str | None
    text: str
    kind: str  # the answered item's kind: "message" (a DM) or "comment"/"post" (a public reply)
    meta: dict[str, object] = field(default_factory=dict)


class ConnectionSecrets:
    """The keychain entries of one connection, named ``connection:<platform>:<name>``."""

    def __init__(self, secret_store: SecretStore, platform: str) -> None:
        self._store = secret_store
        self._prefix = f"connection:{platform}:"

    def get(self, name: str) -> str | None:
        return self._store.get(self._prefix + name)

    def set(self, name: str, value: str) -> None:
        self._store.set(self._prefix + name, value)

    def delete(self, names: Iterator[str] | list[str] | tuple[str, ...]) -> None:
        for name in names:
            self._store.delete(self._prefix + name)


class Connector(Protocol):
    """The interface every platform module implements (registered in ``registry``)."""

    platform: ClassVar[str]  # the importer's platform name: "bluesky", "mastodon", "youtube"
    label: ClassVar[str]  # "Bluesky"
    setup_fields: ClassVar[tuple[SetupField, ...]]
    steps: ClassVar[str]  # how to get the credentials, in plain words (Settings and README)
    reads: ClassVar[str]  # what is read, in plain words
    sends: ClassVar[str]  # what is sent, and when, in plain words
    secret_names: ClassVar[tuple[str, ...]]  # every keychain entry it may write (Disconnect removes them)

    def __init__(self, settings: dict[str, str], secrets: ConnectionSecrets) -> None: ...

    def check(self) -> Account:
        """Sign in (or refresh the token) and say who we are; raises ``ConnectorError``."""
        ...

    def fetch_new(self, cursor: str | None, cancel: CancelToken) -> FetchResult:
        """Messages addressed to the creator since ``cursor`` (None: the first run, recent ones only).

        Includes the creator's own item each one answers (the post or comment a reply is under)
        so that the thread has its context; every item's ``external_id`` is the platform's id.
        """
        ...

    def find_sent(self, reply: OutgoingReply) -> str | None:
        """The platform id of a reply already posted for ``reply`` (read back from the thread), or None.

        Called before re-sending after an attempt whose outcome is unknown (a timeout): a retry
        must never post twice.
        """
        ...

    def send(self, reply: OutgoingReply) -> str:
        """Post ``reply`` in its thread; returns the new item's platform id."""
        ...
