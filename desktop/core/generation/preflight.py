"""Memory pre-flight: will this model fit, with which context size, before we try to load it.

``Llama()`` cannot be cancelled and a model that does not fit can freeze the computer while it
swaps, so the estimate comes from the GGUF header alone: the weights (the file, memory-mapped)
plus the KV cache (layers x KV heads x head size x context, f16 keys and values) plus llama.cpp's
working buffers. Calibrated on the default Gemma (*measured*: 365 MB resident at 2,048 tokens,
630 MB at 16,384; estimated 385 / 637 MB). No psutil: /proc/meminfo or ``os.sysconf``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.errors import ModelError
from desktop.core.models.facts import read_metadata

DEFAULT_CONTEXT = 4096
MIN_CONTEXT = 512
_F16 = 2
_MB = 1024 * 1024
_GB = 1024 * 1024 * 1024
_BASE_OVERHEAD = 64 * _MB  # llama.cpp's compute buffers and the Python side of the model
_HEADROOM = 256 * _MB  # left free for the app, the index and the system


@dataclass(frozen=True)
class ModelShape:
    """The numbers of a GGUF header that decide its memory use."""

    file_bytes: int
    n_layer: int
    n_embd: int
    n_head: int
    n_head_kv: int
    key_length: int
    value_length: int
    n_vocab: int
    trained_context: int | None


@dataclass(frozen=True)
class MemoryEstimate:
    ram_bytes: int
    vram_bytes: int
    kv_bytes: int
    n_ctx: int
    n_gpu_layers: int


@dataclass(frozen=True)
class MemoryPlan:
    """What to load with: a context size and offload that fit, and why if it differs from asked."""

    n_ctx: int
    n_gpu_layers: int
    estimate: MemoryEstimate
    available_ram: int
    available_vram: int | None
    note: str = ""


def _int(meta: dict[str, Any], key: str, default: int | None = None) -> int | None:
    """An integer header value; anything else (a per-layer array, a missing key) is ``default``."""
    value = meta.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return default


def read_model_shape(path: Path) -> ModelShape:
    """Read the memory-relevant header numbers; ``ModelError`` for a broken file."""
    path = Path(path)
    meta = read_metadata(path)
    arch = meta.get("general.architecture")
    n_layer = _int(meta, f"{arch}.block_count")
    n_embd = _int(meta, f"{arch}.embedding_length")
    if not n_layer or not n_embd:
        raise ModelError(
            f"{path.name} does not say how large it is (layers, width), so its memory use is unknown.",
            hint="It may be an unusual or damaged model file; try another GGUF.",
        )
    n_head = _int(meta, f"{arch}.attention.head_count", 0) or 1
    n_head_kv = _int(meta, f"{arch}.attention.head_count_kv", n_head) or n_head
    head_dim = n_embd // n_head
    tokens = meta.get("tokenizer.ggml.tokens")
    return ModelShape(
        file_bytes=path.stat().st_size,
        n_layer=n_layer,
        n_embd=n_embd,
        n_head=n_head,
        n_head_kv=n_head_kv,
        key_length=_int(meta, f"{arch}.attention.key_length", head_dim) or head_dim,
        value_length=_int(meta, f"{arch}.attention.value_length", head_dim) or head_dim,
        n_vocab=int(getattr(tokens, "count", 32000)),
        trained_context=_int(meta, f"{arch}.context_length"),
    )


def kv_bytes_per_token(shape: ModelShape) -> int:
    return shape.n_layer * shape.n_head_kv * (shape.key_length + shape.value_length) * _F16


def estimate_memory(shape: ModelShape, n_ctx: int, n_gpu_layers: int = 0) -> MemoryEstimate:
    """RAM and VRAM for ``shape`` at ``n_ctx`` with ``n_gpu_layers`` offloaded (-1: all)."""
    layers_on_gpu = shape.n_layer if n_gpu_layers < 0 else min(n_gpu_layers, shape.n_layer)
    gpu_share = layers_on_gpu / shape.n_layer
    kv = kv_bytes_per_token(shape) * n_ctx
    overhead = _BASE_OVERHEAD + shape.file_bytes // 20 + shape.n_vocab * 4 * 32
    ram = int(shape.file_bytes * (1 - gpu_share) + kv * (1 - gpu_share) + overhead)
    vram = int((shape.file_bytes + kv) * gpu_share + (overhead if layers_on_gpu else 0))
    return MemoryEstimate(ram, vram, kv, n_ctx, layers_on_gpu)


def available_ram_bytes() -> int:
    """Memory the system can give now without swapping (MemAvailable), else free pages."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 8 * _GB  # unknown platform: assume a modest machine rather than refuse


