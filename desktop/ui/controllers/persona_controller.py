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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from desktop.core.paths import Paths
from desktop.core.persona.model import Persona
from desktop.core.tasks import CancelToken
from desktop.ui.controllers.persona_jobs import (
    Job,
    PersonaState,
    Saved,
    load_job,
    profile_job,
    recovery_job,
    restore_job,
    save_job,
    write_recovery,
)
from desktop.ui.workers import Failure, Worker

#: The recovery file of unsaved edits, in the profile's folder.
UNSAVED_FILE = "persona-unsaved.json"
#: How long after the last edit the recovery file is written.
RECOVERY_DELAY_MS = 800


class PersonaController(QObject):
    """Reads and writes the persona and the style profile on workers; lives in the GUI thread.

    Signals (all in the GUI thread): ``loading(object)`` (a ``Progress`` while the profile is
    read), ``busy_changed(bool)`` (a read or write started, or all ended), ``loaded(object)``
    (a ``PersonaState``), ``profile_loaded(object)`` (a ``ProfileData``, after an import),
    ``saved(object)`` (a ``Saved``), ``failed(str, object)`` (what was being done, a ``Failure``).
    """

    loading = Signal(object)
    busy_changed = Signal(bool)
    loaded = Signal(object)
    profile_loaded = Signal(object)
    saved = Signal(object)
    failed = Signal(str, object)

    def __init__(self, paths: Paths, profile: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.profile = profile
        self._read: Worker | None = None
        self._read_again: str | None = None  # "load" or "profile", asked for during a read
        self._write: Worker | None = None
        self._writes: list[tuple[str, Job]] = []
        self._recovery: Worker | None = None
        self._recovery_pending: tuple[Persona | None] | None = None
        self._recovery_timer = QTimer(self)
        self._recovery_timer.setSingleShot(True)
        self._recovery_timer.setInterval(RECOVERY_DELAY_MS)
        self._recovery_timer.timeout.connect(self._write_recovery)
        self._closed = False
        #: Failures that were bugs (for the smoke test and logs).
        self.bugs: list[Failure] = []

    @property
    def store_path(self) -> Path:
        return self.paths.profile(self.profile).store

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

    def is_reading(self) -> bool:
        return self._read is not None

    def _start_read(self, kind: str) -> None:
        if self._closed:
            return
        if self._read is not None:
            # One read at a time, the newest result only; a full load also covers a profile refresh
            # (and a load in flight is never dropped for a mere refresh: it runs again instead).
            running = self._read.property("what")
            self._read_again = "load" if "load" in (kind, self._read_again, running) else kind
            return
        job = load_job(self.store_path, self.unsaved_path) if kind == "load" else profile_job(self.store_path)
        self._read = _worker(job, f"persona-{kind}", kind, self._on_read_failed, self._on_read_stopped)
        self._read.progress.connect(self.loading)
        self._read.finished.connect(self._on_read_finished)
        self._read.start()
        self.busy_changed.emit(True)

    @Slot(object)
    def _on_read_finished(self, result: Any) -> None:
        if self._read_again is not None:
            return  # a newer read follows: show only that one
        if isinstance(result, PersonaState):
            self.loaded.emit(result)
        else:
            self.profile_loaded.emit(result)

    @Slot(object)
    def _on_read_failed(self, failure: Failure) -> None:
        self._note(failure)
        kind = self._read.property("what") if self._read is not None else "load"
        self.failed.emit("reading your persona" if kind == "load" else "reading your style", failure)

    @Slot()
    def _on_read_stopped(self) -> None:
        self._read = None
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
        return self._write is not None or bool(self._writes)

    def _create_store(self) -> Path:
        return self.paths.create_profile(self.profile).store

    def _queue_write(self, what: str, job: Job) -> None:
        if self._closed:
            return
        self._writes.append((what, job))
        self._pump()

    def _pump(self) -> None:
        if self._write is not None or not self._writes or self._closed:
            return
        what, job = self._writes.pop(0)
        self._write = _worker(job, "persona-write", what, self._on_write_failed, self._on_write_stopped)
        self._write.finished.connect(self._on_write_finished)
        self._write.start()
        self.busy_changed.emit(True)

    @Slot(object)
    def _on_write_finished(self, result: Saved) -> None:
        self.saved.emit(result)

    @Slot(object)
    def _on_write_failed(self, failure: Failure) -> None:
        self._note(failure)
        what = self._write.property("what") if self._write is not None else "saving your persona"
        self.failed.emit(str(what), failure)

    @Slot()
    def _on_write_stopped(self) -> None:
        self._write = None
        self._pump()
        self._report_busy()

    def _report_busy(self) -> None:
        if self._read is None and self._write is None:
            self.busy_changed.emit(False)

    # --- the recovery file ---------------------------------------------------------------------------
    def keep_unsaved(self, persona: Persona | None) -> None:
        """Remember ``persona`` as the unsaved edits (``None``: none), a moment later, off the GUI thread."""
        if self._closed:
            return
        self._recovery_pending = (copy.deepcopy(persona),)
        self._recovery_timer.start()

    @Slot()
    def _write_recovery(self) -> None:
        if self._recovery is not None or self._recovery_pending is None:
            return  # the running write calls back here when it ends
        (persona,), self._recovery_pending = self._recovery_pending, None
        job = recovery_job(self.unsaved_path, persona)
        self._recovery = _worker(
            job, "persona-recovery", "", self._on_recovery_failed, self._on_recovery_stopped
        )
        self._recovery.start()

    @Slot(object)
    def _on_recovery_failed(self, failure: Failure) -> None:
        self._note(failure)  # the edits are still on screen; the next edit tries again

    @Slot()
    def _on_recovery_stopped(self) -> None:
        self._recovery = None
        if self._recovery_pending is not None and not self._recovery_timer.isActive():
            self._write_recovery()

    def _note(self, failure: Failure) -> None:
        if failure.is_bug:
            self.bugs.append(failure)

    # --- shutdown ------------------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        """Finish the writes, cancel the reads, write pending unsaved edits, join every thread."""
        self._closed = True
        self._recovery_timer.stop()
        self._read_again = None
        if self._read is not None:
            self._read.cancel()
        workers = [w for w in (self._read, self._write, self._recovery) if w is not None]
        joined = all(worker.wait(timeout_ms) for worker in workers)
        # Saves asked for but not started yet still run, here: the creator pressed Save.
        for _what, job in self._writes:
            job(CancelToken())
        self._writes.clear()
        if self._recovery_pending is not None:
            # A few kilobytes, once, while the window closes: the edits must survive the exit.
            write_recovery(self.unsaved_path, self._recovery_pending[0])
            self._recovery_pending = None
        return joined


def _worker(
    job: Job, name: str, what: str, on_failed: Callable[[Failure], None], on_stopped: Callable[[], None]
) -> Worker:
    """A worker for ``job`` (not started yet) whose failures and end go to the controller's slots;
    its property ``what`` says what it is doing (a read's kind, a write's words)."""
    worker = Worker(job, name=name)
    worker.setProperty("what", what)
    worker.failed.connect(on_failed)
    worker.stopped.connect(on_stopped)
    return worker
