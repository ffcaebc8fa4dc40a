"""The persona data: 0-100 sliders, new boundaries and identity beside the fields others use."""

from __future__ import annotations

import json

from desktop.core.persona import DEFAULT_SLIDERS, SLIDER_NAMES, Boundaries, Persona
from desktop.core.persona.model import PERSONA_FORMAT, Product


def test_defaults_have_the_nine_sliders_on_0_100() -> None:
    persona = Persona()
    assert (
        list(persona.sliders)
        == list(SLIDER_NAMES)
        == [
            "length",
            "warmth",
            "formality",
            "humour",
            "energy",
            "emoji",
            "directness",
            "curiosity",
            "self_promotion",
        ]
    )
    assert all(0 <= v <= 100 for v in persona.sliders.values())
    assert persona.slider_fraction("emoji") == 0.3


def test_old_0_to_1_slider_data_reads_scaled_with_missing_sliders_added() -> None:
    old = {  # written before sliders went 0-100: five sliders, no "format"
        "display_name": "Mia",
        "sliders": {"warmth": 0.9, "length": 0.2, "emoji": 0.55, "humour": 0.4, "formality": 0.1},
        "boundaries": {"avoid_topics": ["politics"], "never_say": ["guaranteed"], "allow_promises": True},
        "facts": ["I coach strength training"],
        "style_notes": "short, lowercase",
    }
    persona = Persona.from_dict(old)
    assert persona.sliders == {
        **DEFAULT_SLIDERS,
        "warmth": 90.0,
        "length": 20.0,
        "emoji": 55.0,
        "humour": 40.0,
        "formality": 10.0,
    }
    assert persona.boundaries.avoid_topics == ["politics"] and persona.boundaries.allow_promises
    assert persona.boundaries.promise_allowed("discounts")  # the general switch covers every kind
    calibrated = Persona.from_dict(old, slider_defaults={"curiosity": 80.0, "energy": 12.0})
    assert (calibrated.sliders["curiosity"], calibrated.sliders["energy"], calibrated.sliders["warmth"]) == (
        80.0,
        12.0,
        90.0,
    )


def test_new_format_round_trips_and_small_values_stay_as_they_are() -> None:
    persona = Persona(display_name="Mia")
    persona.sliders["emoji"] = 1.0  # on 0-100: almost no emoji, not "100"
    persona.boundaries.private_facts = ["my street"]
    persona.boundaries.promises = {"meetups": False, "discounts": True}
    persona.boundaries.escalation_topics = ["injuries"]
    persona.boundaries.disclosure_position = "start"
    persona.identity.products = [Product("Strength plan", "https://example.com/plan")]
    persona.identity.links = ["https://example.com/plan", "https://youtube.com/@mia"]
    persona.example_dialogue = "Fan: hi\nMia: hey!"
    persona.extras = {"character_card": {"tags": ["x"]}}
    data = json.loads(persona.to_json())
    assert data["format"] == PERSONA_FORMAT
    again = Persona.from_json(persona.to_json())
    assert again == persona and again.sliders["emoji"] == 1.0
    assert again.allowed_links() == ["https://example.com/plan", "https://youtube.com/@mia"]
    assert not again.boundaries.promise_allowed("meetups") and again.boundaries.promise_allowed("discounts")
    assert not again.boundaries.promise_allowed("prices")  # follows allow_promises (False)


def test_fields_the_guard_uses_keep_their_names_and_bad_values_are_tamed() -> None:
    bounds = Boundaries.from_dict(
        {
            "avoid_topics": ["a"],
            "never_say": ["b"],
            "allow_personal_details": True,
            "disclose_ai": True,
            "disclosure_label": "AI",
            "canned_replies": {"a": "no"},
            "disclosure_position": "middle",
            "unknown": 1,
        }
    )
    assert (bounds.avoid_topics, bounds.never_say, bounds.allow_personal_details, bounds.disclose_ai) == (
        ["a"],
        ["b"],
        True,
        True,
    )
    assert (bounds.disclosure_label, bounds.canned_replies, bounds.disclosure_position) == (
        "AI",
        {"a": "no"},
        "end",
    )
    persona = Persona.from_dict({"sliders": {"emoji": 250, "energy": -3}, "format": 2})
    assert (persona.sliders["emoji"], persona.sliders["energy"]) == (100.0, 0.0)
    assert Persona.from_dict({}) == Persona()
