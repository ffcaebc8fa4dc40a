"""The demo archives in resources/demo/: small, rebuilt by their scripts, imported by the real pipeline.

Maya (the baker, Instagram) is the smoke test's demo; the coach (Instagram) and the photographer
(X) are the other two demo personas of the guard's evaluation set, with their facts sheets
(resources/demo/personas/) and truth files (resources/eval/personas/).
"""

from __future__ import annotations

import json
import re
import zipfile
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from desktop.core.importers.pipeline import import_archive
from desktop.core.inbox import add_import_candidates, list_inbox
from desktop.core.paths import Paths
from desktop.core.store import open_store
from desktop.smoke import demo_archive_path
from tests.core.importers.test_pipeline import drain
from tests.packaging.conftest import ROOT, load_by_path


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _import(paths: Paths, archive: Path) -> tuple[Any, Any, list[Any]]:
    """A new profile's import of ``archive``: its summary, the inbox candidates added, the inbox."""
    with open_store(paths.create_profile("demo").store) as store:
        summary, _ = drain(import_archive(store, archive))
        added = add_import_candidates(store)
        return summary, added, list_inbox(store)


def test_the_committed_archive_is_what_its_script_writes(demo_script: ModuleType, tmp_path: Path) -> None:
    committed = demo_archive_path()
    assert committed == demo_script.DEMO_ARCHIVE
    rebuilt = demo_script.write_demo_archive(tmp_path / "demo.zip")
    assert _members(rebuilt) == _members(committed)
    assert committed.stat().st_size < 50_000


def test_it_is_written_the_way_meta_writes_exports(demo_script: ModuleType) -> None:
    members = _members(demo_archive_path())
    assert "personal_information/personal_information/personal_information.json" in members
    for data in members.values():
        data.decode("ascii")  # non-ASCII text only as \\u00XX escapes of its UTF-8 bytes
    assert any(b"\\u00f0\\u009f" in data for data in members.values())  # an emoji's first UTF-8 bytes


def test_it_imports_through_the_real_pipeline_with_conversations_to_answer(
    paths: Paths, demo_script: ModuleType
) -> None:
    waiting = [lines for _, lines in demo_script.CONVERSATIONS if lines[-1][0] == "fan"]
    summary, added, entries = _import(paths, demo_archive_path())
    assert (summary.platform, summary.version) == ("instagram", "json-2024")
    assert summary.warnings == []
    assert summary.posts == len(demo_script.POSTS)
    assert summary.comments == len(demo_script.COMMENTS)
    assert summary.threads == len(demo_script.CONVERSATIONS)
    assert summary.exchanges >= 10  # the creator's answered questions: the voice examples
    assert summary.inbox_candidates == len(waiting) == 4
    assert added.added == 4
    assert sorted(entry.text for entry in entries) == sorted(lines[-1][1] for lines in waiting)
    assert {entry.sender for entry in entries} <= {fan for fan, _ in demo_script.CONVERSATIONS}
    assert all(entry.state == "new" for entry in entries)


# --- the two demo personas beside Maya, and the three personas' facts sheets and truth files -----

PERSONAS_DIR = ROOT / "resources" / "demo" / "personas"
TRUTH_DIR = ROOT / "resources" / "eval" / "personas"
PERSONAS = ("maya", "coach", "photographer")


@pytest.fixture(scope="module")
def personas_script(demo_script: ModuleType) -> ModuleType:
    return load_by_path("make_demo_personas", ROOT / "packaging" / "make_demo_personas.py")


def _lines(conversation: tuple) -> list[tuple[str, str]]:
    return conversation[-1]  # (fan, lines) on Instagram, (fan id, fan, lines) on X


def _expected(demo_script: ModuleType, personas_script: ModuleType, persona: str) -> dict[str, Any]:
    """What each demo archive holds, from the data its script writes it from."""
    maya, other = demo_script, personas_script
    if persona == "maya":
        owner, conversations, posts, comments = maya.OWNER, maya.CONVERSATIONS, maya.POSTS, maya.COMMENTS
        path, platform = maya.DEMO_ARCHIVE, ("instagram", "json-2024")
    elif persona == "coach":
        owner, conversations, posts = other.COACH_OWNER, other.COACH_CONVERSATIONS, other.COACH_POSTS
        comments, path, platform = other.COACH_COMMENTS, other.COACH_ARCHIVE, ("instagram", "json-2024")
    else:
        owner, conversations = other.PHOTOGRAPHER_OWNER, other.PHOTOGRAPHER_CONVERSATIONS
        posts, comments = other.PHOTOGRAPHER_POSTS, other.PHOTOGRAPHER_COMMENTS
        path, platform = other.PHOTOGRAPHER_ARCHIVE, ("twitter", "tweets-2022+")
    lines = [_lines(c) for c in conversations]
    exchanges = sum(1 for ls in lines for a, b in pairwise(ls) if (a[0], b[0]) == ("fan", "me"))
    waiting = [ls[-1][1] for ls in lines if ls[-1][0] == "fan"]
    own = [text for ls in lines for speaker, text in ls if speaker == "me"]
    own += [post if isinstance(post, str) else post[0].replace("{link}", post[1] or "") for post in posts]
    own += [comment[-1] for comment in comments]
    return {
        "owner": owner, "path": path, "platform": platform, "posts": len(posts), "comments": len(comments),
        "threads": len(conversations), "exchanges": exchanges, "waiting": waiting,
        "own_text": own, "accounts": [comment[-2] for comment in comments],
    }  # fmt: skip


