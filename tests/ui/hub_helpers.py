"""The loopback Hub stand-in, throttled: a download slow enough to watch, cancel and resume.

``ThrottledHub`` is ``HubStandIn`` (tests/core/models) whose file bytes leave at ``bytes_per_s``
(read on every write, so a test can lift the limit mid-way); None sends at full speed.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.core.models.hub_stand_in import HubFile, HubStandIn


class _SlowWriter:
    def __init__(self, inner: Any, hub: "ThrottledHub") -> None:
        self._inner = inner
        self._hub = hub

    def write(self, data: bytes) -> int:
        rate = self._hub.bytes_per_s
        if rate:
            for start in range(0, len(data), 64 * 1024):  # small slices: a cancel is seen quickly
                piece = data[start : start + 64 * 1024]
                self._inner.write(piece)
                time.sleep(len(piece) / rate)
            return len(data)
        return self._inner.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@dataclass
class ThrottledHub(HubStandIn):
    bytes_per_s: float | None = None

    def answer(self, handler: Any, *, body: bool) -> None:
        if body and not isinstance(handler.wfile, _SlowWriter):
            handler.wfile = _SlowWriter(handler.wfile, self)
        return super().answer(handler, body=body)


def serve_as(entry: Any, model: Path, folder: Path, bytes_per_s: float | None = None) -> ThrottledHub:
    """Serve ``model`` (a GGUF) as the catalogue ``entry``'s Hub file, started."""
    folder.mkdir(parents=True, exist_ok=True)
    served = folder / entry.file
    if not served.exists():
        try:
            os.link(model, served)  # same disk: no 241 MB copy
        except OSError:
            shutil.copyfile(model, served)
    return ThrottledHub(
        files={f"{entry.repo}/{entry.file}": HubFile(served)}, bytes_per_s=bytes_per_s
    ).start()
