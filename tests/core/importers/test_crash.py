"""A crash or kill mid-import leaves a consistent store with no partial source."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from desktop.core.store import list_sources, open_store
from tests.core.importers.test_pipeline import x_archive


def test_killing_the_process_mid_import_leaves_no_trace(tmp_path: Path) -> None:
    archive = x_archive(tmp_path / "big.zip", tweet_count=60_000)
    store_path = tmp_path / "store.sqlite3"
    open_store(store_path).close()
    marker = tmp_path / "first-batch-saved"
    script = textwrap.dedent(
        f"""
        import pathlib, time
        from desktop.core.importers.pipeline import import_archive
        from desktop.core.store import open_store
        store = open_store({str(store_path)!r})
        steps = import_archive(store, {str(archive)!r})
        next(steps); next(steps); next(steps)  # a few batches are written inside the transaction
        pathlib.Path({str(marker)!r}).touch()
        time.sleep(60)  # killed here, mid-import
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).parents[3])
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert process.poll() is None, "the importing process ended before it was killed"
            assert time.monotonic() < deadline, "the import never got going"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    with open_store(store_path) as store:
        assert list_sources(store) == []
        for table in ("items", "threads", "people", "exchanges", "items_fts"):
            assert store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
