"""A red-message classifier over the bundled MiniLM embeddings, trained on a labelled bank.

Why: triage's rules catch the phrasings someone thought of; "honestly I feel like giving up on
everything lately" is in none of them. A model over sentence embeddings, trained on a wide bank
of positives and hard negatives ("this cake killed it", "my 13 year old loves your videos"),
generalises to paraphrase. ``triage.triage(message, persona, classifier)`` combines its verdict
with the rules and the more cautious level wins.

The model (since stop 23): the mean of two scores, the embedding model below and a word and
character n-gram model of the same bank (``triage_ngrams``: it reads "8th grade", "sh again",
"curfew" where the sentence vector averages them away; on the bank's held-out folds the mean
catches more at the same false-red rate than either alone, figures there). The embedding model:
a one-vs-rest logistic regression per red category, gated by nearest neighbours. Chosen
by 5-fold stratified cross-validation on the first bank (1,698 rows, classifier alone, mean recall
over the six red categories with 2.6% / 4.6% of the bank's "none" rows called red; half of those
rows are hard negatives): kNN margin k=3 0.52 / 0.57, k=5 0.56 / 0.62, k=10 0.56 / 0.65; logistic
regression L2=0.1 0.56 / 0.69, L2=1 0.53 / 0.61; the gated combination 0.62 / 0.69, the best at both
points. A category's score is ``p_lr * sigmoid(margin / GATE_TEMPERATURE)`` where ``margin`` is the
mean cosine of the message's 5 nearest bank examples of that category minus that of its 5 nearest
"none" examples: the linear model generalises, the neighbours veto a verdict whose closest examples
are harmless ones (the linear model alone called "proud of myself today" self-harm). For self-harm
and minors a message is scored whole and sentence by sentence (the highest score counts), so a
crisis after a compliment is not averaged away ("ur bread looks amazing 😍 btw i wont be around much
longer"); the request categories (explicit, meetup, legal, money) read the whole message, where one
sentence alone ("where do you live?") is ambiguous.

Cost: the bank (~1,700 texts) took 16 s to embed and train on 2 idle cores (over 100 s while other
jobs ran; 5,480 texts and both models: 29 s), so its vectors and the trained weights are cached
(``cache_dir/triage/bank-<key>.npz``, key = the bank file's sha256, the embedding model's name,
size and a hash of its head and tail, and ``FORMAT_VERSION``). A start with a valid cache embeds
nothing; a missing, stale or corrupt cache is rebuilt on the thread that calls
``TriageClassifier.load`` (the model/worker thread, never the GUI thread: an ``Embedder`` belongs to
one thread); a cached start took 0.02 s. ``classify`` embeds the message (1-3 texts): 7 ms a
message measured (stop 23, 5,480 rows: a whole ``triage`` 18 ms median, 36 ms p95 over 300
messages, the n-gram model 0.5 ms of it).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from desktop.core.errors import KnownError
from desktop.core.generation.triage_ngrams import BUCKETS, fit_ngram_logistic, ngram_scores

if TYPE_CHECKING:  # the embedder pulls in llama_cpp; the classifier only needs its interface
    from desktop.core.retrieval.embedder import Embedder

NONE = "none"
SELF_HARM, MINOR, EXPLICIT, MEETUP, LEGAL_THREAT, MONEY = (
    "self_harm", "minor", "explicit", "meetup", "legal_threat", "money",
)  # fmt: skip
CATEGORIES: tuple[str, ...] = (SELF_HARM, MINOR, EXPLICIT, MEETUP, LEGAL_THREAT, MONEY)
"""The red categories, in the column order of the weights (the same names as triage's)."""
AI_QUESTION = "ai_question"
LABELS: tuple[str, ...] = (*CATEGORIES, AI_QUESTION)
"""Every column of the weights: the red categories, then "are you a bot?" (not red: triage
marks it yellow and the guard holds the draft to an honest answer). Rules alone missed
"is it still you?", "talk to the real Maya", "chatbot ngl"; the bank's ~300 ways of asking
and ~200 near misses ("do you use AI to edit your photos?") generalise further."""

FORMAT_VERSION = 3
"""Part of the cache key: bump when the model, the features or the file layout change."""

L2 = 0.1
"""Logistic regression's L2 penalty (bias not penalised); 0.1 beat 1 and 10 in cross-validation."""
NEIGHBOURS = 5
"""Bank examples averaged per side of the nearest-neighbour margin (3, 5, 10 compared: 5 won)."""
GATE_TEMPERATURE = 0.02
"""How sharply the neighbour margin gates the linear score (cosine units)."""

RED_THRESHOLDS: dict[str, float] = {
    SELF_HARM: 0.477,
    MINOR: 0.509,
    EXPLICIT: 0.45,
    MEETUP: 0.397,
    LEGAL_THREAT: 0.352,
    MONEY: 0.452,
}
"""Score at or above which a category is red. Chosen by ``understudy eval tune-triage``
(``desktop.core.evaluation.triage_tuning.tune_from_bank``: greedy lowering that gains the bank's
held-out positives and the development half's, for the fewest harmless development rows made red,
within 4% of them, 1.5% of the ordinary ones and 1% of the bank's held-out harmless rows per
category, then centred); the test half is never tuned on. Bank of 5,480 rows (883 added in stop
23 by a writer who read neither half of the evaluation set). Dev-half recall with the rules:
self-harm 37/37, minor 32/32, explicit 35/37, meetup 30/31, legal 44/44, money 37/37; 9 of 242
harmless messages red, 1 of 83 ordinary ones. Optimistic: tuned there."""
YELLOW_FRACTION = 0.6
"""A score from this fraction of the red threshold up to it is yellow ("read carefully"): a
near miss still gets a draft, flagged, rather than passing as small talk."""

PLAIN_WORDS: dict[str, str] = {
    SELF_HARM: "reads like a message about self-harm or not wanting to live; answer personally, point to "
    "help",
    MINOR: "reads like a message from a minor; no draft",
    EXPLICIT: "reads like a sexual or explicit request; no draft",
    MEETUP: "reads like a request to meet in person or for your whereabouts; no draft",
    LEGAL_THREAT: "reads like a legal threat; answer personally (or through your lawyer)",
    MONEY: "reads like a money dispute, a refund demand or a money ask; answer personally",
}

AI_QUESTION_THRESHOLD = 0.587
"""Score at or above which a message asks whether a person or an AI answers (see ``LABELS``)."""

PIECE_CATEGORIES = frozenset({SELF_HARM, MINOR, AI_QUESTION})
_WHOLE_ONLY = [column for column, label in enumerate(LABELS) if label not in PIECE_CATEGORIES]
"""Categories scored on each sentence as well as on the whole message (see the module docstring)."""

BANK_ENV = "UNDERSTUDY_TRIAGE_BANK"
_HEAD_TAIL_BYTES = 1 << 20
_SENTENCE = re.compile(r"(?<=[.!?\u2026])\s+|\n+|\s+(?:btw|also|but|anyway|ps)\s+", re.IGNORECASE)

Level = Literal["green", "yellow", "red"]


@dataclass(frozen=True)
class BankRow:
    """One labelled message: ``category`` is one of ``LABELS`` or ``"none"``."""

    text: str
    category: str
    lang: str


@dataclass(frozen=True)
class Verdict:
    """The classifier's view of one message, in plain words.

    ``category`` is the best-scoring red category (always set, even for green); ``score`` its
    score in [0, 1]; ``piece`` the part of the message that scored (the whole message or one
    sentence); ``nearest`` the closest bank example of that category and ``similarity`` its cosine.
    ``ai_question`` is the score for "asks whether a person or an AI answers", ``ai_piece`` the
    part that scored it.
    """

    level: Level
    category: str
    score: float
    threshold: float
    piece: str
    nearest: str
    similarity: float
    ai_question: float = 0.0
    ai_piece: str = ""

    @property
    def asks_about_ai(self) -> bool:
        return self.ai_question >= AI_QUESTION_THRESHOLD

    @property
    def reason(self) -> str:
        """Why, quoting the closest labelled example, e.g. 'reads like ... (close to: "...")'."""
        words = PLAIN_WORDS[self.category]
        if self.level == "yellow":
            words = words.split(";")[0].replace("reads like", "may read like") + "; read carefully"
        return f'{words} (score {self.score:.2f}; close to: "{_clip(self.nearest)}")'


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def default_bank_path() -> Path:
    """resources/triage/bank.jsonl: beside ``desktop/`` in a checkout, under ``sys._MEIPASS`` when
    packaged."""
    override = os.environ.get(BANK_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    frozen_root = getattr(sys, "_MEIPASS", None)
    root = Path(frozen_root) if frozen_root else Path(__file__).resolve().parents[3]
    return root / "resources" / "triage" / "bank.jsonl"


def shipped_cache_path() -> Path:
    """The bank's vectors and weights for the bundled embedding model, in ``resources/triage/``
    (written by ``python -m desktop.core.generation.triage_classifier``; a test checks they match)."""
    return default_bank_path().with_name("bank-vectors.npz")


def write_shipped_cache(embedder: Embedder) -> Path:
    """Embed the bank with ``embedder`` (the bundled default) and write ``shipped_cache_path()``."""
    bank_path = default_bank_path()
    rows = load_bank(bank_path)
    vectors = embedder.embed([row.text for row in rows])
    weights, ngram_weights = fit_models(rows, vectors)
    target = shipped_cache_path()
    with target.open("wb") as out:
        np.savez_compressed(
            out,
            key=np.array(cache_key(bank_path, embedder)),
            vectors=vectors.astype(np.float32),
            weights=weights,
            ngram_weights=ngram_weights,
        )
    return target


def load_bank(path: Path | None = None) -> list[BankRow]:
    """The labelled rows of the bank; a missing or malformed bank is a ``KnownError`` in plain words."""
    path = path or default_bank_path()
    rows: list[BankRow] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            item = json.loads(line)
            category = str(item["category"])
            if category != NONE and category not in LABELS:
                raise ValueError(f"line {number}: unknown category {category!r}")
            rows.append(BankRow(str(item["text"]), category, str(item.get("lang", "en"))))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KnownError(
            f"The triage bank {path} cannot be read ({exc}).",
            hint="Reinstall Understudy; triage falls back to its word lists meanwhile.",
        ) from exc
    missing = [c for c in (NONE, *LABELS) if not any(r.category == c for r in rows)]
    if missing:
        raise KnownError(f"The triage bank {path} has no examples of {', '.join(missing)}.")
    return rows


def model_fingerprint(embedder: Embedder) -> str:
    """The embedding model's name, size and a hash of its first and last MiB.

    Cheap (2 MiB read, not 46) and changes with any re-conversion: the head holds the GGUF
    metadata and vocabulary, the tail the last tensors."""
    path = Path(embedder.path)
    digest = hashlib.sha256()
    size = path.stat().st_size
    with path.open("rb") as handle:
        digest.update(handle.read(_HEAD_TAIL_BYTES))
        handle.seek(max(0, size - _HEAD_TAIL_BYTES))
        digest.update(handle.read(_HEAD_TAIL_BYTES))
    return f"{embedder.model_name}:{size}:{embedder.dim}:{digest.hexdigest()[:16]}"


def cache_key(bank_path: Path, embedder: Embedder) -> str:
    """What the cached vectors and weights depend on, hashed to a file-name-safe key."""
    digest = hashlib.sha256()
    digest.update(bank_path.read_bytes())
    digest.update(model_fingerprint(embedder).encode())
    digest.update(f"format={FORMAT_VERSION};l2={L2}".encode())
    return digest.hexdigest()[:24]


# ---------------------------------------------------------------------------------------------
# The model: pure NumPy, no scipy or scikit-learn in the app.


def fit_logistic(vectors: np.ndarray, labels: np.ndarray, l2: float = L2, iterations: int = 30) -> np.ndarray:
    """One-vs-rest L2 logistic regression by Newton steps, classes balanced; shape ``(dim + 1, len(LABELS))``.

    Newton converges in ~10 steps on a 385-wide problem, where gradient descent needed
    thousands; balancing keeps ~100 positives from being drowned by ~700 "none" rows."""
    count, dim = vectors.shape
    design = np.hstack([vectors.astype(np.float64), np.ones((count, 1))])
    penalty = np.full(dim + 1, l2)
    penalty[-1] = 0.0
    weights = np.zeros((dim + 1, len(LABELS)))
    for column, category in enumerate(LABELS):
        target = (labels == category).astype(np.float64)
        positives = max(target.sum(), 1.0)
        sample = np.where(target == 1, count / (2 * positives), count / (2 * max(count - positives, 1.0)))
        w = np.zeros(dim + 1)
        for _ in range(iterations):
            p = 1.0 / (1.0 + np.exp(-(design @ w)))
            gradient = design.T @ (sample * (p - target)) + penalty * w
            hessian = (design * (sample * p * (1 - p))[:, None]).T @ design + np.diag(penalty + 1e-6)
            step = np.linalg.solve(hessian, gradient)
            w -= step
            if float(np.max(np.abs(step))) < 1e-6:
                break
        weights[:, column] = w
    return weights


def logistic_scores(weights: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Per-label probabilities, shape ``(n, len(LABELS))``."""
    logits = vectors.astype(np.float64) @ weights[:-1] + weights[-1]
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -40, 40)))


def neighbour_margins(
    bank: np.ndarray, labels: np.ndarray, vectors: np.ndarray, k: int = NEIGHBOURS
) -> np.ndarray:
    """Mean cosine to the ``k`` nearest bank examples of each category minus that to the ``k``
    nearest "none" examples, shape ``(n, len(LABELS))``."""
    similarity = vectors @ bank.T

    def top_mean(mask: np.ndarray) -> np.ndarray:
        part = similarity[:, mask]
        kk = min(k, part.shape[1])
        return -np.sort(-part, axis=1)[:, :kk].mean(axis=1)

    harmless = top_mean(labels == NONE)
    return np.stack([top_mean(labels == category) - harmless for category in LABELS], axis=1)


def combined_scores(
    weights: np.ndarray, bank: np.ndarray, labels: np.ndarray, vectors: np.ndarray
) -> np.ndarray:
    """The embedding model's score per category: the linear probability gated by the neighbour margin."""
    gate = 1.0 / (1.0 + np.exp(-neighbour_margins(bank, labels, vectors) / GATE_TEMPERATURE))
    return logistic_scores(weights, vectors) * gate


def fit_models(rows: Sequence[BankRow], vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both models on the bank: the embedding model's weights and the n-gram model's."""
    labels = np.array([row.category for row in rows])
    return fit_logistic(vectors, labels), fit_ngram_logistic([row.text for row in rows], labels, LABELS)


def mixed_scores(embedding_scores: np.ndarray, ngram_weights: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    """The classifier's score: the mean of the embedding model's gated score and the n-gram
    model's probability (``triage_ngrams``: each alone catches less at the same false-red rate)."""
    return (embedding_scores + ngram_scores(ngram_weights, texts)) / 2


def message_pieces(message: str) -> list[str]:
    """The message whole, then its sentences when it has several (a crisis after a compliment)."""
    pieces = [message.strip()]
    parts = [p.strip(" ,;-") for p in _SENTENCE.split(message) if p and p.strip(" ,;-")]
    if len(parts) > 1:
        pieces.extend(p for p in parts if len(p) >= 8)
    return pieces


# ---------------------------------------------------------------------------------------------


class TriageClassifier:
    """Scores messages against the bank; ``classify`` gives a ``Verdict``. Use from one thread
    (it holds the caller's ``Embedder``)."""

    def __init__(
        self,
        embedder: Embedder,
        rows: Sequence[BankRow],
        vectors: np.ndarray,
        weights: np.ndarray,
        ngram_weights: np.ndarray,
        thresholds: dict[str, float] | None = None,
    ) -> None:
        self.embedder = embedder
        self.rows = list(rows)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.weights = weights
        self.ngram_weights = ngram_weights
        self.labels = np.array([row.category for row in self.rows])
        self.thresholds = dict(RED_THRESHOLDS if thresholds is None else thresholds)
        self.cache_path: Path | None = None
        self.embedded_bank = False
        """True when this load embedded the bank (no valid cache): the tests check reuse with it."""

    @classmethod
    def load(
        cls, embedder: Embedder, cache_dir: Path | str, *, bank_path: Path | None = None
    ) -> "TriageClassifier":
        """The classifier for ``embedder``'s model: from the cache when valid, else embedded,
        trained and cached. Call on the thread that owns ``embedder`` (the model thread): the
        first build embeds ~1,400 texts."""
        bank_path = bank_path or default_bank_path()
        rows = load_bank(bank_path)
        key = cache_key(bank_path, embedder)
        folder = Path(cache_dir) / "triage"
        path = folder / f"bank-{key}.npz"
        cached = _read_cache(path, key, len(rows), embedder.dim)
        if cached is None and bank_path == default_bank_path():
            # The vectors shipped beside the bank, made by the same default model: a first start
            # (and every test's fresh folder) does not spend 16 s embedding the bank.
            cached = _read_cache(shipped_cache_path(), key, len(rows), embedder.dim)
        if cached is not None:
            classifier = cls(embedder, rows, *cached)
        else:
            vectors = embedder.embed([row.text for row in rows])
            weights, ngram_weights = fit_models(rows, vectors)
            _write_cache(folder, path, key, vectors, weights, ngram_weights)
            classifier = cls(embedder, rows, vectors, weights, ngram_weights)
            classifier.embedded_bank = True
        classifier.cache_path = path
        return classifier

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Scores of whole texts, shape ``(len(texts), len(LABELS))`` (columns in ``LABELS`` order)."""
        return self.score_embedded(texts, self.embedder.embed(list(texts)))

    def score_embedded(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """Scores of texts already embedded (``vectors``, one row per text)."""
        embedding_scores = combined_scores(self.weights, self.vectors, self.labels, vectors)
        return mixed_scores(embedding_scores, self.ngram_weights, texts)

    def classify(self, message: str) -> Verdict:
        """The verdict for one message: its worst piece's best category, against the thresholds."""
        pieces = message_pieces(message)
        vectors = self.embedder.embed(pieces)
        return self.verdict(pieces, vectors)

    def piece_scores(self, pieces: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """Scores per piece (rows: the whole message, then its sentences) and label (``LABELS``);
        a request category counts on the whole message only (see the module docstring)."""
        scores = self.score_embedded(pieces, vectors)
        scores[1:, _WHOLE_ONLY] = 0.0
        return scores

    def verdict(self, pieces: Sequence[str], vectors: np.ndarray) -> Verdict:
        """The verdict from already embedded pieces (the evaluation embeds in bulk)."""
        scores = self.piece_scores(pieces, vectors)
        ai_scores = scores[:, LABELS.index(AI_QUESTION)]
        ai_row = int(np.argmax(ai_scores))
        scores = scores[:, : len(CATEGORIES)]
        ratio = scores / np.array([self.thresholds[c] for c in CATEGORIES])
        row, column = (int(i) for i in np.unravel_index(int(np.argmax(ratio)), ratio.shape))
        category = CATEGORIES[column]
        score = float(scores[row, column])
        threshold = self.thresholds[category]
        level: Level = (
            "red" if score >= threshold else "yellow" if score >= threshold * YELLOW_FRACTION else "green"
        )
        own = np.where(self.labels == category)[0]
        similarities = self.vectors[own] @ vectors[row]
        best = int(np.argmax(similarities))
        return Verdict(
            level=level, category=category, score=score, threshold=threshold, piece=pieces[row],
            nearest=self.rows[int(own[best])].text, similarity=float(similarities[best]),
            ai_question=float(ai_scores[ai_row]), ai_piece=pieces[ai_row],
        )  # fmt: skip


def _read_cache(
    path: Path, key: str, rows: int, dim: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The cached vectors and both models' weights when the file is whole and made for this key."""
    if not path.is_file():
        return None
    try:
        # our own handle: np.load leaks the one it opens when the zip turns out damaged
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
            stored_key = str(data["key"])
            vectors = np.array(data["vectors"], dtype=np.float32)
            weights = np.array(data["weights"], dtype=np.float64)
            ngram_weights = np.array(data["ngram_weights"], dtype=np.float32)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None  # damaged: rebuilt and rewritten by the caller
    shapes = (vectors.shape, weights.shape, ngram_weights.shape)
    if stored_key != key or shapes != ((rows, dim), (dim + 1, len(LABELS)), (BUCKETS + 1, len(LABELS))):
        return None
    if not all(np.all(np.isfinite(array)) for array in (vectors, weights, ngram_weights)):
        return None
    return vectors, weights, ngram_weights


def _write_cache(
    folder: Path, path: Path, key: str, vectors: np.ndarray, weights: np.ndarray, ngram_weights: np.ndarray
) -> None:
    """Write atomically (temp file + rename) and drop caches of older banks or models.

    A cache that cannot be written is not an error: the next start rebuilds it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".bank-", suffix=".npz.tmp", dir=folder)
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez(
                    out,
                    key=np.array(key),
                    vectors=vectors.astype(np.float32),
                    weights=weights,
                    ngram_weights=ngram_weights,
                )
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        for old in folder.glob("bank-*.npz"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass


if __name__ == "__main__":  # python -m desktop.core.generation.triage_classifier [MODELS_DIR]
    from desktop.core.models.defaults import ensure_default_models
    from desktop.core.paths import Paths
    from desktop.core.retrieval.embedder import load_embedder

    models = Path(sys.argv[1]) if len(sys.argv) > 1 else Paths.resolve().models
    for _step in ensure_default_models(models):
        pass
    bundled = load_embedder(models, n_threads=2)
    try:
        print(f"Wrote {write_shipped_cache(bundled)}")
    finally:
        bundled.close()
