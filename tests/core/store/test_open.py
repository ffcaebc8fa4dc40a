"""Opening the store: migrations, WAL, and refusing files it must not touch (real SQLite files)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.core.errors import KnownError, NewerDatabaseError
from desktop.core.paths import Paths
from desktop.core.store import SCHEMA_VERSION, TABLES, open_store, sqlite_error_to_known
from desktop.core.store.schema import MIGRATION_NAMES, MIGRATION_SET


def snapshot(folder: Path) -> dict[str, str]:
    """Every file in ``folder`` (the store and any -wal/-shm/-journal) with its sha256."""
    files = sorted(p for p in folder.iterdir() if p.is_file())
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def make_future_db(path: Path, version: int = SCHEMA_VERSION + 1, *, wal: bool = True) -> None:
    """A store as a newer Understudy might leave it: cleanly closed, higher user_version."""
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode = wal")
    conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, text TEXT, shiny_new_column TEXT)")
    conn.execute("INSERT INTO items (text) VALUES ('from the future')")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


@pytest.fixture
def store_path(paths: Paths) -> Path:
    return paths.create_profile("default").store


def test_new_store_has_every_table_fts_wal_and_foreign_keys(store_path: Path) -> None:
    with open_store(store_path) as store:
        names = set(store.db.table_names())
        assert set(TABLES) <= names
        assert "items_fts" in names
        assert store.db.table("items").detect_fts() == "items_fts"
        assert {t.name for t in store.db.table("items").triggers} >= {"items_ai", "items_ad", "items_au"}
        assert store.db.journal_mode == "wal"
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.schema_version == SCHEMA_VERSION
        migrations = store.db["_sqlite_migrations"].rows_where("migration_set = ?", [MIGRATION_SET])
        applied = [row["name"] for row in migrations]
        assert applied == list(MIGRATION_NAMES)
        index_columns = {tuple(i.columns) for i in store.db.table("items").indexes}
        assert ("thread_id", "created_at") in index_columns
        assert ("is_owner", "created_at") in index_columns
        assert ("platform", "external_id") in index_columns  # the idempotency key
        assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert store_path.is_file()


def test_migrations_are_numbered_in_order_and_set_the_version() -> None:
    # Append-only: names are NNNN_..., consecutive, and the version is their count.
    assert [int(name.split("_", 1)[0]) for name in MIGRATION_NAMES] == list(range(1, SCHEMA_VERSION + 1))


SCHEMA_SQL = "SELECT type, name, sql FROM sqlite_master ORDER BY name"


def test_reopening_is_a_no_op(store_path: Path) -> None:
    with open_store(store_path) as store:
        schema_before = store.db.execute(SCHEMA_SQL).fetchall()
        applied_before = list(store.db["_sqlite_migrations"].rows)
    with open_store(store_path) as store:
        assert store.db.execute(SCHEMA_SQL).fetchall() == schema_before
        assert list(store.db["_sqlite_migrations"].rows) == applied_before
        assert store.schema_version == SCHEMA_VERSION


def test_open_creates_missing_parent_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "store.sqlite3"
    with open_store(str(path)) as store:
        assert store.path == path
    assert path.is_file()


def test_closing_folds_the_wal_back_into_the_file(store_path: Path) -> None:
    open_store(store_path).close()
    assert sorted(p.name for p in store_path.parent.iterdir() if p.is_file()) == [store_path.name]


def test_a_store_belongs_to_the_thread_that_opened_it(store_path: Path) -> None:
    errors: list[BaseException] = []
    with open_store(store_path) as store:

        def use_from_another_thread() -> None:
            try:
                store.db.execute("SELECT 1")
            except BaseException as exc:  # noqa: BLE001 - recorded for the assertion below
                errors.append(exc)

        worker = threading.Thread(target=use_from_another_thread)
        worker.start()
        worker.join()
    assert len(errors) == 1 and isinstance(errors[0], sqlite3.ProgrammingError)


@pytest.mark.parametrize("wal", [True, False], ids=["wal", "rollback-journal"])
def test_newer_database_is_refused_and_left_byte_for_byte_unchanged(store_path: Path, wal: bool) -> None:
    make_future_db(store_path, version=SCHEMA_VERSION + 6, wal=wal)
    before = snapshot(store_path.parent)
    assert list(before) == [store_path.name]  # cleanly closed: no -wal/-shm to begin with

    with pytest.raises(NewerDatabaseError) as caught:
        open_store(store_path)

    message = str(caught.value)
    assert "newer version of Understudy" in message
    assert f"schema {SCHEMA_VERSION + 6}" in message and f"knows up to {SCHEMA_VERSION}" in message
    assert "nothing was changed" in message
    assert isinstance(caught.value, KnownError)
    after = snapshot(store_path.parent)
    assert after == before  # same bytes, and no new -wal/-shm/-journal file left behind
    assert not store_path.with_name(store_path.name + "-wal").exists()


def test_newer_version_still_only_in_the_wal_is_detected(store_path: Path) -> None:
    """A newer Understudy still running (its upgrade not yet checkpointed) is detected too."""
    make_future_db(store_path, version=SCHEMA_VERSION)
    other = sqlite3.connect(store_path)
    try:
        other.execute("PRAGMA wal_autocheckpoint = 0")
        other.execute("INSERT INTO items (text) VALUES ('still in the wal')")
        other.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        other.commit()
        wal = store_path.with_name(store_path.name + "-wal")
        assert wal.stat().st_size > 0
        main_before = hashlib.sha256(store_path.read_bytes()).hexdigest()
        wal_before = hashlib.sha256(wal.read_bytes()).hexdigest()

        with pytest.raises(NewerDatabaseError):
            open_store(store_path)

        # The -shm (shared-memory index) is scratch space readers mark; the data files are untouched.
        assert hashlib.sha256(store_path.read_bytes()).hexdigest() == main_before
        assert hashlib.sha256(wal.read_bytes()).hexdigest() == wal_before
    finally:
        other.close()


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(4096))


def _zip_archive(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("messages/inbox/message_1.json", '{"messages": []}')


def _short_text(path: Path) -> None:
    path.write_text("hello")


def _damaged_sqlite(path: Path) -> None:
    # A real SQLite header followed by garbage: looks like a database until it is read.
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))


@pytest.mark.parametrize("make", [_random_bytes, _zip_archive, _short_text, _damaged_sqlite])
def test_a_file_that_is_not_a_database_is_refused_unchanged(
    store_path: Path, make: Callable[[Path], None]
) -> None:
    make(store_path)
    before = snapshot(store_path.parent)
    with pytest.raises(KnownError) as caught:
        open_store(store_path)
    assert not isinstance(caught.value, NewerDatabaseError)
    assert str(store_path) in str(caught.value)
    assert "Traceback" not in str(caught.value)
    assert snapshot(store_path.parent) == before


def test_an_empty_file_becomes_a_new_store(store_path: Path) -> None:
    store_path.touch()
    with open_store(store_path) as store:
        assert store.schema_version == SCHEMA_VERSION


def test_a_folder_in_the_way_is_a_plain_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(KnownError, match="cannot create the folder"):
        open_store(blocker / "store.sqlite3")
    folder = tmp_path / "a-folder.sqlite3"
    folder.mkdir()
    with pytest.raises(KnownError, match="is a folder"):
        open_store(folder)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores file permissions")
def test_a_folder_without_write_permission_is_a_plain_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(KnownError, match="Check"):
            open_store(locked / "store.sqlite3")
    finally:
        locked.chmod(0o700)


def test_real_permission_and_disk_errors_map_to_plain_words(tmp_path: Path) -> None:
    """The mapping, fed real SQLite errors (root-proof: a read-only connection, a size cap)."""
    path = tmp_path / "x.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()

    readonly = sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)
    try:
        with pytest.raises(sqlite3.OperationalError) as caught:
            readonly.execute("INSERT INTO t VALUES (1)")
    finally:
        readonly.close()
    known = sqlite_error_to_known(path, caught.value)
    assert isinstance(known, KnownError) and "not allowed to write" in str(known)

    capped = sqlite3.connect(path)
    try:
        pages = capped.execute("PRAGMA page_count").fetchone()[0]
        capped.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(sqlite3.OperationalError) as caught:
            capped.execute("INSERT INTO t VALUES (?)", [b"x" * 100_000])
    finally:
        capped.close()
    known = sqlite_error_to_known(path, caught.value)
    assert isinstance(known, KnownError) and "full" in str(known)

    # A bug (bad SQL) is not dressed up as the creator's problem.
    bug = sqlite3.connect(":memory:")
    try:
        with pytest.raises(sqlite3.OperationalError) as caught:
            bug.execute("SELEC 1")
    finally:
        bug.close()
    assert sqlite_error_to_known(path, caught.value) is caught.value


def test_each_thread_opens_its_own_store_on_the_same_file(store_path: Path) -> None:
    """The supported way to share a profile between threads: one Store each (WAL lets them overlap)."""
    from desktop.core.store import NewItem, save_items

    errors: list[BaseException] = []
    with open_store(store_path) as main_store:

        def worker() -> None:
            try:
                with open_store(store_path) as own:
                    item = NewItem("instagram", "message", "from the worker", external_id="w1")
                    save_items(own, None, [item])
            except BaseException as exc:  # noqa: BLE001 - recorded for the assertion below
                errors.append(exc)

        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert errors == []
        assert main_store.db.table("items").count == 1


def test_odd_characters_in_the_path_do_not_confuse_the_read_only_check(tmp_path: Path) -> None:
    # The read-only look goes through a file: URI; spaces, '#', '?' and '%' must be escaped.
    path = tmp_path / "Client A #1 ?100%" / "store.sqlite3"
    open_store(path).close()
    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
    make_future_db(tmp_path / "future.sqlite3")
    odd = tmp_path / "Client A #1 ?100%" / "future store.sqlite3"
    (tmp_path / "future.sqlite3").rename(odd)
    with pytest.raises(NewerDatabaseError):
        open_store(odd)


def test_threads_creating_the_same_new_store_at_once_all_succeed(tmp_path: Path) -> None:
    """The app's pages open the store on their own workers: a brand-new store must not refuse one."""
    path = tmp_path / "new" / "store.db"
    errors: list[BaseException] = []
    versions: list[int] = []
    start = threading.Barrier(4)

    def open_one() -> None:
        start.wait()
        try:
            store = open_store(path)  # a store is used by the thread that opened it
            versions.append(store.db.execute("PRAGMA user_version").fetchone()[0])
            store.close()
        except BaseException as exc:  # noqa: BLE001 (collected for the assertion)
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert versions == [SCHEMA_VERSION] * 4
