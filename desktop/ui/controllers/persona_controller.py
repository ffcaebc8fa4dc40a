"""The Persona page's work off the GUI thread: store reads and writes, and the live preview.

``PersonaController`` reads and writes the persona and the style profile on ``Worker`` threads,
each job opening its own store connection (a SQLite connection works only in its own thread).
Writes (save, restore) run one at a time, in the order asked.

``LivePreview`` re-drafts a few sample messages with the *working* (unsaved) persona a moment
after it stops changing, on the model thread of the ``DraftingController``. A change cancels
the drafts being written at once; the new round starts only once the cancelled job has ended,
so preview jobs never pile up behind each other on the model thread.

The unsaved working copy is also kept in a small recovery file beside the store: closing the
app (or a crash) with unsaved edits brings them back next time, as unsaved edits. Why not save
them as a version on the way out: a version is what every draft uses, and a creator who was
only trying a slider should not find their clone changed. Why not ask on close: closing
should just close, and a crash would not ask anyway.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from desktop.core.paths import Paths
from desktop.core.persona.model import Persona
from desktop.core.store.persona_store import count_own_items
from desktop.core.store.records import latest_import_at
from desktop.core.tasks import CancelToken, Progress
from desktop.ui.controllers.drafting_controller import FAILED, READY, DraftingController
from desktop.ui.workers import Failure, Worker

#: The recovery file of unsaved edits, in the profile's folder.
UNSAVED_FILE = "persona-unsaved.json"
#: How long after the last edit the recovery file is written.
RECOVERY_DELAY_MS = 800
#: How long after the last change the live preview re-drafts.
PREVIEW_DELAY_MS = 600
#: Tokens per preview draft: enough for the longest length setting to show.
PREVIEW_MAX_TOKENS = 110


@dataclass(frozen=True)
class ProfileData:
    """The style profile (``None``: nothing of the creator's imported yet) and what it implies."""

    profile: Any = None  # desktop.core.persona.style.StyleProfile
    calibrated: dict[str, float] = field(default_factory=dict)
    platform_labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PersonaState:
    """What the page edits: the active version, every version, the presets, and the profile."""

    version_id: int | None
    persona: Persona
    """The active version's persona (before the first save: calibrated from the profile)."""
    versions: list[Any]  # desktop.core.persona.versions.PersonaVersion, newest first
    presets: list[Any]  # desktop.core.persona.presets.Preset
    profile: ProfileData
    unsaved: Persona | None = None
    """Unsaved edits recovered from the last session, when they differ from the active version."""


@dataclass(frozen=True)
class Saved:
    """A save or a restore went through: the active version now, and every version."""

    version_id: int
    persona: Persona
    versions: list[Any]
    note: str


# --- jobs (run on worker threads; the core is imported there to keep start-up light) -------------


def _profile_is_current(store: Any, profile: Any) -> bool:
    """Whether a saved profile still describes the store: no import since, same own items."""
    owned = count_own_items(store)
    last_import = latest_import_at(store)
    counted = (
        profile.own_items or profile.items + profile.skipped_empty
    )  # older saved profiles lack own_items
    return counted == owned and profile.computed_at >= last_import


def _fresh_profile(store: Any, cancel: CancelToken) -> Generator[Progress, None, ProfileData]:
    """The saved style profile, recomputed (and saved) first when an import changed the store."""
    from desktop.core.importers.registry import importers
    from desktop.core.persona.style import (
        calibrated_sliders,
        iter_style_profile,
        load_style_profile,
        save_style_profile,
    )

    profile = load_style_profile(store)
    if profile is None or not _profile_is_current(store, profile):
        profile = yield from iter_style_profile(store, cancel)
        save_style_profile(store, profile)
    labels = {platform: importer.label for platform, importer in importers().items()}
    if not profile.items:
        return ProfileData(None, calibrated_sliders(profile), labels)
    return ProfileData(profile, calibrated_sliders(profile), labels)


def _read_unsaved(path: Path) -> Persona | None:
    try:
        return Persona.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, AttributeError):
        return None  # a damaged recovery file is not worth an error: the versions are intact


