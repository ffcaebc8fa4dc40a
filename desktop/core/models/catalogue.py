"""The model catalogue: curated instruct GGUFs, and how each would run on this computer.

The list itself is data (``resources/models/catalogue.json``), read and checked here so a damaged
file is a plain ``KnownError``, never a crash in the Settings page. Each entry carries the few
header numbers the memory pre-flight needs (layers, KV heads, head size, vocabulary), so the
verdict for a model not yet downloaded comes from the same ``plan_memory`` that guards every
load: "does not fit" is exactly what loading it would refuse.

Nothing here touches the network: downloads are ``desktop.core.models.download``, on request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.errors import KnownError, ModelError
from desktop.core.generation.preflight import DEFAULT_CONTEXT, ModelShape, available_ram_bytes, plan_memory
from desktop.core.paths import Paths, resources_dir

FITS, FITS_SLOW, DOES_NOT_FIT = "fits", "fits, slow", "does not fit"
SLOW_BELOW_TOKENS_PER_S = 10.0
"""Below this upper-bound estimate, real decoding (typically 60-80% of it) drops under about
7 tokens/s, roughly 5 words a second: slower than the creator reads a draft appearing."""


def catalogue_path() -> Path:
    return resources_dir() / "models" / "catalogue.json"


@dataclass(frozen=True)
class Licence:
    name: str
    url: str
    gated: bool  # must be accepted on the Hub before the file can be downloaded


@dataclass(frozen=True)
class CatalogueEntry:
    """One downloadable model, as curated (sizes approximate; the Hub's are read at download)."""

    id: str
    name: str
    repo: str
    file: str
    quantization: str
    size_bytes: int
    parameters: int
    context_length: int
    chat_template: bool
    licence: Licence
    layers: int
    embedding: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab: int
    recommended: bool
    notes: str
    source: str

    def shape(self) -> ModelShape:
        """The pre-flight's view of this model, from the catalogue instead of a GGUF header."""
        return ModelShape(
            file_bytes=self.size_bytes,
            n_layer=self.layers,
            n_embd=self.embedding,
            n_head=self.heads,
            n_head_kv=self.kv_heads,
            key_length=self.head_dim,
            value_length=self.head_dim,
            n_vocab=self.vocab,
            trained_context=self.context_length,
        )


@dataclass(frozen=True)
class Catalogue:
    note: str
    entries: tuple[CatalogueEntry, ...]

    def get(self, model_id: str) -> CatalogueEntry | None:
        wanted = model_id.strip().casefold()
        return next((entry for entry in self.entries if entry.id.casefold() == wanted), None)

    @property
    def recommended(self) -> CatalogueEntry:
        return next(entry for entry in self.entries if entry.recommended)


# --- loading and checking -----------------------------------------------------------------------

_TEXT, _COUNT, _FLAG = str, int, bool
_ENTRY_FIELDS: dict[str, type] = {
    "id": _TEXT,
    "name": _TEXT,
    "repo": _TEXT,
    "file": _TEXT,
    "quantization": _TEXT,
    "size_bytes": _COUNT,
    "parameters": _COUNT,
    "context_length": _COUNT,
    "chat_template": _FLAG,
    "recommended": _FLAG,
    "notes": _TEXT,
    "source": _TEXT,
}
_SHAPE_FIELDS = ("layers", "embedding", "heads", "kv_heads", "head_dim", "vocab")
_LICENCE_FIELDS: dict[str, type] = {"name": _TEXT, "url": _TEXT, "gated": _FLAG}


def _damaged(path: Path, detail: str) -> KnownError:
    return KnownError(
        f"The model catalogue ({path}) is damaged: {detail}.",
        hint="Reinstall Understudy to restore it; models already in the models folder still work.",
    )


def _field(record: dict[str, Any], key: str, kind: type, where: str, path: Path) -> Any:
    value: Any = record.get(key)
    # bool is an int in Python: a count must not be true/false, and a flag must be exactly a bool
    wrong = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
    if wrong or (kind is str and key not in ("notes",) and not value.strip()):
        raise _damaged(path, f"{where} has no valid '{key}'")
    if kind is int and value <= 0:
        raise _damaged(path, f"{where} has no valid '{key}'")
    return value


def _entry(record: Any, index: int, path: Path) -> CatalogueEntry:
    where = f"model {index + 1}"
    if not isinstance(record, dict):
        raise _damaged(path, f"{where} is not a record")
    if isinstance(record.get("id"), str):
        where = f"model {index + 1} ('{record['id']}')"
    values = {key: _field(record, key, kind, where, path) for key, kind in _ENTRY_FIELDS.items()}
    licence, shape = record.get("licence"), record.get("shape")
    if not isinstance(licence, dict):
        raise _damaged(path, f"{where} has no licence")
    if not isinstance(shape, dict):
        raise _damaged(path, f"{where} has no shape (layers, heads, ...) for the memory check")
    values["licence"] = Licence(
        **{k: _field(licence, k, t, f"{where}'s licence", path) for k, t in _LICENCE_FIELDS.items()}
    )
    values.update({key: _field(shape, key, int, f"{where}'s shape", path) for key in _SHAPE_FIELDS})
    repo, file = values["repo"], values["file"]
    if repo.count("/") != 1 or not file.endswith(".gguf") or "/" in file or file.startswith("."):
        raise _damaged(path, f"{where} does not name a Hugging Face repository and a .gguf file")
    return CatalogueEntry(**values)


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and check the catalogue; ``KnownError`` in plain words for a missing or damaged file."""
    path = Path(path) if path is not None else catalogue_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _damaged(path, "the file is missing") from None
    except (OSError, ValueError) as exc:
        raise _damaged(path, f"it cannot be read ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("models"), list) or not data["models"]:
        raise _damaged(path, "it lists no models")
    entries = tuple(_entry(record, index, path) for index, record in enumerate(data["models"]))
    ids = [entry.id.casefold() for entry in entries]
    if len(set(ids)) != len(ids):
        raise _damaged(path, "two models share an id")
    if sum(entry.recommended for entry in entries) != 1:
        raise _damaged(path, "exactly one model must be marked recommended")
    note = data.get("note")
    return Catalogue(note=note if isinstance(note, str) else "", entries=entries)


# --- the verdict for this machine -----------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    verdict: str  # FITS, FITS_SLOW or DOES_NOT_FIT
    tokens_per_s: float  # upper-bound estimate, see estimate_tokens_per_s
    n_ctx: int | None  # the context the pre-flight would load it with; None when it does not fit
    reason: str = ""  # plain words: why slow or why it does not fit


def estimate_tokens_per_s(model_bytes: int, bandwidth_bytes_per_s: float) -> float:
    """Decoding speed as memory bandwidth / model size: an *upper-bound* estimate.

    Each generated token streams every weight from memory once, so on a CPU decoding is
    memory-bound and cannot beat this; compute, the KV cache and other programs take it lower.
    """
    return bandwidth_bytes_per_s / model_bytes if model_bytes > 0 else 0.0


def judge(entry: CatalogueEntry, *, bandwidth_bytes_per_s: float, available_ram: int) -> Verdict:
    """The verdict for one entry, from the memory pre-flight and the speed estimate (pure)."""
    speed = estimate_tokens_per_s(entry.size_bytes, bandwidth_bytes_per_s)
    try:
        plan = plan_memory(entry.shape(), available_ram=available_ram)
    except ModelError as refusal:
        return Verdict(DOES_NOT_FIT, speed, None, refusal.message)
    wanted = min(entry.context_length, DEFAULT_CONTEXT)
    if plan.n_ctx < wanted:
        return Verdict(
            FITS_SLOW, speed, plan.n_ctx, plan.note or f"Only a {plan.n_ctx:,}-token context fits."
        )
    if speed < SLOW_BELOW_TOKENS_PER_S:
        return Verdict(
            FITS_SLOW, speed, plan.n_ctx, f"About {speed:.0f} tokens/s at best: slower than reading speed."
        )
    return Verdict(FITS, speed, plan.n_ctx)


@dataclass(frozen=True)
class CatalogueRow:
    """What the Settings table and ``models catalogue`` show for one entry."""

    entry: CatalogueEntry
    verdict: Verdict
    downloaded: bool


def catalogue_rows(
    paths: Paths,
    catalogue: Catalogue | None = None,
    *,
    bandwidth_bytes_per_s: float | None = None,
    available_ram: int | None = None,
) -> list[CatalogueRow]:
    """Every entry with its verdict here and whether its file is already in the models folder.

    The bandwidth is measured once and kept (``bandwidth.memory_bandwidth``); free memory is read
    now, as the pre-flight does before a load.
    """
    from desktop.core.models.bandwidth import memory_bandwidth

    catalogue = catalogue or load_catalogue()
    bandwidth = memory_bandwidth(paths) if bandwidth_bytes_per_s is None else bandwidth_bytes_per_s
    ram = available_ram_bytes() if available_ram is None else available_ram
    return [
        CatalogueRow(
            entry,
            judge(entry, bandwidth_bytes_per_s=bandwidth, available_ram=ram),
            (paths.models / entry.file).is_file(),
        )
        for entry in catalogue.entries
    ]
