"""Running an import the way a hostile archive meets it, and checking what it left behind.

``run_import`` imports into a store and returns ``"ok"`` or the ``KnownError``; any other
exception is a bug and propagates. ``writes_outside`` watches every file Python opens for
writing (an audit hook) so a test can prove the importer wrote nowhere but the store.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from desktop.core.errors import KnownError
from desktop.core.importers.pipeline import ImportSummary, import_archive
from desktop.core.store import Store, open_store
from tests.reliability.mutate import Mutant

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_watching: list[list[str]] = []


def _audit(event: str, args: tuple[object, ...]) -> None:
    if not _watching:
        return
    if event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS
        )
        if writing and path is not None and not isinstance(path, int):
            _watching[-1].append(os.fsdecode(path))
    elif event in (
        "os.rename",
        "os.replace",
        "os.mkdir",
        "os.symlink",
        "os.link",
        "os.truncate",
        "shutil.copyfile",
    ):
        target = (
            args[1]
            if event in ("os.rename", "os.replace", "os.symlink", "os.link", "shutil.copyfile")
            else args[0]
        )
        if not isinstance(target, int):
            _watching[-1].append(os.fsdecode(target))  # type: ignore[arg-type]


sys.addaudithook(_audit)


@contextlib.contextmanager
def file_writes() -> Iterator[list[str]]:
    """Every path Python opens for writing (or creates, renames onto) inside the block."""
    seen: list[str] = []
    _watching.append(seen)
    try:
        yield seen
    finally:
        _watching.remove(seen)


def writes_outside(writes: list[str], *allowed: Path) -> list[str]:
    roots = [str(Path(folder).resolve()) + os.sep for folder in allowed]
    return [w for w in writes if not any(str(Path(w).resolve()).startswith(root) for root in roots)]


def drain_import(store: Store, path: Path, me: str | None = None) -> ImportSummary:
    steps = import_archive(store, path, me=me)
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


def run_import(store: Store, path: Path, me: str | None = None) -> ImportSummary | KnownError:
    """The summary, or the ``KnownError`` the creator would see; anything else propagates (a bug)."""
    try:
        return drain_import(store, path, me)
    except KnownError as error:
        assert str(error).strip(), "a KnownError must say what happened"
        return error


def snapshot(store: Store) -> list[str]:
    return list(store.db.conn.iterdump())


def assert_store_sound(store: Store) -> None:
    """SQLite's own check, and FTS5's check of its index against the items it indexes."""
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.db.execute("INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)")


def template_store(folder: Path) -> Path:
    """An empty, migrated store to copy for each example (copying is 20x faster than migrating)."""
    path = folder / "template.sqlite3"
    open_store(path).close()
    return path


def fresh_store(template: Path, folder: Path) -> Store:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, folder / "store.sqlite3")
    store = open_store(folder / "store.sqlite3")
    # No fsync: a throwaway store need not survive a power cut, and syncing was half the fuzz's time.
    store.db.execute("PRAGMA synchronous = OFF")
    return store


def write_mutant(mutant: Mutant, folder: Path, zip_name: str) -> Path:
    """Lay ``mutant`` out under ``folder`` as the creator would hand it over; returns what to import."""
    folder.mkdir(parents=True, exist_ok=True)
    if mutant.layout in ("zip-bytes", "zip"):
        path = folder / zip_name
        path.write_bytes(mutant.raw)
        return path
    if mutant.layout == "file":
        ((name, data),) = mutant.files.items()
        path = folder / Path(name).name
        path.write_bytes(data)
        return path
    root = folder / "extracted"
    for name, data in mutant.files.items():
        target = root / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except (IsADirectoryError, NotADirectoryError, FileExistsError):
            continue  # a renamed member collided with a folder: a zip can hold both, a disk cannot
    return root