def _gb(value: int) -> str:
    return f"{value / _GB:.1f} GB" if value >= _GB / 10 else f"{value / _MB:.0f} MB"


def gpu_offload_supported() -> bool:
    """Whether this llama.cpp build can offload layers to a GPU (CUDA, Metal, Vulkan, ...)."""
    try:
        import llama_cpp

        return bool(llama_cpp.llama_supports_gpu_offload())
    except (ImportError, OSError, AttributeError):
        return False


def plan_memory(
    model: Path | ModelShape,
    n_ctx: int | None = None,
    n_gpu_layers: int = 0,
    *,
    available_ram: int | None = None,
    available_vram: int | None = None,
    headroom: int = _HEADROOM,
) -> MemoryPlan:
    """Pick a context size and offload that fit, or raise ``ModelError`` in plain words.

    ``model`` is a GGUF file (its shape is read from its header) or a shape already known (a
    catalogue entry not yet downloaded). ``n_ctx=None`` (automatic) tries the model's trained
    context capped at 4,096 tokens, then halves it down to 512 until it fits. An explicit ``n_ctx``
    is the creator's choice: it is used as asked or refused with the numbers. GPU offload asked of
    a llama.cpp built without GPU support becomes 0 (with a note); VRAM is checked only when
    ``available_vram`` is known.
    """
    shape = model if isinstance(model, ModelShape) else read_model_shape(model)
    ram = available_ram_bytes() if available_ram is None else available_ram
    notes = []
    if n_gpu_layers and not gpu_offload_supported():
        notes.append("This llama.cpp build has no GPU support, so the model runs on the CPU.")
        n_gpu_layers = 0
    if n_ctx is not None:
        candidates = [n_ctx]
    else:
        start = min(shape.trained_context or DEFAULT_CONTEXT, DEFAULT_CONTEXT)
        candidates = []
        size = max(start, MIN_CONTEXT)
        while size >= MIN_CONTEXT:
            candidates.append(size)
            size //= 2
    for size in candidates:
        estimate = estimate_memory(shape, size, n_gpu_layers)
        fits_ram = estimate.ram_bytes + headroom <= ram
        fits_vram = available_vram is None or estimate.vram_bytes <= available_vram
        if fits_ram and fits_vram:
            if size != candidates[0]:
                notes.append(
                    f"The context was shortened to {size:,} tokens to fit the {_gb(ram)} of free memory."
                )
            return MemoryPlan(size, estimate.n_gpu_layers, estimate, ram, available_vram, " ".join(notes))
    asked = candidates[0]
    estimate = estimate_memory(shape, asked, n_gpu_layers)
    if (
        available_vram is not None
        and estimate.vram_bytes > available_vram
        and estimate.ram_bytes + headroom <= ram
    ):
        raise ModelError(
            f"This model needs about {_gb(estimate.vram_bytes)} of graphics memory with {n_gpu_layers} "
            f"layers on the GPU and a {asked:,}-token context; the GPU has {_gb(available_vram)} free.",
            hint="Put fewer layers on the GPU, or choose a shorter context.",
        )
    raise ModelError(
        f"This model needs about {_gb(estimate.ram_bytes + headroom)} of memory with a {asked:,}-token "
        "context; "
        f"this computer has {_gb(ram)} free.",
        hint="Try a smaller model (a 3B Q4 needs about 2.5 GB) or a shorter context, "
        "or close other programs.",
    )
