"""Reading what a GGUF file is from its header, and listing the models folder."""

from __future__ import annotations

import os
import random
import shutil
import struct
from pathlib import Path

import pytest

from desktop.core.errors import ModelError
from desktop.core.models import (
    DEFAULT_CHAT_MODEL,
    DEFAULT_EMBEDDING_MODEL,
    ROLE_EMBEDDING,
    ROLE_GENERATION,
    list_models,
    quantization_name,
    read_model_facts,
)


def test_gemma_facts(default_models_dir: Path) -> None:
    facts = read_model_facts(default_models_dir / DEFAULT_CHAT_MODEL)
    assert facts.ok and facts.is_default
    assert facts.architecture == "gemma3"
    assert facts.quantization == "Q4_K_M"
    assert facts.context_length == 32768
    assert facts.has_chat_template is False  # a base model: few-shot continuation, not chat
    assert facts.role == ROLE_GENERATION
    assert facts.parameter_count is not None and 260_000_000 < facts.parameter_count < 280_000_000
    assert facts.size_bytes == (default_models_dir / DEFAULT_CHAT_MODEL).stat().st_size
    assert facts.name


def test_minilm_facts(default_models_dir: Path) -> None:
    facts = read_model_facts(default_models_dir / DEFAULT_EMBEDDING_MODEL)
    assert facts.architecture == "bert"
    assert facts.quantization == "F16"
    assert facts.role == ROLE_EMBEDDING
    assert facts.context_length == 512
    assert facts.has_chat_template is False
    assert facts.parameter_count == 22_565_376
    assert facts.name == "all-MiniLM-L6-v2"


def test_quantization_names() -> None:
    assert quantization_name(15) == "Q4_K_M"
    assert quantization_name(1) == "F16"
    assert quantization_name(0) == "F32"
    assert quantization_name(7) == "Q8_0"
    assert quantization_name(None) is None
    assert quantization_name(9999) == "type 9999"


def _truncated_copy(source: Path, target: Path, keep: int) -> Path:
    with source.open("rb") as src, target.open("wb") as dst:
        dst.write(src.read(keep))
    return target


@pytest.mark.parametrize("keep", [3, 8, 24, 700, 100_000, 30_000_000, 46_000_000])
def test_truncated_copies_are_a_plain_model_error(
    default_models_dir: Path, tmp_path: Path, keep: int
) -> None:
    broken = _truncated_copy(default_models_dir / DEFAULT_EMBEDDING_MODEL, tmp_path / "cut.gguf", keep)
    with pytest.raises(ModelError) as caught:
        read_model_facts(broken)
    message = str(caught.value)
    assert "cut.gguf" in message
    assert "Traceback" not in message


def test_random_bytes_are_a_plain_model_error(tmp_path: Path) -> None:
    noise = tmp_path / "noise.gguf"
    noise.write_bytes(os.urandom(4096))
    with pytest.raises(ModelError, match="not in the GGUF format"):
        read_model_facts(noise)
    # Random bytes behind a valid magic: a damaged header, not a crash or a huge allocation.
    for seed in range(20):
        rng = random.Random(seed)
        fake = tmp_path / f"fake{seed}.gguf"
        fake.write_bytes(b"GGUF" + struct.pack("<I", 3) + bytes(rng.getrandbits(8) for _ in range(4096)))
        with pytest.raises(ModelError, match="not a usable model file"):
            read_model_facts(fake)


def test_empty_missing_and_vocabulary_only_files(tmp_path: Path) -> None:
    (tmp_path / "empty.gguf").write_bytes(b"")
    with pytest.raises(ModelError):
        read_model_facts(tmp_path / "empty.gguf")
    with pytest.raises(ModelError, match="does not exist"):
        read_model_facts(tmp_path / "nowhere.gguf")

    import gguf

    writer = gguf.GGUFWriter(str(tmp_path / "vocab.gguf"), "llama")
    writer.add_token_list(["a", "b"])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.close()
    with pytest.raises(ModelError, match="holds no weights"):
        read_model_facts(tmp_path / "vocab.gguf")


def test_list_models_puts_defaults_first_and_shows_broken_files(
    default_models_dir: Path, tmp_path: Path
) -> None:
    for name in (DEFAULT_EMBEDDING_MODEL, DEFAULT_CHAT_MODEL):
        os.link(default_models_dir / name, tmp_path / name)
    shutil.copy(default_models_dir / DEFAULT_EMBEDDING_MODEL, tmp_path / "Another-Embedder.gguf")
    _truncated_copy(default_models_dir / DEFAULT_EMBEDDING_MODEL, tmp_path / "aaa-broken.gguf", 5000)
    (tmp_path / ".all-MiniLM-L6-v2.f16.gguf.abc.partial").write_bytes(b"GGUF")  # a set-up in progress
    (tmp_path / "notes.txt").write_text("not a model", encoding="utf-8")

    listed = list_models(tmp_path)
    assert [m.file_name for m in listed] == [
        DEFAULT_CHAT_MODEL,
        DEFAULT_EMBEDDING_MODEL,
        "aaa-broken.gguf",
        "Another-Embedder.gguf",
    ]
    broken = listed[2]
    assert not broken.ok and broken.error and "aaa-broken.gguf" in broken.error
    assert broken.size_bytes == 5000
    assert all(m.ok for m in listed if m is not broken)
    assert list_models(tmp_path / "missing") == []
