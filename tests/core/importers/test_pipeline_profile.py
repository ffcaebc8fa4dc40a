"""Every import that lands recomputes the creator's style profile; one that does not keeps the old one."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from desktop.app import main
from desktop.core.errors import Cancelled, KnownError
from desktop.core.importers.pipeline import STYLE_PROFILE_STEP, import_archive
from desktop.core.paths import Paths
from desktop.core.persona.style import load_style_profile
from desktop.core.store import Store, open_store
from desktop.core.tasks import CancelToken
from tests.core.importers.test_pipeline import drain, snapshot, x_archive
from tests.core.persona.conftest import OWN_TEXTS, creator_archive


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with open_store(tmp_path / "store.sqlite3") as opened:
        yield opened


def own_items(store: Store) -> int:
    return store.db.execute("SELECT count(*) FROM items WHERE is_owner = 1").fetchone()[0]


def test_each_import_recomputes_the_saved_profile_with_progress(store: Store, tmp_path: Path) -> None:
    assert load_style_profile(store) is None
    _, steps = drain(import_archive(store, creator_archive(tmp_path / "creator.zip")))
    profile = load_style_profile(store)
    assert profile is not None and profile.items == len(OWN_TEXTS) == own_items(store)
    assert profile.overall.top_emoji[0][0] in {"🔥", "❤️"}  # learned from the archive's own words
    profile_steps = [step for step in steps if step.message == STYLE_PROFILE_STEP]
    assert profile_steps and profile_steps[-1].done == profile_steps[-1].total == len(OWN_TEXTS)
    assert steps.index(profile_steps[-1]) < len(steps) - 1  # before the closing "Imported ..." step

    drain(import_archive(store, x_archive(tmp_path / "x.zip", tweet_count=40)))
    updated = load_style_profile(store)
    assert updated is not None and updated.items == own_items(store) > len(OWN_TEXTS) + 30  # the 40 tweets
    assert updated.computed_at >= profile.computed_at


def test_cancelled_or_failed_import_keeps_the_old_profile(store: Store, tmp_path: Path) -> None:
    drain(import_archive(store, creator_archive(tmp_path / "creator.zip")))
    before_profile = load_style_profile(store)
    before = snapshot(store)

    # Cancelled during the profile step itself: the import and the profile roll back together.
    cancel = CancelToken()
    importing = import_archive(store, x_archive(tmp_path / "x.zip", tweet_count=40), cancel=cancel)
    step = next(importing)
    while step.message != STYLE_PROFILE_STEP:
        step = next(importing)
    cancel.cancel()
    with pytest.raises(Cancelled):
        drain(importing)
    assert snapshot(store) == before
    assert load_style_profile(store) == before_profile

    # A damaged archive fails before the profile step: nothing changes either.
    damaged = x_archive(tmp_path / "damaged.zip", tweet_count=200)
    raw = bytearray(damaged.read_bytes())
    with zipfile.ZipFile(damaged) as archive:
        info = archive.getinfo("data/tweets.js")
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(data_start + info.compress_size - 30, data_start + info.compress_size - 20):
        raw[offset] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    with pytest.raises(KnownError):
        drain(import_archive(store, damaged))
    assert snapshot(store) == before
    assert load_style_profile(store) == before_profile


def test_cli_import_saves_the_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / "base"
    assert main(["--basedir", str(base), "import", str(creator_archive(tmp_path / "creator.zip"))]) == 0
    assert STYLE_PROFILE_STEP in capsys.readouterr().err
    with open_store(Paths.resolve(base).profile().store) as store:
        profile = load_style_profile(store)
    assert profile is not None and profile.items == len(OWN_TEXTS)
