"""Shared for the generation tests: the real default Gemma, loaded once per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.generation.backends.llama_cpp_backend import LlamaCppBackend, LlamaSettings
from desktop.core.generation.types import CREATOR, FAN, DraftRequest, Example, Snippet, Turn
from desktop.core.models import DEFAULT_CHAT_MODEL
from desktop.core.persona import Boundaries, Persona


@pytest.fixture(scope="module")
def gemma(default_models_dir: Path) -> Iterator[LlamaCppBackend]:
    backend = LlamaCppBackend(LlamaSettings(default_models_dir / DEFAULT_CHAT_MODEL, n_ctx=2048, n_threads=2))
    backend.load()
    yield backend
    backend.unload()


def make_persona(name: str = "Lena") -> Persona:
    return Persona(
        display_name=name,
        style_notes="short, lowercase, friendly, lots of 'haha'",
        facts=["I sell a protein cookbook for $19", "I train at a gym in Berlin"],
        boundaries=Boundaries(avoid_topics=["politics"]),
    )


def make_request(
    message: str = "what protein powder do you use?", name: str = "Lena", seed: int = 0
) -> DraftRequest:
    return DraftRequest(
        incoming=message,
        persona=make_persona(name),
        examples=[
            Example("which protein do you take?", "haha vanilla whey, every morning", score=0.9),
            Example("love your videos!!", "omg thank you so much", score=0.6),
            Example("do you ever skip leg day?", "never haha, legs are life", score=0.5),
            Example("what do you eat before training?", "oats and a banana, always", score=0.4),
        ],
        snippets=[Snippet(1, "my cookbook is out now, link in bio", 0.8)],
        thread_tail=[Turn(FAN, "hey!"), Turn(CREATOR, "hey you")],
        seed=seed,
        max_tokens=60,
    )