@pytest.mark.parametrize("persona", ["coach", "photographer"])
def test_the_committed_persona_archives_are_what_their_script_writes(
    personas_script: ModuleType, persona: str, tmp_path: Path
) -> None:
    committed, write = personas_script.ARCHIVES[persona]
    assert committed.parent == demo_archive_path().parent
    rebuilt = write(tmp_path / committed.name)
    assert _members(rebuilt) == _members(committed)
    assert committed.stat().st_size < 50_000
    with zipfile.ZipFile(committed) as archive:
        infos = archive.infolist()
    assert [info.filename for info in infos] == sorted(info.filename for info in infos)
    assert {info.date_time for info in infos} == {personas_script.demo.ZIP_TIME}


def test_the_coach_is_written_like_meta_and_the_photographer_like_x(personas_script: ModuleType) -> None:
    coach = _members(personas_script.COACH_ARCHIVE)
    assert "personal_information/personal_information/personal_information.json" in coach
    for data in coach.values():
        data.decode("ascii")
    photographer = _members(personas_script.PHOTOGRAPHER_ARCHIVE)
    x_files = {"Your archive.html", "data/manifest.js", "data/account.js", "data/tweets.js"}
    x_files.add("data/direct-messages.js")
    assert x_files <= set(photographer)
    assert photographer["data/tweets.js"].startswith(b"window.YTD.tweets.part0 = [")
    assert "Inês".encode() in photographer["data/account.js"]  # X writes UTF-8 as it is
    assert b"https://t.co/" in photographer["data/tweets.js"] and b"&amp;" in photographer["data/tweets.js"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_demo_imports_through_the_real_pipeline_with_the_expected_counts(
    paths: Paths, demo_script: ModuleType, personas_script: ModuleType, persona: str
) -> None:
    expected = _expected(demo_script, personas_script, persona)
    summary, _, entries = _import(paths, expected["path"])
    assert (summary.platform, summary.version) == expected["platform"]
    assert summary.warnings == []
    assert summary.posts == expected["posts"]
    assert summary.comments == expected["comments"]
    assert summary.threads == expected["threads"]
    assert summary.exchanges == expected["exchanges"]
    assert summary.items == summary.new_items  # no two records share an id
    assert summary.inbox_candidates == len(expected["waiting"])
    assert sorted(entry.text for entry in entries) == sorted(expected["waiting"])
    if persona != "maya":
        assert summary.exchanges >= 12 and 6 <= summary.posts <= 10 and summary.comments >= 3


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_file_is_an_export_that_persona_import_reads_back(
    tmp_path: Path, demo_script: ModuleType, personas_script: ModuleType, persona: str
) -> None:
    from desktop.app import main

    path = PERSONAS_DIR / f"{persona}.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    assert (document["format"], document["format_version"]) == ("understudy-persona", 1)
    base = str(tmp_path / "base")
    assert main(["--basedir", base, "persona", "import", str(path)]) == 0
    assert main(["--basedir", base, "persona", "export", str(tmp_path / "back.json")]) == 0
    back = json.loads((tmp_path / "back.json").read_text(encoding="utf-8"))
    assert back["persona"] == document["persona"]  # nothing lost, nothing added
    persona_data = document["persona"]
    assert persona_data["display_name"] == _expected(demo_script, personas_script, persona)["owner"]
    assert len(persona_data["facts"]) >= 12
    bounds = persona_data["boundaries"]
    assert bounds["disclose_ai"] is True
    if persona == "maya":  # sells nothing: no promise of any kind
        assert not bounds["allow_promises"] and not any(bounds["promises"].values())
        assert any("no course" in fact and "no shop" in fact for fact in persona_data["facts"])
    else:  # the real prices (and the coach's one real code) may be promised; nothing else
        promises = bounds["promises"]
        assert promises["prices"] and not promises["giveaways"] and not promises["meetups"]
        assert promises["discounts"] == (persona == "coach")
        assert [product["url"] for product in persona_data["identity"]["products"]]


_DIGITS = re.compile(r"\d+(?:\.\d+)?")


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_truth_file_lists_every_specific_the_creator_states_and_nothing_else(
    demo_script: ModuleType, personas_script: ModuleType, persona: str
) -> None:
    truth = json.loads((TRUTH_DIR / f"{persona}.truth.json").read_text(encoding="utf-8"))
    assert sorted(truth) == ["emails", "handles", "names", "numbers", "urls"]
    expected = _expected(demo_script, personas_script, persona)
    facts = json.loads((PERSONAS_DIR / f"{persona}.json").read_text(encoding="utf-8"))["persona"]["facts"]
    said = "\n".join([*expected["own_text"], *facts])
    listed = [value for values in truth.values() for value in values]
    # Every number she writes in digits is in the truth file (in a number, a name, a link...).
    numbers_listed = {n for value in listed for n in _DIGITS.findall(value)}
    assert sorted(set(_DIGITS.findall(said)) - numbers_listed) == []
    # Every entry is hers: said in her archive or on her facts sheet (handles: hers or the accounts she
    # comments on), so the truth file invents nothing either.
    accounts = {f"@{account}" for account in expected["accounts"]}
    for key, values in truth.items():
        for value in values:
            if key == "handles" and value in accounts:
                continue
            assert value.lower() in said.lower(), f"{persona}: {key} {value!r} is said nowhere"
    for url in re.findall(r"https?://\S+", said):
        assert url.rstrip(".,;:)") in truth["urls"]
    for email in re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", said):
        assert email.rstrip(".") in truth["emails"]
    for handle in re.findall(r"(?<![\w.])@[\w.]+", said):
        assert handle.rstrip(".") in truth["handles"]
