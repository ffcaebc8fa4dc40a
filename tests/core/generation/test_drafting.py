"""Drafting end to end on the real default Gemma: triage, prompt, stream, guard, regenerate."""

from __future__ import annotations

import threading
from collections.abc import Generator

import pytest

from desktop.core.errors import Cancelled
from desktop.core.generation.backends.llama_cpp_backend import LlamaCppBackend
from desktop.core.generation.drafting import (
    CRISIS_REPLY,
    Draft,
    Regenerating,
    cut_at_markup,
    draft_reply,
    finish_at_boundary,
)
from desktop.core.persona import Boundaries, Persona
from desktop.core.tasks import CancelToken

MESSAGES = [
    "what protein powder do you use?",
    "love your last video!!",
    "how often do you train legs?",
    "any tips for a beginner?",
    "what camera do you film with?",
]


def persona() -> Persona:
    return Persona(
        display_name="Lena",
        style_notes="short, lowercase, friendly",
        facts=["I sell a protein cookbook for $19", "I train at a gym in Berlin"],
        boundaries=Boundaries(avoid_topics=["politics"], never_say=["guaranteed", "re:\\bDM me\\b"]),
    )


def run(generator: Generator[str | Regenerating, None, Draft]) -> tuple[list[str | Regenerating], Draft]:
    events: list[str | Regenerating] = []
    while True:
        try:
            events.append(next(generator))
        except StopIteration as stop:
            return events, stop.value


@pytest.mark.parametrize("message", MESSAGES)
def test_drafts_are_non_empty_bounded_and_never_say_what_is_forbidden(
    gemma: LlamaCppBackend, message: str
) -> None:
    events, draft = run(draft_reply(message, persona=persona(), backend=gemma, seed=3, max_tokens=48))
    assert draft.text.strip(), f"empty draft for {message!r}"
    assert "Fan:" not in draft.text and "Lena:" not in draft.text
    lowered = draft.text.lower()
    if not draft.blocked:
        assert "guaranteed" not in lowered and "dm me" not in lowered
    streamed = "".join(e for e in events if isinstance(e, str))
    assert streamed.strip() and draft.attempts >= 1
    assert draft.mode == "completion" and "gemma" in draft.model.lower()
    assert draft.timings["total_ms"] > 0 and draft.timings["tokens"] >= 1
    assert draft.prompt is not None and draft.prompt.text.endswith("Lena:")


def test_red_message_gets_no_draft_and_no_model_call(gemma: LlamaCppBackend) -> None:
    events, draft = run(draft_reply("I want to kill myself tonight", persona=persona(), backend=gemma))
    assert events == [] and draft.text == "" and draft.blocked
    assert draft.triage.level == "red" and draft.to_json_dict()["guard"]["findings"]
    assert draft.safe_reply == CRISIS_REPLY and draft.to_json_dict()["guard"]["canned_reply"] == CRISIS_REPLY


def test_a_red_message_offers_the_creators_canned_reply_for_its_category(gemma: LlamaCppBackend) -> None:
    own = persona()
    own.boundaries.canned_replies = {"legal threat": "I've passed this on to my manager, who'll be in touch."}
    _, draft = run(draft_reply("my lawyer will be contacting you about this", persona=own, backend=gemma))
    assert draft.blocked and draft.safe_reply == "I've passed this on to my manager, who'll be in touch."
    _, money = run(
        draft_reply("I want a refund NOW or I'm doing a chargeback", persona=persona(), backend=gemma)
    )
    assert money.blocked and money.safe_reply is None  # nothing safe to say for her: she answers this one


def test_an_ai_question_gets_the_disclosure_reply_and_keeps_the_models_draft(gemma: LlamaCppBackend) -> None:
    _, draft = run(draft_reply("be honest are u a bot", persona=persona(), backend=gemma, max_tokens=32))
    assert draft.text.startswith(persona().boundaries.disclosure_reply)
    assert draft.guard is not None and draft.guard.findings[0].kind == "ai_honesty"
    assert draft.model_text is not None and draft.model_guard is not None
    assert draft.to_json_dict()["model_text"] == draft.model_text


def test_json_shape(gemma: LlamaCppBackend) -> None:
    _, draft = run(
        draft_reply(MESSAGES[0], persona=persona(), backend=gemma, persona_version=7, max_tokens=32)
    )
    shown = draft.to_json_dict()
    assert set(shown) >= {"text", "mode", "model", "persona_version", "sources", "guard", "timings"}
    assert shown["persona_version"] == 7 and set(shown["guard"]) >= {"blocked", "findings"}
    assert {"total_ms", "tokens"} <= set(shown["timings"])


def test_cancel_from_another_thread_stops_the_draft(gemma: LlamaCppBackend) -> None:
    cancel = CancelToken()
    generator = draft_reply(MESSAGES[3], persona=persona(), backend=gemma, max_tokens=200, cancel=cancel)
    first = next(generator)
    assert isinstance(first, str)
    stopper = threading.Thread(target=cancel.cancel)
    stopper.start()
    stopper.join()
    with pytest.raises(Cancelled):
        run(generator)
    _, after = run(draft_reply(MESSAGES[1], persona=persona(), backend=gemma, max_tokens=16))
    assert after.text.strip()  # the model is usable right after a cancel


@pytest.mark.parametrize(
    ("raw", "finished"),
    [
        ("haha vanilla whey. every morning i", "haha vanilla whey."),
        ("thank you so much!", "thank you so much!"),
        ("see you there 🔥", "see you there 🔥"),
        ("no sentence end at all", "no sentence end at all"),
    ],
)
def test_a_reply_cut_by_the_limit_ends_at_its_last_sentence(raw: str, finished: str) -> None:
    assert finish_at_boundary(raw) == finished


@pytest.mark.parametrize(
    ("raw", "cut"),
    [
        (
            "Yeah! I loved it so much. Love it! ❤️❤️<start_of_image>All my photos",
            "Yeah! I loved it so much. Love it! ❤️❤️",
        ),
        ("Thank you <3 see you soon", "Thank you <3 see you soon"),  # a heart is not markup
        ("<div>hi</div>", ""),
        ("Proof it 2 hours [multimodal] x", "Proof it 2 hours"),
    ],
)
def test_a_reply_ends_before_the_models_markup(raw: str, cut: str) -> None:
    assert cut_at_markup(raw) == cut


def test_session_finds_what_an_import_added_after_it_opened(paths_with_models, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from desktop.core.generation.session import DraftingSession
    from desktop.core.importers.pipeline import import_archive
    from tests.core.importers.test_pipeline import drain, x_archive

    with DraftingSession(paths_with_models, "default") as session:
        for _ in session.open():
            pass
        assert session.retriever is not None
        assert session.retriever.retrieve("love your videos!").examples == []
        drain(import_archive(session.store, x_archive(tmp_path / "x.zip")))
        for _ in session.refresh_index():
            pass
        found = session.retriever.retrieve("love your videos!")
        assert [e.reply for e in found.examples] == ["thank you so much!"]