def _load_job(store_path: Path, unsaved_path: Path) -> Callable[[CancelToken], Any]:
    def job(cancel: CancelToken) -> Generator[Progress, None, PersonaState]:
        from desktop.core.persona.model import DEFAULT_SLIDERS
        from desktop.core.persona.presets import list_presets
        from desktop.core.persona.versions import list_versions, load_persona_for_editing
        from desktop.core.store import open_store

        presets = list_presets()
        unsaved = _read_unsaved(unsaved_path)
        if not store_path.exists():  # nothing imported or saved yet: do not create a store just to look
            default = Persona(sliders=dict(DEFAULT_SLIDERS))
            return PersonaState(None, default, [], presets, ProfileData(), unsaved)
        with open_store(store_path) as store:
            profile = yield from _fresh_profile(store, cancel)
            version_id, persona = load_persona_for_editing(store)
            versions = list_versions(store)
        if unsaved is not None and unsaved.to_dict() == persona.to_dict():
            unsaved = None
        return PersonaState(version_id, persona, versions, presets, profile, unsaved)

    return job


def _profile_job(store_path: Path) -> Callable[[CancelToken], Any]:
    def job(cancel: CancelToken) -> Generator[Progress, None, ProfileData]:
        from desktop.core.store import open_store

        if not store_path.exists():
            return ProfileData()
        with open_store(store_path) as store:
            return (yield from _fresh_profile(store, cancel))

    return job


def _save_job(store_path: Path, persona: Persona) -> Callable[[CancelToken], Any]:
    def job(cancel: CancelToken) -> Saved:
        from desktop.core.persona.versions import list_versions, save_persona
        from desktop.core.store import open_store

        with open_store(store_path) as store:
            version_id = save_persona(store, persona)  # the note is the diff from the active version
            versions = list_versions(store)
        note = next((v.note for v in versions if v.id == version_id), "")
        return Saved(version_id, persona, versions, note)

    return job


def _restore_job(store_path: Path, version_id: int) -> Callable[[CancelToken], Any]:
    def job(cancel: CancelToken) -> Saved:
        from desktop.core.persona.versions import list_versions, restore_version
        from desktop.core.store import open_store

        with open_store(store_path) as store:
            active_id = restore_version(store, version_id)
            versions = list_versions(store)
        active = next(v for v in versions if v.id == active_id)
        return Saved(active_id, active.persona, versions, active.note)

    return job


def _recovery_job(path: Path, persona: Persona | None) -> Callable[[CancelToken], Any]:
    def job(cancel: CancelToken) -> None:
        write_recovery(path, persona)

    return job


def write_recovery(path: Path, persona: Persona | None) -> None:
    """Keep ``persona`` as the unsaved edits (``None``: there are none), written atomically."""
    if persona is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(persona.to_json(), encoding="utf-8")
    os.replace(partial, path)


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
        self._writes: list[tuple[str, Callable[[CancelToken], Any]]] = []
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
            running = self._read.property("kind")
            self._read_again = "load" if "load" in (kind, self._read_again, running) else kind
            return
        job = (
            _load_job(self.store_path, self.unsaved_path) if kind == "load" else _profile_job(self.store_path)
        )
        worker = Worker(job, name=f"persona-{kind}")
        worker.setProperty("kind", kind)
        worker.progress.connect(self.loading)
        worker.finished.connect(self._on_read_finished)
        worker.failed.connect(self._on_read_failed)
        worker.stopped.connect(self._on_read_stopped)
        self._read = worker
        worker.start()
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
        kind = self._read.property("kind") if self._read is not None else "load"
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
        self._queue_write("saving your persona", _save_job(self._create_store(), copy.deepcopy(persona)))

    def restore(self, version_id: int) -> None:
        """Make version ``version_id`` active again (as a new version); ``saved`` follows."""
        self._queue_write(f"restoring version {version_id}", _restore_job(self._create_store(), version_id))

    def is_writing(self) -> bool:
        return self._write is not None or bool(self._writes)

    def _create_store(self) -> Path:
        return self.paths.create_profile(self.profile).store

    def _queue_write(self, what: str, job: Callable[[CancelToken], Any]) -> None:
        if self._closed:
            return
        self._writes.append((what, job))
        self._pump()

    def _pump(self) -> None:
        if self._write is not None or not self._writes or self._closed:
            return
        what, job = self._writes.pop(0)
        worker = Worker(job, name="persona-write")
        worker.setProperty("what", what)
        worker.finished.connect(self._on_write_finished)
        worker.failed.connect(self._on_write_failed)
        worker.stopped.connect(self._on_write_stopped)
        self._write = worker
        worker.start()
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
        worker = Worker(_recovery_job(self.unsaved_path, persona), name="persona-recovery")
        worker.failed.connect(self._on_recovery_failed)
        worker.stopped.connect(self._on_recovery_stopped)
        self._recovery = worker
        worker.start()

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


