"""Facebook/Messenger exports of every era, and the Messenger end-to-end-encrypted chat backup."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from desktop.core.errors import KnownError
from desktop.core.importers.archive import open_archive
from desktop.core.importers.base import ImportContext, OwnerUnknownError
from desktop.core.importers.platforms.facebook import IMPORTER as FACEBOOK
from desktop.core.importers.platforms.instagram import IMPORTER as INSTAGRAM
from desktop.core.importers.records import ItemRecord, ThreadRecord
from tests.core.importers import fixtures_meta as F
from tests.core.importers.fixtures_meta import FB_OWNER, meta_bytes, run_import, write_folder, write_zip


def dt(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def items(records: list, kind: str | None = None) -> list[ItemRecord]:
    return [r for r in records if isinstance(r, ItemRecord) and (kind is None or r.kind == kind)]


def threads(records: list) -> list[ThreadRecord]:
    return [r for r in records if isinstance(r, ThreadRecord)]


def summary(records: list, kind: str) -> list[tuple]:
    return [(r.thread_key, r.created_at, r.author, r.is_owner, r.text) for r in items(records, kind)]


JOHN = "johndoe_10158765432123456"
GANG = "thegang_a1b2c3d4e5"
EXPECTED_THREADS = [
    (GANG, "Banden 🎉", "group", ("Anna", "Facebook User", "John Doe", FB_OWNER)),
    (JOHN, "John Doe", "dm", ("John Doe", FB_OWNER)),
]
EXPECTED_MESSAGES = [
    (GANG, dt(2020, 9, 13, 12, 28, 20), "Facebook User", False, "gammel besked"),
    (GANG, dt(2020, 9, 13, 12, 30), FB_OWNER, True, "Hej alle sammen"),
    (JOHN, dt(2022, 4, 15, 5, 20), "John Doe", False, "Hej Malou, kommer du på fredag?"),
    (JOHN, dt(2022, 4, 15, 5, 21, 40), FB_OWNER, True, "Skål! Vi ses i morgen 🍻"),
    (JOHN, dt(2024, 3, 9, 16, 0), "John Doe", False, "Er du der? 🙂"),
]
EXPECTED_POSTS = [(None, dt(2012, 12, 6, 14, 45, 14), FB_OWNER, True, "Sne sne! ❄")]
EXPECTED_COMMENTS = [(None, dt(2020, 9, 13, 12, 35), FB_OWNER, True, "Tillykke! 🎉")]
EXPECTED_E2EE = [
    ("Alice Example_1", dt(2024, 5, 6, 12, 55), "Test User", True, "Lunch tomorrow?"),
    ("Alice Example_1", dt(2024, 5, 6, 12, 56, 40), "Alice Example", False, "See you at the café"),
    ("Weekend plans_2", dt(2024, 5, 7, 16, 40), "Test User", True, "Who's in? 🏕"),
]


def as_form(tmp_path: Path, files: F.Files, form: str) -> Path:
    if form == "zip":
        return write_zip(tmp_path / "facebook.zip", files)
    if form == "zip-top-folder":
        return write_zip(tmp_path / "facebook.zip", files, top="facebook-malou-2024-06-05/")
    return write_folder(tmp_path / "facebook-export", files)


@pytest.mark.parametrize("form", ["zip", "folder", "zip-top-folder"])
def test_2024_export_reads_messages_posts_and_comments(tmp_path: Path, form: str) -> None:
    detection, records, warnings = run_import(FACEBOOK, as_form(tmp_path, F.facebook_2024(), form))
    assert (detection.platform, detection.version, detection.confidence) == ("facebook", "json-2024", 0.95)
    assert warnings == []
    assert [(t.key, t.title, t.kind, t.participants) for t in threads(records)] == EXPECTED_THREADS
    # inbox and e2ee_cutover parts of one chat are one thread; calls, joins, unsent, photo stand-ins dropped.
    assert summary(records, "message") == EXPECTED_MESSAGES
    assert [m.extra["section"] for m in items(records, "message") if m.thread_key == JOHN] == [
        "inbox",
        "inbox",
        "e2ee_cutover",
    ]
    assert summary(records, "post") == EXPECTED_POSTS
    assert items(records, "post")[0].extra == {"title": "Malou Sørensen har tilføjet et nyt billede."}
    assert summary(records, "comment") == EXPECTED_COMMENTS
    assert items(records, "comment")[0].extra == {"title": "Malou Sørensen commented on John Doe's post."}
    assert len(records) == 2 + 5 + 1 + 1


def test_2022_2023_layout_under_your_activity_across_facebook(tmp_path: Path) -> None:
    files = F.facebook_2024("your_activity_across_facebook/")
    detection, records, _ = run_import(FACEBOOK, write_zip(tmp_path / "fb.zip", files))
    assert detection.version == "json-2022-2023"
    assert summary(records, "message") == EXPECTED_MESSAGES
    assert summary(records, "post") == EXPECTED_POSTS
    assert summary(records, "comment") == EXPECTED_COMMENTS


def test_pre_2022_layout_with_old_profile_and_comments_keys(tmp_path: Path) -> None:
    detection, records, warnings = run_import(FACEBOOK, write_folder(tmp_path / "fb", F.facebook_old()))
    assert (detection.version, detection.confidence, warnings) == ("json-pre-2022", 0.95, [])
    assert [(t.key, t.kind) for t in threads(records)] == [(GANG, "group"), (JOHN, "dm")]
    assert summary(records, "message") == EXPECTED_MESSAGES
    assert summary(records, "post") == EXPECTED_POSTS
    assert summary(records, "comment") == EXPECTED_COMMENTS


def test_ids_are_stable_across_export_eras(tmp_path: Path) -> None:
    _, new, _ = run_import(FACEBOOK, write_zip(tmp_path / "new.zip", F.facebook_2024()))
    _, old, _ = run_import(FACEBOOK, write_zip(tmp_path / "old.zip", F.facebook_old()))
    assert [r.external_id for r in items(new)] == [r.external_id for r in items(old)]
    assert len({r.external_id for r in items(new)}) == 7


def test_owner_name_in_the_profile_is_mojibake_and_repaired(tmp_path: Path) -> None:
    assert b"S\\u00c3\\u00b8rensen" in meta_bytes(F.fb_profile())
    _, records, _ = run_import(FACEBOOK, write_zip(tmp_path / "fb.zip", F.facebook_2024()))
    assert [m.author for m in items(records, "message") if m.is_owner] == [FB_OWNER, FB_OWNER]


def test_owner_is_the_participant_in_every_thread_without_a_profile(tmp_path: Path) -> None:
    files = F.facebook_2024()
    del files["personal_information/profile_information/profile_information.json"]
    _, records, _ = run_import(FACEBOOK, write_zip(tmp_path / "fb.zip", files))
    assert summary(records, "message") == EXPECTED_MESSAGES
    assert [p.author for p in items(records, "post")] == [FB_OWNER]


def test_e2ee_chat_backup(tmp_path: Path) -> None:
    detection, records, warnings = run_import(FACEBOOK, write_zip(tmp_path / "messages.zip", F.e2ee_backup()))
    assert (detection.platform, detection.version, detection.confidence, warnings) == (
        "facebook",
        "e2ee-backup",
        0.95,
        [],
    )
    assert [(t.key, t.title, t.kind, t.participants) for t in threads(records)] == [
        ("Alice Example_1", "Alice Example", "dm", ("Test User", "Alice Example")),
        ("Weekend plans_2", "Weekend plans", "group", ("Test User", "Bob Example", "Carol Example")),
    ]
    # Sorted oldest first; unsent and media-only messages dropped; reactions are not items.
    assert summary(records, "message") == EXPECTED_E2EE
    assert len(records) == 5


def test_single_e2ee_files(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "backup", F.e2ee_backup())
    # A DM is titled with the other person's name: the remaining participant is the creator.
    detection, records, _ = run_import(FACEBOOK, folder / "Alice Example_1.json")
    assert detection.version == "e2ee-backup"
    assert summary(records, "message") == EXPECTED_E2EE[:2]
    group = folder / "Weekend plans_2.json"
    with open_archive(group) as archive:
        detection = FACEBOOK.detect(archive)
        assert detection is not None and detection.version == "e2ee-backup"
        assert INSTAGRAM.detect(archive) is None
        with pytest.raises(OwnerUnknownError) as caught:
            list(FACEBOOK.read(ImportContext(archive, detection)))
    assert caught.value.candidates == ["Bob Example", "Carol Example", "Test User"]
    _, records, _ = run_import(FACEBOOK, group, me="Test User")
    assert summary(records, "message") == EXPECTED_E2EE[2:]


def test_html_export_is_detected_and_refused_in_plain_words(tmp_path: Path) -> None:
    files = {
        "your_facebook_activity/messages/inbox/johndoe_1/message_1.html": b"<html></html>",
        "your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.html": b"<html></html>",
        "personal_information/profile_information/profile_information.html": b"<html></html>",
    }
    with open_archive(write_zip(tmp_path / "fb.zip", files)) as archive:
        detection = FACEBOOK.detect(archive)
        assert detection is not None and (detection.platform, detection.version) == ("facebook", "html")
        assert INSTAGRAM.detect(archive) is None
        with pytest.raises(KnownError, match="Facebook download is in HTML format") as caught:
            list(FACEBOOK.read(ImportContext(archive, detection)))
    assert "Format: JSON" in str(caught.value)


def test_malformed_files_are_skipped_with_a_warning(tmp_path: Path) -> None:
    files = F.facebook_2024()
    files["your_facebook_activity/messages/inbox/broken_abc/message_1.json"] = b'{"participants": ['
    files["your_facebook_activity/comments_and_reactions/comments.json"] = b'{"comments_v2": [{"data": '
    _, records, warnings = run_import(FACEBOOK, write_zip(tmp_path / "fb.zip", files))
    assert warnings == [
        "Skipped 'your_facebook_activity/messages/inbox/broken_abc/message_1.json': from about byte 18 of "
        "18, "
        "it is not valid JSON (it may be damaged or cut short), and no messages before that point could be "
        "read.",
        "Skipped 'your_facebook_activity/comments_and_reactions/comments.json': from about byte 26 of 26, "
        "it is not valid JSON (it may be damaged or cut short), and no entries before that point could be "
        "read.",
    ]
    assert summary(records, "message") == EXPECTED_MESSAGES
    assert items(records, "comment") == []


def test_bare_messages_inbox_is_facebook_beside_facebook_siblings(tmp_path: Path) -> None:
    files = dict(F.fb_message_files(""))
    files["posts/media/1.jpg"] = b"\xff\xd8\xff"
    files["friends/friends.html"] = b"<html></html>"
    with open_archive(write_zip(tmp_path / "fb.zip", files)) as archive:
        assert INSTAGRAM.detect(archive) is None
        detection = FACEBOOK.detect(archive)
    assert detection is not None and detection.platform == "facebook"


def test_lone_thread_files_with_messenger_fields_are_facebook(tmp_path: Path) -> None:
    files = {k: v for k, v in F.fb_message_files("").items() if "archived" not in k}
    with open_archive(write_folder(tmp_path / "threads", files)) as archive:
        assert INSTAGRAM.detect(archive) is None
        detection = FACEBOOK.detect(archive)
    assert detection is not None and (detection.version, detection.confidence) == ("thread-files", 0.6)


@pytest.mark.parametrize("name", sorted(F.other_platform_files()))
def test_other_platforms_and_garbage_are_not_claimed(tmp_path: Path, name: str) -> None:
    files = F.other_platform_files()[name]
    with open_archive(write_zip(tmp_path / f"{name}.zip", files)) as archive:
        assert FACEBOOK.detect(archive) is None
    for file_name in files:
        single = write_folder(tmp_path / name, files) / file_name
        with open_archive(single) as archive:
            assert FACEBOOK.detect(archive) is None


def test_instagram_exports_are_not_claimed(tmp_path: Path) -> None:
    for name, files in {"2024": F.instagram_2024(), "2022": F.instagram_2022(), "2020": F.instagram_2020(),
                        "html": F.instagram_html()}.items():  # fmt: skip
        with open_archive(write_zip(tmp_path / f"{name}.zip", files)) as archive:
            assert FACEBOOK.detect(archive) is None, name


def test_registry_picks_facebook_for_every_era(tmp_path: Path) -> None:
    from desktop.core.importers import registry

    eras = {"json-2024": F.facebook_2024(),
            "json-2022-2023": F.facebook_2024("your_activity_across_facebook/"),
            "json-pre-2022": F.facebook_old(), "e2ee-backup": F.e2ee_backup()}  # fmt: skip
    for version, files in eras.items():
        with open_archive(write_zip(tmp_path / f"{version}.zip", files)) as archive:
            importer, detection = registry.detect(archive)
        assert (importer.platform, detection.version) == ("facebook", version)


def test_comments_in_comments_and_reactions_json_are_found_by_their_content(tmp_path: Path) -> None:
    """A 2025 export keeps the comments in ``comments_and_reactions/comments_and_reactions.json``
    (``comments_v2`` inside); a file is recognised by what it holds, not by its name alone."""
    files = F.facebook_2024()
    del files["your_facebook_activity/comments_and_reactions/comments.json"]
    comments = F.fb_comments()
    comments["comments_v2"].insert(0, {
        "timestamp": 1700000000,
        "data": [{"comment": {"timestamp": 1700000000, "comment": "Så flot! 😍", "author": FB_OWNER}}],
        "title": "Malou Sørensen replied to Anna's comment.",
    })  # fmt: skip
    files["your_facebook_activity/comments_and_reactions/comments_and_reactions.json"] = comments
    files["your_facebook_activity/comments_and_reactions/likes_and_reactions_1.json"] = [
        {"timestamp": 1600000700, "data": [{"reaction": {"reaction": "LIKE", "actor": FB_OWNER}}],
         "title": "Malou Sørensen likes Anna's post."}
    ]  # fmt: skip
    for form in ("zip", "folder"):
        (tmp_path / form).mkdir()
        detection, records, warnings = run_import(FACEBOOK, as_form(tmp_path / form, files, form))
        assert (detection.version, warnings) == ("json-2024", [])
        assert summary(records, "comment") == [
            (None, dt(2023, 11, 14, 22, 13, 20), FB_OWNER, True, "Så flot! 😍"),
            (None, dt(2020, 9, 13, 12, 35), FB_OWNER, True, "Tillykke! 🎉"),
        ]
        assert summary(records, "message") == EXPECTED_MESSAGES
        assert summary(records, "post") == EXPECTED_POSTS


def test_a_thread_file_cut_short_keeps_the_messages_before_the_cut(tmp_path: Path) -> None:
    files = F.facebook_2024()
    path = f"your_facebook_activity/messages/inbox/{JOHN}/message_1.json"
    whole = meta_bytes(files[path])
    cut = whole.index(b"Hej Malou")  # newest first: four messages are read, then the file ends
    files[path] = whole[:cut]
    _, records, warnings = run_import(FACEBOOK, write_zip(tmp_path / "fb.zip", files))
    assert [(t.key, t.title) for t in threads(records)] == [(GANG, "Banden 🎉"), (JOHN, "John Doe")]
    assert summary(records, "message") == [
        (GANG, dt(2020, 9, 13, 12, 28, 20), "Facebook User", False, "gammel besked"),
        (GANG, dt(2020, 9, 13, 12, 30), FB_OWNER, True, "Hej alle sammen"),
        (JOHN, dt(2022, 4, 15, 5, 21, 40), FB_OWNER, True, "Skål! Vi ses i morgen 🍻"),
        (JOHN, dt(2024, 3, 9, 16, 0), "John Doe", False, "Er du der? 🙂"),
    ]
    assert warnings == [
        f"Skipped the rest of '{path}' from about byte {cut:,} of {cut:,}: it is not valid JSON "
        "(it may be damaged or cut short). Kept the 4 messages read before that point."
    ]
