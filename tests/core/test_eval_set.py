"""The labelled guard evaluation set (resources/eval/guard/*.jsonl): its shape, not the guard's figures.

One JSON object per line, exactly these keys::

    {"id": "<persona>-<category>-<lang>-<nnn>", "persona": ..., "lang": ..., "message": ...,
     "level": "green"|"yellow"|"red", "category": ..., "must_not_invent": [kinds],
     "supported_fact": "copied from the persona's facts sheet" | null, "answerable": true|false}

``answerable`` is false where no good answer exists without inventing: a fact or offer question
the facts sheet cannot answer (the right draft is the persona's "let me check"), and the red
messages (no draft at all). A compliment or an "are you a bot?" is answerable without a fact.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from desktop.core.evaluation.dataset import load_demo_persona
from desktop.core.importers.pipeline import import_archive
from desktop.core.persona.style import calibrated_sliders, compute_style_profile
from desktop.core.store import open_store

ROOT = Path(__file__).resolve().parents[2]
GUARD_DIR = ROOT / "resources" / "eval" / "guard"
PERSONAS_DIR = ROOT / "resources" / "demo" / "personas"
TRUTH_DIR = ROOT / "resources" / "eval" / "personas"

KEYS = (
    "id", "persona", "lang", "message", "level", "category", "must_not_invent", "supported_fact",
    "answerable",
)  # fmt: skip
LANGS = ("en", "es", "fr", "pt", "de")
OTHER_LANGS = LANGS[1:]
LEVELS = ("green", "yellow", "red")
KINDS = (
    "price", "date", "time", "duration", "temperature", "percentage", "age", "quantity", "handle", "url",
    "email", "phone", "product", "brand", "place", "person", "event",
)  # fmt: skip
RED_CATEGORIES = ("self_harm", "minor", "explicit", "meetup", "legal_threat", "money")
#: The categories that are not red, each with its file, the least count and the levels it may take.
OTHER_CATEGORIES: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "ordinary": ("ordinary.jsonl", 150, ("green",)),
    "hard_negative": ("hard_negatives.jsonl", 90, ("green",)),
    "fact_question": ("fact_questions.jsonl", 100, ("green",)),
    "offer": ("offers.jsonl", 60, ("green", "yellow")),
    "ai_question": ("ai_questions.jsonl", 40, ("yellow",)),
}
CATEGORIES = (*OTHER_CATEGORIES, *RED_CATEGORIES)
OTHER_FILES = tuple(name for name, _, _ in OTHER_CATEGORIES.values())
LEAST_PER_OTHER_LANGUAGE = 25  # in the non-red files together
LEAST_RED_ENGLISH = 60  # per red category
TRUTH_KEYS = ("numbers", "names", "handles", "urls", "emails")
_ID = re.compile(r"^(?P<persona>[a-z]+)-(?P<category>[a-z_]+)-(?P<lang>[a-z]{2})-(?P<n>\d{3})$")


def read_rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{path.name}:{number}: an empty line"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            pytest.fail(f"{path.name}:{number}: not JSON: {exc}")
        assert isinstance(row, dict), f"{path.name}:{number}: not an object"
        rows.append(row)
    return rows


def all_rows() -> dict[str, list[dict[str, Any]]]:
    return {path.name: read_rows(path) for path in sorted(GUARD_DIR.glob("*.jsonl"))}


def red_files_present() -> bool:
    return any(path.name.startswith("red") for path in GUARD_DIR.glob("*.jsonl"))


def persona_facts(persona: str) -> list[str]:
    document = json.loads((PERSONAS_DIR / f"{persona}.json").read_text(encoding="utf-8"))
    return [str(fact) for fact in document["persona"]["facts"]]


def _normal(text: str) -> str:
    """Lower case, ASCII punctuation as spaces, whitespace collapsed (emoji and accents kept)."""
    return " ".join(re.sub(r"[!-/:-@\[-`{-~]+", " ", text.lower()).split())


def _trigrams(text: str) -> frozenset[str]:
    padded = f" {_normal(text)} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def test_the_files_are_there() -> None:
    for name in OTHER_FILES:
        assert (GUARD_DIR / name).is_file(), name


def test_every_line_has_exactly_the_schema() -> None:
    for name, rows in all_rows().items():
        for row in rows:
            where = f"{name}: {row.get('id')}"
            assert tuple(row) == KEYS or sorted(row) == sorted(KEYS), f"{where}: keys {sorted(row)}"
            assert row["persona"] in ("maya", "coach", "photographer"), where
            assert row["lang"] in LANGS, where
            assert row["level"] in LEVELS, where
            assert row["category"] in CATEGORIES, where
            assert isinstance(row["message"], str) and row["message"].strip() == row["message"] != "", where
            kinds = row["must_not_invent"]
            assert isinstance(kinds, list) and all(kind in KINDS for kind in kinds), where
            assert len(set(kinds)) == len(kinds), f"{where}: a kind twice"
            fact = row["supported_fact"]
            assert fact is None or (isinstance(fact, str) and fact.strip() == fact != ""), where
            assert isinstance(row["answerable"], bool), where
            match = _ID.match(row["id"])
            assert match, f"{where}: the id is not <persona>-<category>-<lang>-<nnn>"
            assert (match["persona"], match["category"], match["lang"]) == (
                row["persona"], row["category"], row["lang"],
            ), f"{where}: the id disagrees with the fields"  # fmt: skip


def test_ids_are_unique_across_every_file() -> None:
    ids = Counter(row["id"] for rows in all_rows().values() for row in rows)
    assert [name for name, count in ids.items() if count > 1] == []


def test_every_persona_referenced_exists_with_a_facts_sheet_and_a_truth_file() -> None:
    personas = {row["persona"] for rows in all_rows().values() for row in rows}
    assert personas == {"maya", "coach", "photographer"}
    for persona in personas:
        assert persona_facts(persona), persona
        truth = json.loads((TRUTH_DIR / f"{persona}.truth.json").read_text(encoding="utf-8"))
        assert sorted(truth) == sorted(TRUTH_KEYS), persona
        for key in TRUTH_KEYS:
            assert all(isinstance(value, str) and value.strip() for value in truth[key]), (persona, key)


def test_each_file_holds_its_own_categories_at_the_right_levels() -> None:
    rows_by_file = all_rows()
    for category, (name, _, levels) in OTHER_CATEGORIES.items():
        for row in rows_by_file[name]:
            assert row["category"] == category, f"{name}: {row['id']}"
            assert row["level"] in levels, f"{name}: {row['id']} is {row['level']}"
    for name, rows in rows_by_file.items():
        if name not in OTHER_FILES:
            for row in rows:
                assert row["category"] in RED_CATEGORIES and row["level"] == "red", f"{name}: {row['id']}"


def test_counts_per_category_and_language() -> None:
    rows = [row for name in OTHER_FILES for row in read_rows(GUARD_DIR / name)]
    per_category = Counter(row["category"] for row in rows)
    for category, (_, least, _) in OTHER_CATEGORIES.items():
        assert per_category[category] >= least, f"{category}: {per_category[category]} < {least}"
    per_language = Counter(row["lang"] for row in rows)
    for lang in OTHER_LANGS:
        assert per_language[lang] >= LEAST_PER_OTHER_LANGUAGE, f"{lang}: {per_language[lang]}"
    other = sum(per_language[lang] for lang in OTHER_LANGS)
    assert 0.12 <= other / len(rows) <= 0.25, f"{other} of {len(rows)} not in English"
    per_persona = Counter(row["persona"] for row in rows)
    assert min(per_persona.values()) >= len(rows) // 4, per_persona  # spread over the three personas
    for category in OTHER_CATEGORIES:
        assert len({row["persona"] for row in rows if row["category"] == category}) == 3, category


@pytest.mark.skipif(
    not red_files_present(), reason="the red files (resources/eval/guard/red*.jsonl) are not written yet"
)
def test_red_categories_have_enough_english_messages() -> None:
    rows = [row for name, rows in all_rows().items() if name not in OTHER_FILES for row in rows]
    english = Counter(row["category"] for row in rows if row["lang"] == "en")
    for category in RED_CATEGORIES:
        assert english[category] >= LEAST_RED_ENGLISH, f"{category}: {english[category]} English messages"
    assert all(row["supported_fact"] is None for row in rows)


def test_supported_facts_are_copied_from_the_personas_facts_sheet() -> None:
    personas = ("maya", "coach", "photographer")
    facts = {persona: [fact.lower() for fact in persona_facts(persona)] for persona in personas}
    for name in OTHER_FILES:
        for row in read_rows(GUARD_DIR / name):
            fact = row["supported_fact"]
            if fact is None:
                continue
            assert row["answerable"], f"{row['id']}: a supported fact on an unanswerable message"
            assert any(fact.lower() in line for line in facts[row["persona"]]), (
                f"{row['id']}: {fact!r} is not on {row['persona']}'s facts sheet"
            )


def test_fact_questions_are_about_half_answerable_and_say_what_not_to_invent() -> None:
    rows = read_rows(GUARD_DIR / "fact_questions.jsonl")
    answerable = [row for row in rows if row["answerable"]]
    assert 0.35 <= len(answerable) / len(rows) <= 0.65
    for row in rows:
        assert row["must_not_invent"], f"{row['id']}: a fact question with no kind to watch"
        assert (row["supported_fact"] is not None) == row["answerable"], row["id"]
    for persona in ("maya", "coach", "photographer"):
        mine = [row for row in rows if row["persona"] == persona]
        assert any(row["answerable"] for row in mine) and not all(row["answerable"] for row in mine), persona
    offers = read_rows(GUARD_DIR / "offers.jsonl")
    assert all(row["must_not_invent"] for row in offers)
    assert {row["level"] for row in offers} == {"green", "yellow"}
    # The coach and the photographer really sell something: some offers are answered by a price or a code.
    for persona, supported in (("coach", "STRONG10"), ("photographer", "hello@inescarvalho.photo")):
        assert any(row["persona"] == persona and row["supported_fact"] == supported for row in offers)


def test_no_two_messages_are_near_identical() -> None:
    rows = [row for rows in all_rows().values() for row in rows]
    normal = Counter(_normal(row["message"]) for row in rows)
    assert [text for text, count in normal.items() if count > 1] == []
    # Character-trigram Jaccard similarity; pairs whose sizes differ too much cannot reach it.
    limit = 0.8
    grams = sorted(((_trigrams(row["message"]), row["id"]) for row in rows), key=lambda pair: len(pair[0]))
    close = []
    for i, (a, a_id) in enumerate(grams):
        for b, b_id in grams[i + 1 :]:
            if len(a) < limit * len(b):
                break
            if len(a & b) >= limit * len(a | b):
                close.append((a_id, b_id))
    assert close == []


@pytest.mark.parametrize("key", ["maya", "coach", "photographer"])
def test_each_demo_persona_writes_at_the_length_its_archive_calibrates(key: str, tmp_path: Path) -> None:
    """The drafts' length is judged against the creator's own: the demo personas start where their
    archives put the length slider (``calibrated_sliders``), as a creator's first persona does."""
    demo = load_demo_persona(key)
    with open_store(tmp_path / "store.db") as store:
        for _ in import_archive(store, demo.archive, me=demo.persona.display_name):
            pass
        calibrated = calibrated_sliders(compute_style_profile(store))
    assert abs(demo.persona.sliders["length"] - calibrated["length"]) <= 2.0, calibrated["length"]
