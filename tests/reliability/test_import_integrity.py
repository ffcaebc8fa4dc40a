"""The search index stays whole through imports that update their own rows.

Found by the importer fuzz: while an import indexes its new items in one statement at the end
(``bulk_item_indexing``), linking a reply to its parent updates rows the index has not seen yet.
The update trigger then told FTS5 to delete words it never indexed, and the very first import
of a Telegram export (or any export whose messages answer each other) into a new profile failed
with "The store ... is damaged and cannot be read".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.core.store import open_store, search_items
from tests.reliability.corpus import seeds, zip_files
from tests.reliability.harness import assert_store_sound, drain_import


@pytest.mark.parametrize("platform", ["telegram", "generic", "youtube", "reddit"])
def test_the_first_import_of_replies_into_a_new_profile_succeeds(tmp_path: Path, platform: str) -> None:
    seed = seeds()[platform]
    archive = tmp_path / seed.zip_name
    archive.write_bytes(seed.zip_bytes())
    with open_store(tmp_path / "store.sqlite3") as store:
        summary = drain_import(store, archive, seed.me)
        linked = store.db.execute("SELECT count(*) FROM items WHERE reply_to IS NOT NULL").fetchone()[0]
        assert summary.items > 0 and linked > 0  # the case: replies linked within the import
        assert_store_sound(store)
        drain_import(store, archive, seed.me)  # again: unchanged rows, the index untouched
        assert_store_sound(store)


def test_an_item_repeated_within_one_import_is_indexed_once_with_its_last_text(tmp_path: Path) -> None:
    rows = [
        {
            "text": "first words about sourdough",
            "author": "Ava",
            "timestamp": "2024-05-01T10:00:00Z",
            "id": "p1",
            "is_owner": True,
        },
        {
            "text": "corrected words about rye",
            "author": "Ava",
            "timestamp": "2024-05-01T10:00:00Z",
            "id": "p1",
            "is_owner": True,
        },
    ]
    archive = tmp_path / "posts.zip"
    archive.write_bytes(zip_files({"posts.jsonl": "\n".join(json.dumps(r) for r in rows).encode()}))
    with open_store(tmp_path / "store.sqlite3") as store:
        drain_import(store, archive)
        assert_store_sound(store)
        assert [r["text"] for r in search_items(store, "rye")] == ["corrected words about rye"]
        assert search_items(store, "sourdough") == []
