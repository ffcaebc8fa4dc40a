"""The Persona page's store work off the GUI thread: reads, writes and the recovery file.

``PersonaController`` reads and writes the persona and the style profile on ``Worker`` threads,
running the jobs of ``persona_jobs`` (each opens its own store connection). Writes (save,
restore) run one at a time, in the order asked. The live preview is ``live_preview.LivePreview``.

The unsaved working copy is also kept in a small recovery file beside the store: closing the
app (or a crash) with unsaved edits brings them back next time, as unsaved edits. Why not save
them as a version on the way out: a version is what every draft uses, and a creator who was
only trying a slider should not find their clone changed. Why not ask on close: closing
should just close, and a crash would not ask anyway.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from desktop.core.paths import Paths
from desktop.core.persona.model import Persona
from desktop.core.tasks import CancelToken
from desktop.ui.controllers.persona_jobs import (
    Job,
    PersonaState,
    load_job,
    profile_job,
    recovery_job,
    restore_job,
    save_job,
    write_recovery,
)
from desktop.ui.workers_tasks import QUEUE, READ, ProfileTaskController

#: Reads, writes (one at a time, in order) and the recovery file run side by side.
WRITE, RECOVERY = "write", "recovery"
#: The recovery file of unsaved edits, in the profile's folder.
UNSAVED_FILE = "persona-unsaved.json"
#: How long after the last edit the recovery file is written.
RECOVERY_DELAY_MS = 800


class PersonaController(ProfileTaskController):
    """Reads and writes the persona and the style profile on workers; lives in the GUI thread.

    Signals (all in the GUI thread): ``loading(object)`` (a ``Progress`` while the profile is
    read), ``busy_changed(bool)`` (a read or write started, or all ended), ``loaded(object)``
    (a ``PersonaState``), ``profile_loaded(object)`` (a ``ProfileData``, after an import),
    ``saved(object)`` (a ``Saved``), ``failed(str, object)`` (what was being done, a ``Failure``).
    """

    #: Writes are left to finish when the window closes: the creator pressed Save.
    CANCEL_AT_SHUTDOWN = (READ,)

    loading = Signal(object)
    busy_changed = Signal(bool)
    loaded = Signal(object)
    profile_loaded = Signal(object)
    saved = Signal(object)
    failed = Signal(str, object)

    def __init__(self, paths: Paths, profile: str, parent: QObject | None = None) -> None:
        super().__init__(paths, profile, parent)
        #: What the running read is ("load" or "profile"), and what was asked for during it.
        self._reading: str | None = None
        self._read_again: str | None = None
        self._recovery_pending: tuple[Persona | None] | None = None
        self._recovery_timer = QTimer(self)
        self._recovery_timer.setSingleShot(True)
        self._recovery_timer.setInterval(RECOVERY_DELAY_MS)
        self._recovery_timer.timeout.connect(self._write_recovery)

    @property
    def unsaved_path(self) -> Path:
        return self.paths.profile(self.profile).root / UNSAVED_FILE

    # --- reads ------------------------------------------------------------------------------------
    def load(self) -> None:
        """Read the persona, its versions, the presets and the style profile; ``loaded`` follows."""
        self._start_read("load")

    def refresh_profile(self, *_finished_import: object) -> None:
        """Recompute the style profile (connected to the import controller's ``import_finished``)."""
        self._start_read("profile")

    def _start_read(self, kind: str) -> None:
        if self._tasks.closed:
            return
        if self._reading is not None:
            # One read at a time, the newest result only; a full load also covers a profile refresh
            # (and a load in flight is never dropped for a mere refresh: it runs again instead).
            self._read_again = "load" if "load" in (kind, self._read_again, self._reading) else kind
            return
        self._reading = kind
        job = load_job(self.store_path, self.unsaved_path) if kind == "load" else profile_job(self.store_path)
        what = "reading your persona" if kind == "load" else "reading your style"
        self._tasks.run(
            READ,
            job,
            name=f"persona-{kind}",
            on_progress=self.loading.emit,
            on_done=self._on_read_finished,
            on_failed=lambda failure: self.failed.emit(what, failure),
            on_ended=self._on_read_ended,
        )
        self.busy_changed.emit(True)

    def _on_read_finished(self, result: Any) -> None:
        if self._read_again is not None:
            return  # a newer read follows: show only that one
        if isinstance(result, PersonaState):
            self.loaded.emit(result)
        else:
            self.profile_loaded.emit(result)

    def _on_read_ended(self) -> None:
        self._reading = None
        again, self._read_again = self._read_again, None
        if again is not None:
            self._start_read(again)
        self._report_busy()

    # --- writes -------------------------------------------------------------------------------------
    def save(self, persona: Persona) -> None:
        """Save ``persona`` as a new version (the note is the diff); ``saved`` follows."""
        self._queue_write("saving your persona", save_job(self._create_store(), copy.deepcopy(persona)))

    def restore(self, version_id: int) -> None:
        """Make version ``version_id`` active again (as a new version); ``saved`` follows."""
        self._queue_write(f"restoring version {version_id}", restore_job(self._create_store(), version_id))

    def is_writing(self) -> bool:
        return self._tasks.busy(WRITE)

    def _queue_write(self, what: str, job: Job) -> None:
        """Writes run one at a time, in the order asked."""
        self._tasks.run(
            WRITE,
            job,
            when_busy=QUEUE,
            name="persona-write",
            on_started=lambda: self.busy_changed.emit(True),
            on_done=self.saved.emit,
            on_failed=lambda failure: self.failed.emit(what, failure),
            on_ended=self._report_busy,
        )

    def _report_busy(self) -> None:
        if not self._tasks.busy(READ) and not self._tasks.busy(WRITE):
            self.busy_changed.emit(False)

    # --- the recovery file ---------------------------------------------------------------------------
    def keep_unsaved(self, persona: Persona | None) -> None:
        """Remember ``persona`` as the unsaved edits (``None``: none), a moment later, off the GUI thread."""
        if self._tasks.closed:
            return
        self._recovery_pending = (copy.deepcopy(persona),)
        self._recovery_timer.start()

    @Slot()
    def _write_recovery(self) -> None:
        if self._tasks.busy(RECOVERY) or self._recovery_pending is None:
            return  # the running write calls back here when it ends
        (persona,), self._recovery_pending = self._recovery_pending, None
        # A failure is only noted (a bug): the edits are still on screen; the next edit tries again.
        self._tasks.run(
            RECOVERY,
            recovery_job(self.unsaved_path, persona),
            name="persona-recovery",
            on_ended=self._on_recovery_ended,
        )

    def _on_recovery_ended(self) -> None:
        if self._recovery_pending is not None and not self._recovery_timer.isActive():
            self._write_recovery()

    # --- shutdown ------------------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        """Finish the writes, cancel the reads, write pending unsaved edits, join every thread."""
        self._recovery_timer.stop()
        self._read_again = None
        # Saves asked for but not started yet still run, here: the creator pressed Save.
        unwritten = self._tasks.take_waiting(WRITE)
        joined = super().shutdown(timeout_ms)
        for job in unwritten:
            job(CancelToken())
        if self._recovery_pending is not None:
            # A few kilobytes, once, while the window closes: the edits must survive the exit.
            write_recovery(self.unsaved_path, self._recovery_pending[0])
            self._recovery_pending = None
        return joined
