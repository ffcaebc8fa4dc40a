"""Convert the all-MiniLM-L6-v2 sentence-transformer (safetensors in a zip) to a GGUF file.

The result is what llama.cpp's own ``convert_hf_to_gguf.py`` writes for a ``BertModel`` with
``--outtype f16`` (checked against llama.cpp's ``conversion/bert.py``, ``conversion/base.py``,
``gguf-py/gguf/tensor_mapping.py`` and ``gguf-py/gguf/vocab.py``), without torch or transformers:

- architecture ``bert``, non-causal attention, MEAN pooling (from ``1_Pooling/config.json``);
- tensors renamed with gguf's BERT name map (``token_embd``, ``blk.N.attn_q`` ...); 2-D weights
  in f16, except the position and token-type embeddings, which llama.cpp keeps in f32 like every
  norm, bias and other 1-D tensor;
- vocabulary in llama.cpp's "phantom space" form (WordPiece ``##x`` becomes ``x``, any other
  normal piece ``x`` becomes ``▁x``), bracketed specials as control tokens;
- special tokens as ``gguf.SpecialVocab`` derives them from ``tokenizer.json``: bos = [CLS],
  eos = [SEP] (BERT has no bos/eos of its own), unk, sep, pad, cls, mask;
- the BertNormalizer's lowercasing written down explicitly: llama.cpp's WordPiece tokenizer
  lowercases (and strips accents) only when ``tokenizer.ggml.normalizer.lowercase`` says so.

Everything is written to a temporary file beside the output and renamed into place at the end,
so an interrupted conversion never leaves a half-written file under the final name.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.core.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

    from desktop.core.tasks import CancelToken

#: Bumped whenever the converter's output changes, so older converted files are redone.
CONVERTER_VERSION = 1

MODEL_DISPLAY_NAME = "all-MiniLM-L6-v2"

# gguf's TokenType values (gguf.TokenType), repeated here so the vocabulary code reads plainly.
_TOKEN_NORMAL = 1
_TOKEN_CONTROL = 3
_TOKEN_USER_DEFINED = 4
_TOKEN_UNUSED = 5

# What llama.cpp's get_vocab_base_pre() names this tokenizer (the bert-base-uncased vocabulary
# hashes like jina-embeddings-v2-base-en's). Only BPE vocabularies read it; WordPiece ignores it.
_TOKENIZER_PRE = "jina-v2-en"

# GGUF keys of the special token ids (gguf.Keys.Tokenizer; "seperator" is GGUF's own spelling).
_SPECIAL_TOKEN_KEYS = {
    "bos": "tokenizer.ggml.bos_token_id",
    "eos": "tokenizer.ggml.eos_token_id",
    "unk": "tokenizer.ggml.unknown_token_id",
    "sep": "tokenizer.ggml.seperator_token_id",
    "pad": "tokenizer.ggml.padding_token_id",
    "cls": "tokenizer.ggml.cls_token_id",
    "mask": "tokenizer.ggml.mask_token_id",
}

# Per-layer tensors: Hugging Face name (after ``encoder.layer.N.``) -> GGUF name (after ``blk.N.``).
_LAYER_TENSORS = {
    "attention.self.query": "attn_q",
    "attention.self.key": "attn_k",
    "attention.self.value": "attn_v",
    "attention.output.dense": "attn_output",
    "attention.output.LayerNorm": "attn_output_norm",
    "intermediate.dense": "ffn_up",
    "output.dense": "ffn_down",
    "output.LayerNorm": "layer_output_norm",
}
_EMBEDDING_TENSORS = {
    "embeddings.word_embeddings": "token_embd",
    "embeddings.token_type_embeddings": "token_types",
    "embeddings.position_embeddings": "position_embd",
    "embeddings.LayerNorm": "token_embd_norm",
}
# llama.cpp keeps these 2-D tensors in f32 even in an f16 file (convert_hf_to_gguf's list).
_ALWAYS_F32 = {"token_types.weight", "position_embd.weight"}
# Not used for sentence embeddings; llama.cpp's converter drops them too.
_SKIPPED = {"embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias"}


def _check_cancel(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.raise_if_cancelled()


def _read_json(archive: zipfile.ZipFile, name: str) -> Any:
    try:
        return json.loads(archive.read(name).decode("utf-8"))
    except KeyError:
        raise ModelError(
            f"The embedding model package is incomplete: {name} is missing from it.",
            hint="Reinstall it by running `make run` again.",
        ) from None


def gguf_tensor_name(hf_name: str) -> str | None:
    """The GGUF name of a Hugging Face BERT tensor, or None for one the GGUF file leaves out."""
    name = hf_name.removeprefix("bert.")
    if name in _SKIPPED or name.startswith("cls."):
        return None
    base, _, suffix = name.rpartition(".")
    if suffix == "gamma":
        suffix = "weight"
    elif suffix == "beta":
        suffix = "bias"
    if suffix not in ("weight", "bias"):
        raise ModelError(f"The embedding model has an unexpected tensor {hf_name!r}; it cannot be converted.")
    if base in _EMBEDDING_TENSORS:
        return f"{_EMBEDDING_TENSORS[base]}.{suffix}"
    if base.startswith("encoder.layer."):
        index, _, rest = base.removeprefix("encoder.layer.").partition(".")
        if index.isdigit() and rest in _LAYER_TENSORS:
            return f"blk.{int(index)}.{_LAYER_TENSORS[rest]}.{suffix}"
    raise ModelError(f"The embedding model has an unexpected tensor {hf_name!r}; it cannot be converted.")


def phantom_space_vocab(tokenizer_json: dict[str, Any], vocab_size: int) -> tuple[list[str], list[int]]:
    """The token list and token types as llama.cpp's BERT converter writes them.

    Mirrors ``get_vocab_base()`` + ``BertModel.set_vocab()``: added tokens marked special (and
    bracketed ``[...]`` pieces such as ``[unused7]``) are control tokens and kept as they are;
    a ``##`` continuation loses its ``##``; every other piece gets a leading U+2581.
    """
    vocab: dict[str, int] = tokenizer_json["model"]["vocab"]
    added = {int(t["id"]): t for t in tokenizer_json.get("added_tokens", [])}
    by_id: dict[int, str] = {token_id: piece for piece, token_id in vocab.items()}
    for token_id, entry in added.items():
        by_id.setdefault(token_id, entry["content"])
    if by_id and max(by_id) >= vocab_size:
        raise ModelError(
            "The embedding model's tokenizer does not match its weights; it cannot be converted."
        )

    tokens: list[str] = []
    types: list[int] = []
    for token_id in range(vocab_size):
        piece = by_id.get(token_id)
        if piece is None:
            tokens.append(f"[PAD{token_id}]")
            types.append(_TOKEN_UNUSED)
            continue
        entry = added.get(token_id)
        bracketed = len(piece) > 2 and piece.startswith("[") and piece.endswith("]")
        if (entry is not None and entry.get("special", False)) or bracketed:
            tokens.append(piece)
            types.append(_TOKEN_CONTROL)
        elif entry is not None:
            tokens.append(piece)
            types.append(_TOKEN_USER_DEFINED)
        elif piece.startswith("##"):
            tokens.append(piece[2:])
            types.append(_TOKEN_NORMAL)
        else:
            tokens.append("\u2581" + piece)
            types.append(_TOKEN_NORMAL)
    return tokens, types


def _special_token_ids(tokenizer_config: dict[str, Any], vocab: dict[str, int]) -> dict[str, int]:
    """Special token ids, with gguf.SpecialVocab's BERT fallbacks (bos = cls, eos = sep)."""
    names: dict[str, str | None] = {
        kind: _token_content(tokenizer_config.get(f"{kind}_token"))
        for kind in ("bos", "eos", "unk", "sep", "pad", "cls", "mask")
    }
    names["bos"] = names["bos"] or names["cls"]
    names["eos"] = names["eos"] or names["sep"]
    ids: dict[str, int] = {}
    for kind, content in names.items():
        if content is not None and content in vocab:
            ids[kind] = vocab[content]
    for required in ("cls", "sep", "unk"):
        if required not in ids:
            raise ModelError(
                f"The embedding model's tokenizer has no {required} token; it cannot be converted."
            )
    return ids


