"""Opening a profile's store: check the version without writing, then WAL, foreign keys, migrate.

Order matters. A database written by a newer Understudy must come out of ``open_store``
exactly as it went in, so its version is read through a read-only connection before anything
opens it for writing (even setting WAL mode, or a read-only open of a WAL database, can leave
``-wal``/``-shm`` files behind). Only a file this version understands is then opened
read-write, switched to WAL and migrated.

Threads: a ``Store`` (like the ``sqlite3`` connection under it) works only in the thread that
opened it. Open one ``Store`` per thread, or give the store its own thread and send it work.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlite_utils import Database

from desktop.core.errors import KnownError, NewerDatabaseError
from desktop.core.store.schema import MIGRATIONS, SCHEMA_VERSION

SQLITE_HEADER = b"SQLite format 3\x00"


class Store:
    """One open profile database.

    ``db`` is the ``sqlite_utils.Database``; use ``with store.db.atomic():`` to group a step
    into one transaction (sqlite-utils otherwise commits each call by itself).
    Only the thread that opened the store may use it.
    """

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path

    @property
    def schema_version(self) -> int:
        """The schema version of the open file (``PRAGMA user_version``)."""
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        """Close the connection; the last close folds the WAL back into the file."""
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Store {self.path}>"


_OPENING = threading.Lock()


FETCH_BATCH = 1000


def iter_rows(
    db: Database, sql: str, params: Sequence[Any] | dict[str, Any] = ()
) -> Iterator[tuple[Any, ...]]:
    """The rows of a long query, fetched a thousand at a time.

    Iterating a cursor row by row releases and retakes the GIL around every row's step; a
    worker doing that over 50,000 rows starved the GUI thread of the GIL for up to 2 s at a time
    (measured during an import's style profile). ``fetchmany`` steps a batch per GIL round trip.
    """
    cursor = db.execute(sql, params)
    while rows := cursor.fetchmany(FETCH_BATCH):
        yield from rows


def open_store(path: Path | str) -> Store:
    """Open (creating if missing) the store at ``path`` and bring its schema up to date.

    Raises ``NewerDatabaseError`` for a file from a newer Understudy, and ``KnownError`` for a
    file that is not an Understudy database, a full disk or a folder it may not write to;
    in every refusal the file is left untouched.
    """
    path = Path(path).expanduser().absolute()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise KnownError(
            f"Understudy cannot create the folder {path.parent}: {exc.strerror or exc}.",
            hint="Check that the folder can be written, or choose another with --basedir.",
        ) from exc

    # One opening at a time per process: two threads creating the same new store at once (the
    # app's pages each open the store on their own worker) collided in the WAL switch and the
    # migrations ("database is locked"), where one waiting for the other is all it takes.
    with _OPENING:
        if path.exists():
            _check_before_writing(path)
        _make_private(path)

        with translate_sqlite_errors(path, opening=True):
            conn = sqlite3.connect(str(path))
        try:
            with translate_sqlite_errors(path, opening=True):
                # Checked again on the writable connection, before its first write, in case
                # another program changed the file since the read-only look.
                _refuse_newer(path, int(conn.execute("PRAGMA user_version").fetchone()[0]))
                db = Database(conn)
                db.execute("PRAGMA foreign_keys = ON")
                db.enable_wal()
                MIGRATIONS.apply(db)
        except BaseException:
            conn.close()
            raise
    return Store(db, path)


def _make_private(path: Path) -> None:
    """Create the file readable and writable by the creator only (0600), or make an older one so.

    SQLite gives its ``-wal`` and ``-shm`` files the same permissions as the database.
    """
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDONLY, 0o600)
        try:
            if os.name == "posix" and os.fstat(fd).st_mode & 0o077:
                with contextlib.suppress(OSError):  # another account's file: not ours to change
                    os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
    except OSError as exc:
        raise KnownError(
            f"Understudy cannot create {path}: {exc.strerror or exc}.",
            hint="Check that the folder can be written, or choose another with --basedir.",
        ) from exc


def _check_before_writing(path: Path) -> None:
    """Refuse a non-database or newer-version file while touching nothing on disk."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except IsADirectoryError as exc:
        raise KnownError(f"{path} is a folder, not an Understudy store.") from exc
    except OSError as exc:
        raise _os_error(path, exc) from exc
    if header and header != SQLITE_HEADER:
        raise _not_a_database(path)
    if not header:
        return  # an empty file is a new database; nothing to protect

    # Read-only look. Without an existing -wal file the main file holds every committed change,
    # so it is opened immutable: SQLite then creates no -wal/-shm (a plain read-only open of a
    # WAL database does, and cannot remove them). With a -wal file present the pending changes
    # must be read through it, and the files it needs already exist.
    wal = path.with_name(path.name + "-wal")
    uri = path.as_uri() + ("?mode=ro" if wal.exists() else "?mode=ro&immutable=1")
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the schema: detects damage
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise sqlite_error_to_known(path, exc, opening=True) from exc
    _refuse_newer(path, version)


def _refuse_newer(path: Path, version: int) -> None:
    if version > SCHEMA_VERSION:
        raise NewerDatabaseError(
            f"This profile's data ({path.name}) was written by a newer version of Understudy "
            f"(schema {version}; this version knows up to {SCHEMA_VERSION}). "
            "Update Understudy to open it; nothing was changed."
        )


def _not_a_database(path: Path) -> KnownError:
    return KnownError(
        f"{path} is not an Understudy store (it is not a SQLite database); nothing was changed.",
        hint="If you moved files into the profile folder by hand, move this one out again.",
    )


def _os_error(path: Path, exc: OSError) -> KnownError:
    return KnownError(
        f"Understudy cannot read {path}: {exc.strerror or exc}.",
        hint="Check the file's permissions.",
    )


def sqlite_error_to_known(path: Path, exc: sqlite3.Error, *, opening: bool = False) -> KnownError | Exception:
    """The plain-word ``KnownError`` for a SQLite failure the creator can act on.

    Returns ``exc`` itself when it looks like a bug (a bad query, a broken constraint).
    """
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    if name.startswith("SQLITE_FULL") or "disk is full" in text:
        return KnownError(
            f"There is not enough disk space: the drive holding {path.parent} is full, so Understudy "
            "could not save; nothing half-done was kept.",
            hint="Free some space and try again.",
        )
    if name.startswith("SQLITE_NOTADB") or "not a database" in text:
        return _not_a_database(path)
    if name.startswith("SQLITE_CORRUPT") or "malformed" in text:
        return KnownError(
            f"The store {path} is damaged and cannot be read.",
            hint="Restore it from a backup, or re-import your archives into a new profile.",
        )
    if name.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH")) or "readonly" in text:
        return KnownError(
            f"Understudy is not allowed to write {path}.",
            hint="Check the permissions of the file and its folder.",
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return KnownError(
            f"The store {path} is in use by another program (perhaps another Understudy window).",
            hint="Close the other program and try again.",
        )
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return KnownError(
            f"Understudy cannot open {path}.",
            hint="Check that the folder exists and that you may write to it.",
        )
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in text:
        return KnownError(
            f"Reading or writing {path} failed (a disk error); nothing half-done was kept.",
            hint="Check the disk, free some space, and try again.",
        )
    if opening and isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.IntegrityError):
        # Anything else while merely opening a file is about the file, not our code.
        return KnownError(f"Understudy cannot open the store {path}: {exc}.")
    return exc


@contextlib.contextmanager
def translate_sqlite_errors(path: Path, *, opening: bool = False) -> Iterator[None]:
    """Turn SQLite failures the creator can act on (disk full, no permission) into ``KnownError``."""
    try:
        yield
    except sqlite3.Error as exc:
        known = sqlite_error_to_known(path, exc, opening=opening)
        if known is exc:
            raise
        raise known from exc
