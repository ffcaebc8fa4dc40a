"""Persona presets ("friendly coach", "dry humour", "professional"): starting points, not voices.

They live in ``resources/personas/*.json`` at the repository root, beside ``desktop/``. The
folder is found relative to this package, which works in a source checkout and an editable
install; a frozen build finds it under ``sys._MEIPASS`` (the PyInstaller spec must collect
``resources/personas``), and ``UNDERSTUDY_PRESETS_DIR`` overrides both. A regular wheel does not
carry ``resources/``: packaging must add it as data files for such an install.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import KnownError
from desktop.core.persona.model import Persona

PRESETS_DIR_ENV = "UNDERSTUDY_PRESETS_DIR"


@dataclass(frozen=True)
class Preset:
    id: str
    """The file name without ``.json`` (``friendly_coach``)."""
    name: str
    description: str
    persona: Persona


def presets_dir() -> Path:
    """The folder holding the preset files."""
    override = os.environ.get(PRESETS_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources" / "personas"
    return Path(__file__).resolve().parents[3] / "resources" / "personas"


def _read(path: Path) -> Preset:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        meta = document.get("preset", {})
        persona = Persona.from_dict(document["persona"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KnownError(f"The persona preset {path.name} cannot be read: {exc}.") from exc
    return Preset(path.stem, str(meta.get("name", path.stem)), str(meta.get("description", "")), persona)


def list_presets() -> list[Preset]:
    """Every preset, by name."""
    folder = presets_dir()
    if not folder.is_dir():
        return []
    return sorted((_read(path) for path in folder.glob("*.json")), key=lambda p: p.name.lower())


def load_preset(name: str) -> Persona:
    """The preset's persona, by id (``friendly_coach``) or name ("Friendly coach", any case)."""
    wanted = name.strip().lower().replace(" ", "_").replace("-", "_")
    for preset in list_presets():
        if wanted in (preset.id.lower(), preset.name.lower().replace(" ", "_")):
            return preset.persona
    known = ", ".join(p.id for p in list_presets()) or "none found in " + str(presets_dir())
    raise KnownError(f"There is no persona preset '{name}'.", hint=f"Presets: {known}.")


def apply_preset(persona: Persona, preset: Persona) -> Persona:
    """``persona`` started over from ``preset``: its voice (sliders, style notes) replaces the
    current one, its boundaries are added to the creator's own, and who the creator is (name,
    facts, products, private facts, switches) is kept."""
    import copy

    result = copy.deepcopy(persona)
    result.sliders = dict(preset.sliders)
    result.style_notes = preset.style_notes
    bounds, extra = result.boundaries, preset.boundaries
    for name in ("avoid_topics", "never_say", "escalation_topics"):
        setattr(bounds, name, list(dict.fromkeys([*getattr(bounds, name), *getattr(extra, name)])))
    for topic, reply in extra.canned_replies.items():
        bounds.canned_replies.setdefault(topic, reply)
    for name in ("values", "goals"):
        merged = [*getattr(result.identity, name), *getattr(preset.identity, name)]
        setattr(result.identity, name, list(dict.fromkeys(merged)))
    return result
