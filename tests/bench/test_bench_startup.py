"""Start-up: ``understudy`` to its first window painted (offscreen) vs a bare Qt window.

Ours runs the app as the console script does, on a base folder with the default models set up
and the welcome seen (a returning creator: the model loads later, when drafting needs it).
The reference is ``import PySide6.QtWidgets`` plus a bare ``QMainWindow`` shown. Each is a
fresh process timed from its start to the first paint (``startup_probe``); after one warm-up
of each (the page cache, and Python's bytecode cache of our modules, as a creator's first start
writes it: PySide6's came compiled with the wheel), they alternate, and the medians count.

Rows: seconds to the first window (goal: at most twice the bare Qt start), and to every page
built (ours paints the sidebar and the current page's heading first, then builds the pages).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from desktop.core.paths import Paths
from desktop.ui.main_window import KEY_FIRST_RUN_SEEN, open_settings
from tests.bench.drafting_setup import link_models
from tests.bench.results import Results

REPO = Path(__file__).resolve().parents[2]


def time_to_first_paint(mode: str, *args: str) -> list[float]:
    """Seconds from the process start to its first paint (and, for ours, to its pages built)."""
    # Without PYTHONDONTWRITEBYTECODE (set on some build machines): the warm-up compiles our
    # modules once, as any creator's first start does, instead of every start compiling them.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    started = time.perf_counter()
    probe = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.startup_probe", mode, *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = probe.communicate(timeout=120)
    lines = out.strip().splitlines()
    if probe.returncode != 0 or not lines:
        raise AssertionError(f"{mode} start-up probe failed ({probe.returncode}):\n{err[-3000:]}")
    return [float(line) - started for line in lines[-2 if mode == "ours" else -1 :]]


def test_startup(tmp_path: Path, quick: bool, default_models_dir: Path, bench: Results) -> None:
    paths = Paths.resolve(tmp_path / "base").ensure()
    link_models(default_models_dir, paths)
    settings = open_settings(paths)
    settings.setValue(KEY_FIRST_RUN_SEEN, True)
    settings.sync()
    ours_args = ("--basedir", str(paths.base))
    time_to_first_paint("ours", *ours_args)  # warm-up
    time_to_first_paint("bare")
    ours, ready, bare = [], [], []
    for _ in range(3 if quick else 7):
        painted, built = time_to_first_paint("ours", *ours_args)
        ours.append(painted)
        ready.append(built)
        bare.append(time_to_first_paint("bare")[0])
    med = statistics.median
    print(
        f"\nstart to first window painted (offscreen), {len(ours)} runs each, alternated:\n"
        f"  understudy: median {med(ours):.2f} s (min {min(ours):.2f}, max {max(ours):.2f});"
        f" pages built and wired at {med(ready):.2f} s\n"
        f"  bare Qt:    median {med(bare):.2f} s (min {min(bare):.2f}, max {max(bare):.2f})"
    )
    bench.add("start-up to first window", med(ours), med(bare), "s", "ratio <= 2")
    bench.add("start-up to every page built", med(ready), med(bare), "s")
