"""The models folder and the keychain, as seen by the GUI: surveyed and set up on workers.

Reading GGUF headers, joining the 241 MB default model and probing the keychain all block,
so each runs on a ``Worker``; this controller lives in the GUI thread, owns those workers,
and re-emits their outcomes as signals that say what happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.core.models.manager import COPY, ModelManager
from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken
from desktop.ui.workers_tasks import TaskController

SETUP, KEYCHAIN, CHANGE = "setup", "keychain", "change"


@dataclass(frozen=True)
class ModelSurvey:
    """What the models folder holds, and what that means for the app."""

    models: list[Any] = field(default_factory=list)  # desktop.core.models.ModelFacts
    default_chat: str | None = None
    #: Default model file names absent (or unreadable) in the folder.
    missing_defaults: list[str] = field(default_factory=list)
    #: The generation model chosen for drafting (``ModelManager.active_name``), if known.
    chosen: str | None = None
    #: The model server chosen for drafting instead of a local model, if any.
    server: str | None = None

    @property
    def active_model(self) -> str | None:
        """The generation model drafts will use.

        The chosen one, else the default, else the first readable one.
        """
        usable = [m for m in self.models if not getattr(m, "error", None) and m.role == "generation"]
        for wanted in (self.chosen, self.default_chat):
            for facts in usable:
                if wanted and facts.file_name == wanted:
                    return facts.file_name
        return usable[0].file_name if usable else None


def survey_models(models_dir: Path, cancel: CancelToken) -> ModelSurvey:
    """Runs on a worker thread: list the models (reads GGUF headers) and compare with the defaults."""
    from desktop.core import models as core_models

    found = core_models.list_models(models_dir)
    readable = {m.file_name for m in found if not getattr(m, "error", None)}
    missing = [name for name in core_models.DEFAULT_MODELS if name not in readable]
    manager = ModelManager(_paths_of(models_dir))
    choice = manager.choice()
    return ModelSurvey(
        models=found,
        default_chat=core_models.DEFAULT_CHAT_MODEL,
        missing_defaults=missing,
        chosen=manager.active_name,
        server=choice.name if choice.is_server else None,
    )


def _paths_of(models_dir: Path) -> Paths:
    """The base folder's ``Paths`` for a models folder (``Paths.models`` is always ``base/models``)."""
    return Paths(Path(models_dir).parent)


# --- the creator's changes to the models folder (each runs whole on a worker) ------------------
@dataclass(frozen=True)
class ModelChange:
    """What a finished change did: ``kind`` is "add", "activate" or "remove"."""

    kind: str
    file_name: str
    message: str


def _add_job(models_dir: Path, source: Path, how: str):
    def job(cancel: CancelToken) -> ModelChange:
        # Validating reads the header; copying a 5 GB file takes minutes: never on the GUI thread.
        facts = ModelManager(_paths_of(models_dir)).add(source, how=how)
        done = "linked into" if how != COPY else "copied into"
        return ModelChange("add", facts.file_name, f"{facts.file_name} was {done} the models folder.")

    return job


def _activate_job(models_dir: Path, file_name: str):
    def job(cancel: CancelToken) -> ModelChange:
        facts = ModelManager(_paths_of(models_dir)).set_active(file_name)
        return ModelChange("activate", facts.file_name, f"Drafts will now be written by {facts.file_name}.")

    return job


def _remove_job(models_dir: Path, file_name: str):
    def job(cancel: CancelToken) -> ModelChange:
        manager = ModelManager(_paths_of(models_dir))
        manager.remove(file_name, running=manager.active_name)
        return ModelChange("remove", file_name, f"{file_name} was removed from the models folder.")

    return job


def _setup_job(models_dir: Path):
    def job(cancel: CancelToken):
        from desktop.core import models as core_models

        return core_models.ensure_default_models(models_dir, cancel)

    return job


def _keychain_job(secrets_file: Path | None, cancel: CancelToken) -> Any:
    from desktop.core.secrets import keyring_status

    return keyring_status(secrets_file)


