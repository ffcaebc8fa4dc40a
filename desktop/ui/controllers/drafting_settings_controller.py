"""The profile's drafting settings (options per draft, requests in flight), read and written on workers.

They live in the profile's own store (``desktop.core.store.settings``), and a SQLite connection
belongs to the thread that opened it, so each read or write opens the store inside its job, as
the persona controller does. A store that does not exist yet is not created just to look.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot

from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken
from desktop.ui.workers import Failure, Worker


@dataclass(frozen=True)
class DraftingSettings:
    candidates: int
    server_parallel: int


def _read(paths: Paths, profile: str) -> DraftingSettings:
    from desktop.core.generation import session as s
    from desktop.core.store import open_store
    from desktop.core.store.settings import read_int_setting

    store_path = paths.profile(profile).store
    if not store_path.exists():
        return DraftingSettings(s.DEFAULT_CANDIDATES, s.DEFAULT_SERVER_PARALLEL)
    with open_store(store_path) as store:
        return DraftingSettings(
            read_int_setting(store, s.CANDIDATES_SETTING, s.DEFAULT_CANDIDATES, 1, s.MAX_CANDIDATES),
            read_int_setting(
                store, s.SERVER_PARALLEL_SETTING, s.DEFAULT_SERVER_PARALLEL, 1, s.MAX_SERVER_PARALLEL
            ),
        )


def _write_job(paths: Paths, profile: str, wanted: DraftingSettings):
    def job(cancel: CancelToken) -> DraftingSettings:
        from desktop.core.generation import session as s
        from desktop.core.store import open_store
        from desktop.core.store.settings import write_setting

        with open_store(paths.create_profile(profile).store) as store:
            write_setting(store, s.CANDIDATES_SETTING, str(wanted.candidates))
            write_setting(store, s.SERVER_PARALLEL_SETTING, str(wanted.server_parallel))
        return _read(paths, profile)

    return job


class DraftingSettingsController(QObject):
    """Reads and writes the two drafting settings; a write asked for during one runs after it."""

    settings_loaded = Signal(object)  # DraftingSettings
    settings_saved = Signal(object)  # DraftingSettings, as read back
    settings_failed = Signal(object)  # Failure

    def __init__(self, paths: Paths, profile: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.profile = profile
        self.settings: DraftingSettings | None = None
        self._worker: Worker | None = None
        self._queued: DraftingSettings | None = None
        self._closed = False
        self.bugs: list[Failure] = []

    def load(self) -> None:
        if self._closed or self._worker is not None:
            return
        paths, profile = self.paths, self.profile
        self._run(Worker(lambda cancel: _read(paths, profile), name="read-drafting-settings"), saved=False)

    def save(self, wanted: DraftingSettings) -> None:
        """Write both settings (the latest values win when writes come faster than the store)."""
        if self._closed:
            return
        if self._worker is not None:
            self._queued = wanted
            return
        worker = Worker(_write_job(self.paths, self.profile, wanted), name="write-drafting-settings")
        self._run(worker, saved=True)

    def is_busy(self) -> bool:
        return self._worker is not None

    def _run(self, worker: Worker, *, saved: bool) -> None:
        worker.finished.connect(self._on_saved if saved else self._on_loaded)
        worker.failed.connect(self._on_failed)
        worker.stopped.connect(self._on_stopped)
        self._worker = worker
        worker.start()

    @Slot(object)
    def _on_loaded(self, settings: DraftingSettings) -> None:
        self.settings = settings
        self.settings_loaded.emit(settings)

    @Slot(object)
    def _on_saved(self, settings: DraftingSettings) -> None:
        self.settings = settings
        self.settings_saved.emit(settings)

    @Slot(object)
    def _on_failed(self, failure: Failure) -> None:
        if failure.is_bug:
            self.bugs.append(failure)
        self.settings_failed.emit(failure)

    @Slot()
    def _on_stopped(self) -> None:
        self._worker = None
        queued, self._queued = self._queued, None
        if queued is not None:
            self.save(queued)

    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        """Join the worker (a write is short and finishes: the creator's value is kept)."""
        self._closed = True
        worker = self._worker
        return worker is None or worker.wait(timeout_ms)
