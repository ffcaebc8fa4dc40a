"""Memory bandwidth of this machine, measured once and kept: the input to a decoding-speed estimate.

Generating one token on a CPU reads every weight of the model once, so decoding is bound by how
fast memory streams, not by arithmetic. A short NumPy copy of a few hundred megabytes (best of a
few runs, counting bytes read and written) measures that stream rate. *Measured* on the project's
machine kind: about 21 GB/s, against 67 tokens/s actually decoded by the 241 MB default Gemma
(an estimate of 88): the estimate is an upper bound, as it should be.

The result is kept in ``<cache>/memory_bandwidth.json`` so the probe (a fraction of a second and a
few hundred megabytes for a moment) runs once per machine, not on every catalogue view.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import time
from pathlib import Path

from desktop.core.paths import Paths

CACHE_NAME = "memory_bandwidth.json"
_PROBE_BYTES = 256 * 1024 * 1024
_RUNS = 5
_FALLBACK_BYTES_PER_S = 10e9  # a modest laptop, when the probe cannot run (no memory to spare)


def measure_bandwidth(probe_bytes: int = _PROBE_BYTES, runs: int = _RUNS) -> float:
    """Bytes per second moved by a large in-memory copy, best of ``runs`` (read + written)."""
    import numpy as np  # here: only the catalogue needs it, and only on its first view

    source = np.ones(max(probe_bytes // 8, 1), dtype=np.float64)
    target = np.empty_like(source)
    best = 0.0
    for _ in range(runs):
        started = time.perf_counter()
        np.copyto(target, source)
        elapsed = time.perf_counter() - started
        if elapsed > 0:
            best = max(best, 2 * source.nbytes / elapsed)
    return best or _FALLBACK_BYTES_PER_S


def _machine() -> str:
    """What the kept figure belongs to: a copied data folder on another computer measures again."""
    return f"{platform.node()}|{platform.machine()}|{os.cpu_count()}"


def memory_bandwidth(paths: Paths, *, remeasure: bool = False) -> float:
    """This machine's bandwidth in bytes/s: the kept figure, else measured now and kept."""
    cache = Path(paths.cache) / CACHE_NAME
    if not remeasure:
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            kept = json.loads(cache.read_text(encoding="utf-8"))
            if kept["machine"] == _machine() and float(kept["bytes_per_s"]) > 0:
                return float(kept["bytes_per_s"])
    try:
        measured = measure_bandwidth()
    except MemoryError:
        return _FALLBACK_BYTES_PER_S
    with contextlib.suppress(OSError):  # a read-only data folder only means measuring again next time
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(cache.name + ".tmp")
        tmp.write_text(
            json.dumps({"bytes_per_s": measured, "machine": _machine(), "measured_at": time.time()}),
            encoding="utf-8",
        )
        os.replace(tmp, cache)
    return measured
