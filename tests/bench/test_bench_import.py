"""Import speed and memory: ``understudy import`` vs a bare parse-and-insert of the same messages.

Sizes: 100,000 and 1,000,000 messages (200 per thread: 500 and 5,000 threads); ``--quick``:
100,000 only. Each import runs in a fresh process (its peak memory is its own). The reference
runs before and after ours and the faster of its two runs counts (the strongest reference, and
the same page-cache state on both sides).

Rows: items/s (goal: at least half the reference's) and peak memory (goal: under 400 MB), and
a report row: the reference's parse written into Understudy's own items table (``schema`` in
``import_workload``), which shows how much of the gap the table itself takes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.bench.import_workload import generate_instagram_archive
from tests.bench.results import Results

REPO = Path(__file__).resolve().parents[2]


def label(count: int) -> str:
    return f"{count // 1_000_000}M" if count >= 1_000_000 else f"{count // 1000}k"


def measure(mode: str, archive: Path, target: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.import_workload", mode, str(archive), str(target)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    if done.returncode != 0:
        raise AssertionError(f"{mode} import failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_speed_and_memory(tmp_path: Path, quick: bool, bench: Results) -> None:
    for messages in (100_000,) if quick else (100_000, 1_000_000):
        archive = generate_instagram_archive(tmp_path / f"instagram-{messages}.zip", messages)
        first = measure("reference", archive, tmp_path / f"reference-{messages}-a.sqlite3")
        ours = measure("ours", archive, tmp_path / f"base-{messages}")
        second = measure("reference", archive, tmp_path / f"reference-{messages}-b.sqlite3")
        table = measure("schema", archive, tmp_path / f"schema-{messages}")
        reference = min(first, second, key=lambda run: run["seconds"])
        assert ours["items"] == reference["items"] == table["items"] == messages
        ours_rate, reference_rate = ours["items"] / ours["seconds"], reference["items"] / reference["seconds"]
        table_rate = table["items"] / table["seconds"]
        size = label(messages)
        print(
            f"\nimport {messages:,} Instagram messages in {messages // 200:,} threads"
            f" ({archive.stat().st_size / 1e6:.1f} MB zip):\n"
            f"  ours (understudy import): {ours['seconds']:7.1f} s  {ours_rate:9,.0f} items/s"
            f"  peak {ours['peak_mb']:6.0f} MB\n"
            f"  reference (json + bare executemany): {first['seconds']:.2f} s / {second['seconds']:.2f} s"
            f"  {reference_rate:9,.0f} items/s  peak {reference['peak_mb']:6.0f} MB\n"
            f"  the reference's rows into Understudy's items table (indexes, upsert, FTS5):"
            f" {table['seconds']:.2f} s  {table_rate:9,.0f} items/s"
        )
        bench.add(f"import {size}: speed", ours_rate, reference_rate, "items/s", "ratio >= 0.5")
        bench.add(f"import {size}: peak memory", ours["peak_mb"], reference["peak_mb"], "MB", "ours < 400")
        bench.add(f"import {size}: bare rows into our items table", table_rate, reference_rate, "items/s")
