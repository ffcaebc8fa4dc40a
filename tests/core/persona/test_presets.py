"""Presets in resources/personas: found beside the package, loadable, and applied gently."""

from __future__ import annotations

from pathlib import Path

import pytest

import desktop
from desktop.core.errors import KnownError
from desktop.core.persona import SLIDER_NAMES, Persona
from desktop.core.persona.presets import PRESETS_DIR_ENV, apply_preset, list_presets, load_preset, presets_dir


def test_the_three_presets_load_with_every_slider() -> None:
    assert presets_dir() == Path(desktop.__file__).resolve().parent.parent / "resources" / "personas"
    presets = {p.id: p for p in list_presets()}
    assert set(presets) == {"friendly_coach", "dry_humour", "professional"}
    for preset in presets.values():
        assert preset.description and list(preset.persona.sliders) == list(SLIDER_NAMES)
    coach, dry, pro = (presets[k].persona for k in ("friendly_coach", "dry_humour", "professional"))
    assert coach.sliders["warmth"] > pro.sliders["warmth"] and dry.sliders["humour"] > pro.sliders["humour"]
    assert pro.sliders["formality"] > coach.sliders["formality"] and pro.sliders["emoji"] == 0
    assert load_preset("Friendly coach") == load_preset("friendly-coach") == coach


def test_applying_a_preset_keeps_who_the_creator_is() -> None:
    mine = Persona(display_name="Mia", facts=["I coach strength"])
    mine.boundaries.avoid_topics = ["my ex"]
    mine.boundaries.private_facts = ["Elm Street"]
    result = apply_preset(mine, load_preset("professional"))
    assert (result.display_name, result.facts, result.boundaries.private_facts) == (
        "Mia",
        ["I coach strength"],
        ["Elm Street"],
    )
    assert result.boundaries.avoid_topics == ["my ex", "politics", "religion"]
    assert result.sliders == load_preset("professional").sliders
    assert mine.boundaries.avoid_topics == ["my ex"]


def test_unknown_preset_and_override_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(KnownError, match="no persona preset 'pirate'"):
        load_preset("pirate")
    (tmp_path / "pirate.json").write_text(
        '{"preset": {"name": "Pirate"}, "persona": {"format": 2, "sliders": {"humour": 99}}}',
        encoding="utf-8",
    )
    monkeypatch.setenv(PRESETS_DIR_ENV, str(tmp_path))
    assert load_preset("pirate").sliders["humour"] == 99.0
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(KnownError, match="broken.json cannot be read"):
        list_presets()
