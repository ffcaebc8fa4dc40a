"""A full disk: the import fails with "not enough disk space" and the store is as it was.

The test mounts a 4 MB tmpfs of its own and puts the profile's store on it; the archive (100,000
messages, about 30 MB once stored) lies elsewhere. Mounting needs root (as in CI and on the
project's machines); elsewhere the tests skip and say why.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.errors import KnownError
from desktop.core.inbox import add_message, approve, export_pack, save_draft, waiting_count
from desktop.core.persona.card import export_persona
from desktop.core.persona.model import Persona
from desktop.core.secrets import SecretStore
from desktop.core.store import open_store
from tests.conftest import InMemoryKeyring
from tests.reliability.corpus import big_instagram_archive, seeds
from tests.reliability.harness import assert_store_sound, drain_import, run_import, snapshot


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB file system mounted for this test only."""
    if not sys.platform.startswith("linux"):
        pytest.skip("a small tmpfs is mounted only on Linux")
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip() or done.returncode}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_an_import_that_does_not_fit_says_so_and_leaves_the_store_as_it_was(
    small_disk: Path, tmp_path: Path
) -> None:
    archive = big_instagram_archive(tmp_path / "instagram.zip", 100_000)
    first = tmp_path / "telegram.zip"
    first.write_bytes(seeds()["telegram"].zip_bytes())
    with open_store(small_disk / "profile" / "store.sqlite3") as store:
        drain_import(store, first)
        before = snapshot(store)
        outcome = run_import(store, archive)
        assert isinstance(outcome, KnownError), "the import should not have fitted in 4 MB"
        assert "not enough disk space" in str(outcome)
        assert snapshot(store) == before
        assert_store_sound(store)
        # Once space is freed (here: nothing more was written), the store still takes a small import.
        again = tmp_path / "whatsapp.zip"
        again.write_bytes(seeds()["whatsapp"].zip_bytes())
        assert drain_import(store, again, me="Ben").items == 5
    with open_store(small_disk / "profile" / "store.sqlite3") as store:  # and it opens again afterwards
        assert_store_sound(store)
        assert store.db.execute("SELECT count(*) FROM sources").fetchone()[0] == 2


def _fill(folder: Path) -> None:
    """Take every free byte of the file system that holds ``folder``."""
    with (folder / "filler").open("wb") as handle:
        try:
            while True:
                handle.write(bytes(64 * 1024))
                handle.flush()
        except OSError:
            pass


def test_a_pack_or_persona_export_to_a_full_disk_leaves_nothing_half_written(
    small_disk: Path, tmp_path: Path, memory_keyring: InMemoryKeyring
) -> None:
    with open_store(tmp_path / "store.sqlite3") as store:  # the store has room; the destination does not
        for number in range(50):
            item = add_message(store, f"question {number}? " + "x" * 2000, sender="fan", platform="instagram")
            save_draft(store, item, f"answer {number} " + "y" * 2000)
            approve(store, item)
        _fill(small_disk)
        with pytest.raises(KnownError, match="could not be written.*No space left"):
            export_pack(store, small_disk / "replies.zip", secret_store=SecretStore())
        assert waiting_count(store) == 50  # nothing was marked exported
        with pytest.raises(KnownError, match="No space left"):
            export_persona(Persona(facts=["a fact " * 100] * 200), small_disk / "persona.json")
        assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]  # no cut-off pack, no partial file
        (small_disk / "filler").unlink()
        summary = export_pack(store, small_disk / "replies.zip", secret_store=SecretStore())
        assert summary.replies == 50
