"""Test-only: a NumPy forward pass of all-MiniLM-L6-v2 straight from its safetensors weights.

Independent of llama.cpp and of the converter (it reads the package's zip itself), so that a
match between the two proves the conversion: BERT embeddings, six post-norm encoder layers with
exact (erf) GELU, mean pooling over the tokens, L2 normalisation.
"""

from __future__ import annotations

import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load
from tokenizers import Tokenizer

_erf = np.frompyfunc(math.erf, 1, 1)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))


@dataclass
class ReferenceMiniLM:
    weights: dict[str, np.ndarray]
    config: dict
    tokenizer: Tokenizer

    @classmethod
    def from_zip(cls, zip_path: Path) -> "ReferenceMiniLM":
        with zipfile.ZipFile(zip_path) as archive:
            weights = {k: v.astype(np.float64) for k, v in load(archive.read("model.safetensors")).items()}
            config = json.loads(archive.read("config.json"))
            tokenizer = Tokenizer.from_str(archive.read("tokenizer.json").decode("utf-8"))
        # tokenizer.json pads every input to 128 tokens and truncates: neither is wanted here.
        tokenizer.no_padding()
        tokenizer.no_truncation()
        weights = {k.removeprefix("bert."): v for k, v in weights.items()}
        return cls(weights, config, tokenizer)

    def token_ids(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text).ids)

    def embed(self, text: str) -> np.ndarray:
        w = self.weights
        eps = float(self.config["layer_norm_eps"])
        heads = int(self.config["num_attention_heads"])
        ids = self.token_ids(text)
        n = len(ids)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        d = x.shape[1]
        hd = d // heads
        for i in range(int(self.config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."

            def linear(name: str, inp: np.ndarray, p: str = p) -> np.ndarray:
                return inp @ w[p + name + ".weight"].T + w[p + name + ".bias"]

            q = linear("attention.self.query", x).reshape(n, heads, hd).transpose(1, 0, 2)
            k = linear("attention.self.key", x).reshape(n, heads, hd).transpose(1, 0, 2)
            v = linear("attention.self.value", x).reshape(n, heads, hd).transpose(1, 0, 2)
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(hd)
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, d)
            x = _layer_norm(
                x + linear("attention.output.dense", context),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
                eps,
            )
            hidden = _gelu(linear("intermediate.dense", x))
            x = _layer_norm(
                x + linear("output.dense", hidden),
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
                eps,
            )
        pooled = x.mean(axis=0)
        return pooled / np.linalg.norm(pooled)
