"""Export and import: Understudy JSON, and Character Card V2 (chara_card_v2) both ways."""

from __future__ import annotations

import base64
import copy
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from desktop.core.errors import KnownError
from desktop.core.persona import Persona, Product
from desktop.core.persona.card import (
    EXTRAS_KEY,
    REQUIRED_FIELDS,
    export_persona,
    import_persona_file,
    persona_from_document,
    persona_to_card,
    validate_card,
)


def creator_persona() -> Persona:
    persona = Persona(
        display_name="Mia", style_notes="short, lowercase, lots of haha", facts=["I coach strength training"]
    )
    persona.sliders.update({"emoji": 70.0, "humour": 80.0})
    persona.boundaries.avoid_topics = ["politics"]
    persona.boundaries.canned_replies = {"politics": "i keep politics off here, sorry!"}
    persona.boundaries.never_say = ["guaranteed"]
    persona.boundaries.private_facts = ["I live on Elm Street"]
    persona.boundaries.promises = {"discounts": True}
    persona.boundaries.disclose_ai = True
    persona.identity.values = ["progress over perfection"]
    persona.identity.products = [Product("Strength plan", "https://example.com/plan", "12 weeks")]
    persona.example_dialogue = (
        "<START>\n{{user}}: what protein do you use?\n{{char}}: whey, nothing fancy haha"
    )
    return persona


def test_exported_card_has_every_required_field_with_the_right_type() -> None:
    card = persona_to_card(creator_persona(), version_id=7)
    assert validate_card(card) == []
    assert (card["spec"], card["spec_version"]) == ("chara_card_v2", "2.0")
    data = card["data"]
    assert set(REQUIRED_FIELDS) <= set(data)
    for name in (
        "name",
        "description",
        "personality",
        "scenario",
        "first_mes",
        "mes_example",
        "creator_notes",
        "system_prompt",
        "post_history_instructions",
        "creator",
        "character_version",
    ):
        assert isinstance(data[name], str), name
    assert all(isinstance(g, str) for g in data["alternate_greetings"]) and all(
        isinstance(t, str) for t in data["tags"]
    )
    assert isinstance(data["extensions"], dict) and data["character_version"] == "7"
    assert data["name"] == card["name"] == "Mia"  # V1 fields mirrored at the root
    assert (
        "strength training" in data["description"]
        and "Strength plan (https://example.com/plan)" in data["description"]
    )
    assert "short, lowercase" in data["personality"] and "plenty of emoji" in data["personality"]
    assert "never discusses: politics" in data["system_prompt"]
    assert "never promises prices, giveaways or meetups" in data["system_prompt"]  # discounts are allowed
    assert "https://example.com/plan" in data["system_prompt"]
    assert data["mes_example"].startswith("<START>")
    book = data["character_book"]
    assert [e["content"] for e in book["entries"]] == ["I coach strength training"]
    # Private facts never go into a card, in its text or in the embedded settings.
    assert "Elm Street" not in json.dumps(card)
    assert data["extensions"]["understudy"]["persona"]["sliders"]["humour"] == 80.0


def test_own_card_round_trips_everything_but_private_facts() -> None:
    persona = creator_persona()
    result = persona_from_document(json.loads(json.dumps(persona_to_card(persona))))
    expected = copy.deepcopy(persona)
    expected.boundaries.private_facts = []
    assert result.kind == "understudy" and result.persona == expected and result.problems == []


def test_json_export_is_a_complete_backup(tmp_path: Path) -> None:
    persona = creator_persona()
    path = export_persona(persona, tmp_path / "mia.json", format="json", version_id=3)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "understudy-persona" and document["persona_version"] == 3
    assert import_persona_file(path).persona == persona
    bare = tmp_path / "bare.json"
    bare.write_text(persona.to_json(), encoding="utf-8")
    assert import_persona_file(bare).persona == persona
    with pytest.raises(KnownError, match="Unknown export format"):
        export_persona(persona, tmp_path / "x", format="yaml")


