"""Download a model file, only when the creator asks: resumable, verified, written atomically.

``download_model`` is a generator in the core's style: it yields ``DownloadProgress`` (bytes,
speed, time left), checks a ``CancelToken`` between blocks, and returns the new model's
``ModelFacts``. The file grows in ``<models>/.partial/<name>.part``; an interrupted or cancelled
download keeps it, and the next attempt (after a restart too) continues with an HTTP Range
request. A server that ignores Range sends the whole file again, and the part is started over.
Before starting, the free disk space is checked against what is left to fetch. At the end the
file's sha256 must equal the creator's hash or the one the Hub publishes (see ``hub``); a
mismatch deletes the part. Only a verified file is renamed into the models folder, then checked
like any added model (``ModelManager.validate``) and loaded once by a child (``probe``).

HTTP goes through httpx with ``trust_env=True`` (its default), so HTTPS_PROXY / HTTP_PROXY /
NO_PROXY and the system's certificates are honoured. This module and ``hub`` are the app's only
network path; nothing calls them but an explicit download.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import time
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import httpx

from desktop.core.errors import Cancelled, KnownError, ModelError
from desktop.core.models.facts import ModelFacts
from desktop.core.models.hub import TIMEOUT, DownloadSource, read_remote_file, status_error, transport_error
from desktop.core.models.manager import ModelManager
from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken, Progress

PARTIAL_DIR = ".partial"
_BLOCK = 1024 * 1024
_DISK_MARGIN = 64 * 1024 * 1024  # left free beyond the file itself
_PROGRESS_EVERY_S = 0.2
_SPEED_WINDOW_S = 5.0


@dataclass(frozen=True)
class DownloadProgress(Progress):
    """``Progress`` in bytes, with the current speed and the time left (None while unknown)."""

    bytes_per_s: float = 0.0
    seconds_left: float | None = None


class _Interrupted(Exception):
    """The connection broke mid-file; what arrived is kept and the next request resumes."""


def partial_file(models_dir: Path, file_name: str) -> Path:
    return Path(models_dir) / PARTIAL_DIR / f"{file_name}.part"


def _record_file(part: Path) -> Path:
    return part.with_name(part.name + ".json")


def _size_text(size: float) -> str:
    return f"{size / 1e9:.2f} GB" if size >= 1e9 else f"{size / 1e6:.0f} MB"


def _check_name(file_name: str) -> None:
    if (
        "/" in file_name
        or "\\" in file_name
        or file_name.startswith(".")
        or not file_name.lower().endswith(".gguf")
    ):
        raise ModelError(f"'{file_name}' cannot be a model file name.")


def _same_remote(part: Path, url: str, sha256: str, size: int | None) -> bool:
    """True when the kept part belongs to this very file (same address, hash and size)."""
    try:
        record = json.loads(_record_file(part).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return record == {"url": url, "sha256": sha256, "size": size}


def _discard(part: Path) -> None:
    for leftover in (part, _record_file(part)):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


def _check_disk(folder: Path, needed: int, file_name: str) -> None:
    free = shutil.disk_usage(folder).free
    if free < needed + _DISK_MARGIN:
        raise KnownError(
            f"There is not enough free disk space for {file_name}: it needs "
            f"{_size_text(needed + _DISK_MARGIN)} "
            f"more and {folder} has {_size_text(free)} free.",
            hint="Free some space (or remove a model you do not use), then start the download again.",
        )


class _Meter:
    """Speed over the last few seconds, and the time left at that speed."""

    def __init__(self, done: int) -> None:
        self.samples: deque[tuple[float, int]] = deque([(time.monotonic(), done)])
        self.last_report = 0.0

    def add(self, done: int) -> None:
        now = time.monotonic()
        self.samples.append((now, done))
        while len(self.samples) > 2 and now - self.samples[0][0] > _SPEED_WINDOW_S:
            self.samples.popleft()

    def speed(self) -> float:
        (t0, b0), (t1, b1) = self.samples[0], self.samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0

    def due(self) -> bool:
        now = time.monotonic()
        if now - self.last_report >= _PROGRESS_EVERY_S:
            self.last_report = now
            return True
        return False


def _progress(name: str, done: int, total: int | None, meter: _Meter) -> DownloadProgress:
    speed = meter.speed()
    left = (total - done) / speed if total and speed > 0 else None
    of = f" of {_size_text(total)}" if total else ""
    return DownloadProgress(f"Downloading {name}: {_size_text(done)}{of}", done, total or 0, speed, left)


def _hash_part(part: Path, cancel: CancelToken | None) -> tuple[hashlib._Hash, int]:
    """The sha256 state of what is already on disk, so a resumed download hashes as it goes."""
    digest = hashlib.sha256()
    done = 0
    with part.open("rb") as handle:
        while block := handle.read(8 * _BLOCK):
            if cancel is not None:
                cancel.raise_if_cancelled()
            digest.update(block)
            done += len(block)
    return digest, done


def _transfer(
    client: httpx.Client,
    source: DownloadSource,
    part: Path,
    total: int | None,
    state: dict,
    cancel: CancelToken | None,
    meter: _Meter,
) -> Generator[DownloadProgress, None, None]:
    """One GET from ``state['done']`` to the end, appending to ``part``; ``_Interrupted`` on a cut."""
    headers = {"Accept-Encoding": "identity"}  # byte offsets must be offsets of the file itself
    if state["done"]:
        headers["Range"] = f"bytes={state['done']}-"
    try:
        with client.stream("GET", source.url, headers=headers, follow_redirects=True) as response:
            if response.status_code == 416:  # "range not satisfiable": complete already, or a changed file
                if total is not None and state["done"] == total:
                    return
                state["digest"], state["done"] = hashlib.sha256(), 0
                part.write_bytes(b"")
                raise _Interrupted("the server could not continue the partial file")
            if response.status_code >= 400:
                raise status_error(response.status_code, source)
            if response.status_code != 206 or not _starts_at(response, state["done"]):
                state["digest"], state["done"] = hashlib.sha256(), 0  # Range ignored: start over
                mode = "wb"
            else:
                mode = "ab"
            with part.open(mode) as out:
                for block in response.iter_bytes(_BLOCK):
                    if cancel is not None and cancel.cancelled:
                        raise Cancelled(
                            f"Download of {source.file_name} paused at {_size_text(state['done'])}: "
                            "start it again to continue from there."
                        )
                    out.write(block)
                    state["digest"].update(block)
                    state["done"] += len(block)
                    meter.add(state["done"])
                    if meter.due():
                        yield _progress(source.file_name, state["done"], total, meter)
    except httpx.HTTPError as exc:
        if state["done"] and isinstance(exc, (httpx.TransportError, httpx.StreamError)):
            raise _Interrupted(str(exc)) from exc
        raise transport_error(exc, source) from None
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise KnownError(
                f"The disk filled up while downloading {source.file_name}.",
                hint="Free some space, then start the download again: it continues where it stopped.",
            ) from None
        raise


def _starts_at(response: httpx.Response, offset: int) -> bool:
    """True when a 206 answer starts exactly at ``offset`` (``Content-Range: bytes N-M/T``)."""
    value = response.headers.get("content-range", "")
    try:
        return int(value.split()[1].split("-")[0]) == offset
    except (IndexError, ValueError):
        return False


def download_model(
    paths: Paths,
    source: DownloadSource,
    *,
    cancel: CancelToken | None = None,
    client: httpx.Client | None = None,
    hub: str | None = None,
    retries: int = 3,
    probe: bool = True,
) -> Generator[Progress, None, ModelFacts]:
    """Fetch ``source`` into the models folder; yield progress; return the new model's facts.

    Raises ``KnownError`` in plain words (not found, licence, no connection, disk full, hash
    mismatch, broken file) or ``Cancelled``; a cancel or a lost connection keeps the part for
    the next attempt, which resumes. A lost connection is resumed by itself ``retries`` times.
    """
    _check_name(source.file_name)
    manager = ModelManager(paths)
    target = paths.models / source.file_name
    if target.exists() or target.is_symlink():
        raise ModelError(
            f"A model named {source.file_name} is already in the models folder.",
            hint="Remove it first to download it again.",
        )
    part = partial_file(paths.models, source.file_name)
    part.parent.mkdir(parents=True, exist_ok=True)
    own_client = client is None
    client = client or httpx.Client(timeout=TIMEOUT, trust_env=True)
    try:
        yield Progress(f"Asking the server about {source.file_name}")
        remote = read_remote_file(client, source, hub)
        if source.sha256 and remote.sha256 and source.sha256 != remote.sha256:
            raise KnownError(
                f"The hash you gave for {source.file_name} is not the one the server publishes "
                f"({remote.sha256}).",
                hint="Check the hash; nothing was downloaded.",
            )
        expected = source.sha256 or remote.sha256
        if expected is None:
            raise KnownError(
                f"The server publishes no sha256 for {source.file_name}, so it could not be verified.",
                hint="Give the file's hash with --sha256 (the publisher lists it).",
            )
        total = remote.size if remote.size is not None else source.approx_size
        if not _same_remote(part, source.url, expected, remote.size):
            _discard(part)  # a part of another file, or of an older version of this one
        have = part.stat().st_size if part.exists() else 0
        if total is not None and have > total:
            _discard(part)
            have = 0
        if total is not None:
            _check_disk(part.parent, total - have, source.file_name)
        _record_file(part).write_text(
            json.dumps({"url": source.url, "sha256": expected, "size": remote.size}), encoding="utf-8"
        )
        state: dict = {"done": 0, "digest": hashlib.sha256()}
        if have:
            yield Progress(
                f"Resuming {source.file_name} at {_size_text(have)}: checking what is already here"
            )
            state["digest"], state["done"] = _hash_part(part, cancel)
        meter = _Meter(state["done"])
        attempts = 0
        while total is None or state["done"] < total:
            try:
                yield from _transfer(client, source, part, total, state, cancel, meter)
                break
            except _Interrupted as cut:
                attempts += 1
                if attempts > retries:
                    raise KnownError(
                        f"The connection was lost after {_size_text(state['done'])} of {source.file_name} "
                        f"({cut}).",
                        hint="Start the download again: it continues where it stopped.",
                    ) from None
                yield Progress(
                    f"Connection lost at {_size_text(state['done'])}; resuming", state["done"], total or 0
                )
                time.sleep(min(2.0**attempts, 10.0) / 10)
        yield _progress(source.file_name, state["done"], total, meter)
        facts = _verify_and_install(manager, part, target, state, expected, remote.size, source)
    finally:
        if own_client:
            client.close()
    if probe:
        from desktop.core.models.probe import ensure_loadable

        yield Progress(f"Checking that {source.file_name} runs on this computer (a test load)")
        ensure_loadable(target)
    yield Progress(f"{source.file_name} is ready", 1, 1)
    return facts


def _verify_and_install(
    manager: ModelManager,
    part: Path,
    target: Path,
    state: dict,
    expected: str,
    size: int | None,
    source: DownloadSource,
) -> ModelFacts:
    """Check size and hash, rename into the models folder, validate; nothing is left on failure."""
    got = state["digest"].hexdigest()
    if (size is not None and state["done"] != size) or got != expected:
        _discard(part)
        raise ModelError(
            f"The downloaded {source.file_name} is not the published file (its sha256 is {got}, "
            f"expected {expected}), so it was deleted and nothing was added.",
            hint="Try again; if it happens again, the file on the server or the hash given is wrong.",
        )
    try:
        manager.validate(part)
    except ModelError as broken:
        _discard(part)
        raise ModelError(
            f"{source.file_name} matches its hash but is not a usable model: {broken.message}",
            hint=broken.hint,
        ) from None
    part.chmod(0o644)
    os.replace(part, target)  # same folder tree, so an atomic rename
    _discard(part)
    try:
        return manager.validate(target)
    except ModelError:
        with contextlib.suppress(OSError):
            target.unlink()
        raise
