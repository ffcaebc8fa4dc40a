"""Instagram exports of every era, as a zip, a folder, a zip with an extra top folder, and single files."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from desktop.core.errors import Cancelled, KnownError
from desktop.core.importers.archive import open_archive
from desktop.core.importers.base import ImportContext, OwnerUnknownError
from desktop.core.importers.platforms.facebook import IMPORTER as FACEBOOK
from desktop.core.importers.platforms.instagram import IMPORTER as INSTAGRAM
from desktop.core.importers.records import ItemRecord, ThreadRecord
from tests.core.importers import fixtures_meta as F
from tests.core.importers.fixtures_meta import (
    OWNER,
    OWNER_USERNAME,
    meta_bytes,
    run_import,
    write_folder,
    write_zip,
)


def dt(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def items(records: list, kind: str | None = None) -> list[ItemRecord]:
    return [r for r in records if isinstance(r, ItemRecord) and (kind is None or r.kind == kind)]


def threads(records: list) -> list[ThreadRecord]:
    return [r for r in records if isinstance(r, ThreadRecord)]


def summary(records: list, kind: str) -> list[tuple]:
    return [(r.thread_key, r.created_at, r.author, r.is_owner, r.text) for r in items(records, kind)]


EXPECTED_MESSAGES = [
    (
        "adam_930944588310288",
        dt(2024, 2, 6, 0, 37, 34, 761000),
        "Adam",
        False,
        "Hey Zoë! Love your café photos ☕",
    ),
    ("adam_930944588310288", dt(2024, 2, 6, 0, 38, 20), OWNER, True, "Thank you 😊 it's in Bogotá"),
    ("adam_930944588310288", dt(2024, 6, 5, 11, 25), "Adam", False, "Where was that? 👀"),
    (
        "tripcrew_2464000000000001",
        dt(2024, 3, 9, 16, 1, 40),
        "Instagram User",
        False,
        "hello from a deleted account",
    ),
    ("tripcrew_2464000000000001", dt(2024, 3, 9, 16, 5), OWNER, True, "See you all there!"),
    ("bigfan_123456789", dt(2024, 4, 1, 19, 33, 20), "Big Fan", False, "Can we do a collab? 🙏"),
]
EXPECTED_POSTS = [
    (None, dt(2024, 5, 13, 2, 21, 16), OWNER, True, "Great sem"),
    (None, dt(2024, 3, 11, 13, 57, 51), OWNER, True, "Un Taxi 🇨🇴"),
]
EXPECTED_THREADS_POSTS = [
    (None, dt(2023, 11, 14, 22, 13, 20), OWNER, True, "first thread 🧵"),
    (None, dt(2023, 11, 14, 22, 15), OWNER, True, "agreed, ça marche"),
    (None, dt(2023, 11, 14, 22, 16, 40), OWNER, True, "photo dump"),
]
EXPECTED_COMMENTS = [
    (None, dt(2023, 7, 3, 18, 30, 1), OWNER, True, "@dannydonosok what did i tell u about that chedda 🙄"),
    (None, dt(2023, 7, 22, 4, 26, 40), OWNER, True, "Så fedt! 🔥"),
    (None, dt(2023, 7, 22, 4, 35), OWNER, True, "Æðislegt 😍"),
]


def as_form(tmp_path: Path, files: F.Files, form: str) -> Path:
    if form == "zip":
        return write_zip(tmp_path / "instagram.zip", files)
    if form == "zip-top-folder":
        return write_zip(tmp_path / "instagram.zip", files, top="instagram-zoe.creates-2024-06-05-abc/")
    return write_folder(tmp_path / "instagram-export", files)


@pytest.mark.parametrize("form", ["zip", "folder", "zip-top-folder"])
def test_2024_export_reads_messages_posts_threads_and_comments(tmp_path: Path, form: str) -> None:
    detection, records, warnings = run_import(INSTAGRAM, as_form(tmp_path, F.instagram_2024(), form))
    assert (detection.platform, detection.version, detection.confidence) == ("instagram", "json-2024", 0.95)
    assert warnings == []
    assert [(t.key, t.title, t.kind, t.participants) for t in threads(records)] == [
        ("adam_930944588310288", "Adam", "dm", ("Adam", OWNER)),
        ("tripcrew_2464000000000001", "Trip crew 🚐", "group", ("Rebecca", "Instagram User", "Bob", OWNER)),
        ("bigfan_123456789", "Big Fan", "dm", ("Big Fan", OWNER)),
    ]
    # Split files merged and sorted oldest first; placeholders, reactions and media-only messages dropped.
    assert summary(records, "message") == EXPECTED_MESSAGES
    posts = items(records, "post")
    assert summary(records, "post") == EXPECTED_POSTS + EXPECTED_THREADS_POSTS
    assert [p.extra for p in posts] == [
        {"app": "instagram"}, {"app": "instagram"},
        {"app": "threads", "is_reply": False}, {"app": "threads", "is_reply": True},
        {"app": "threads", "is_reply": False},
    ]  # fmt: skip
    assert summary(records, "comment") == EXPECTED_COMMENTS
    assert [c.extra["media_owner"] for c in items(records, "comment")] == [
        "max_orenstein",
        "dk.reels",
        "is.reels",
    ]
    assert len(records) == 3 + 6 + 5 + 3


def test_threads_come_before_their_messages_and_sections_are_kept(tmp_path: Path) -> None:
    _, records, _ = run_import(INSTAGRAM, write_zip(tmp_path / "ig.zip", F.instagram_2024()))
    seen: set[str] = set()
    for record in records:
        if isinstance(record, ThreadRecord):
            seen.add(record.key)
        elif record.thread_key is not None:
            assert record.thread_key in seen
    sections = {m.thread_key: m.extra["section"] for m in items(records, "message")}
    assert sections == {"adam_930944588310288": "inbox", "tripcrew_2464000000000001": "inbox",
                        "bigfan_123456789": "message_requests"}  # fmt: skip
    deleted = [m for m in items(records, "message") if m.author == "Instagram User"]
    assert [m.extra.get("deleted_account") for m in deleted] == [True]


def test_2025_export_with_posts_under_media(tmp_path: Path) -> None:
    detection, records, _ = run_import(INSTAGRAM, write_zip(tmp_path / "ig.zip", F.instagram_2024("media")))
    assert detection.version == "json-2025"
    assert summary(records, "post") == EXPECTED_POSTS + EXPECTED_THREADS_POSTS
    assert summary(records, "message") == EXPECTED_MESSAGES


def test_2021_2023_top_level_layout_with_old_profile_path_and_dict_comments(tmp_path: Path) -> None:
    detection, records, warnings = run_import(INSTAGRAM, write_folder(tmp_path / "ig", F.instagram_2022()))
    assert (detection.version, warnings) == ("json-2021-2023", [])
    assert summary(records, "message") == EXPECTED_MESSAGES
    assert summary(records, "post") == EXPECTED_POSTS
    assert summary(records, "comment") == [(None, dt(2021, 12, 20, 11, 33, 20), OWNER, True, "nice one 👏")]
    assert items(records, "comment")[0].extra == {"media_owner": "max_orenstein"}


def test_message_ids_are_stable_across_export_eras(tmp_path: Path) -> None:
    _, new, _ = run_import(INSTAGRAM, write_zip(tmp_path / "new.zip", F.instagram_2024()))
    _, old, _ = run_import(INSTAGRAM, write_zip(tmp_path / "old.zip", F.instagram_2022()))
    new_ids = [m.external_id for m in items(new, "message")]
    assert new_ids == [m.external_id for m in items(old, "message")]
    assert len(set(new_ids)) == len(new_ids) == 6
    assert [p.external_id for p in items(new, "post")][:2] == [p.external_id for p in items(old, "post")]


def test_2019_2020_single_files_with_usernames_as_senders(tmp_path: Path) -> None:
    detection, records, warnings = run_import(INSTAGRAM, write_zip(tmp_path / "ig.zip", F.instagram_2020()))
    assert (detection.version, detection.confidence, warnings) == ("json-2019-2020", 0.95, [])
    assert [(t.key, t.title, t.kind) for t in threads(records)] == [
        ("conversation:adam.k+zoe.creates", "adam.k", "dm"),
        ("conversation:lena+max+zoe.creates", "lena, max", "group"),
    ]
    assert summary(records, "message") == [
        ("conversation:adam.k+zoe.creates", dt(2019, 8, 7, 18, 0), OWNER_USERNAME, True, "hey, café?"),
        ("conversation:adam.k+zoe.creates", dt(2019, 8, 7, 18, 1, 10, 123456), "adam.k", False, "yo 👋"),
        ("conversation:lena+max+zoe.creates", dt(2020, 1, 1, 0, 0, 5), "lena", False, "happy new year"),
    ]
    # Zone-less times are UTC; "+02:00" is converted; empty captions and stories are not posts.
    assert summary(records, "post") == [
        (None, dt(2019, 5, 1, 12, 34, 56), OWNER, True, "Sunset 🌅"),
        (None, dt(2019, 6, 1, 8, 0), OWNER, True, "Dance"),
    ]
    assert summary(records, "comment") == [(None, dt(2018, 9, 12, 15, 44, 55), OWNER, True, "so good 😍")]


def test_2019_2020_owner_from_every_conversation_without_profile(tmp_path: Path) -> None:
    files = F.instagram_2020()
    del files["profile.json"]
    _, records, _ = run_import(INSTAGRAM, write_zip(tmp_path / "ig.zip", files))
    assert [(m.author, m.is_owner) for m in items(records, "message")] == [
        (OWNER_USERNAME, True),
        ("adam.k", False),
        ("lena", False),
    ]


def test_owner_is_the_participant_in_every_thread_when_no_profile(tmp_path: Path) -> None:
    files = F.instagram_2024()
    del files["personal_information/personal_information/personal_information.json"]
    _, records, _ = run_import(INSTAGRAM, write_zip(tmp_path / "ig.zip", files))
    assert summary(records, "message") == EXPECTED_MESSAGES
    assert {p.author for p in items(records, "post")} == {OWNER}


def test_owner_name_in_profile_is_repaired_before_matching(tmp_path: Path) -> None:
    # The raw bytes of the profile really are mojibake: "Zo\u00c3\u00ab Creator \u00f0\u009f\u008c\u00b8".
    raw = meta_bytes(F.ig_profile())
    assert b"Zo\\u00c3\\u00ab Creator \\u00f0\\u009f\\u008c\\u00b8" in raw
    _, records, _ = run_import(INSTAGRAM, write_zip(tmp_path / "ig.zip", F.instagram_2024()))
    assert [m.author for m in items(records, "message") if m.is_owner] == [OWNER, OWNER]


def test_single_thread_file_is_keyed_by_its_path_and_owned_by_the_one_not_in_the_title(
    tmp_path: Path,
) -> None:
    folder = write_folder(tmp_path / "ig", F.instagram_2024())
    single = folder / "your_instagram_activity/messages/inbox/adam_930944588310288/message_2.json"
    with open_archive(single) as archive:
        detection = INSTAGRAM.detect(archive)
        assert detection is not None and (detection.version, detection.confidence) == ("thread-files", 0.6)
    # A DM is titled with the other person's name, so the remaining participant is the creator.
    _, records, _ = run_import(INSTAGRAM, single)
    assert [(t.key, t.kind) for t in threads(records)] == [("adam_930944588310288", "dm")]
    assert [(m.author, m.is_owner) for m in items(records)] == [("Adam", False), (OWNER, True)]


def test_single_group_thread_file_needs_me(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "ig", F.instagram_2024())
    single = folder / "your_instagram_activity/messages/inbox/tripcrew_2464000000000001/message_1.json"
    with open_archive(single) as archive:
        detection = INSTAGRAM.detect(archive)
        assert detection is not None
        with pytest.raises(OwnerUnknownError) as caught:
            list(INSTAGRAM.read(ImportContext(archive, detection)))
    assert caught.value.candidates == ["Bob", "Rebecca", OWNER]
    _, records, _ = run_import(INSTAGRAM, single, me="zoë creator 🌸")  # matched regardless of case
    assert [(t.key, t.kind) for t in threads(records)] == [("tripcrew_2464000000000001", "group")]
    assert [(m.author, m.is_owner) for m in items(records)] == [("Instagram User", False), (OWNER, True)]


def test_thread_folder_given_alone_merges_its_split_files(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "ig", F.instagram_2024())
    thread_dir = folder / "your_instagram_activity/messages/inbox/adam_930944588310288"
    _, records, _ = run_import(INSTAGRAM, thread_dir, me=OWNER)
    assert [t.key for t in threads(records)] == ["adam_930944588310288"]
    assert summary(records, "message") == EXPECTED_MESSAGES[:3]


def test_single_posts_file_needs_no_owner(tmp_path: Path) -> None:
    path = tmp_path / "posts_1.json"
    path.write_bytes(meta_bytes(F.ig_posts()))
    detection, records, _ = run_import(INSTAGRAM, path)
    assert detection.platform == "instagram"
    assert [(p.kind, p.created_at, p.text, p.is_owner) for p in records] == [
        ("post", dt(2024, 5, 13, 2, 21, 16), "Great sem", True),
        ("post", dt(2024, 3, 11, 13, 57, 51), "Un Taxi 🇨🇴", True),
    ]


def test_html_export_is_detected_and_refused_in_plain_words(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "ig.zip", F.instagram_html())
    with open_archive(path) as archive:
        detection = INSTAGRAM.detect(archive)
        assert detection is not None and (detection.platform, detection.version) == ("instagram", "html")
        assert FACEBOOK.detect(archive) is None
        with pytest.raises(KnownError, match="HTML") as caught:
            list(INSTAGRAM.read(ImportContext(archive, detection)))
    assert "Format: JSON" in str(caught.value)


def test_malformed_files_are_skipped_with_a_warning(tmp_path: Path) -> None:
    files = F.instagram_2024()
    files["your_instagram_activity/messages/inbox/broken_111/message_1.json"] = (
        b'{"participants": [{"name": "A"'
    )
    files["your_instagram_activity/content/posts_2.json"] = b'[{"media": [{"title": "half'
    _, records, warnings = run_import(INSTAGRAM, write_zip(tmp_path / "ig.zip", files))
    assert warnings == [
        "Skipped 'your_instagram_activity/messages/inbox/broken_111/message_1.json': from about byte 30 of "
        "30, "
        "it is not valid JSON (it may be damaged or cut short), and no messages before that point could be "
        "read.",
        "Skipped 'your_instagram_activity/content/posts_2.json': from about byte 27 of 27, "
        "it is not valid JSON (it may be damaged or cut short), and no posts before that point could be "
        "read.",
    ]
    assert summary(records, "message") == EXPECTED_MESSAGES
    assert len(items(records, "post")) == 5


def test_owner_unknown_when_threads_share_no_single_participant(tmp_path: Path) -> None:
    files = {k: v for k, v in F.ig_dm_files("your_instagram_activity/").items() if "tripcrew" not in k}
    files["your_instagram_activity/messages/inbox/bigfan_123456789/message_1.json"] = F.thread(
        ["Big Fan", "Adam"], [F.msg("Big Fan", 1712000000000, "hi")], "Big Fan", "inbox/bigfan_123456789"
    )
    with open_archive(write_zip(tmp_path / "ig.zip", files)) as archive:
        detection = INSTAGRAM.detect(archive)
        assert detection is not None and detection.version == "json-2024"
        with pytest.raises(OwnerUnknownError, match="does not say which participant is you") as caught:
            list(INSTAGRAM.read(ImportContext(archive, detection)))
    assert caught.value.candidates == ["Adam", "Big Fan", OWNER]


def test_cancel_is_checked_while_reading(tmp_path: Path) -> None:
    messages = [F.msg("Adam", 1700000000000 + i, f"message {i}") for i in range(1500)]
    files = {
        "personal_information/personal_information/personal_information.json": F.ig_profile(),
        "your_instagram_activity/messages/inbox/adam_1/message_1.json": F.thread(
            ["Adam", OWNER], messages, "Adam", "inbox/adam_1"
        ),
    }
    with open_archive(write_zip(tmp_path / "ig.zip", files)) as archive:
        detection = INSTAGRAM.detect(archive)
        assert detection is not None
        context = ImportContext(archive, detection)
        context.cancel.cancel()
        with pytest.raises(Cancelled):
            list(INSTAGRAM.read(context))


@pytest.mark.parametrize("name", sorted(F.other_platform_files()))
def test_other_platforms_and_garbage_are_not_claimed(tmp_path: Path, name: str) -> None:
    files = F.other_platform_files()[name]
    with open_archive(write_zip(tmp_path / f"{name}.zip", files)) as archive:
        assert INSTAGRAM.detect(archive) is None
    for file_name in files:
        single = write_folder(tmp_path / name, files) / file_name
        with open_archive(single) as archive:
            assert INSTAGRAM.detect(archive) is None


def test_facebook_exports_are_not_claimed(tmp_path: Path) -> None:
    for name, files in {"fb": F.facebook_2024(), "old": F.facebook_old(), "e2ee": F.e2ee_backup()}.items():
        with open_archive(write_zip(tmp_path / f"{name}.zip", files)) as archive:
            assert INSTAGRAM.detect(archive) is None, name


def test_bare_messages_inbox_is_instagram_beside_instagram_siblings(tmp_path: Path) -> None:
    files = {k: v for k, v in F.ig_dm_files("").items()}
    files["personal_information/personal_information.json"] = F.ig_profile()
    with open_archive(write_zip(tmp_path / "ig.zip", files)) as archive:
        assert FACEBOOK.detect(archive) is None
        detection = INSTAGRAM.detect(archive)
    assert detection is not None and (detection.version, detection.confidence) == ("json-2021-2023", 0.95)


def test_registry_picks_instagram_for_every_era(tmp_path: Path) -> None:
    from desktop.core.importers import registry

    eras = {"json-2024": F.instagram_2024(), "json-2025": F.instagram_2024("media"),
            "json-2021-2023": F.instagram_2022(), "json-2019-2020": F.instagram_2020(),
            "html": F.instagram_html()}  # fmt: skip
    for version, files in eras.items():
        with open_archive(write_zip(tmp_path / f"{version}.zip", files)) as archive:
            importer, detection = registry.detect(archive)
        assert (importer.platform, detection.version) == ("instagram", version)
