"""The embedder on the real MiniLM model: batches, normalization, long inputs, plain-word errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from desktop.core.errors import ModelError
from desktop.core.models import DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL
from desktop.core.retrieval import Embedder, embedding_model_path, load_embedder

TEXTS = [
    "What protein do you use?",
    "which protein powder is that?",
    "When are the tour dates?",
    "Olá! Você vem a Lisboa? 🇵🇹",
    "lol",
    "a" * 40,
]


def test_vectors_are_unit_length_float32(embedder: Embedder) -> None:
    vectors = embedder.embed(TEXTS)
    assert vectors.dtype == np.float32
    assert embedder.dim == 384
    assert vectors.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_batch_equals_embedding_each_text_alone(embedder: Embedder) -> None:
    batch = embedder.embed(TEXTS)
    single = np.stack([embedder.embed_one(text) for text in TEXTS])
    np.testing.assert_allclose(batch, single, atol=2e-3)
    assert np.min(np.sum(batch * single, axis=1)) > 0.9999
    # llama-cpp-python's own packed batch (several texts per decode) agrees too.
    packed = np.asarray(embedder._llama.embed(TEXTS), dtype=np.float32)
    packed /= np.linalg.norm(packed, axis=1, keepdims=True)
    np.testing.assert_allclose(batch, packed, atol=2e-3)


def test_neighbours_make_sense(embedder: Embedder) -> None:
    protein_a, protein_b, tour = embedder.embed(TEXTS[:3])
    assert float(protein_a @ protein_b) > 0.6
    assert float(protein_a @ tour) < 0.3


def test_text_longer_than_the_context_is_truncated_not_fatal(embedder: Embedder) -> None:
    """MiniLM knows 512 positions; llama.cpp aborts the process past them, so we must cut."""
    long_text = "protein " * 600 + "the end"
    assert len(embedder._llama.tokenize(long_text.encode())) > embedder.max_tokens
    vectors = embedder.embed(["short one", long_text, "another short one"])
    assert vectors.shape == (3, embedder.dim)
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(vectors[1], embedder.embed_one(long_text), atol=2e-3)
    np.testing.assert_allclose(vectors[0], embedder.embed_one("short one"), atol=2e-3)


def test_empty_list_gives_no_rows(embedder: Embedder) -> None:
    assert embedder.embed([]).shape == (0, embedder.dim)
    with pytest.raises(TypeError):
        embedder.embed("a string is not a list")  # type: ignore[arg-type]


def test_model_name_identifies_the_vectors(embedder: Embedder) -> None:
    assert embedder.model_name == DEFAULT_EMBEDDING_MODEL
    assert "MiniLM" in repr(embedder)


def test_missing_default_model_says_to_set_up_the_models(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as caught:
        load_embedder(tmp_path)
    assert DEFAULT_EMBEDDING_MODEL in str(caught.value)
    assert "models setup" in str(caught.value)


def test_missing_chosen_model_names_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="nomic-embed.gguf is not in the models folder"):
        embedding_model_path(tmp_path, "nomic-embed.gguf")


def test_a_generation_model_is_refused_in_plain_words(default_models_dir: Path) -> None:
    with pytest.raises(ModelError, match="not an embedding model"):
        Embedder(default_models_dir / DEFAULT_CHAT_MODEL)


def test_a_damaged_file_is_a_model_error(tmp_path: Path, default_models_dir: Path) -> None:
    truncated = tmp_path / "cut.gguf"
    with (default_models_dir / DEFAULT_EMBEDDING_MODEL).open("rb") as source:
        truncated.write_bytes(source.read(1_000_000))
    with pytest.raises(ModelError):
        Embedder(truncated)
    (tmp_path / "random.gguf").write_bytes(b"not a model at all" * 100)
    with pytest.raises(ModelError):
        Embedder(tmp_path / "random.gguf")


def test_a_copy_under_another_name_is_another_model(tmp_path: Path, default_models_dir: Path) -> None:
    copy = tmp_path / "my-embedder.gguf"
    shutil.copyfile(default_models_dir / DEFAULT_EMBEDDING_MODEL, copy)
    with load_embedder(tmp_path, "my-embedder.gguf") as other:
        assert other.model_name == "my-embedder.gguf"
        assert other.dim == 384