def _token_content(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) and value else None


def _pooling_type(archive: zipfile.ZipFile) -> int:
    """gguf.PoolingType from the sentence-transformers pooling module (MEAN for this model)."""
    pooling_dir = None
    if "modules.json" in archive.namelist():
        for module in _read_json(archive, "modules.json"):
            if str(module.get("type", "")).endswith("Pooling"):
                pooling_dir = module.get("path", "")
                break
    if pooling_dir is None:
        raise ModelError("The embedding model does not say how to pool its outputs; it cannot be converted.")
    config = _read_json(archive, f"{pooling_dir}/config.json" if pooling_dir else "config.json")
    import gguf

    if config.get("pooling_mode_mean_tokens"):
        return int(gguf.PoolingType.MEAN)
    if config.get("pooling_mode_cls_token"):
        return int(gguf.PoolingType.CLS)
    raise ModelError("The embedding model uses a pooling mode llama.cpp cannot run; it cannot be converted.")


def _load_tensors(archive: zipfile.ZipFile) -> dict[str, np.ndarray]:
    from safetensors.numpy import load

    try:
        data = archive.read("model.safetensors")
    except KeyError:
        raise ModelError(
            "The embedding model package is incomplete: its weights are missing.",
            hint="Reinstall it by running `make run` again.",
        ) from None
    return load(data)


