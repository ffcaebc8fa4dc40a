"""The profile's drafting settings (options per draft, requests in flight), read and written on workers.

They live in the profile's own store (``desktop.core.store.settings``), and a SQLite connection
belongs to the thread that opened it, so each read or write opens the store inside its job, as
the persona controller does. A store that does not exist yet is not created just to look.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, SignalInstance

from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken
from desktop.ui.workers_tasks import AGAIN, ProfileTaskController

#: Reads and writes take turns: one job at a time on the profile's store.
STORE = "store"


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


class DraftingSettingsController(ProfileTaskController):
    """Reads and writes the two drafting settings; a write asked for during one runs after it."""

    #: A write is short and finishes at shutdown: the creator's value is kept.
    CANCEL_AT_SHUTDOWN = ()

    settings_loaded = Signal(object)  # DraftingSettings
    settings_saved = Signal(object)  # DraftingSettings, as read back
    settings_failed = Signal(object)  # Failure

    def __init__(self, paths: Paths, profile: str, parent: QObject | None = None) -> None:
        super().__init__(paths, profile, parent)
        self.settings: DraftingSettings | None = None

    def load(self) -> None:
        if self._tasks.busy(STORE):
            return
        paths, profile = self.paths, self.profile
        self._tasks.run(
            STORE,
            lambda cancel: _read(paths, profile),
            name="read-drafting-settings",
            on_done=self._done(self.settings_loaded),
            on_failed=self.settings_failed.emit,
        )

    def save(self, wanted: DraftingSettings) -> None:
        """Write both settings (the latest values win when writes come faster than the store)."""
        self._tasks.run(
            STORE,
            _write_job(self.paths, self.profile, wanted),
            when_busy=AGAIN,
            name="write-drafting-settings",
            on_done=self._done(self.settings_saved),
            on_failed=self.settings_failed.emit,
        )

    def _done(self, signal: SignalInstance) -> Callable[[DraftingSettings], None]:
        def done(settings: DraftingSettings) -> None:
            self.settings = settings
            signal.emit(settings)

        return done
