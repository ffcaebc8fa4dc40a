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
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from desktop.core.paths import Paths
from desktop.core.secrets import SecretStore
from desktop.core.tasks import CancelToken
from desktop.ui.controllers import packs_jobs as jobs
from desktop.ui.controllers.packs_jobs import KeychainMissing, PacksData, StoreHolder, WriteGate
from desktop.ui.workers import OPEN_JOB, Failure
from desktop.ui.workers_resource import ResourceWorker
from desktop.ui.workers_tasks import ProfileTaskController

#: The webhook delivery and the secrets file's unlocking run one at a time each, beside the store thread.
DELIVER, UNLOCK = "deliver", "unlock"


class PacksController(ProfileTaskController):
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

    #: Sending to the webhook stops between attempts; a check or an unlock is left to finish.
    CANCEL_AT_SHUTDOWN = (DELIVER,)

    def __init__(self, paths: Paths, profile: str, parent: QObject | None = None) -> None:
        super().__init__(paths, profile, parent)
        self.secrets = SecretStore()
        self.store_worker: ResourceWorker | None = None
        self._loading = False
        self._load_again = False
        self._export_gate: WriteGate | None = None
        #: The profile's public key (base64) as last loaded: a verified pack says whether it signed it.
        self.own_public_key = ""

    # --- the store thread ------------------------------------------------------------------------
    def _store_worker(self) -> ResourceWorker:
        if self.store_worker is None:
            path = self.store_path
            worker = ResourceWorker(
                lambda: StoreHolder(path), close=lambda holder: holder.close(), name="packs-store"
            )
            worker.failed.connect(self._on_store_failed)
            self.store_worker = worker
            worker.start()
        return self.store_worker

    def _submit(
        self,
        kind: str,
        job: Callable[[StoreHolder], Any],
        handler: Callable[[Any], None],
        *,
        ended: Callable[[], None] = lambda: None,
        when_cancelled: Callable[[], None] = lambda: None,
        on_progress: Callable[[Any], None] = lambda _progress: None,
    ) -> bool:
        """Queue ``job(holder)`` (a ``packs_jobs`` function) on the store thread: ``handler(result)``,
        then ``ended()``.

        A failure is reported as ``failed(kind, ...)``, a missing keychain as ``keychain_missing``.
        """
        if self._tasks.closed:
            return False

        def done(result: Any) -> None:
            if isinstance(result, KeychainMissing):
                ended()
                self.keychain_missing.emit(kind, result.message)
                return
            handler(result)
            ended()

        def failed(failure: Failure) -> None:
            ended()
            self._report(kind, failure)

        def cancelled() -> None:
            ended()
            if not self._tasks.closed:
                when_cancelled()

        self._store_worker().submit(
            lambda holder, _cancel: job(holder),
            on_done=done,
            on_failed=failed,
            on_cancelled=cancelled,
            on_progress=on_progress,
        )
        return True

    @Slot(int, object)
    def _on_store_failed(self, job_id: int, failure: Failure) -> None:
        if job_id == OPEN_JOB:  # the opening failed (e.g. a store from a newer version): say so once
            self._report("load", failure)

    def _report(self, kind: str, failure: Failure) -> None:
        """``failed(kind, failure)``, keeping a failure that was a bug for the smoke test and logs."""
        if failure.is_bug:
            self.bugs.append(failure)
        self.failed.emit(kind, failure)

    # --- reading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Load the page's data; a request while a load waits or runs is served by one more load after it."""
        if self._loading:
            self._load_again = True
            return
        self._loading = self._submit(
            "load",
            partial(jobs.load_data, secrets=self.secrets, secrets_file=self.paths.secrets_file),
            self._on_loaded,
            ended=self._on_load_ended,
        )

    def _on_loaded(self, data: PacksData) -> None:
        self.own_public_key = data.public_key
        if not self._load_again:  # a newer load follows: show only the latest
            self.loaded.emit(data)

    def _on_load_ended(self) -> None:
        self._loading = False
        if self._load_again:
            self._load_again = False
            self.refresh()

    def preview_export(self) -> None:
        """Work out what the next pack would hold (``preview_ready``), before asking where to save it."""
        self._submit("preview", jobs.preview, self.preview_ready.emit)

    # --- exporting -------------------------------------------------------------------------------
    def is_exporting(self) -> bool:
        return self._export_gate is not None

    def export(self, out: str | Path, *, redact: bool, overwrite: bool = False) -> bool:
        """Export every waiting approved reply to ``out``; False when an export is already running."""
        if self._export_gate is not None or self._tasks.closed:
            return False
        gate = self._export_gate = WriteGate()

        def ended() -> None:
            self._export_gate = None

        self._submit(
            "export",
            partial(
                jobs.export,
                gate=gate,
                out=Path(out),
                redact=redact,
                overwrite=overwrite,
                secrets=self.secrets,
            ),
            self._on_exported,
            ended=ended,
            on_progress=self.export_progress.emit,
            when_cancelled=self.export_cancelled.emit,
        )
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
        job = partial(
            jobs.reexport, export_id=export_id, out=Path(out), overwrite=overwrite, secrets=self.secrets
        )
        self._submit("reexport", job, self._on_reexported)

    def _on_reexported(self, summary: Any) -> None:
        self.reexported.emit(summary)
        self.refresh()

    def count_finetune(self) -> None:
        """How many approved (message, reply) pairs a fine-tuning file would hold (``finetune_counted``)."""
        self._submit("finetune", jobs.count_finetune, self.finetune_counted.emit)

    def export_finetune(self, out: str | Path, *, redact: bool) -> None:
        job = partial(jobs.write_finetune, out=Path(out), redact=redact)
        self._submit("finetune", job, self._on_finetune_written)

    def _on_finetune_written(self, result: tuple[str, int]) -> None:
        self.finetune_written.emit(*result)

    # --- verifying -------------------------------------------------------------------------------
    def verify(self, path: str | Path) -> None:
        """Check a pack file's checksums and signature (``verified``); checks run side by side."""
        secrets, own_key = self.secrets, self.own_public_key
        target = str(path)
        self._tasks.run(
            None,
            lambda _cancel: jobs.verify(target, secrets, own_key),
            name="verify-pack",
            on_done=lambda result: self.verified.emit(*result),
            on_failed=lambda failure: self.failed.emit("verify", failure),
        )

    # --- the webhook connector ---------------------------------------------------------------------
    def save_webhook(
        self, url: str, enabled: bool, *, token: str | None = None, forget_token: bool = False
    ) -> None:
        """Save the address and switch; a new ``token`` goes to the keychain only (``webhook_saved``)."""
        save = partial(jobs.save_webhook, url=url, enabled=enabled, token=token, secrets=self.secrets)
        self._submit("webhook", partial(save, forget_token=forget_token), self.webhook_saved.emit)

    def is_delivering(self) -> bool:
        return self._tasks.busy(DELIVER)

    def deliver(self) -> bool:
        """Send every approved reply not yet delivered to the webhook; False when a run is in progress."""
        path, secrets = self.store_path, self.secrets
        return self._tasks.run(
            DELIVER,
            lambda cancel: jobs.deliver(path, secrets, cancel),
            name="webhook-delivery",
            on_started=self.delivery_started.emit,
            on_done=self.delivered.emit,
            on_failed=lambda failure: self.failed.emit("deliver", failure),
            on_cancelled=self.delivery_cancelled.emit,
            on_ended=self.refresh,  # the log grew
        )

    def cancel_delivery(self) -> None:
        self._tasks.cancel(DELIVER)

    # --- the signing key and secrets --------------------------------------------------------------
    def export_public_key(self, out: str | Path) -> None:
        """Write the profile's public key (made if new) to ``out``: ``public_key_exported``."""
        job = partial(jobs.export_public_key, out=Path(out), secrets=self.secrets)
        self._submit("key", job, self._on_public_key_exported)

    def _on_public_key_exported(self, result: tuple[str, str]) -> None:
        self.public_key_exported.emit(*result)
        self.refresh()  # the fingerprint shows once the key exists

    def use_session_secrets(self) -> None:
        """The creator chose to keep keys and tokens for this session only (no keychain on this computer)."""
        self.secrets = SecretStore(session_only=True)

    def unlock_secrets(self, passphrase: str, *, create: bool, action: str) -> None:
        """Open (``create``: make) the secrets file off the GUI thread (scrypt takes a moment)."""
        path = self.paths.secrets_file

        def job(_cancel: CancelToken) -> str:
            jobs.unlock_secrets(path, passphrase, create)
            return action

        self._tasks.run(
            UNLOCK,
            job,
            name="unlock-secrets",
            on_done=self._on_unlocked,
            on_failed=lambda failure: self.failed.emit("unlock", failure),
        )

    def _on_unlocked(self, action: str) -> None:
        self.secrets = SecretStore()  # the unlocked file keeps what a session-only store would have lost
        self.secrets_unlocked.emit(action)

    # --- shutdown ----------------------------------------------------------------------------------
    def is_busy(self) -> bool:
        store_busy = self.store_worker is not None and bool(self.store_worker.active_jobs())
        return store_busy or self._tasks.busy()

    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        """Stop every thread (window closing); False if one would not stop in time.

        An export past its point of no return finishes first (a moment), so no half-written pack is left.
        """
        self._load_again = False
        if self._export_gate is not None:
            self._export_gate.cancel()
        stopped = super().shutdown(timeout_ms)
        if self.store_worker is not None:
            stopped = self.store_worker.shutdown(timeout_ms) and stopped
        return stopped
