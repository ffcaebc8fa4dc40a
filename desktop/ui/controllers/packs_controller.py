"""Reply packs, as seen by the GUI: every store read and write, file and keychain access off the GUI thread.

Three kinds of thread do the work; the controller (GUI thread) relays what they report:

* One store thread (``ResourceWorker`` owning the profile's store, opened on first need): the
  page's data, the export preview, exports, re-exports, the fine-tuning file and the webhook
  settings. One thread runs them in the order asked, so settling an interrupted export (done on
  every load) can never race an export in progress.
* A ``Worker`` per check of a pack file (verifying needs the keychain and the file, not the store).
* A ``Worker`` for sending replies to the webhook, with its own store connection: retries can take
  a while, and the page stays usable meanwhile. Cancel stops it between attempts.

Cancelling an export: the core writes a pack in one all-or-nothing step (a hidden partial file
renamed into place, the replies marked exported in the same breath). A cancel is honoured until
that step starts; after that the pack is finished, which takes a moment. ``_WriteGate`` decides,
under a lock, which of the two came first, so the page never says "cancelled" about a pack that
was written, nor "written" about one that was not.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from desktop.core.errors import Cancelled, SecretsUnavailableError
from desktop.core.paths import Paths
from desktop.core.secrets import SecretStore
from desktop.core.tasks import CancelToken, Progress
from desktop.ui.workers import Failure, ResourceWorker, Worker

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


class _StoreHolder:
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


class _WriteGate:
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


def _load(holder: _StoreHolder, secrets: SecretStore) -> PacksData:
    from desktop.core.inbox import list_exports, recover_pending_exports, waiting_count
    from desktop.core.store.reply_packs import count_approved_pairs

    if not holder.exists():
        return PacksData()  # nothing imported or typed in yet: do not create a store just to look
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

    return PacksData(
        waiting=waiting_count(store),
        approved_pairs=count_approved_pairs(store),
        packs=packs,
        webhook=_webhook_view(store, secrets),
        log=_log_with_replies(store),
        settled=settled,
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


def _preview(holder: _StoreHolder) -> ExportPreview:
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


def _export(
    holder: _StoreHolder, gate: _WriteGate, out: Path, redact: bool, overwrite: bool, secrets: SecretStore
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


def _reexport(holder: _StoreHolder, export_id: int, out: Path, overwrite: bool, secrets: SecretStore) -> Any:
    from desktop.core.inbox import reexport_pack

    try:
        return reexport_pack(holder.get(), export_id, out, secret_store=secrets, overwrite=overwrite)
    except SecretsUnavailableError as exc:
        return KeychainMissing(exc.message)


def _finetune_count(holder: _StoreHolder) -> int:
    from desktop.core.inbox import finetune_examples

    return len(finetune_examples(holder.get())) if holder.exists() else 0


def _finetune(holder: _StoreHolder, out: Path, redact: bool) -> tuple[str, int]:
    from desktop.core.inbox import export_finetune_jsonl

    return (str(out), export_finetune_jsonl(holder.get(), out, redact_personal=redact))


def _save_webhook(
    holder: _StoreHolder, url: str, enabled: bool, token: str | None, forget_token: bool, secrets: SecretStore
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


def _deliver(store_path: Path, secrets: SecretStore, cancel: CancelToken) -> Any:
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


def _verify(path: str, secrets: SecretStore) -> tuple[str, Any]:
    from desktop.core.inbox import verify_pack

    return (path, verify_pack(path, secrets))


class PacksController(QObject):
    """Runs the Packs page's work off the GUI thread; lives in the GUI thread.

    Signals (all in the GUI thread):

    * ``loaded(object)``: a ``PacksData``; ``preview_ready(object)``: an ``ExportPreview``.
    * ``export_started()``, ``export_progress(object)`` (a ``Progress``), then one of
      ``exported(object)`` (a ``PackSummary``), ``export_cancelled()``, ``failed('export', Failure)``.
    * ``reexported(object)`` (a ``PackSummary``); ``finetune_counted(int)``; ``finetune_written(str, int)``.
    * ``verified(str, object)``: the file and its ``VerifyResult``.
    * ``webhook_saved(object)``: a ``WebhookView``; ``delivery_started()``; ``delivered(object)`` (a
      ``DeliveryReport``); ``delivery_cancelled()``.
    * ``keychain_missing(str, str)``: what was being done and why it could not keep the secret; call
      ``use_session_secrets()`` and ask again to keep secrets for this session only.
    * ``failed(str, object)``: what was being done ('load', 'export', 'reexport', 'finetune',
      'verify', 'webhook', 'deliver') and a ``Failure``.
    """

    loaded = Signal(object)
    preview_ready = Signal(object)
    export_started = Signal()
    export_progress = Signal(object)
    exported = Signal(object)
    export_cancelled = Signal()
    reexported = Signal(object)
    finetune_counted = Signal(int)
    finetune_written = Signal(str, int)
    verified = Signal(str, object)
    webhook_saved = Signal(object)
    delivery_started = Signal()
    delivered = Signal(object)
    delivery_cancelled = Signal()
    keychain_missing = Signal(str, str)
    failed = Signal(str, object)

    def __init__(self, paths: Paths, profile: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.profile = profile
        self.secrets = SecretStore()
        self.store_worker: ResourceWorker | None = None
        #: store job id -> (what it was, what to do with its result in the GUI thread).
        self._jobs: dict[int, tuple[str, Callable[[Any], None]]] = {}
        self._load_job: int | None = None
        self._load_again = False
        self._export_gate: _WriteGate | None = None
        self._export_job: int | None = None
        self._verify_workers: set[Worker] = set()
        self._delivery: Worker | None = None
        self._closed = False
        #: Failures that were bugs (for the smoke test and logs).
        self.bugs: list[Failure] = []

    @property
    def store_path(self) -> Path:
        return self.paths.profile(self.profile).store

    # --- the store thread ------------------------------------------------------------------------
    def _store_worker(self) -> ResourceWorker:
        if self.store_worker is None:
            path = self.store_path
            worker = ResourceWorker(
                lambda: _StoreHolder(path), close=lambda holder: holder.close(), name="packs-store"
            )
            worker.progress.connect(self._on_store_progress)
            worker.finished.connect(self._on_store_finished)
            worker.failed.connect(self._on_store_failed)
            worker.cancelled.connect(self._on_store_cancelled)
            self.store_worker = worker
            worker.start()
        return self.store_worker

    def _submit(
        self, kind: str, job: Callable[[Any, CancelToken], Any], handler: Callable[[Any], None]
    ) -> int | None:
        if self._closed:
            return None
        job_id = self._store_worker().submit(job)
        self._jobs[job_id] = (kind, handler)
        return job_id

    @Slot(int, object)
    def _on_store_progress(self, job_id: int, progress: Progress) -> None:
        if job_id == self._export_job:
            self.export_progress.emit(progress)

    @Slot(int, object)
    def _on_store_finished(self, job_id: int, result: Any) -> None:
        entry = self._jobs.pop(job_id, None)
        if entry is None:
            return  # the opening (job 0)
        kind, handler = entry
        if isinstance(result, KeychainMissing):
            self._end_job(job_id)
            self.keychain_missing.emit(kind, result.message)
            return
        handler(result)
        self._end_job(job_id)

    @Slot(int, object)
    def _on_store_failed(self, job_id: int, failure: Failure) -> None:
        entry = self._jobs.pop(job_id, None)
        if failure.is_bug:
            self.bugs.append(failure)
        if entry is None:  # the opening failed (e.g. a store from a newer version): say so once
            self.failed.emit("load", failure)
            return
        self._end_job(job_id)
        self.failed.emit(entry[0], failure)

    @Slot(int)
    def _on_store_cancelled(self, job_id: int) -> None:
        entry = self._jobs.pop(job_id, None)
        self._end_job(job_id)
        if entry is not None and entry[0] == "export" and not self._closed:
            self.export_cancelled.emit()

    def _end_job(self, job_id: int) -> None:
        if job_id == self._export_job:
            self._export_job = None
            self._export_gate = None
        if job_id == self._load_job:
            self._load_job = None
            if self._load_again:
                self._load_again = False
                self.refresh()

    # --- reading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Load the page's data; a request while a load waits or runs is served by one more load after it."""
        if self._load_job is not None:
            self._load_again = True
            return
        secrets = self.secrets
        self._load_job = self._submit("load", lambda holder, _cancel: _load(holder, secrets), self._on_loaded)

    def _on_loaded(self, data: PacksData) -> None:
        if not self._load_again:  # a newer load follows: show only the latest
            self.loaded.emit(data)

    def preview_export(self) -> None:
        """Work out what the next pack would hold (``preview_ready``), before asking where to save it."""
        self._submit("preview", lambda holder, _cancel: _preview(holder), self.preview_ready.emit)

    # --- exporting -------------------------------------------------------------------------------
    def is_exporting(self) -> bool:
        return self._export_job is not None

    def export(self, out: str | Path, *, redact: bool, overwrite: bool = False) -> bool:
        """Export every waiting approved reply to ``out``; False when an export is already running."""
        if self._export_job is not None or self._closed:
            return False
        gate = _WriteGate()
        secrets = self.secrets
        path = Path(out)
        job_id = self._submit(
            "export",
            lambda holder, _cancel: _export(holder, gate, path, redact, overwrite, secrets),
            self._on_exported,
        )
        self._export_gate, self._export_job = gate, job_id
        self.export_started.emit()
        return True

    def cancel_export(self) -> bool:
        """Stop the running export if it has not started writing; False when it is too late (or none runs)."""
        if self._export_gate is None:
            return False
        return self._export_gate.cancel()

    def _on_exported(self, summary: Any) -> None:
        self.exported.emit(summary)
        self.refresh()

    def reexport(self, export_id: int, out: str | Path, *, overwrite: bool = False) -> None:
        """Write pack ``export_id``'s replies again to ``out`` (the same replies; no state changes)."""
        secrets = self.secrets
        path = Path(out)
        self._submit(
            "reexport",
            lambda holder, _cancel: _reexport(holder, export_id, path, overwrite, secrets),
            self._on_reexported,
        )

    def _on_reexported(self, summary: Any) -> None:
        self.reexported.emit(summary)
        self.refresh()

    def count_finetune(self) -> None:
        """How many approved (message, reply) pairs a fine-tuning file would hold (``finetune_counted``)."""
        self._submit("finetune", lambda holder, _cancel: _finetune_count(holder), self.finetune_counted.emit)

    def export_finetune(self, out: str | Path, *, redact: bool) -> None:
        path = Path(out)
        self._submit(
            "finetune", lambda holder, _cancel: _finetune(holder, path, redact), self._on_finetune_written
        )

    def _on_finetune_written(self, result: tuple[str, int]) -> None:
        self.finetune_written.emit(*result)

    # --- verifying -------------------------------------------------------------------------------
    def verify(self, path: str | Path) -> None:
        """Check a pack file's checksums and signature (``verified``)."""
        if self._closed:
            return
        secrets = self.secrets
        target = str(path)
        worker = Worker(lambda _cancel: _verify(target, secrets), name="verify-pack")
        worker.finished.connect(self._on_verified)
        worker.failed.connect(self._on_verify_failed)
        worker.stopped.connect(self._on_verify_stopped)
        self._verify_workers.add(worker)
        worker.start()

    @Slot(object)
    def _on_verified(self, result: tuple[str, Any]) -> None:
        self.verified.emit(*result)

    @Slot(object)
    def _on_verify_failed(self, failure: Failure) -> None:
        if failure.is_bug:
            self.bugs.append(failure)
        self.failed.emit("verify", failure)

    @Slot()
    def _on_verify_stopped(self) -> None:
        self._verify_workers = {w for w in self._verify_workers if w.is_running()}

    # --- the webhook connector ---------------------------------------------------------------------
    def save_webhook(
        self, url: str, enabled: bool, *, token: str | None = None, forget_token: bool = False
    ) -> None:
        """Save the address and switch; a new ``token`` goes to the keychain only (``webhook_saved``)."""
        secrets = self.secrets
        self._submit(
            "webhook",
            lambda holder, _cancel: _save_webhook(holder, url, enabled, token, forget_token, secrets),
            self.webhook_saved.emit,
        )

    def is_delivering(self) -> bool:
        return self._delivery is not None

    def deliver(self) -> bool:
        """Send every approved reply not yet delivered to the webhook; False when a run is in progress."""
        if self._delivery is not None or self._closed:
            return False
        path, secrets = self.store_path, self.secrets
        worker = Worker(lambda cancel: _deliver(path, secrets, cancel), name="webhook-delivery")
        worker.finished.connect(self._on_delivered)
        worker.failed.connect(self._on_delivery_failed)
        worker.cancelled.connect(self._on_delivery_cancelled)
        worker.stopped.connect(self._on_delivery_stopped)
        self._delivery = worker
        self.delivery_started.emit()
        worker.start()
        return True

    def cancel_delivery(self) -> None:
        if self._delivery is not None:
            self._delivery.cancel()

    @Slot(object)
    def _on_delivered(self, report: Any) -> None:
        self.delivered.emit(report)

    @Slot(object)
    def _on_delivery_failed(self, failure: Failure) -> None:
        if failure.is_bug:
            self.bugs.append(failure)
        self.failed.emit("deliver", failure)

    @Slot()
    def _on_delivery_cancelled(self) -> None:
        self.delivery_cancelled.emit()

    @Slot()
    def _on_delivery_stopped(self) -> None:
        self._delivery = None
        self.refresh()  # the log grew

    # --- secrets -----------------------------------------------------------------------------------
    def use_session_secrets(self) -> None:
        """The creator chose to keep keys and tokens for this session only (no keychain on this computer)."""
        self.secrets = SecretStore(session_only=True)

    # --- shutdown ----------------------------------------------------------------------------------
    def is_busy(self) -> bool:
        return bool(self._jobs) or self._delivery is not None or bool(self._verify_workers)

    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        """Stop every thread (window closing); False if one would not stop in time.

        An export past its point of no return finishes first (a moment), so no half-written pack is left.
        """
        self._closed = True
        self._load_again = False
        if self._export_gate is not None:
            self._export_gate.cancel()
        stopped = True
        if self._delivery is not None:
            stopped = self._delivery.cancel_and_wait(timeout_ms) and stopped
        for worker in list(self._verify_workers):
            stopped = worker.wait(timeout_ms) and stopped
        if self.store_worker is not None:
            stopped = self.store_worker.shutdown(timeout_ms) and stopped
        return stopped
