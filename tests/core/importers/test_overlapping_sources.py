"""Overlapping sources (issue 18): an item belongs to every import whose archive holds it.

The same Instagram data zipped twice, or a creator's second download that repeats the first,
gives two sources over the same items. Removing one of them must keep every item the other
still holds, and each source's counts stay what its own archive held. Archives are real zips
built here; the store is a real SQLite file.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from desktop.app import main
from desktop.core.errors import KnownError
from desktop.core.importers.pipeline import import_archive
from desktop.core.store import Store, delete_source, list_sources, open_store
from tests.core.importers.fixtures_meta import OWNER, ig_profile, meta_bytes, msg, thread
from tests.core.importers.test_pipeline import drain

FANS = ("Adam", "Bea", "Cruz")
BASE_MS = 1_700_000_000_000


def message_pool(count: int) -> list[tuple[str, int, str, str]]:
    """``count`` DM messages as (fan's thread, time in ms, sender, text), every text unique."""
    pool = []
    for n in range(count):
        fan = FANS[n % len(FANS)]
        sender = OWNER if n % 2 else fan
        pool.append((fan, BASE_MS + n * 60_000, sender, f"message {n} from {sender}"))
    return pool


def post_pool(count: int) -> list[tuple[int, str]]:
    return [(1_690_000_000 + n * 86_400, f"post {n} caption") for n in range(count)]


def comment_pool(count: int) -> list[tuple[int, str]]:
    return [(1_695_000_000 + n * 3_600, f"comment {n} on a friend's post") for n in range(count)]


def instagram_files(
    messages: list[tuple[str, int, str, str]], posts: list[tuple[int, str]], comments: list[tuple[int, str]]
) -> dict[str, bytes]:
    """A 2024-layout Instagram export holding exactly these messages, posts and comments."""
    root = "your_instagram_activity/"
    files: dict[str, bytes] = {
        "personal_information/personal_information/personal_information.json": meta_bytes(ig_profile()),
    }
    for fan in FANS:
        mine = sorted(
            (m for m in messages if m[0] == fan), key=lambda m: -m[1]
        )  # newest first, as Meta writes
        if mine:
            files[f"{root}messages/inbox/{fan.lower()}_1000/message_1.json"] = meta_bytes(
                thread([fan, OWNER], [msg(sender, ms, text) for _, ms, sender, text in mine], fan,
                       f"inbox/{fan.lower()}_1000")
            )  # fmt: skip
    if posts:
        files[f"{root}content/posts_1.json"] = meta_bytes(
            [{"media": [{"uri": f"media/posts/{n}.jpg", "creation_timestamp": when, "title": text}]}
             for n, (when, text) in enumerate(posts)]
        )  # fmt: skip
    if comments:
        files[f"{root}comments/post_comments_1.json"] = meta_bytes(
            [{"media_list_data": [{"uri": ""}],
              "string_map_data": {"Comment": {"value": text}, "Media Owner": {"value": "a.friend"},
                                  "Time": {"timestamp": when}}}
             for when, text in comments]
        )  # fmt: skip
    return files


def zip_files(path: Path, files: dict[str, bytes], *, stored: bool = False) -> Path:
    """Zip ``files``; ``stored`` zips the same data again without compression (another sha256)."""
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def instagram_zip(
    path: Path, messages: int = 141, posts: int = 4, comments: int = 3, *, stored: bool = False
) -> Path:
    """The issue's export: 141 messages, 4 posts and 3 comments (148 items), or the first ``n`` of each."""
    files = instagram_files(message_pool(messages), post_pool(posts), comment_pool(comments))
    return zip_files(path, files, stored=stored)


def count(store: Store, sql: str, args: list[Any] | None = None) -> int:
    return int(store.db.execute(sql, args or []).fetchone()[0])


def kinds(store: Store) -> dict[str, int]:
    return dict(store.db.execute("SELECT kind, count(*) FROM items GROUP BY kind ORDER BY kind").fetchall())


def counts_of(store: Store) -> dict[int, dict[str, int]]:
    return {source["id"]: source["counts"] for source in list_sources(store)}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with open_store(tmp_path / "store.sqlite3") as opened:
        yield opened


ISSUE_COUNTS = {"comment": 3, "message": 141, "post": 4}


# --- the regression: the same export zipped twice ----------------------------------------------


def test_the_same_export_zipped_twice_is_two_sources_each_holding_every_item(
    store: Store, tmp_path: Path
) -> None:
    older, _ = drain(import_archive(store, instagram_zip(tmp_path / "instagram.zip")))
    newer, _ = drain(import_archive(store, instagram_zip(tmp_path / "instagram-again.zip", stored=True)))
    assert older.id != newer.id  # two files, two sources
    assert (older.items, older.new_items, newer.items, newer.new_items) == (148, 148, 148, 0)
    assert counts_of(store) == {older.id: ISSUE_COUNTS, newer.id: ISSUE_COUNTS}
    assert count(store, "SELECT count(*) FROM items") == 148


def test_removing_the_newer_copy_keeps_every_item_the_older_one_holds(store: Store, tmp_path: Path) -> None:
    older, _ = drain(import_archive(store, instagram_zip(tmp_path / "instagram.zip")))
    newer, _ = drain(import_archive(store, instagram_zip(tmp_path / "instagram-again.zip", stored=True)))
    threads, exchanges = (
        count(store, "SELECT count(*) FROM threads"),
        count(store, "SELECT count(*) FROM exchanges"),
    )

    result = delete_source(store, newer.id)

    assert kinds(store) == ISSUE_COUNTS  # before the fix: {} (all 148 deleted, the older source still listed)
    assert (result.removed, result.kept) == (0, 148)
    assert counts_of(store) == {older.id: ISSUE_COUNTS}
    assert count(store, "SELECT count(*) FROM threads") == threads == 3
    assert count(store, "SELECT count(*) FROM exchanges") == exchanges > 0
    assert count(store, "SELECT count(*) FROM items_fts") == 148
    # ...and removing the older one now removes everything: nothing else holds the items.
    result = delete_source(store, older.id)
    assert (result.removed, result.kept) == (148, 0)
    for table in ("sources", "items", "threads", "exchanges", "items_fts", "item_sources", "thread_sources"):
        assert count(store, f"SELECT count(*) FROM {table}") == 0, table


def test_removing_the_older_copy_keeps_every_item_too(store: Store, tmp_path: Path) -> None:
    older, _ = drain(import_archive(store, instagram_zip(tmp_path / "instagram.zip")))
    newer, _ = drain(import_archive(store, instagram_zip(tmp_path / "instagram-again.zip", stored=True)))
    result = delete_source(store, older.id)
    assert (result.removed, result.kept) == (0, 148)
    assert counts_of(store) == {newer.id: ISSUE_COUNTS}
    assert kinds(store) == ISSUE_COUNTS


# --- a newer download that repeats an older one -------------------------------------------------


def test_a_newer_export_that_overlaps_an_older_one(store: Store, tmp_path: Path) -> None:
    # The first download: 100 messages, 2 posts, 1 comment. The second, months later, holds all
    # of those and more (141 messages, 4 posts, 3 comments).
    older, _ = drain(
        import_archive(store, instagram_zip(tmp_path / "first.zip", messages=100, posts=2, comments=1))
    )
    newer, _ = drain(import_archive(store, instagram_zip(tmp_path / "second.zip")))
    assert (newer.items, newer.new_items) == (148, 45)
    assert counts_of(store) == {older.id: {"comment": 1, "message": 100, "post": 2}, newer.id: ISSUE_COUNTS}

    result = delete_source(store, newer.id)  # the creator drops the newer download again

    assert kinds(store) == {"comment": 1, "message": 100, "post": 2}
    assert (result.removed, result.kept) == (45, 103)
    assert counts_of(store) == {older.id: {"comment": 1, "message": 100, "post": 2}}
    assert count(store, "SELECT count(*) FROM items_fts") == 103


def test_an_item_only_the_older_export_holds_goes_with_it(store: Store, tmp_path: Path) -> None:
    # A message deleted on the platform between the two downloads is only in the first one.
    pool = message_pool(10)
    first = zip_files(tmp_path / "first.zip", instagram_files(pool, post_pool(1), []))
    second = zip_files(tmp_path / "second.zip", instagram_files(pool[:4] + pool[5:], post_pool(1), []))
    older, _ = drain(import_archive(store, first))
    newer, _ = drain(import_archive(store, second))
    result = delete_source(store, older.id)
    assert (result.removed, result.kept) == (1, 10)
    assert count(store, "SELECT count(*) FROM items WHERE text = ?", [pool[4][3]]) == 0
    assert counts_of(store) == {newer.id: {"message": 9, "post": 1}}


def test_reimporting_the_same_file_keeps_one_source(store: Store, tmp_path: Path) -> None:
    path = instagram_zip(tmp_path / "instagram.zip")
    first, _ = drain(import_archive(store, path))
    again, _ = drain(import_archive(store, path))
    assert again.id == first.id and again.new_items == 0
    assert count(store, "SELECT count(*) FROM item_sources") == 148
    assert delete_source(store, first.id).removed == 148


def test_derived_rows_of_removed_items_go_and_shared_ones_stay(store: Store, tmp_path: Path) -> None:
    older, _ = drain(
        import_archive(store, instagram_zip(tmp_path / "first.zip", messages=100, posts=2, comments=1))
    )
    newer, _ = drain(import_archive(store, instagram_zip(tmp_path / "second.zip")))
    only_newer = [row[0] for row in store.db.execute(
        "SELECT item_id FROM item_sources WHERE source_id = ?"
        " EXCEPT SELECT item_id FROM item_sources WHERE source_id = ?",
        [newer.id, older.id])]  # fmt: skip
    shared = [
        row[0] for row in store.db.execute("SELECT item_id FROM item_sources WHERE source_id = ?", [older.id])
    ]
    assert (len(only_newer), len(shared)) == (45, 103)
    for item_id in (only_newer[0], shared[0]):
        store.db.execute(
            "INSERT INTO embeddings (item_id, model, dim, vector) VALUES (?, 'm.gguf', 1, x'0000803f')",
            [item_id],
        )
        store.db.execute(
            "INSERT INTO inbox_entries (item_id, source, added_at) VALUES (?, 'import', "
            "'2024-01-01T00:00:00.000Z')",
            [item_id],
        )
    delete_source(store, newer.id)
    assert [r[0] for r in store.db.execute("SELECT item_id FROM embeddings")] == [shared[0]]
    assert [r[0] for r in store.db.execute("SELECT item_id FROM inbox_entries")] == [shared[0]]
    # Every exchange left pairs two items that are still there; the store's links all hold.
    assert count(store, "SELECT count(*) FROM exchanges WHERE incoming_item_id NOT IN (SELECT id FROM items)"
                 " OR reply_item_id NOT IN (SELECT id FROM items)") == 0  # fmt: skip
    assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
    store.db.execute("INSERT INTO items_fts(items_fts) VALUES ('integrity-check')")


def test_a_removal_that_fails_part_way_changes_nothing(store: Store, tmp_path: Path) -> None:
    older, _ = drain(
        import_archive(store, instagram_zip(tmp_path / "first.zip", messages=100, posts=2, comments=1))
    )
    newer, _ = drain(import_archive(store, instagram_zip(tmp_path / "second.zip")))
    before = list(store.db.conn.iterdump())
    # A trigger that refuses the last step (deleting the source row) stands in for a full disk.
    store.db.execute(
        "CREATE TRIGGER refuse AFTER DELETE ON sources BEGIN SELECT RAISE(ABORT, 'disk is full'); END"
    )
    with pytest.raises(KnownError, match="not enough disk space"):
        delete_source(store, newer.id)
    store.db.execute("DROP TRIGGER refuse")
    assert list(store.db.conn.iterdump()) == before


def test_cli_sources_remove_says_how_many_stay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = str(tmp_path / "base")
    first, second = (
        instagram_zip(tmp_path / "instagram.zip"),
        instagram_zip(tmp_path / "again.zip", stored=True),
    )
    assert main(["--basedir", base, "import", str(first), str(second), "--json"]) == 0
    older, newer = (s["id"] for s in json.loads(capsys.readouterr().out)["sources"])
    assert main(["--basedir", base, "sources", "list"]) == 0
    listed = capsys.readouterr().out
    assert listed.count("3 comments, 141 messages, 4 posts") == 2
    assert main(["--basedir", base, "sources", "remove", str(newer)]) == 0
    out = capsys.readouterr().out
    assert "Removed source" in out and "0 items" in out
    assert "148 items stay" in out
    assert main(["--basedir", base, "sources", "remove", str(older)]) == 0
    out = capsys.readouterr().out
    assert "148 items" in out and "stay" not in out


# --- any sequence of imports and removals over three overlapping archives ---------------------

POOL_MESSAGES, POOL_POSTS, POOL_COMMENTS = message_pool(9), post_pool(4), comment_pool(3)
POOL = (
    [("message", m[3]) for m in POOL_MESSAGES]
    + [("post", p[1]) for p in POOL_POSTS]
    + [("comment", c[1]) for c in POOL_COMMENTS]
)

# Archives of four or more of the 16 pool items overlap more often than not; imports are drawn
# twice as often as removals so that most removals find other sources in place.
archive_contents = st.frozensets(st.integers(0, len(POOL) - 1), min_size=4)
operations = st.lists(
    st.tuples(st.sampled_from(["import", "import", "remove"]), st.integers(0, 2)), min_size=2, max_size=8
)


def archive_of(chosen: frozenset[int]) -> dict[str, bytes]:
    texts = {POOL[n][1] for n in chosen}
    return instagram_files(
        [m for m in POOL_MESSAGES if m[3] in texts],
        [p for p in POOL_POSTS if p[1] in texts],
        [c for c in POOL_COMMENTS if c[1] in texts],
    )


SAME = frozenset(range(len(POOL)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(
    contents=(SAME, SAME, SAME), steps=[("import", 0), ("import", 1), ("remove", 1), ("remove", 0)]
)  # the issue
@example(
    contents=(frozenset(range(10)), frozenset(range(16)), frozenset(range(5, 16))),
    steps=[
        ("import", 0),
        ("import", 1),
        ("import", 2),
        ("remove", 1),
        ("import", 1),
        ("remove", 2),
        ("remove", 0),
    ],
)
@given(contents=st.tuples(archive_contents, archive_contents, archive_contents), steps=operations)
def test_items_present_are_the_union_of_the_remaining_sources_archives(
    contents: tuple[frozenset[int], ...], steps: list[tuple[str, int]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        # A photo of its own makes each zip a different file even when the texts are the same
        # (the same file imported twice is one source by design).
        paths = [
            zip_files(
                root / f"export-{n}.zip",
                {**archive_of(chosen), f"media/other/{n}.jpg": bytes([0xFF, 0xD8, n])},
            )
            for n, chosen in enumerate(contents)
        ]
        source_of: dict[int, int] = {}  # archive number -> its source id while imported
        with open_store(root / "store.sqlite3") as store:
            for action, n in steps:
                result = None
                if action == "import":
                    summary, _ = drain(import_archive(store, paths[n]))
                    source_of[n] = summary.id
                elif n in source_of:
                    others = set().union(*(contents[m] for m in source_of if m != n))
                    result = delete_source(store, source_of.pop(n))
                expected = set().union(*(contents[m] for m in source_of))
                present = set(store.db.execute("SELECT kind, text FROM items").fetchall())
                assert present == {POOL[i] for i in expected}
                if action == "remove" and result is not None:
                    assert (result.removed, result.kept) == (
                        len(contents[n] - others),
                        len(contents[n] & others),
                    )
                for m, source_id in source_of.items():
                    held = [POOL[i][0] for i in contents[m]]
                    [row] = [s for s in list_sources(store) if s["id"] == source_id]
                    assert row["counts"] == {kind: held.count(kind) for kind in sorted(set(held))}
                fans = {POOL_MESSAGES[i][0] for i in expected if i < len(POOL_MESSAGES)}
                titles = {
                    r[0] for r in store.db.execute("SELECT title FROM threads WHERE kind IN ('dm', 'group')")
                }
                assert titles == fans
                assert count(store, "SELECT count(*) FROM items_fts") == len(expected)
            store.db.execute("INSERT INTO items_fts(items_fts) VALUES ('integrity-check')")
            assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
