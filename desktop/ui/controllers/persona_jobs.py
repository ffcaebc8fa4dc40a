"""The Persona page's store work, as plain jobs for ``Worker`` threads, and what they hand back.

Each job opens its own store connection (a SQLite connection works only in the thread that
opened it) and returns a frozen dataclass: ``PersonaState`` (a full load), ``ProfileData`` (the
style profile after an import) or ``Saved`` (a save or a restore). The core is imported inside
the jobs, on the worker thread, to keep the app's start-up light. ``PersonaController`` runs
them; this module holds no Qt.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.persona.model import Persona
from desktop.core.store.persona_store import count_own_items
from desktop.core.store.records import latest_import_at
from desktop.core.tasks import CancelToken, Progress

Job = Callable[[CancelToken], Any]


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


# --- jobs (run on worker threads) ------------------------------------------------------------------


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


def load_job(store_path: Path, unsaved_path: Path) -> Job:
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


def profile_job(store_path: Path) -> Job:
    def job(cancel: CancelToken) -> Generator[Progress, None, ProfileData]:
        from desktop.core.store import open_store

        if not store_path.exists():
            return ProfileData()
        with open_store(store_path) as store:
            return (yield from _fresh_profile(store, cancel))

    return job


def save_job(store_path: Path, persona: Persona) -> Job:
    def job(cancel: CancelToken) -> Saved:
        from desktop.core.persona.versions import list_versions, save_persona
        from desktop.core.store import open_store

        with open_store(store_path) as store:
            version_id = save_persona(store, persona)  # the note is the diff from the active version
            versions = list_versions(store)
        note = next((v.note for v in versions if v.id == version_id), "")
        return Saved(version_id, persona, versions, note)

    return job


def restore_job(store_path: Path, version_id: int) -> Job:
    def job(cancel: CancelToken) -> Saved:
        from desktop.core.persona.versions import list_versions, restore_version
        from desktop.core.store import open_store

        with open_store(store_path) as store:
            active_id = restore_version(store, version_id)
            versions = list_versions(store)
        active = next(v for v in versions if v.id == active_id)
        return Saved(active_id, active.persona, versions, active.note)

    return job


def recovery_job(path: Path, persona: Persona | None) -> Job:
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
