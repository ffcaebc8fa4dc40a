"""`understudy persona ...`: show, set, history, restore, export/import, presets, profile, eval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.app import main
from desktop.core.paths import Paths
from tests.core.persona.conftest import creator_archive
from tests.core.persona.test_card import sillytavern_card


@pytest.fixture
def base(tmp_path: Path) -> str:
    return str(tmp_path / "base")


def persona_json(base: str, capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["--basedir", base, "persona", "show", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_show_set_and_history(base: str, capsys: pytest.CaptureFixture[str]) -> None:
    shown = persona_json(base, capsys)
    assert shown["version"] is None and shown["persona"]["sliders"]["emoji"] == 30.0  # empty store: neutral

    assert main(["--basedir", base, "persona", "set", "sliders.emoji", "60"]) == 0
    assert capsys.readouterr().out.strip() == "Saved persona version 1: emoji 30 -> 60"
    assert main(["--basedir", base, "persona", "set", "boundaries.never_say+", "guaranteed"]) == 0
    assert "added never-say 'guaranteed'" in capsys.readouterr().out
    assert main(["--basedir", base, "persona", "set", "boundaries.cheer_replies+", "LETS GO"]) == 0
    assert "added quick cheer 'LETS GO'" in capsys.readouterr().out
    assert main(["--basedir", base, "persona", "set", "boundaries.allow_promises", "false"]) == 0
    assert capsys.readouterr().out.strip() == "No change: persona version 3 already has that."
    assert (
        main(["--basedir", base, "persona", "set", "boundaries.canned_replies.politics", "Not here, sorry!"])
        == 0
    )
    assert main(["--basedir", base, "persona", "set", "boundaries.avoid_topics+", "politics"]) == 0
    capsys.readouterr()

    shown = persona_json(base, capsys)
    assert shown["version"] == 5
    assert shown["persona"]["sliders"]["emoji"] == 60.0 and shown["persona"]["boundaries"]["never_say"] == [
        "guaranteed"
    ]

    assert main(["--basedir", base, "persona", "show"]) == 0
    out = capsys.readouterr().out
    assert "Persona version 5: added avoid-topic 'politics'" in out
    assert "quick cheers (to good news): Love to hear it! | " in out and "| LETS GO" in out
    assert (
        "  emoji" in out
        and "avoid: politics  (canned reply: Not here, sorry!)" in out
        and "never say: guaranteed" in out
    )

    assert main(["--basedir", base, "persona", "history"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["VERSION", "SAVED", "(UTC)", "CHANGES"]
    assert lines[1].startswith("*  5") and lines[-1].rstrip().endswith("emoji 30 -> 60")
    assert main(["--basedir", base, "persona", "history", "--json"]) == 0
    versions = json.loads(capsys.readouterr().out)["versions"]
    assert [v["id"] for v in versions] == [5, 4, 3, 2, 1] and versions[0]["active"]

    assert main(["--basedir", base, "persona", "restore", "1"]) == 0
    assert capsys.readouterr().out.strip() == "Restored version 1 as persona version 6."
    assert persona_json(base, capsys)["persona"]["boundaries"]["never_say"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["set", "sliders.sparkle", "5"], "Unknown slider 'sparkle'"),
        (["set", "boundaries.allow_promises", "maybe"], "'maybe' is not a yes/no value"),
        (["set", "colour", "red"], "Unknown persona setting 'colour'"),
        (["restore", "42"], "There is no persona version 42"),
        (["import", "/nonexistent/card.json"], "Could not read"),
        (["presets", "pirate"], "There is no persona preset 'pirate'"),
    ],
)
def test_errors_are_plain_messages(
    base: str, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--basedir", base, "persona", *args]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_export_and_import_json_and_card(
    base: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.core.persona.card import validate_card

    main(["--basedir", base, "persona", "set", "display_name", "Mia"])
    main(["--basedir", base, "persona", "set", "boundaries.private_facts+", "I live on Elm Street"])
    capsys.readouterr()
    card_path, json_path = tmp_path / "mia.card.json", tmp_path / "mia.json"
    assert main(["--basedir", base, "persona", "export", str(card_path), "--format", "card"]) == 0
    out = capsys.readouterr().out
    assert "as Character Card V2" in out and "Private facts are not written to a card" in out
    card = json.loads(card_path.read_text(encoding="utf-8"))
    assert (
        validate_card(card) == []
        and card["data"]["name"] == "Mia"
        and "Elm Street" not in card_path.read_text()
    )
    assert main(["--basedir", base, "persona", "export", str(json_path)]) == 0
    capsys.readouterr()

    other = str(tmp_path / "other")
    assert main(["--basedir", other, "persona", "import", str(json_path)]) == 0
    assert "as persona version 1" in capsys.readouterr().out
    assert persona_json(other, capsys)["persona"]["boundaries"]["private_facts"] == ["I live on Elm Street"]

    luna = tmp_path / "luna.json"
    luna.write_text(json.dumps(sillytavern_card()), encoding="utf-8")
    assert main(["--basedir", other, "persona", "import", str(luna)]) == 0
    out = capsys.readouterr().out
    assert "(card_v2) as persona version 2" in out
    assert (
        "  set: name -> display name ('Luna')" in out
        and "  not mapped: character_book: 1 lorebook entry" in out
    )
    assert persona_json(other, capsys)["persona"]["display_name"] == "Luna"
    assert main(["--basedir", other, "persona", "history"]) == 0
    assert "imported from luna.json" in capsys.readouterr().out


def test_presets(base: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--basedir", base, "persona", "presets"]) == 0
    out = capsys.readouterr().out
    assert "friendly_coach" in out and "dry_humour" in out and "professional" in out
    main(["--basedir", base, "persona", "set", "display_name", "Mia"])
    capsys.readouterr()
    assert main(["--basedir", base, "persona", "presets", "dry humour"]) == 0
    assert "as persona version 2" in capsys.readouterr().out
    shown = persona_json(base, capsys)["persona"]
    assert shown["display_name"] == "Mia" and shown["sliders"]["humour"] == 85.0


def test_profile_after_an_import_and_calibrated_first_version(
    base: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--basedir", base, "persona", "profile"]) == 0
    assert "No messages or posts of yours" in capsys.readouterr().out
    assert main(["--basedir", base, "import", str(creator_archive(tmp_path / "twitter.zip"))]) == 0
    capsys.readouterr()
    assert main(["--basedir", base, "persona", "profile", "--json"]) == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["profile"]["overall"]["items"] == 8 and document["calibrated_sliders"]["emoji"] == 54.0
    assert "Reading your messages and posts" in captured.err  # progress goes to stderr
    assert main(["--basedir", base, "persona", "profile"]) == 0
    out = capsys.readouterr().out
    assert "Style profile from 8 of your messages" in out
    assert "median 5 words" in out and "favourites: 🔥 3 ❤️ 2" in out and "greetings: hey (2)" in out
    assert "kind dm: 4 items" in out and "busiest hours (UTC): 10:00 (3)" in out
    # Before the first save the persona starts from the calibrated sliders.
    assert persona_json(base, capsys)["persona"]["sliders"]["energy"] == 63.0
    assert main(["--basedir", base, "persona", "set", "sliders.emoji", "10"]) == 0
    assert capsys.readouterr().out.strip() == "Saved persona version 1: emoji 54 -> 10"
    assert persona_json(base, capsys)["persona"]["sliders"]["energy"] == 63.0


def test_eval_json_then_beside_the_previous_run(
    paths_with_models: Paths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = str(paths_with_models.base)
    assert main(["--basedir", base, "persona", "eval", "--json"]) == 1
    assert "nothing to hold out yet" in capsys.readouterr().err
    assert main(["--basedir", base, "import", str(creator_archive(tmp_path / "twitter.zip"))]) == 0
    capsys.readouterr()

    assert main(["--basedir", base, "persona", "eval", "--json", "--limit", "3"]) == 0
    captured = capsys.readouterr()
    first = json.loads(captured.out)
    assert "Drafting golden message 1 of 1" in captured.err  # progress on stderr; 2 exchanges: 1 held out
    assert set(first) == {"report", "previous", "comparison"} and first["previous"] is None
    report = first["report"]
    assert {
        "id",
        "persona_version",
        "persona_label",
        "model",
        "created_at",
        "golden_size",
        "cases",
        "summary",
    } <= set(report)
    assert report["golden_size"] == 1 and len(report["cases"]) == 1
    [case] = report["cases"]
    assert {"incoming", "reply", "draft", "seed", "similarity", "distance", "findings", "blocked"} <= set(
        case
    )
    assert case["reply"] in {"hey! thank you so much 😊", "Thank you so much, see you soon xx"}
    assert {"style_distance", "similarity", "blocked", "needs_edit", "red", "findings"} <= set(
        report["summary"]
    )
    assert first["comparison"]["before"] is None and first["comparison"]["now"]["id"] == report["id"]

    assert main(["--basedir", base, "persona", "eval"]) == 0
    out = capsys.readouterr().out
    assert "Before: default persona (never saved)" in out and "CHANGE" in out and "Each golden message" in out

    assert main(["--basedir", base, "persona", "eval", "--json"]) == 0
    third = json.loads(capsys.readouterr().out)
    assert third["previous"]["id"] == report["id"] + 1 == third["comparison"]["before"]["id"]
    assert third["comparison"]["shared_cases"] == 1
    changes = {row["key"]: row["change"] for row in third["comparison"]["metrics"]}
    assert set(changes.values()) <= {"closer", "further", "same", "fewer", "more"}
    assert changes["drafted"] == changes["blocked"] == "same"  # same persona, same seeds
