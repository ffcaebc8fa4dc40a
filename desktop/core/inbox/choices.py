"""The creator's choices among a draft's options, read back for the scorer to learn from.

Why here: the Inbox records every approval (``drafts.approved_at``), which option it was
(``drafts.chosen_position``) and whether it was edited; each option keeps the score parts it was
ranked with (its provenance's ``score``). ``choice_model`` fits the profile's weights from these.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from desktop.core.generation.choice_model import Choice, learned_weights
from desktop.core.store import Store
from desktop.core.store import drafts as draft_rows


def _parts(provenance: str | None) -> dict[str, float] | None:
    score = json.loads(provenance or "{}").get("score")
    parts = score.get("parts") if isinstance(score, Mapping) else None
    if not isinstance(parts, Mapping) or not parts:
        return None
    return {str(name): float(value) for name, value in parts.items()}


def recorded_choices(store: Store) -> list[Choice]:
    """One ``Choice`` per approved draft whose approved option and at least one other kept their
    score parts (a regenerated option, or a draft from before candidates, has none: skipped)."""
    choices: list[Choice] = []
    for draft_id, chosen_position, edited, provenance in draft_rows.approved_choices(store):
        by_position: dict[int, Any] = {1: _parts(provenance)}
        for position, raw in draft_rows.later_provenances(store, draft_id):
            by_position[position] = _parts(raw)
        kept = [(position, parts) for position, parts in sorted(by_position.items()) if parts is not None]
        positions = [position for position, _ in kept]
        if len(kept) < 2 or chosen_position not in positions:
            continue
        choices.append(
            Choice(tuple(parts for _, parts in kept), positions.index(chosen_position), bool(edited))
        )
    return choices


def profile_weights(store: Store) -> dict[str, float] | None:
    """The score weights refitted from this profile's choices, None until there are enough."""
    return learned_weights(recorded_choices(store))