class LivePreview(QObject):
    """Re-drafts sample messages with the working persona, a moment after it stops changing.

    Call ``persona_changed`` on every edit: it cancels the drafts being written and (re)starts
    a ``PREVIEW_DELAY_MS`` single-shot timer; when it fires, the messages are drafted one after
    another, one model-thread job each. Only one preview job exists at a time.

    Signals (GUI thread; ``int`` is the message's index): ``outdated()`` (what is shown no longer
    matches the persona or messages), ``round_started()``, ``draft_started(int)``,
    ``text_streamed(int, str)``, ``attempt_restarted(int, object)`` (the guard sent an attempt
    back: the text so far is void), ``draft_finished(int, object)`` (a ``Draft``),
    ``draft_failed(int, object)``, ``status_changed(str)`` (what the preview is doing, in words).
    """

    outdated = Signal()
    round_started = Signal()
    draft_started = Signal(int)
    text_streamed = Signal(int, str)
    attempt_restarted = Signal(int, object)
    draft_finished = Signal(int, object)
    draft_failed = Signal(int, object)
    status_changed = Signal(str)

    def __init__(self, drafting: DraftingController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.drafting = drafting
        self.messages: list[str] = []
        self.max_tokens = PREVIEW_MAX_TOKENS
        self.active = False  # the page is shown
        self.enabled = True  # the creator wants live re-drafts
        self._persona: Persona | None = None  # the latest working persona (a private copy)
        self._round: list[int] = []  # message indexes still to draft in this round
        self._round_persona: Persona | None = None
        self._job = 0  # the preview job on the model thread (0: none)
        self._job_index = -1
        self._job_stale = False  # cancelled: its remaining output is ignored
        self._wanted = False  # a round should start as soon as the model (and the last job) allow
        #: Every job id this preview submitted, and those it cancelled (tests and logs read these).
        self.submitted: list[int] = []
        self.cancelled: list[int] = []
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(PREVIEW_DELAY_MS)
        self.timer.timeout.connect(self._on_timer)
        drafting.state_changed.connect(self._on_drafting_state)
        drafting.job_yielded.connect(self._on_job_yielded)
        drafting.job_finished.connect(self._on_job_finished)
        drafting.job_failed.connect(self._on_job_failed)
        drafting.job_cancelled.connect(self._on_job_cancelled)

    # --- requests (GUI thread) -------------------------------------------------------------------------
    def persona_changed(self, persona: Persona) -> None:
        """The working persona changed: stop what is being drafted, re-draft after a pause."""
        if self._persona is not None and persona.to_dict() == self._persona.to_dict():
            return  # e.g. a save: the voice did not change, the preview stands
        self._persona = copy.deepcopy(persona)  # the model thread reads it: never the editors' copy
        self._changed()

    def set_messages(self, messages: list[str]) -> None:
        if [m.strip() for m in messages] != self.messages:
            self.messages = [m.strip() for m in messages]
            self._changed()

    def set_active(self, active: bool) -> None:
        """The page was shown or hidden: drafts for a hidden page are a waste of the model."""
        self.active = active
        if not active:
            if self._job or self._round or self.timer.isActive():
                self._wanted = True  # unfinished: finish it when the page is back
            self._cancel_running()
            self.timer.stop()
        elif self._wanted or self._round:
            self._changed()

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        if enabled:
            self._changed()
        else:
            self._cancel_running()
            self.timer.stop()
            self._wanted = False
            self.status_changed.emit("Live preview is paused.")

    def redraft_now(self) -> None:
        """Re-draft at once (F5), without waiting for the pause."""
        self._cancel_running()
        self.timer.stop()
        self._on_timer()

    def is_busy(self) -> bool:
        return bool(self._job) or bool(self._round) or self.timer.isActive()

    def _changed(self) -> None:
        self._cancel_running()
        self._wanted = True
        self.outdated.emit()
        if self.active and self.enabled:
            self.timer.start()

    def _cancel_running(self) -> None:
        """Cancel the job being written and forget the rest of the round (never queued)."""
        self._round = []
        if self._job and not self._job_stale:
            self._job_stale = True
            self.cancelled.append(self._job)
            self.drafting.cancel_session_job(self._job)

    # --- the round -------------------------------------------------------------------------------------
    @Slot()
    def _on_timer(self) -> None:
        self._wanted = True
        self._start_round()

    def _start_round(self) -> None:
        if not (self.active and self.enabled and self._wanted) or self._persona is None:
            return
        if not any(self.messages):
            if self.messages:  # the creator emptied every sample
                self.status_changed.emit("Type a message to preview.")
            return
        if self._job:
            return  # the cancelled job is still ending; its end starts the round
        if self.drafting.state == FAILED:
            return
        if not self.drafting.is_ready():
            self.status_changed.emit("Loading the model for the live preview…")
            self.drafting.start()
            return
        self._wanted = False
        self._round_persona = self._persona
        self._round = [i for i, m in enumerate(self.messages) if m]
        self.round_started.emit()
        self._next()

    def _next(self) -> None:
        if not self._round:
            self._round_persona = None
            self.status_changed.emit("Preview up to date.")
            return
        index = self._round.pop(0)
        message, persona, max_tokens = self.messages[index], self._round_persona, self.max_tokens

        def job(session: Any, cancel: CancelToken) -> Any:  # runs on the model thread
            return session.draft(message, persona=persona, max_tokens=max_tokens, cancel=cancel)

        job_id = self.drafting.run_session_job(job)
        if not job_id:  # the model went away (shut down or failed): try again once it is back
            self._round = []
            self._wanted = True
            return
        self.submitted.append(job_id)
        self._job, self._job_index, self._job_stale = job_id, index, False
        self.draft_started.emit(index)
        self.status_changed.emit(f"Drafting sample {index + 1} of {len(self.messages)}…")

    def _job_ended(self) -> bool:
        """Forget the job that just ended; True when its outcome is still wanted."""
        stale = self._job_stale
        self._job, self._job_index, self._job_stale = 0, -1, False
        if stale:
            if not self.timer.isActive():
                self._start_round()  # the change that cancelled it is past its pause already
            return False
        return True

    # --- model-thread job signals (relayed by the controller: all in the GUI thread) -----------------
    @Slot(str)
    def _on_drafting_state(self, state: str) -> None:
        if state == READY and self._wanted and not self.timer.isActive():
            self._start_round()
        elif state == FAILED:
            self._round, self._job, self._job_stale = [], 0, False
            self._wanted = True  # a retry that loads the model re-drafts

    @Slot(int, list)
    def _on_job_yielded(self, job_id: int, items: list) -> None:
        if job_id != self._job or self._job_stale:
            return
        from desktop.core.generation.drafting import Regenerating

        text: list[str] = []
        for item in items:
            if isinstance(item, str):
                text.append(item)
            elif isinstance(item, Regenerating):
                if text:
                    self.text_streamed.emit(self._job_index, "".join(text))
                    text = []
                self.attempt_restarted.emit(self._job_index, item)
        if text:
            self.text_streamed.emit(self._job_index, "".join(text))

    @Slot(int, object)
    def _on_job_finished(self, job_id: int, draft: Any) -> None:
        if job_id != self._job:
            return
        index = self._job_index
        if self._job_ended():
            self.draft_finished.emit(index, draft)
            self._next()

    @Slot(int, object)
    def _on_job_failed(self, job_id: int, failure: Failure) -> None:
        if job_id != self._job:
            return
        index = self._job_index
        if self._job_ended():
            self.draft_failed.emit(index, failure)
            self._next()

    @Slot(int)
    def _on_job_cancelled(self, job_id: int) -> None:
        if job_id != self._job:
            return
        if not self._job_stale:  # cancelled from elsewhere (shutdown): start over when asked again
            self._round = []
            self._wanted = True
            self._job_stale = True
        self._job_ended()
