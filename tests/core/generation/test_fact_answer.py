"""The facts line that answers a fan's question, on the real MiniLM: the line is found when the
question uses its words, and left alone when it answers something else (another lift, the make
of a thing the sheet never names, a price where the line only gives a count). Questions written
for this test against a facts sheet written for it, not the eval set's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from desktop.core.generation.fact_answer import facts_answer
from desktop.core.models import DEFAULT_EMBEDDING_MODEL
from desktop.core.retrieval import Embedder

FACTS = [
    "I'm Sol, a ceramicist in Oaxaca.",
    "My mugs cost $38 each, shipping not included.",
    "I fire my glazes at cone 6, about 1220°C; bisque goes to cone 04.",
    "My bench PR is 60 kg.",
    "The studio is open to visitors on Saturdays, 10am to 2pm.",
    "I don't teach classes and I don't take custom orders.",
    "My wheel is a Shimpo VL-Whisper.",
]


@pytest.fixture(scope="module")
def similarity(default_models_dir: Path) -> Iterator[Callable[[str, str], float]]:
    with Embedder(default_models_dir / DEFAULT_EMBEDDING_MODEL, n_threads=1) as embedder:

        def cosine(a: str, b: str) -> float:
            va, vb = embedder.embed([a, b])
            return float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb)))

        yield cosine


@pytest.mark.parametrize(
    ("question", "line"),
    [
        ("how much r ur mugs??", FACTS[1]),
        ("what temp do u fire ur glazes at", "I fire my glazes at cone 6, about 1220°C."),
        ("Sol do u take custom orders", FACTS[5]),
        ("when can I visit the studio", FACTS[4]),
        ("do u teach pottery classes?? would love to join", FACTS[5]),
        ("what wheel do you use", FACTS[6]),
    ],
)
def test_the_line_that_answers_is_found(
    similarity: Callable[[str, str], float], question: str, line: str
) -> None:
    """The clause of a line that answers stands alone (the glaze firing, not the bisque); the
    creator's name is not what is asked about."""
    assert facts_answer(question, FACTS, similarity, creator_name="Sol") == line


@pytest.mark.parametrize(
    "question",
    [
        "whats your squat pr",  # the sheet gives the bench, not the squat
        "what brand of clay do you use",  # no line names a clay
        "how much do your vases cost",  # a price, but not of the mugs
        "how many mugs do you make a week",  # a count; the mug line states a price
        "your glazes are gorgeous",  # not a question
    ],
)
def test_a_line_about_something_else_is_not_offered(
    similarity: Callable[[str, str], float], question: str
) -> None:
    assert facts_answer(question, FACTS, similarity) is None
