"""Every importer, fed thousands of mutated exports: each ends in an import or a plain error, nothing else.

Per importer, Hypothesis mutates that platform's valid seed export (``corpus.py``) at three
levels (``mutate.py``: the zip's bytes, a file's bytes or lines, a JSON node at any depth given
another type) and lays it out as a zip, a folder or a single file. For each one:

* the import succeeds, or raises a ``KnownError`` with a message; any other exception is a bug;
* after a refusal the store is exactly as it was (its full SQL dump compared), and it always
  passes SQLite's integrity check and FTS5's check of its index;
* nothing was written outside the example's own folder (an audit hook sees every open for writing).

``UNDERSTUDY_FUZZ_EXAMPLES`` sets the count per importer: 2,000 by default, as in CI
(measured: about 4 minutes for the 12 importers on 2 cores); raise it for a longer local run.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from desktop.core.errors import KnownError
from desktop.core.importers.registry import importers
from tests.reliability.corpus import seeds
from tests.reliability.harness import (
    assert_store_sound,
    file_writes,
    fresh_store,
    run_import,
    snapshot,
    template_store,
    write_mutant,
    writes_outside,
)
from tests.reliability.mutate import mutate

EXAMPLES = int(os.environ.get("UNDERSTUDY_FUZZ_EXAMPLES", "2000"))
SEEDS = seeds()

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="understudy-fuzz-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def template(workdir: Path) -> Path:
    return template_store(workdir)


def test_every_importer_has_a_seed_that_imports_cleanly(workdir: Path, template: Path) -> None:
    assert sorted(SEEDS) == sorted(importers()), "a new importer needs a seed in tests/reliability/corpus.py"
    for platform, seed in SEEDS.items():
        folder = workdir / "seeds" / platform
        store = fresh_store(template, folder / "store")
        try:
            archive = folder / seed.zip_name
            archive.write_bytes(seed.zip_bytes())
            summary = run_import(store, archive, seed.me)
            assert not isinstance(summary, KnownError), f"{platform}: {summary}"
            assert summary.platform == platform and summary.items > 0, platform
            assert_store_sound(store)
        finally:
            store.close()


@pytest.mark.parametrize("platform", sorted(SEEDS))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rnd=st.randoms(use_true_random=False))
def test_mutated_exports_end_in_an_import_or_a_plain_error(
    platform: str, rnd: random.Random, workdir: Path, template: Path
) -> None:
    seed = SEEDS[platform]
    mutant = mutate(seed, rnd)
    note(f"{platform} ({mutant.layout}): {mutant.description}")
    folder = Path(tempfile.mkdtemp(dir=workdir, prefix=f"{platform}-"))
    try:
        store = fresh_store(template, folder / "store")
        try:
            path = write_mutant(mutant, folder / "input", seed.zip_name)
            before = snapshot(store)
            with file_writes() as writes:
                outcome = run_import(store, path, seed.me)  # any exception but KnownError fails the test
            assert writes_outside(writes, folder) == []
            if isinstance(outcome, KnownError):
                assert snapshot(store) == before, "a refused import changed the store"
                assert "is damaged and cannot be read" not in str(outcome), str(outcome)
            assert_store_sound(store)
        finally:
            store.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
