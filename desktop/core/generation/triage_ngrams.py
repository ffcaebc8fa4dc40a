"""A word and character n-gram model of the triage bank: the words a message is written in.

Why: MiniLM's sentence vector is one point for the whole message, and English-first; "8th grade",
"curfew", "sh again", "knead more than dough" are cues in the words themselves that the vector
averages away. A linear model over hashed n-grams (words, word pairs, and 3-5 letter pieces of
words, so "ur", "u r", "youre" and misspellings share features) reads them. ``triage_classifier``
averages its probability with the embedding model's gated score. Measured on the bank's held-out
folds (5 folds, 5,480 rows, recall at the score where 1% of held-out harmless rows are red):
embedding alone / n-grams alone / the mean: self-harm 0.76 / 0.69 / 0.83, minor 0.71 / 0.58 /
0.80, explicit 0.72 / 0.55 / 0.76, meetup 0.85 / 0.73 / 0.88, money 0.80 / 0.76 / 0.88; each alone
is worse, together they are better at every rate looked at (0.5%, 1%, 2%).

Pure NumPy (the app ships no scikit-learn): features hashed into ``BUCKETS`` columns with CRC32
(stable across runs and platforms, unlike ``hash``), L2 logistic regression per label with classes
balanced, trained by full-batch Adam (Newton, as for the 384-wide embedding model, would need a
65,536-wide Hessian). Training on the whole bank takes a few seconds; its weights are cached with
the bank's vectors, so a start trains nothing.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np

BUCKETS = 1 << 16
"""Hashed feature columns; 2^16 keeps the cached weights small with few harmful collisions."""
NGRAM_L2 = 1e-4
EPOCHS = 150
LEARNING_RATE = 0.05
_TOKEN = re.compile(r"[\w']+|[^\w\s]")


def ngram_ids(text: str) -> np.ndarray:
    """The sorted, distinct feature columns of ``text``: words, word pairs, 3-5 letter pieces."""
    words = _TOKEN.findall(text.lower())
    features = set(words) | {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}
    for word in words:
        marked = f"<{word}>"
        for n in (3, 4, 5):
            features.update(marked[i : i + n] for i in range(len(marked) - n + 1))
    return np.array(sorted({zlib.crc32(f.encode()) % BUCKETS for f in features}), dtype=np.int64)


class _Design:
    """Texts as a sparse 0/1 matrix scaled by 1/sqrt(features) per row: flat column ids and row ids."""

    def __init__(self, texts: Sequence[str]) -> None:
        ids = [ngram_ids(text) for text in texts]
        lengths = np.array([max(len(i), 1) for i in ids])
        self.count = len(ids)
        self.columns = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
        self.rows = np.repeat(np.arange(self.count), [len(i) for i in ids])
        self.values = (1.0 / np.sqrt(lengths))[self.rows]

    def logits(self, weights: np.ndarray, bias: float) -> np.ndarray:
        products = weights[self.columns] * self.values
        return np.bincount(self.rows, weights=products, minlength=self.count) + bias

    def gradient(self, per_row: np.ndarray) -> np.ndarray:
        return np.bincount(self.columns, weights=per_row[self.rows] * self.values, minlength=BUCKETS)


def fit_ngram_logistic(texts: Sequence[str], labels: np.ndarray, label_names: Sequence[str]) -> np.ndarray:
    """Weights of shape ``(BUCKETS + 1, len(label_names))``, the bias in the last row."""
    design = _Design(texts)
    weights = np.zeros((BUCKETS + 1, len(label_names)), dtype=np.float32)
    count = design.count
    for column, name in enumerate(label_names):
        target = (labels == name).astype(np.float64)
        positives = max(float(target.sum()), 1.0)
        sample = np.where(target == 1, count / (2 * positives), count / (2 * max(count - positives, 1.0)))
        w, bias = np.zeros(BUCKETS), 0.0
        first, second = np.zeros(BUCKETS), np.zeros(BUCKETS)
        for step in range(1, EPOCHS + 1):
            p = 1.0 / (1.0 + np.exp(-design.logits(w, bias)))
            residual = (p - target) * sample / count
            gradient = design.gradient(residual) + NGRAM_L2 * w
            bias -= 10 * LEARNING_RATE * float(residual.sum())
            first = 0.9 * first + 0.1 * gradient
            second = 0.999 * second + 0.001 * gradient * gradient
            w -= LEARNING_RATE * (first / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
        weights[:-1, column] = w
        weights[-1, column] = bias
    return weights


def ngram_scores(weights: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    """Per-label probabilities, shape ``(len(texts), weights.shape[1])``."""
    design = _Design(texts)
    logits = np.stack(
        [
            design.logits(weights[:-1, c].astype(np.float64), float(weights[-1, c]))
            for c in range(weights.shape[1])
        ],
        axis=1,
    )
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -40, 40)))