def sillytavern_card() -> dict[str, Any]:
    """A card as SillyTavern writes it: V1 fields mirrored at the root, its own bookkeeping,
    extensions of its own and a character book (lorebook) with SillyTavern's entry extensions."""
    data = {
        "name": "Luna",
        "description": "{{char}} is a night-owl astronomy streamer who answers {{user}}'s questions about "
        "the sky.",
        "personality": "curious, gentle, nerdy; uses lots of space puns",
        "scenario": "{{user}} joins {{char}}'s late-night stream.",
        "first_mes": "*waves* Hey {{user}}! Perfect night for stargazing, isn't it?",
        "mes_example": "<START>\n{{user}}: what's that bright dot?\n{{char}}: That's Jupiter! Want to see "
        "its moons?",
        "creator_notes": "Best with a warm system prompt.",
        "system_prompt": "You are {{char}}. Never break character.",
        "post_history_instructions": "Keep replies under 80 words.",
        "alternate_greetings": ["Oh hi {{user}}! The moon is huge tonight."],
        "character_book": {
            "name": "Luna's sky",
            "scan_depth": 4,
            "token_budget": 512,
            "recursive_scanning": False,
            "extensions": {},
            "entries": [
                {
                    "id": 0,
                    "keys": ["jupiter", "moons"],
                    "secondary_keys": [],
                    "comment": "planets",
                    "content": "{{char}} owns an 8-inch Dobsonian telescope.",
                    "constant": False,
                    "selective": True,
                    "insertion_order": 100,
                    "enabled": True,
                    "position": "after_char",
                    "extensions": {
                        "position": 1,
                        "exclude_recursion": False,
                        "display_index": 0,
                        "probability": 100,
                        "useProbability": True,
                        "depth": 4,
                        "selectiveLogic": 0,
                        "group": "",
                    },
                }
            ],
        },
        "tags": ["astronomy", "streamer"],
        "creator": "stargazer42",
        "character_version": "1.2",
        "extensions": {
            "talkativeness": "0.5",
            "fav": False,
            "world": "Luna's sky",
            "depth_prompt": {"prompt": "Luna loves puns.", "depth": 4, "role": "system"},
        },
    }
    card: dict[str, Any] = {
        key: data[key]
        for key in ("name", "description", "personality", "scenario", "first_mes", "mes_example")
    }
    card.update(
        {
            "creatorcomment": data["creator_notes"],
            "avatar": "none",
            "chat": "Luna - 2024-5-1 @21h 03m 12s 345ms",
            "talkativeness": "0.5",
            "fav": False,
            "tags": data["tags"],
            "create_date": "2024-5-1 @21h 03m 12s 345ms",
            "spec": "chara_card_v2",
            "spec_version": "2.0",
            "data": data,
        }
    )
    return card