class ModelsController(TaskController):
    """Surveys the models folder, sets up the default models, checks the keychain."""

    survey_started = Signal()
    models_surveyed = Signal(object)  # ModelSurvey
    survey_failed = Signal(object)  # Failure
    setup_started = Signal()
    setup_progress = Signal(object)  # Progress
    setup_finished = Signal()
    setup_failed = Signal(object)  # Failure
    setup_cancelled = Signal()
    keychain_checked = Signal(object)  # desktop.core.secrets.KeyringStatus
    keychain_failed = Signal(object)  # Failure
    change_started = Signal(str)  # what is being done, in plain words
    change_finished = Signal(object)  # ModelChange
    change_failed = Signal(object)  # Failure
    #: The model chosen for drafting changed (its file name); the next survey shows it too.
    active_changed = Signal(str)

    def __init__(
        self, models_dir: Path, parent: QObject | None = None, *, secrets_file: Path | None = None
    ) -> None:
        super().__init__(parent)
        self.models_dir = Path(models_dir)
        self.secrets_file = (
            secrets_file  # where a locked encrypted secrets file would be: the keychain line says so
        )
        self.survey: ModelSurvey | None = None

    # --- survey ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Survey the models folder (again); a request during a survey runs once it ends."""
        job = partial(survey_models, self.models_dir)
        self._reread(job, "survey-models", self.survey_started, self._on_survey_finished, self.survey_failed)

    def is_surveying(self) -> bool:
        return self.is_reading()

    def _on_survey_finished(self, survey: ModelSurvey) -> None:
        self.survey = survey
        self.models_surveyed.emit(survey)

    # --- set-up of the default models ---------------------------------------------------------
    def start_setup(self) -> None:
        self._tasks.run(
            SETUP,
            _setup_job(self.models_dir),
            name="setup-default-models",
            on_started=self.setup_started.emit,
            on_progress=self.setup_progress.emit,
            on_done=lambda _result: self.setup_finished.emit(),
            on_failed=self.setup_failed.emit,
            on_cancelled=self.setup_cancelled.emit,
            on_ended=self.refresh,  # whatever happened, show what the folder now holds
        )

    def cancel_setup(self) -> None:
        self._tasks.cancel(SETUP)

    def is_setting_up(self) -> bool:
        return self._tasks.busy(SETUP)

    # --- keychain ------------------------------------------------------------------------------
    def check_keychain(self) -> None:
        self._tasks.run(
            KEYCHAIN,
            partial(_keychain_job, self.secrets_file),
            name="check-keychain",
            on_done=self.keychain_checked.emit,
            on_failed=self.keychain_failed.emit,
        )

    # --- the creator's changes: add, choose, remove ----------------------------------------------
    def add_model(self, source: Path, how: str = COPY) -> bool:
        """Validate and add the GGUF ``source`` (copy or link); False if another change is running."""
        name = Path(source).name
        verb = "Checking and copying" if how == COPY else "Checking and linking"
        return self._start_change(
            _add_job(self.models_dir, Path(source), how), f"{verb} {name}…", "add-model"
        )

    def set_active_model(self, file_name: str) -> bool:
        """Make ``file_name`` the model that drafts replies (checked first)."""
        return self._start_change(
            _activate_job(self.models_dir, file_name), f"Checking {file_name}…", "activate-model"
        )

    def remove_model(self, file_name: str) -> bool:
        """Delete ``file_name`` from the models folder (never the active one)."""
        return self._start_change(
            _remove_job(self.models_dir, file_name), f"Removing {file_name}…", "remove-model"
        )

    def is_changing(self) -> bool:
        return self._tasks.busy(CHANGE)

    def _start_change(self, job: Any, message: str, name: str) -> bool:
        return self._tasks.run(
            CHANGE,
            job,
            name=name,
            on_started=lambda: self.change_started.emit(message),
            on_done=self._on_change_finished,
            on_failed=self.change_failed.emit,
            on_ended=self.refresh,  # whatever happened, show what the folder now holds
        )

    def _on_change_finished(self, change: ModelChange) -> None:
        self.change_finished.emit(change)
        if change.kind == "activate":
            self.active_changed.emit(change.file_name)
