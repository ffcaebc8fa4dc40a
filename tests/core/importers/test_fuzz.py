"""Hostile and broken archives never crash the importer: each ends in an import or a clear error.

Hypothesis truncates, mutates and nests real archives and feeds random bytes; after a failed
import the store must be exactly as it was.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.errors import KnownError
from desktop.core.importers.pipeline import import_archive
from desktop.core.store import open_store
from tests.core.importers.test_pipeline import x_archive

FUZZ_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _valid_archive_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return x_archive(Path(folder) / "x.zip", tweet_count=40).read_bytes()


VALID = _valid_archive_bytes()


def import_ends_cleanly(data: bytes, name: str = "export.zip") -> None:
    """Import ``data`` into a fresh store; success or a KnownError with the store untouched."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        with open_store(Path(folder) / "store.sqlite3") as store:
            before = list(store.db.conn.iterdump())
            try:
                generator = import_archive(store, path)
                while True:
                    next(generator)
            except StopIteration:
                return
            except KnownError as error:
                assert str(error).strip(), "a KnownError must say what happened"
                assert list(store.db.conn.iterdump()) == before


@FUZZ_SETTINGS
@given(cut=st.integers(min_value=0, max_value=len(VALID) - 1))
def test_truncated_archives(cut: int) -> None:
    import_ends_cleanly(VALID[:cut])


@FUZZ_SETTINGS
@given(
    flips=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=len(VALID) - 1), st.integers(min_value=1, max_value=255)
        ),
        min_size=1,
        max_size=8,
    )
)
def test_mutated_archives(flips: list[tuple[int, int]]) -> None:
    data = bytearray(VALID)
    for offset, mask in flips:
        data[offset] ^= mask
    import_ends_cleanly(bytes(data))


@FUZZ_SETTINGS
@given(
    data=st.binary(max_size=4096),
    name=st.sampled_from(["export.zip", "result.json", "chat.txt", "tweets.js"]),
)
def test_random_bytes(data: bytes, name: str) -> None:
    import_ends_cleanly(data, name)


@FUZZ_SETTINGS
@given(depth=st.integers(min_value=1, max_value=3), cut=st.none() | st.integers(min_value=0, max_value=2000))
def test_nested_zips(depth: int, cut: int | None) -> None:
    data = VALID
    for level in range(depth):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as outer:
            outer.writestr(f"level{level}.zip", data)
        data = buffer.getvalue()
    import_ends_cleanly(data if cut is None else data[:cut])
