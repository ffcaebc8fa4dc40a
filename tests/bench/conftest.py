"""Benchmarks: run with `make bench` (or `make bench QUICK=1` for a short pass). Not in `make test`.

Each benchmark adds rows to the ``bench`` results; when the run ends they are written to
``bench-results/latest.json`` (with the run's context in ``latest-meta.json``) and printed as
one table.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bench.results import Results, format_table

REPO = Path(__file__).resolve().parents[2]
OUTPUT = REPO / "bench-results"
RESULTS = pytest.StashKey[Results]()
META = pytest.StashKey[dict]()


APP_THREADS = 2
"""llama.cpp threads per model in the app (``DraftingSession``, ``DraftingController``)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--quick", action="store_true", help="every benchmark at its smallest size, for a quick check"
    )
    parser.addoption(
        "--threads",
        type=int,
        default=APP_THREADS,
        help=f"llama.cpp threads per model, ours and the reference alike (default {APP_THREADS}, as the app)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[RESULTS] = Results()
    config.stash[META] = {
        "quick": bool(config.getoption("--quick", False)),
        "threads": int(config.getoption("--threads", APP_THREADS)),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "load_at_start": os.getloadavg(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "_t0": time.perf_counter(),
    }


_DURATIONS: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        _DURATIONS[report.nodeid] = round(report.duration, 1)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write what was measured, even when a benchmark failed part-way."""
    config = session.config
    results, meta = config.stash[RESULTS], config.stash[META]
    if not results.rows:
        return  # nothing measured (e.g. --collect-only): keep the last run's files
    meta["seconds"] = round(time.perf_counter() - meta.pop("_t0"), 1)
    meta["load_at_end"] = os.getloadavg()
    meta["exit_status"] = int(exitstatus)
    meta["durations_s"] = dict(_DURATIONS)
    results.write(OUTPUT / "latest.json")
    (OUTPUT / "latest-meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def _loads(values: tuple[float, ...]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    results, meta = config.stash[RESULTS], config.stash[META]
    if not results.rows:
        return
    mode = ("quick" if meta["quick"] else "full") + f", {meta['threads']} llama.cpp threads per model"
    terminalreporter.write_sep("=", f"benchmarks ({mode}): ours vs a reference measured in the same run")
    for line in format_table(results.rows).splitlines():
        terminalreporter.write_line(line)
    terminalreporter.write_line(
        f"{meta.get('seconds', 0):.0f} s on {meta['cpus']} CPUs; load average (1/5/15 min) at start"
        f" {_loads(meta['load_at_start'])}, at end {_loads(meta.get('load_at_end', os.getloadavg()))};"
        f" written to {OUTPUT / 'latest.json'}"
    )


@pytest.fixture(scope="session")
def bench(request: pytest.FixtureRequest) -> Results:
    """The run's results table: ``bench.add(name, ours, reference, unit, goal)``."""
    return request.config.stash[RESULTS]


@pytest.fixture(scope="session")
def quick(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--quick"))


@pytest.fixture(scope="session")
def threads(request: pytest.FixtureRequest) -> int:
    """llama.cpp threads per model, on both sides of every comparison (``--threads``)."""
    return int(request.config.getoption("--threads"))


@pytest.fixture(scope="session")
def drafting_base(
    tmp_path_factory: pytest.TempPathFactory, default_models_dir: Path, threads: int
) -> Iterator[Path]:
    """A base folder whose default profile holds an imported archive, a persona and its search index.

    Built once per run; each benchmark drafts in its own copy (``clone_base``).
    """
    from tests.bench.drafting_setup import build_drafting_base

    yield build_drafting_base(tmp_path_factory.mktemp("drafting-base"), default_models_dir, threads)
