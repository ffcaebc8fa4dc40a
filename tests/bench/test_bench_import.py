"""Import speed and memory: our pipeline vs a bare parse-and-insert of the same messages.

Prints items/s, peak memory and the ratio to the reference measured in the same run. The
full run imports 1,000,000 messages; ``--quick`` uses 50,000.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.bench.import_workload import generate_instagram_archive

REPO = Path(__file__).resolve().parents[2]


def measure(mode: str, archive: Path, store: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.import_workload", mode, str(archive), str(store)],
        cwd=REPO, capture_output=True, text=True, check=True, env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_speed_and_memory(tmp_path: Path, quick: bool) -> None:
    messages = 50_000 if quick else 1_000_000
    archive = generate_instagram_archive(tmp_path / "instagram.zip", messages)
    ours = measure("ours", archive, tmp_path / "ours.sqlite3")
    reference = measure("reference", archive, tmp_path / "reference.sqlite3")
    assert ours["items"] == reference["items"] == messages
    ours_rate, reference_rate = ours["items"] / ours["seconds"], reference["items"] / reference["seconds"]
    print(
        f"\nimport {messages:,} Instagram messages ({archive.stat().st_size / 1e6:.1f} MB zip):\n"
        f"  ours:      {ours['seconds']:7.1f} s  {ours_rate:9,.0f} items/s  peak {ours['peak_mb']:6.0f} MB\n"
        f"  reference: {reference['seconds']:7.1f} s  {reference_rate:9,.0f} items/s  peak {reference['peak_mb']:6.0f} MB"
        f"  (json.load + bare executemany)\n"
        f"  ratio ours/reference: speed {ours_rate / reference_rate:.2f}x, "
        f"peak memory {ours['peak_mb'] / reference['peak_mb']:.2f}x"
    )
