"""The Packs page's data and the jobs behind it: what runs on the store, verify and webhook threads.

Plain dataclasses travel from these jobs to the GUI (``PacksData``, ``ExportPreview``, ...); the
jobs import the core lazily, on their worker thread, so that the app starts light.
``PacksController`` (``packs_controller``) schedules them and relays their results.

Cancelling an export: the core writes a pack in one all-or-nothing step (a hidden partial file
renamed into place, the replies marked exported in the same breath). ``WriteGate`` decides, under
a lock, whether a cancel came before that step began, so the page never says "cancelled" about a
pack that was written, nor "written" about one that was not.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.errors import Cancelled, SecretsUnavailableError
from desktop.core.secrets import SecretStore
from desktop.core.tasks import CancelToken, Progress

#: How many replies the export preview shows as examples.
SAMPLE_SIZE = 5

# The replies the next pack will hold: approved, in no pack yet, not in the trash (as the core counts them).
_WAITING_ROWS = "e.state = 'approved' AND e.trashed_at IS NULL AND d.export_id IS NULL"


@dataclass(frozen=True)
class PackRow:
    """One exported pack, as the list shows it."""

    id: int
    created_at: str
    path: str
    replies: int
    redacted: bool
    reexport_of: int | None
    file_exists: bool

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True)
class WebhookView:
    """The connector's settings as the page may show them: never the token itself."""

    url: str = ""
    enabled: bool = False
    has_token: bool = False
    keychain_note: str = ""


@dataclass(frozen=True)
class PacksData:
    """Everything the page shows from the store."""

    waiting: int = 0
    approved_pairs: int = 0
    packs: list[PackRow] = field(default_factory=list)
    webhook: WebhookView = field(default_factory=WebhookView)
    log: list[dict[str, Any]] = field(default_factory=list)
    #: Exports interrupted by a crash and settled now: (pack id, 'completed' | 'abandoned').
    settled: list[tuple[int, str]] = field(default_factory=list)
    #: The profile's public signing key (base64) and its fingerprint (in groups of four); empty before the
    #: first pack.
    public_key: str = ""
    fingerprint: str = ""
    #: Whether the encrypted secrets file exists (asked for its passphrase, or offered to make one).
    secrets_file_exists: bool = False


@dataclass(frozen=True)
class ExportPreview:
    """What the next pack would hold, shown before anything is written."""

    count: int
    edited: int
    platforms: dict[str, int]
    samples: list[dict[str, Any]]


@dataclass(frozen=True)
class KeychainMissing:
    """A job stopped before changing anything because no keychain can hold the key or token."""

    message: str


class StoreHolder:
    """The store thread's resource: the profile's store, opened there on first need and closed there."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._store: Any = None

    def exists(self) -> bool:
        return self._store is not None or self.path.exists()

    def get(self) -> Any:
        if self._store is None:
            from desktop.core.store import open_store

            self._store = open_store(self.path)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class WriteGate:
    """Decides whether a cancel came before the pack started being written (then nothing is written)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._writing = False

    def cancel(self) -> bool:
        """True when the export will not write; False when writing had already begun."""
        with self._lock:
            if not self._writing:
                self._cancelled = True
            return self._cancelled

    def begin_write(self) -> bool:
        with self._lock:
            if not self._cancelled:
                self._writing = True
            return self._writing

    @property
    def cancelled(self) -> bool:
        with self._lock:
            return self._cancelled


# --- jobs (run on worker threads; the core is imported there to keep start-up light) -------------


def platform_label(platform: str) -> str:
    """The platform's name as the creator knows it ("Instagram"), from the importers' registry."""
    from desktop.core.importers.registry import importers

    importer = importers().get(platform)
    return importer.label if importer is not None else (platform or "Other").replace("_", " ").capitalize()