def test_a_card_from_another_tool_imports_with_a_report(tmp_path: Path) -> None:
    card = sillytavern_card()
    assert validate_card(card) == []
    path = tmp_path / "luna.json"
    path.write_text(json.dumps(card), encoding="utf-8")
    result = import_persona_file(path)
    persona = result.persona
    assert result.kind == "card_v2" and result.problems == []
    assert persona.display_name == "Luna"
    assert persona.style_notes == (
        "Personality: curious, gentle, nerdy; uses lots of space puns\n\n"
        "Description: Luna is a night-owl astronomy streamer who answers the fan's questions about the sky."
    )
    assert persona.example_dialogue.endswith("Luna: That's Jupiter! Want to see its moons?")
    assert persona.facts == [] and persona.sliders == Persona().sliders
    mapped = " | ".join(result.mapped)
    assert (
        "name -> display name ('Luna')" in mapped
        and "personality -> style notes" in mapped
        and "mes_example" in mapped
    )
    not_mapped = " | ".join(result.not_mapped)
    for name in (
        "scenario",
        "first_mes",
        "alternate_greetings",
        "system_prompt",
        "post_history_instructions",
        "creator_notes",
        "tags",
        "creator",
        "character_version",
    ):
        assert f"{name}:" in not_mapped, name
    assert "character_book: 1 lorebook entry not used" in not_mapped
    assert "extensions: depth_prompt, fav, talkativeness, world" in not_mapped
    assert (
        "ignored (the other tool's own bookkeeping): avatar, chat, create_date, creatorcomment, fav, tags, "
        "talkativeness" in not_mapped
    )

    # Exported again, nothing the other tool wrote is destroyed (the spec's rule for extensions).
    again = persona_to_card(persona)
    assert validate_card(again) == []
    data = again["data"]
    assert data["extensions"]["depth_prompt"] == card["data"]["extensions"]["depth_prompt"]
    assert data["extensions"]["world"] == "Luna's sky" and "understudy" in data["extensions"]
    assert data["character_book"]["entries"] == card["data"]["character_book"]["entries"]
    assert data["character_book"]["scan_depth"] == 4
    assert (
        data["first_mes"] == card["data"]["first_mes"]
        and data["alternate_greetings"] == card["data"]["alternate_greetings"]
    )
    assert data["creator"] == "stargazer42" and data["tags"][:2] == ["astronomy", "streamer"]
    assert persona_from_document(again).persona == persona  # and our own re-import is exact
    assert persona.extras[EXTRAS_KEY]["extensions"]["talkativeness"] == "0.5"


def test_a_v1_card_and_a_png_card_import(tmp_path: Path) -> None:
    v1 = {
        "name": "Rex",
        "description": "A gym bro.",
        "personality": "loud",
        "scenario": "",
        "first_mes": "YO",
        "mes_example": "",
    }
    result = persona_from_document(v1)
    assert result.kind == "card_v1" and result.persona.display_name == "Rex"
    assert result.persona.style_notes == "Personality: loud\n\nDescription: A gym bro."
    assert any(line.startswith("first_mes:") for line in result.not_mapped)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    text = b"chara\x00" + base64.b64encode(json.dumps(sillytavern_card()).encode())
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"tEXt", text)
        + chunk(b"IEND", b"")
    )
    path = tmp_path / "luna.png"
    path.write_bytes(png)
    assert import_persona_file(path).persona.display_name == "Luna"
    path.write_bytes(png.replace(b"chara\x00", b"other\x00"))
    with pytest.raises(KnownError, match="no character card"):
        import_persona_file(path)


def test_validator_names_each_problem() -> None:
    card = persona_to_card(Persona())
    broken = copy.deepcopy(card)
    broken["spec_version"] = "3.0"
    del broken["data"]["creator_notes"]
    broken["data"]["tags"] = "a, b"
    broken["data"]["extensions"] = []
    broken["data"]["character_book"] = {
        "extensions": {},
        "entries": [{"keys": "moon", "content": 1, "enabled": "yes", "extensions": {}}],
    }
    assert validate_card(broken) == [
        "spec_version must be '2.0', not '3.0'",
        "data.creator_notes is missing",
        "data.tags must be a list of strings",
        "data.extensions must be an object",
        "data.character_book.entries[0].keys must be a list of strings",
        "data.character_book.entries[0].content must be a string",
        "data.character_book.entries[0].enabled must be true or false",
        "data.character_book.entries[0].insertion_order must be a number",
    ]
    assert validate_card([]) == ["the card must be a JSON object"]
    assert validate_card({"spec": "chara_card_v2", "spec_version": "2.0"}) == ["data must be an object"]


def test_files_that_are_not_personas_are_refused_plainly(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(KnownError, match="not valid JSON"):
        import_persona_file(path)
    path.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(KnownError, match="neither an Understudy persona nor a character card"):
        import_persona_file(path)
    with pytest.raises(KnownError, match="Could not read"):
        import_persona_file(tmp_path / "missing.json")
