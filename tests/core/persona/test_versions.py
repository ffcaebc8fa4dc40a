"""Persona versions in the store, their diffs, restoring, and `persona set`-style edits."""

from __future__ import annotations

import pytest

from desktop.core.errors import KnownError
from desktop.core.importers.pipeline import import_archive
from desktop.core.paths import resources_dir
from desktop.core.persona import Persona
from desktop.core.persona.edit import set_value, settable_keys
from desktop.core.persona.versions import (
    diff_personas,
    get_version,
    list_versions,
    load_active_persona,
    load_persona_for_editing,
    restore_version,
    save_persona,
    summarize_changes,
)
from desktop.core.store import Store
from tests.core.persona.conftest import drain


def test_no_version_means_the_default_persona(store: Store) -> None:
    assert load_active_persona(store) == (None, Persona())
    assert list_versions(store) == []


def test_saving_makes_a_version_only_when_something_changed(store: Store) -> None:
    first = save_persona(store, Persona(display_name="Mia"))
    assert get_version(store, first).note == "first version: display name 'Creator' -> 'Mia'"
    assert save_persona(store, Persona(display_name="Mia")) == first  # unchanged: no new version
    persona = Persona(display_name="Mia")
    persona.sliders["emoji"] = 60
    persona.boundaries.never_say.append("guaranteed")
    second = save_persona(store, persona)
    assert second > first
    assert get_version(store, second).note == "emoji 30 -> 60; added never-say 'guaranteed'"
    third = save_persona(store, Persona(display_name="Mia"), note="back to basics")
    assert [(v.id, v.note) for v in list_versions(store)][0] == (third, "back to basics")
    assert load_active_persona(store) == (third, Persona(display_name="Mia"))


def test_diff_lines_are_short_and_human() -> None:
    old, new = Persona(), Persona(display_name="Mia")
    new.sliders["length"] = 80
    new.boundaries.allow_promises = True
    new.boundaries.avoid_topics = ["politics"]
    new.boundaries.canned_replies = {"politics": "I keep politics off here"}
    new.boundaries.promises = {"meetups": False}
    new.facts = ["I live in Leeds"]
    new.identity.links = ["https://example.com"]
    new.style_notes = "short and lowercase, lots of haha, never any hashtags at all"
    assert diff_personas(old, new) == [
        "display name 'Creator' -> 'Mia'",
        "length 40 -> 80",
        "added avoid-topic 'politics'",
        "allow promises no -> yes",
        "added canned reply for 'politics'",
        "added promise 'meetups': no",
        "added fact 'I live in Leeds'",
        "changed style notes",
        "added link 'https://example.com'",
    ]
    assert diff_personas(new, new) == []
    removed = Persona.from_dict(new.to_dict())
    removed.boundaries.avoid_topics = []
    removed.boundaries.canned_replies = {"politics": "Not here, sorry"}
    assert diff_personas(new, removed) == [
        "removed avoid-topic 'politics'",
        "changed canned reply for 'politics'",
    ]


def test_long_notes_are_cut_with_a_count() -> None:
    lines = [f"added fact 'fact number {i} is rather long'" for i in range(20)]
    note = summarize_changes(lines, limit=120)
    assert len(note) <= 120 and note.endswith("more changes")
    assert summarize_changes([]) == "no changes"


def test_restore_saves_a_copy_as_the_newest_version(store: Store) -> None:
    first = save_persona(store, Persona(display_name="Mia"))
    changed = Persona(display_name="Mia")
    changed.sliders["humour"] = 90
    second = save_persona(store, changed)
    restored = restore_version(store, first)
    assert restored > second
    assert load_active_persona(store) == (restored, Persona(display_name="Mia"))
    assert get_version(store, restored).note == f"restored version {first}"
    assert restore_version(store, restored) == restored  # already active: nothing new
    with pytest.raises(KnownError, match="no persona version 99"):
        restore_version(store, 99)


