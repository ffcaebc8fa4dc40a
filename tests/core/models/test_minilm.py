"""The converted all-MiniLM-L6-v2 GGUF: its layout, its tokenizer and its embeddings.

The embeddings are checked against an independent NumPy forward pass of the original
safetensors weights (``_reference.py``); a correct conversion agrees at cosine ~1.0000.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import gguf
import numpy as np
import pytest

from desktop.core.errors import ModelError
from desktop.core.models import DEFAULT_EMBEDDING_MODEL, minilm_zip_path
from desktop.core.models.minilm_gguf import gguf_tensor_name, phantom_space_vocab
from tests.core.models._reference import ReferenceMiniLM

SENTENCES = [
    "What protein do you use?",
    "which protein powder is that?",
    "Café crème à São Paulo, naïve résumé: Jalapeño piñata!",
    "OMG 😍🔥 this is AMAZING!!! 🙌",
    "wHeN iS tHe NeXt ToUr DaTe In BeRlIn??",
    "Straße in Zürich, ÅRHUS and Ærøskøbing",
    "3.5k followers since 2024-05-01 (thanks @everyone) #grateful",
    "東京 tour in May!",
]


@pytest.fixture(scope="module")
def minilm_path(default_models_dir: Path) -> Path:
    return default_models_dir / DEFAULT_EMBEDDING_MODEL


@pytest.fixture(scope="module")
def reference() -> ReferenceMiniLM:
    return ReferenceMiniLM.from_zip(minilm_zip_path())


@pytest.fixture(scope="module")
def llm(minilm_path: Path) -> Iterator[object]:
    from llama_cpp import Llama

    model = Llama(model_path=str(minilm_path), embedding=True, verbose=False, n_threads=2)
    yield model
    model.close()


def _embed(llm: object, text: str) -> np.ndarray:
    vector = np.asarray(llm.embed(text), dtype=np.float64)  # type: ignore[attr-defined]
    assert vector.ndim == 1
    return vector / np.linalg.norm(vector)


@pytest.mark.slow
def test_llama_tokenizer_matches_hugging_face(llm: object, reference: ReferenceMiniLM) -> None:
    for text in SENTENCES:
        ours = llm.tokenize(text.encode("utf-8"), add_bos=True)  # type: ignore[attr-defined]
        assert ours == reference.token_ids(text), text


@pytest.mark.slow
def test_embeddings_match_numpy_reference(llm: object, reference: ReferenceMiniLM) -> None:
    cosines = {}
    for text in SENTENCES:
        cosines[text] = float(_embed(llm, text) @ reference.embed(text))
    assert min(cosines.values()) > 0.99, cosines
    # f16 weights cost a little precision, nothing more: anything below this is a real bug.
    assert min(cosines.values()) > 0.999, cosines


@pytest.mark.slow
def test_sensible_neighbours(llm: object) -> None:
    question = _embed(llm, "What protein do you use?")
    same = _embed(llm, "which protein powder is that?")
    unrelated = _embed(llm, "The train to Berlin leaves at nine tomorrow.")
    tour_a = _embed(llm, "When are the next tour dates?")
    tour_b = _embed(llm, "Are you coming to my city on tour this year?")
    assert question @ same > 0.6
    assert question @ unrelated < 0.3
    assert question @ same > (question @ unrelated) + 0.4
    assert tour_a @ tour_b > question @ tour_a


def test_gguf_layout_matches_llama_cpp_converter(minilm_path: Path) -> None:
    reader = gguf.GGUFReader(minilm_path)

    def value(key: str) -> object:
        return reader.fields[key].contents()

    assert value("general.architecture") == "bert"
    assert value("bert.block_count") == 6
    assert value("bert.context_length") == 512
    assert value("bert.embedding_length") == 384
    assert value("bert.feed_forward_length") == 1536
    assert value("bert.attention.head_count") == 12
    assert value("bert.attention.layer_norm_epsilon") == pytest.approx(1e-12)
    assert value("bert.attention.causal") is False
    assert value("bert.pooling_type") == int(gguf.PoolingType.MEAN)
    assert value("general.file_type") == int(gguf.LlamaFileType.MOSTLY_F16)
    assert value("tokenizer.ggml.model") == "bert"
    assert value("tokenizer.ggml.token_type_count") == 2
    assert value("tokenizer.ggml.normalizer.lowercase") is True
    special = {
        kind: value(f"tokenizer.ggml.{key}_token_id")
        for kind, key in [
            ("bos", "bos"),
            ("eos", "eos"),
            ("unk", "unknown"),
            ("sep", "seperator"),
            ("pad", "padding"),
            ("cls", "cls"),
            ("mask", "mask"),
        ]
    }
    assert special == {"bos": 101, "eos": 102, "unk": 100, "sep": 102, "pad": 0, "cls": 101, "mask": 103}

    tokens = value("tokenizer.ggml.tokens")
    types = value("tokenizer.ggml.token_type")
    assert isinstance(tokens, list) and isinstance(types, list)
    assert len(tokens) == len(types) == 30522
    assert tokens[0] == "[PAD]" and types[0] == gguf.TokenType.CONTROL
    assert tokens[1] == "[unused0]" and types[1] == gguf.TokenType.CONTROL
    assert tokens[100:104] == ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert tokens[1996] == "\u2581the" and types[1996] == gguf.TokenType.NORMAL
    assert "ing" in tokens  # from "##ing"
    assert not any(t.startswith("##") for t in tokens)

    kinds = {t.name: t.tensor_type for t in reader.tensors}
    assert len(kinds) == 5 + 16 * 6  # 3 embeddings + their norm (weight, bias); 16 per layer
    assert kinds["token_embd.weight"] == gguf.GGMLQuantizationType.F16
    assert kinds["position_embd.weight"] == gguf.GGMLQuantizationType.F32
    assert kinds["token_types.weight"] == gguf.GGMLQuantizationType.F32
    for i in range(6):
        for matrix in ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_up", "ffn_down"):
            assert kinds[f"blk.{i}.{matrix}.weight"] == gguf.GGMLQuantizationType.F16
            assert kinds[f"blk.{i}.{matrix}.bias"] == gguf.GGMLQuantizationType.F32
        for norm in ("attn_output_norm", "layer_output_norm"):
            assert kinds[f"blk.{i}.{norm}.weight"] == gguf.GGMLQuantizationType.F32
            assert kinds[f"blk.{i}.{norm}.bias"] == gguf.GGMLQuantizationType.F32
    assert kinds["token_embd_norm.weight"] == gguf.GGMLQuantizationType.F32
    assert 44_000_000 < minilm_path.stat().st_size < 48_000_000


def test_tensor_names_follow_gguf_bert_map() -> None:
    assert gguf_tensor_name("embeddings.word_embeddings.weight") == "token_embd.weight"
    assert gguf_tensor_name("bert.embeddings.LayerNorm.gamma") == "token_embd_norm.weight"
    assert gguf_tensor_name("encoder.layer.3.attention.self.key.bias") == "blk.3.attn_k.bias"
    assert gguf_tensor_name("encoder.layer.5.output.LayerNorm.weight") == "blk.5.layer_output_norm.weight"
    assert gguf_tensor_name("encoder.layer.0.intermediate.dense.weight") == "blk.0.ffn_up.weight"
    assert gguf_tensor_name("pooler.dense.weight") is None
    assert gguf_tensor_name("embeddings.position_ids") is None
    # Cross-check against gguf's own name map, as llama.cpp's converter uses it.
    name_map = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, 6)
    for hf in (
        "embeddings.token_type_embeddings.weight",
        "embeddings.position_embeddings.weight",
        "encoder.layer.2.attention.output.dense.weight",
        "encoder.layer.2.attention.output.LayerNorm.bias",
        "encoder.layer.4.output.dense.bias",
    ):
        assert gguf_tensor_name(hf) == name_map.get_name(hf, try_suffixes=(".weight", ".bias"))
    with pytest.raises(ModelError):
        gguf_tensor_name("encoder.layer.0.something_new.weight")


def test_phantom_space_vocabulary() -> None:
    tokenizer_json = {
        "model": {"vocab": {"[PAD]": 0, "[unused0]": 1, "hello": 2, "##lo": 3, "!": 4, "[CLS]": 5}},
        "added_tokens": [
            {"id": 0, "content": "[PAD]", "special": True},
            {"id": 5, "content": "[CLS]", "special": True},
        ],
    }
    tokens, types = phantom_space_vocab(tokenizer_json, 7)
    assert tokens == ["[PAD]", "[unused0]", "\u2581hello", "lo", "\u2581!", "[CLS]", "[PAD6]"]
    assert types == [3, 3, 1, 1, 1, 3, 5]