def convert_minilm_zip(zip_path: Path, output_path: Path, cancel: CancelToken | None = None) -> Path:
    """Convert the sentence-transformer in ``zip_path`` into the GGUF file ``output_path``.

    Raises ``ModelError`` for an unreadable or unexpected model and ``Cancelled`` when
    ``cancel`` fires; in both cases nothing is left at ``output_path``.
    """
    try:
        import gguf
        import numpy as np
    except ImportError:
        raise ModelError(
            "A package needed to set up the embedding model is not installed.",
            hint="Run `make run` again to install it.",
        ) from None

    try:
        with zipfile.ZipFile(zip_path) as archive:
            config = _read_json(archive, "config.json")
            tokenizer_json = _read_json(archive, "tokenizer.json")
            tokenizer_config = _read_json(archive, "tokenizer_config.json")
            pooling = _pooling_type(archive)
            _check_cancel(cancel)
            tensors = _load_tensors(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ModelError(
            f"The embedding model package could not be read ({exc}).",
            hint="Reinstall it by running `make run` again.",
        ) from exc
    _check_cancel(cancel)

    if config.get("model_type") != "bert" or tokenizer_json.get("model", {}).get("type") != "WordPiece":
        raise ModelError("The embedding model is not a BERT WordPiece model; it cannot be converted.")

    vocab_size = int(config["vocab_size"])
    tokens, token_types = phantom_space_vocab(tokenizer_json, vocab_size)
    special_ids = _special_token_ids(tokenizer_config, tokenizer_json["model"]["vocab"])
    normalizer = tokenizer_json.get("normalizer") or {}
    lowercase = bool(normalizer.get("lowercase", tokenizer_config.get("do_lower_case", False)))
    strip_accents = normalizer.get("strip_accents")

    output_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{output_path.name}.", suffix=".partial", dir=output_path.parent)
    os.close(fd)
    tmp_path = Path(tmp_name)
    writer = gguf.GGUFWriter(str(tmp_path), "bert")
    try:
        writer.add_type("model")
        writer.add_name(MODEL_DISPLAY_NAME)
        writer.add_block_count(int(config["num_hidden_layers"]))
        writer.add_context_length(int(config["max_position_embeddings"]))
        writer.add_embedding_length(int(config["hidden_size"]))
        writer.add_feed_forward_length(int(config["intermediate_size"]))
        writer.add_head_count(int(config["num_attention_heads"]))
        writer.add_layer_norm_eps(float(config.get("layer_norm_eps", 1e-12)))
        writer.add_file_type(int(gguf.LlamaFileType.MOSTLY_F16))
        writer.add_causal_attention(False)
        writer.add_pooling_type(gguf.PoolingType(pooling))

        writer.add_token_type_count(int(config.get("type_vocab_size", 1)))
        writer.add_tokenizer_model("bert")
        writer.add_tokenizer_pre(_TOKENIZER_PRE)
        writer.add_token_list(tokens)
        writer.add_token_types(token_types)
        for kind, token_id in special_ids.items():
            # Keys spelled out: the PyPI gguf 0.19.0 writer has no add_cls_token_id().
            writer.add_uint32(_SPECIAL_TOKEN_KEYS[kind], token_id)
        # What SpecialVocab reads from the [CLS] A [SEP] template; llama.cpp's WordPiece
        # tokenizer adds [CLS] ... [SEP] either way.
        writer.add_add_bos_token(True)
        writer.add_add_eos_token(True)
        writer.add_add_sep_token(False)
        writer.add_bool("tokenizer.ggml.normalizer.lowercase", lowercase)
        if strip_accents is not None:
            writer.add_bool("tokenizer.ggml.normalizer.strip_accents", bool(strip_accents))

        # Sorted: the same model always converts to the same bytes (the triage bank's shipped
        # vectors are keyed by a hash of the file), whatever order the archive lists tensors in.
        for hf_name, array in sorted(tensors.items()):
            name = gguf_tensor_name(hf_name)
            if name is None:
                continue
            if array.ndim >= 2 and name not in _ALWAYS_F32:
                data = array.astype(np.float16)
            else:
                data = array.astype(np.float32)
            writer.add_tensor(name, data)
        _check_cancel(cancel)

        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        _check_cancel(cancel)
        writer.write_tensors_to_file()
        writer.close()
        _check_cancel(cancel)
        tmp_path.chmod(0o644)  # mkstemp makes it private; a model file is not a secret
        os.replace(tmp_path, output_path)
    except OSError as exc:
        raise ModelError(
            f"The embedding model could not be written to {output_path.parent} ({exc.strerror or exc}).",
            hint="Check that the disk has about 50 MB free and the folder is writable.",
        ) from exc
    finally:
        writer.close()  # idempotent; releases the file when cancelled or failed mid-way
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
    return output_path
