"""Persona versions: every saved change is a new row in ``persona_versions``, with a short diff.

The newest version is the active persona. Drafts record the version they were made with, so a
version is never edited or deleted; restoring an old one saves a copy of it as the newest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop.core.errors import KnownError
from desktop.core.persona.model import Persona
from desktop.core.store.persona_store import (
    latest_persona_version_row,
    persona_version_row,
    persona_version_rows,
)
from desktop.core.store.records import owner_display_name

if TYPE_CHECKING:
    from desktop.core.store import Store

NOTE_LIMIT = 240
"""A generated note longer than this is cut ("... and 3 more changes")."""

# Readable names for list and mapping fields in diffs ("added never-say 'guaranteed'").
_LABELS = {
    "facts": "fact",
    "boundaries.avoid_topics": "avoid-topic",
    "boundaries.never_say": "never-say",
    "boundaries.private_facts": "private fact",
    "boundaries.escalation_topics": "escalation topic",
    "boundaries.thanks_replies": "quick thanks",
    "boundaries.cheer_replies": "quick cheer",
    "boundaries.canned_replies": "canned reply for",
    "boundaries.promises": "promise",
    "identity.values": "value",
    "identity.goals": "goal",
    "identity.projects": "project",
    "identity.links": "link",
    "identity.products": "product",
    "extras": "extra",
}
_LONG_TEXT = 40  # longer texts are reported as "changed", not quoted


@dataclass(frozen=True)
class PersonaVersion:
    """One saved version, newest first in ``list_versions``."""

    id: int
    created_at: str
    note: str
    persona: Persona


def _label(key: str) -> str:
    if key in _LABELS:
        return _LABELS[key]
    return (
        key.removeprefix("sliders.").removeprefix("boundaries.").removeprefix("identity.").replace("_", " ")
    )


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return repr(value) if len(value) <= _LONG_TEXT else repr(value[: _LONG_TEXT - 1] + "…")
    if isinstance(value, dict) and "name" in value:  # a product
        return repr(value["name"])
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and path in {"sliders", "boundaries", "identity"}:
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def diff_personas(old: Persona, new: Persona) -> list[str]:
    """What changed from ``old`` to ``new``, one short line each ("emoji 30 -> 60")."""
    before, after = _flatten(old.to_dict()), _flatten(new.to_dict())
    lines: list[str] = []
    for key in list(dict.fromkeys([*before, *after])):
        if key == "format":
            continue
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        label = _label(key)
        if isinstance(a, list) or isinstance(b, list):
            a_list, b_list = list(a or []), list(b or [])
            lines.extend(f"added {label} {_show(v)}" for v in b_list if v not in a_list)
            lines.extend(f"removed {label} {_show(v)}" for v in a_list if v not in b_list)
            if sorted(map(_show, a_list)) == sorted(map(_show, b_list)):
                lines.append(f"reordered {label}s")
        elif isinstance(a, dict) or isinstance(b, dict):
            a_map, b_map = dict(a or {}), dict(b or {})
            for name in dict.fromkeys([*a_map, *b_map]):
                if name not in a_map:
                    value = "" if key.endswith("canned_replies") else f": {_show(b_map[name])}"
                    lines.append(f"added {label} {_show(name)}{value}")
                elif name not in b_map:
                    lines.append(f"removed {label} {_show(name)}")
                elif a_map[name] != b_map[name]:
                    if key.endswith("canned_replies"):
                        lines.append(f"changed {label} {_show(name)}")
                    else:
                        lines.append(f"{label} {name} {_show(a_map[name])} -> {_show(b_map[name])}")
        elif isinstance(a, str) and isinstance(b, str) and max(len(a), len(b)) > _LONG_TEXT:
            lines.append(f"changed {label}")
        else:
            lines.append(f"{label} {_show(a)} -> {_show(b)}")
    return lines


def summarize_changes(lines: list[str], limit: int = NOTE_LIMIT) -> str:
    """The diff lines as one note, cut to ``limit`` characters with a count of the rest."""
    if not lines:
        return "no changes"
    note = ""
    for index, line in enumerate(lines):
        candidate = f"{note}; {line}" if note else line
        rest = len(lines) - index - 1
        suffix = f"; and {rest} more change{'s' if rest != 1 else ''}" if rest else ""
        if len(candidate) + len(suffix) > limit and note:
            remaining = len(lines) - index
            return f"{note}; and {remaining} more change{'s' if remaining != 1 else ''}"
        note = candidate
    return note


def _row_to_version(row: tuple[Any, ...]) -> PersonaVersion:
    version_id, settings, created_at, note = row
    return PersonaVersion(int(version_id), created_at, note, Persona.from_dict(json.loads(settings)))


def load_active_persona(store: "Store") -> tuple[int | None, Persona]:
    """(id, persona) of the newest version, or (None, the default Persona named after the
    archive's owner) before the first save."""
    row = latest_persona_version_row(store)
    if row is None:
        owner = owner_display_name(store)
        return None, Persona(display_name=owner) if owner else Persona()
    version = _row_to_version(row)
    return version.id, version.persona


def load_persona_for_editing(store: "Store") -> tuple[int | None, Persona]:
    """Like ``load_active_persona``, but before the first save the sliders start where the
    creator already is: calibrated from the style profile (the saved one, or computed now)."""
    version_id, persona = load_active_persona(store)
    if version_id is None:
        from desktop.core.persona.style import calibrated_sliders, compute_style_profile, load_style_profile

        profile = load_style_profile(store) or compute_style_profile(store)
        persona.sliders = calibrated_sliders(profile)
    return version_id, persona


def get_version(store: "Store", version_id: int) -> PersonaVersion:
    row = persona_version_row(store, version_id)
    if row is None:
        raise KnownError(
            f"There is no persona version {version_id}.", hint="See `understudy persona history`."
        )
    return _row_to_version(row)


def list_versions(store: "Store") -> list[PersonaVersion]:
    """Every saved version, newest first."""
    return [_row_to_version(row) for row in persona_version_rows(store)]


def save_persona(store: "Store", persona: Persona, note: str = "") -> int:
    """Save ``persona`` as a new version if it differs from the active one; return the active id.

    Without a ``note``, the note is the short diff from the previous version (or from the
    default persona for the first save).
    """
    from desktop.core.store import save_persona_version

    current_id, current = load_active_persona(store)
    if current_id is not None and current.to_dict() == persona.to_dict():
        return current_id
    if not note:
        lines = diff_personas(current, persona)
        if current_id is None:
            prefix = "first version"
            note = f"{prefix}: {summarize_changes(lines, NOTE_LIMIT - len(prefix) - 2)}" if lines else prefix
        else:
            note = summarize_changes(lines)
    return save_persona_version(store, persona.to_dict(), note)


def restore_version(store: "Store", version_id: int) -> int:
    """Make version ``version_id`` active again by saving a copy of it as the newest version.

    Returns the new version's id (or the active id, when that version is already active).
    """
    version = get_version(store, version_id)
    return save_persona(store, version.persona, note=f"restored version {version_id}")
