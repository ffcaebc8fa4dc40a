"""Reply packs, as seen by the GUI: every store read and write, file and keychain access off the GUI thread.

Three kinds of thread do the work; the controller (GUI thread) relays what they report:

* One store thread (``ResourceWorker`` owning the profile's store, opened on first need): the
  page's data, the export preview, exports, re-exports, the fine-tuning file and the webhook
  settings. One thread runs them in the order asked, so settling an interrupted export (done on
  every load) can never race an export in progress.
* A ``Worker`` per check of a pack file (verifying needs the keychain and the file, not the store).
* A ``Worker`` for sending replies to the webhook, with its own store connection: retries can take
  a while, and the page stays usable meanwhile. Cancel stops it between attempts.

Cancelling an export is honoured until the pack starts being written; after that the pack is
finished, which takes a moment (``packs_jobs.WriteGate`` decides which came first). The jobs
themselves and the data they hand back live in ``packs_jobs``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from desktop.core.paths import Paths
from desktop.core.secrets import SecretStore
from desktop.core.tasks import CancelToken, Progress
from desktop.ui.controllers import packs_jobs as jobs
from desktop.ui.controllers.packs_jobs import KeychainMissing, PacksData, StoreHolder, WriteGate
from desktop.ui.workers import Failure, ResourceWorker, Worker


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
      ``unlock_secrets(...)`` (the encrypted secrets file) or ``use_session_secrets()`` and ask again.
    * ``secrets_unlocked(str)``: the secrets file is open (for the action named); ``public_key_exported(str,
      str)``: the file written and the key's fingerprint.
    * ``failed(str, object)``: what was being done ('load', 'export', 'reexport', 'finetune',
      'verify', 'webhook', 'deliver', 'key', 'unlock') and a ``Failure``.
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
    secrets_unlocked = Signal(str)
    public_key_exported = Signal(str, str)
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
        self._export_gate: WriteGate | None = None
        self._export_job: int | None = None
        self._verify_workers: set[Worker] = set()
        self._delivery: Worker | None = None
        self._unlocking: Worker | None = None
        #: The profile's public key (base64) as last loaded: a verified pack says whether it signed it.
        self.own_public_key = ""
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
                lambda: StoreHolder(path), close=lambda holder: holder.close(), name="packs-store"
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
        if entry is None:  # the opening failed (e.g. a store from a newer version): say so once
            self._report("load", failure)
            return
        self._end_job(job_id)
        self._report(entry[0], failure)

    def _report(self, kind: str, failure: Failure) -> None:
        """``failed(kind, failure)``, keeping a failure that was a bug for the smoke test and logs."""
        if failure.is_bug:
            self.bugs.append(failure)
        self.failed.emit(kind, failure)

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
        secrets, secrets_file = self.secrets, self.paths.secrets_file
        self._load_job = self._submit(
            "load", lambda holder, _cancel: jobs.load_data(holder, secrets, secrets_file), self._on_loaded
        )

    def _on_loaded(self, data: PacksData) -> None:
        self.own_public_key = data.public_key
        if not self._load_again:  # a newer load follows: show only the latest
            self.loaded.emit(data)

    def preview_export(self) -> None:
        """Work out what the next pack would hold (``preview_ready``), before asking where to save it."""
        self._submit("preview", lambda holder, _cancel: jobs.preview(holder), self.preview_ready.emit)

    # --- exporting -------------------------------------------------------------------------------
    def is_exporting(self) -> bool:
        return self._export_job is not None

    def export(self, out: str | Path, *, redact: bool, overwrite: bool = False) -> bool:
        """Export every waiting approved reply to ``out``; False when an export is already running."""
        if self._export_job is not None or self._closed:
            return False
        gate = WriteGate()
        secrets = self.secrets
        path = Path(out)
        job_id = self._submit(
            "export",
            lambda holder, _cancel: jobs.export(holder, gate, path, redact, overwrite, secrets),
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
            lambda holder, _cancel: jobs.reexport(holder, export_id, path, overwrite, secrets),
            self._on_reexported,
        )

    def _on_reexported(self, summary: Any) -> None:
        self.reexported.emit(summary)
        self.refresh()

    def count_finetune(self) -> None:
        """How many approved (message, reply) pairs a fine-tuning file would hold (``finetune_counted``)."""
        self._submit(
            "finetune", lambda holder, _cancel: jobs.count_finetune(holder), self.finetune_counted.emit
        )

    def export_finetune(self, out: str | Path, *, redact: bool) -> None:
        path = Path(out)
        self._submit(
            "finetune",
            lambda holder, _cancel: jobs.write_finetune(holder, path, redact),
            self._on_finetune_written,
        )

    def _on_finetune_written(self, result: tuple[str, int]) -> None:
        self.finetune_written.emit(*result)

    # --- verifying -------------------------------------------------------------------------------
    def verify(self, path: str | Path) -> None:
        """Check a pack file's checksums and signature (``verified``)."""
        if self._closed:
            return
        secrets, own_key = self.secrets, self.own_public_key
        target = str(path)
        worker = Worker(lambda _cancel: jobs.verify(target, secrets, own_key), name="verify-pack")
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
        self._report("verify", failure)

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
            lambda holder, _cancel: jobs.save_webhook(holder, url, enabled, token, forget_token, secrets),
            self.webhook_saved.emit,
        )

    def is_delivering(self) -> bool:
        return self._delivery is not None

    def deliver(self) -> bool:
        """Send every approved reply not yet delivered to the webhook; False when a run is in progress."""
        if self._delivery is not None or self._closed:
            return False
        path, secrets = self.store_path, self.secrets
        worker = Worker(lambda cancel: jobs.deliver(path, secrets, cancel), name="webhook-delivery")
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
        self._report("deliver", failure)

    @Slot()
    def _on_delivery_cancelled(self) -> None:
        self.delivery_cancelled.emit()

    @Slot()
    def _on_delivery_stopped(self) -> None:
        self._delivery = None
        self.refresh()  # the log grew

    # --- the signing key and secrets --------------------------------------------------------------
    def export_public_key(self, out: str | Path) -> None:
        """Write the profile's public key (made if new) to ``out``: ``public_key_exported``."""
        secrets, path = self.secrets, Path(out)
        self._submit(
            "key",
            lambda holder, _cancel: jobs.export_public_key(holder, path, secrets),
            self._on_public_key_exported,
        )

    def _on_public_key_exported(self, result: tuple[str, str]) -> None:
        self.public_key_exported.emit(*result)
        self.refresh()  # the fingerprint shows once the key exists

    def use_session_secrets(self) -> None:
        """The creator chose to keep keys and tokens for this session only (no keychain on this computer)."""
        self.secrets = SecretStore(session_only=True)

    def unlock_secrets(self, passphrase: str, *, create: bool, action: str) -> None:
        """Open (``create``: make) the secrets file off the GUI thread (scrypt takes a moment)."""
        if self._closed or self._unlocking is not None:
            return
        path = self.paths.secrets_file

        def job(_cancel: CancelToken) -> str:
            jobs.unlock_secrets(path, passphrase, create)
            return action

        worker = Worker(job, name="unlock-secrets")
        worker.finished.connect(self._on_unlocked)
        worker.failed.connect(self._on_unlock_failed)
        worker.stopped.connect(self._on_unlock_stopped)
        self._unlocking = worker
        worker.start()

    @Slot(object)
    def _on_unlocked(self, action: str) -> None:
        self.secrets = SecretStore()  # the unlocked file keeps what a session-only store would have lost
        self.secrets_unlocked.emit(action)

    @Slot(object)
    def _on_unlock_failed(self, failure: Failure) -> None:
        self._report("unlock", failure)

    @Slot()
    def _on_unlock_stopped(self) -> None:
        self._unlocking = None

    # --- shutdown ----------------------------------------------------------------------------------
    def is_busy(self) -> bool:
        return bool(self._jobs or self._verify_workers) or (self._delivery or self._unlocking) is not None

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
        for worker in [*self._verify_workers, *([self._unlocking] if self._unlocking else [])]:
            stopped = worker.wait(timeout_ms) and stopped
        if self.store_worker is not None:
            stopped = self.store_worker.shutdown(timeout_ms) and stopped
        return stopped