def _webhook_view(store: Any, secrets: SecretStore) -> WebhookView:
    from desktop.core.inbox.webhook import TOKEN_SECRET, load_webhook_config

    config = load_webhook_config(store)
    note = ""
    try:
        has_token = secrets.get(TOKEN_SECRET) is not None
    except SecretsUnavailableError as exc:
        has_token, note = False, exc.message
    if not secrets.persistent and not secrets.session_only:
        from desktop.core.secrets import NO_KEYCHAIN_MESSAGE

        note = NO_KEYCHAIN_MESSAGE
    return WebhookView(config.url, config.enabled, has_token, note)


def load_data(holder: StoreHolder, secrets: SecretStore, secrets_file: Path) -> PacksData:
    from desktop.core.inbox import list_exports, recover_pending_exports, waiting_count
    from desktop.core.inbox.signing import profile_public_key, show_fingerprint
    from desktop.core.store.reply_packs import count_approved_pairs

    if not holder.exists():  # nothing imported or typed in yet: do not create a store just to look
        return PacksData(secrets_file_exists=secrets_file.exists())
    store = holder.get()
    # A pack interrupted by a crash is settled before the list is shown: never shown as complete unless it is.
    settled = recover_pending_exports(store)
    packs = [
        PackRow(
            id=int(row["id"]),
            created_at=row["created_at"],
            path=row["path"],
            replies=int(row["draft_count"]),
            redacted=bool(row["redacted"]),
            reexport_of=row["reexport_of"],
            file_exists=Path(row["path"]).is_file(),
        )
        for row in list_exports(store)
        if row["status"] == "complete"
    ]

    public = profile_public_key(store)
    return PacksData(
        waiting=waiting_count(store),
        approved_pairs=count_approved_pairs(store),
        packs=packs,
        webhook=_webhook_view(store, secrets),
        log=_log_with_replies(store),
        settled=settled,
        public_key=public.base64 if public else "",
        fingerprint=show_fingerprint(public.fingerprint) if public else "",
        secrets_file_exists=secrets_file.exists(),
    )


def _log_with_replies(store: Any) -> list[dict[str, Any]]:
    """The webhook's log, each attempt with the reply it sent ("To Maya: …"), for the creator to recognise."""
    from desktop.core.inbox.packs import reply_rows
    from desktop.core.inbox.webhook import webhook_log

    log = webhook_log(store)
    ids = sorted({entry["draft_id"] for entry in log if entry["draft_id"] is not None})
    replies: dict[int, str] = {}
    if ids:
        for row in reply_rows(store, f"d.id IN ({','.join('?' * len(ids))})", ids):
            fan = row["recipient_name"] or row["recipient"] or "a fan"
            replies[row["draft_id"]] = f"To {fan}: {row['reply_text']}"
    return [{**entry, "reply": replies.get(entry["draft_id"], "")} for entry in log]


def preview(holder: StoreHolder) -> ExportPreview:
    from desktop.core.inbox.packs import reply_rows

    if not holder.exists():
        return ExportPreview(0, 0, {}, [])
    rows = reply_rows(holder.get(), _WAITING_ROWS)
    platforms: dict[str, int] = {}
    for row in rows:
        label = platform_label(row["platform"])
        platforms[label] = platforms.get(label, 0) + 1
    samples = [
        {
            "platform": platform_label(row["platform"]),
            "recipient": row["recipient_name"] or row["recipient"],
            "original_message": row["original_message"],
            "reply_text": row["reply_text"],
        }
        for row in rows[:SAMPLE_SIZE]
    ]
    return ExportPreview(len(rows), sum(r["edited"] == "yes" for r in rows), platforms, samples)