def test_editing_before_the_first_save_starts_from_calibrated_sliders(creator_store: Store) -> None:
    version_id, persona = load_persona_for_editing(creator_store)
    assert version_id is None and persona.sliders["emoji"] == 54.0 and persona.sliders["energy"] == 63.0


def test_a_new_persona_is_named_after_the_archives_owner(store: Store) -> None:
    drain(import_archive(store, resources_dir() / "demo" / "instagram-demo.zip"))
    version_id, persona = load_active_persona(store)
    assert version_id is None and persona.display_name == "Maya Okafor"
    assert load_persona_for_editing(store)[1].display_name == "Maya Okafor"
    save_persona(store, Persona(display_name="Maya"))  # the creator's own choice wins once saved
    assert load_active_persona(store)[1].display_name == "Maya"


def test_set_value_by_dotted_key() -> None:
    persona = Persona()
    p = set_value(persona, "sliders.emoji", "60")
    assert (
        p.sliders["emoji"] == 60.0 and persona.sliders["emoji"] == 30.0
    )  # a copy; the original is untouched
    p = set_value(p, "boundaries.never_say+", "guaranteed")
    p = set_value(p, "boundaries.never_say+", "re:\\bfree\\b")
    assert p.boundaries.never_say == ["guaranteed", "re:\\bfree\\b"]
    p = set_value(p, "boundaries.never_say-", "guaranteed")
    assert p.boundaries.never_say == ["re:\\bfree\\b"]
    p = set_value(p, "boundaries.allow_promises", "yes")
    p = set_value(p, "boundaries.promises.meetups", "false")
    p = set_value(p, "boundaries.canned_replies.politics", "I keep politics off here")
    p = set_value(p, "boundaries.disclosure_position", "start")
    p = set_value(p, "boundaries.avoid_topics", '["politics", "my ex"]')
    p = set_value(p, "identity.products+", "Strength plan https://example.com/plan")
    p = set_value(
        p,
        "identity.products+",
        '{"name": "Ebook", "url": "https://example.com/book", "description": "recipes"}',
    )
    p = set_value(p, "facts+", "I live in Leeds")
    p = set_value(p, "display_name", "Mia")
    assert p.boundaries.allow_promises and not p.boundaries.promise_allowed("meetups")
    assert p.boundaries.canned_replies == {"politics": "I keep politics off here"}
    assert p.boundaries.avoid_topics == ["politics", "my ex"] and p.boundaries.disclosure_position == "start"
    assert p.allowed_links() == ["https://example.com/plan", "https://example.com/book"]
    assert (p.facts, p.display_name) == (["I live in Leeds"], "Mia")
    p = set_value(p, "identity.products-", "Ebook")
    p = set_value(p, "boundaries.canned_replies-", "politics")
    assert [x.name for x in p.identity.products] == ["Strength plan"] and p.boundaries.canned_replies == {}
    assert "sliders.self_promotion" in settable_keys()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("sliders.sparkle", "50", "Unknown slider 'sparkle'"),
        ("sliders.emoji", "150", "from 0 to 100"),
        ("sliders.emoji", "lots", "from 0 to 100, not 'lots'"),
        ("boundaries.allow_promises", "perhaps", "not a yes/no value"),
        ("boundaries.promises.refunds", "true", "Unknown kind of promise 'refunds'"),
        ("boundaries.disclosure_position", "middle", "start or the end"),
        ("boundaries.never_say-", "absent", "has no entry 'absent'"),
        ("boundaries.allow_promises+", "true", "is not a list"),
        ("boundaries.avoid_topics", "[1, 2]", "must be a list of texts"),
        ("nickname", "x", "Unknown persona setting 'nickname'"),
        ("boundaries.color", "x", "Unknown persona setting"),
    ],
)
def test_set_value_errors_are_plain(key: str, value: str, message: str) -> None:
    with pytest.raises(KnownError, match=message):
        set_value(Persona(), key, value)
