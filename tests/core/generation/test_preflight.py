"""Memory pre-flight: sane numbers for the defaults, a context that fits, plain refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.errors import ModelError
from desktop.core.generation.preflight import (
    available_ram_bytes,
    estimate_memory,
    kv_bytes_per_token,
    plan_memory,
    read_model_shape,
)
from desktop.core.models import DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL

MB = 1024 * 1024


def test_gemma_shape_and_estimate(default_models_dir: Path) -> None:
    shape = read_model_shape(default_models_dir / DEFAULT_CHAT_MODEL)
    assert (shape.n_layer, shape.n_embd, shape.n_head, shape.n_head_kv) == (18, 640, 4, 1)
    assert (shape.key_length, shape.value_length, shape.n_vocab, shape.trained_context) == (
        256,
        256,
        262144,
        32768,
    )
    assert kv_bytes_per_token(shape) == 18 * 1 * 512 * 2
    estimate = estimate_memory(shape, 2048)
    # measured: 365 MB resident at 2,048 tokens, 630 MB at 16,384 (see preflight's docstring)
    assert 300 * MB < estimate.ram_bytes < 500 * MB
    assert 550 * MB < estimate_memory(shape, 16384).ram_bytes < 750 * MB
    assert estimate.vram_bytes == 0


def test_minilm_shape(default_models_dir: Path) -> None:
    shape = read_model_shape(default_models_dir / DEFAULT_EMBEDDING_MODEL)
    assert (shape.n_layer, shape.n_embd, shape.n_head) == (6, 384, 12)
    assert estimate_memory(shape, 512).ram_bytes < 200 * MB


def test_plan_picks_a_context_that_fits(default_models_dir: Path) -> None:
    gemma = default_models_dir / DEFAULT_CHAT_MODEL
    roomy = plan_memory(gemma, available_ram=16 * 1024 * MB)
    assert roomy.n_ctx == 4096 and roomy.note == ""
    tight = plan_memory(gemma, available_ram=650 * MB)
    assert tight.n_ctx == 2048 and "shortened to 2,048 tokens" in tight.note
    assert available_ram_bytes() > 0
    assert plan_memory(gemma).n_ctx >= 512  # this machine


def test_too_big_is_refused_in_plain_words(default_models_dir: Path) -> None:
    gemma = default_models_dir / DEFAULT_CHAT_MODEL
    with pytest.raises(ModelError) as caught:
        plan_memory(gemma, n_ctx=1_000_000, available_ram=8 * 1024 * MB)
    message = str(caught.value)
    assert "needs about 1" in message and "GB of memory with a 1,000,000-token context" in message
    assert "this computer has 8.0 GB free" in message and "smaller model" in message
    with pytest.raises(ModelError, match="this computer has 100 MB free"):
        plan_memory(gemma, available_ram=100 * MB)


def test_gpu_layers_on_a_cpu_build_fall_back_with_a_note(default_models_dir: Path) -> None:
    import llama_cpp

    plan = plan_memory(default_models_dir / DEFAULT_CHAT_MODEL, n_gpu_layers=-1, available_ram=8 * 1024 * MB)
    if llama_cpp.llama_supports_gpu_offload():
        assert plan.n_gpu_layers == 18 and plan.estimate.vram_bytes > 250 * MB
        with pytest.raises(ModelError, match="graphics memory"):
            plan_memory(
                default_models_dir / DEFAULT_CHAT_MODEL,
                n_gpu_layers=-1,
                available_ram=8 * 1024 * MB,
                available_vram=10 * MB,
            )
    else:
        assert plan.n_gpu_layers == 0 and "no GPU support" in plan.note


def test_broken_file_is_a_model_error(tmp_path: Path) -> None:
    (tmp_path / "x.gguf").write_bytes(b"GGUF\x03\x00\x00\x00garbage")
    with pytest.raises(ModelError, match="x.gguf"):
        read_model_shape(tmp_path / "x.gguf")