def export(
    holder: StoreHolder, gate: WriteGate, out: Path, redact: bool, overwrite: bool, secrets: SecretStore
) -> Generator[Progress, None, Any]:
    from desktop.core.inbox import export_pack, waiting_count

    yield Progress("Getting the approved replies ready…", 0, 2)
    if gate.cancelled:
        raise Cancelled()
    count = waiting_count(holder.get()) if holder.exists() else 0
    yield Progress(f"Writing and signing the pack of {count} replies…", 1, 2)
    if not gate.begin_write():
        raise Cancelled()
    # From here the core finishes the pack or leaves none: no yield, so no cancel, until it returns.
    try:
        return export_pack(
            holder.get(), out, secret_store=secrets, redact_personal=redact, overwrite=overwrite
        )
    except SecretsUnavailableError as exc:
        return KeychainMissing(exc.message)  # raised before anything was reserved or written


def reexport(holder: StoreHolder, export_id: int, out: Path, overwrite: bool, secrets: SecretStore) -> Any:
    from desktop.core.inbox import reexport_pack

    try:
        return reexport_pack(holder.get(), export_id, out, secret_store=secrets, overwrite=overwrite)
    except SecretsUnavailableError as exc:
        return KeychainMissing(exc.message)


def count_finetune(holder: StoreHolder) -> int:
    from desktop.core.inbox import finetune_examples

    return len(finetune_examples(holder.get())) if holder.exists() else 0


def write_finetune(holder: StoreHolder, out: Path, redact: bool) -> tuple[str, int]:
    from desktop.core.inbox import export_finetune_jsonl

    return (str(out), export_finetune_jsonl(holder.get(), out, redact_personal=redact))


def save_webhook(
    holder: StoreHolder, url: str, enabled: bool, token: str | None, forget_token: bool, secrets: SecretStore
) -> Any:
    from desktop.core.inbox.webhook import TOKEN_SECRET, load_webhook_config, save_webhook_config

    store = holder.get()
    previous = load_webhook_config(store)
    # Checked and saved first: a token is kept only for an address that was accepted.
    save_webhook_config(store, dataclasses.replace(previous, url=url.strip(), enabled=enabled))
    try:
        if forget_token:
            secrets.delete(TOKEN_SECRET)
        elif token:
            secrets.set(TOKEN_SECRET, token)  # the keychain only: never the store, never a file
    except SecretsUnavailableError as exc:
        return KeychainMissing(exc.message)
    return _webhook_view(store, secrets)


def deliver(store_path: Path, secrets: SecretStore, cancel: CancelToken) -> Any:
    from desktop.core.inbox.webhook import deliver_approved
    from desktop.core.store import open_store

    def wait(seconds: float) -> None:
        """The back-off between retries, in short steps, so that a cancel stops it at once."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            cancel.raise_if_cancelled()
            time.sleep(min(0.05, max(0.0, end - time.monotonic())))
        cancel.raise_if_cancelled()

    with open_store(store_path) as store:
        return deliver_approved(store, secrets, sleep=wait)


def verify(path: str, secrets: SecretStore, own_key: str) -> tuple[str, Any]:
    """Check a pack; ``own_key``: the profile's public key (base64), to say whether it signed it."""
    from desktop.core.inbox import verify_pack
    from desktop.core.inbox.signing import PublicKey

    return (path, verify_pack(path, secrets, own_key=PublicKey.from_base64(own_key) if own_key else None))


def export_public_key(holder: StoreHolder, out: Path, secrets: SecretStore) -> Any:
    """Write the profile's public key (PEM) to ``out``, making the key pair if it has none yet;
    returns ``(path, fingerprint)`` (the fingerprint in groups of four)."""
    from desktop.core.inbox.signing import profile_public_key, show_fingerprint, signing_key

    store = holder.get()
    public = profile_public_key(store)
    if public is None:
        try:
            public = signing_key(store, secrets).public
        except SecretsUnavailableError as exc:
            return KeychainMissing(exc.message)
    out.write_text(public.pem(), encoding="ascii")
    return (str(out), show_fingerprint(public.fingerprint))


def unlock_secrets(path: Path, passphrase: str, create: bool) -> None:
    """Open (or make) the encrypted secrets file: from now on this session keeps secrets there."""
    from desktop.core.secrets import unlock_secret_file

    unlock_secret_file(path, passphrase, create=create)
