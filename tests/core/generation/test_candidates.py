"""Several candidates and the creator's own past answers: adapting a past reply, the score's
parts and order on real guard results, the past-answer threshold on the demo baker's archive
(the pairs around it are printed), and a whole draft chosen among candidates on the real models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.evaluation.dataset import load_demo_persona
from desktop.core.generation.candidates import (
    MODEL,
    PAST_ANSWER,
    PAST_ANSWER_THRESHOLD,
    PERSONA_REPLY,
    QUICK_REPLY,
    Candidate,
    ScoreContext,
    adapt_past_answer,
    rank,
)
from desktop.core.generation.drafting import finish_draft
from desktop.core.generation.faithfulness import Grounding
from desktop.core.generation.guard import check_draft
from desktop.core.generation.session import DraftingSession
from desktop.core.importers.pipeline import import_archive
from desktop.core.paths import Paths
from desktop.core.persona.versions import save_persona
from desktop.core.store import open_store
from desktop.core.tasks import CancelToken


@pytest.mark.parametrize(
    ("reply", "fan", "expected"),
    [
        ("CHLOE!!! That's 60 lb in 12 weeks", "Sam", "Sam!!! That's 60 lb in 12 weeks"),
        ("CHLOE!!! That's 60 lb in 12 weeks", None, "That's 60 lb in 12 weeks"),
        (
            "Hi Inês, please send the details to hello@x.com",
            "Tom",
            "Hi Tom, please send the details to hello@x.com",
        ),
        ("Hi Inês, please send the details", None, "Hi, please send the details"),
        ("@jo_bakes About 2 hours at room temp", None, "About 2 hours at room temp"),
        ("Yes! Shape them, cover, fridge overnight", "Sam", "Yes! Shape them, cover, fridge overnight"),
        ("Thank you!! 75% for the everyday loaf", None, "Thank you!! 75% for the everyday loaf"),
    ],
)
def test_a_past_answer_is_adapted_only_where_it_must_be(reply: str, fan: str | None, expected: str) -> None:
    assert adapt_past_answer(reply, fan) == expected


def _candidate(
    text: str, origin: str = MODEL, incoming: str = "How long do you proof your focaccia?"
) -> Candidate:
    maya = load_demo_persona("maya").persona
    sources = [
        Grounding(
            "About 2 hours at room temp until it's puffy and jiggly.",
            "example",
            1,
            "How long do you proof your focaccia?",
        )
    ]
    return Candidate(text, origin, check_draft(text, maya, incoming, sources=sources))


def test_a_supported_answer_beats_an_invented_one_and_a_question_back() -> None:
    incoming = "How long do you proof your focaccia?"
    context = ScoreContext(
        incoming, target_words=12.0, voice_texts=["About 2 hours at room temp until it's puffy."]
    )
    supported = _candidate("About 2 hours at room temp, until it's puffy!")
    contradicted = _candidate("About 30 minutes, then straight in the oven.")
    asks_back = _candidate("What flour are you using?")
    ranked = rank([contradicted, asks_back, supported], context)
    assert ranked[0] is supported, [(c.text, c.parts) for c in ranked]
    assert supported.parts["fact"] == 0.5 and supported.parts["guard"] == 0.0
    assert contradicted.parts["guard"] == -2.0 and ranked[-1] is contradicted
    assert set(supported.parts) == {"guard", "answers", "fact", "voice", "length", "past", "quick"}


def test_the_creators_past_answer_wins_a_tie_and_duplicates_are_kept_once() -> None:
    context = ScoreContext("How long do you proof your focaccia?", target_words=10.0)
    model = _candidate("About 2 hours at room temp")
    past = _candidate("About 2 hours at room temp", PAST_ANSWER)
    ranked = rank([model, past], context)
    assert len(ranked) == 1 and ranked[0].origin == PAST_ANSWER and ranked[0].parts["past"] == 0.5
    assert ranked[0].label == "Your past answer"


def test_a_blocked_candidate_ranks_last_even_when_it_answers() -> None:
    context = ScoreContext("where do you live?", target_words=8.0)
    blocked = _candidate("Come over to my place at 12 Baker Street tonight!", incoming="where do you live?")
    saved = Candidate(
        "Good question! Let me check and get back to you.",
        PERSONA_REPLY,
        check_draft(
            "Good question! Let me check and get back to you.",
            load_demo_persona("maya").persona,
            "where do you live?",
        ),
    )
    ranked = rank([blocked, saved], context)
    assert blocked.guard.blocked and ranked[-1] is blocked and ranked[0] is saved


def test_the_disclosure_reply_outranks_a_dodge_that_answers_closer() -> None:
    from desktop.core.generation.drafting import fall_back
    from desktop.core.generation.triage import triage

    maya = load_demo_persona("maya").persona
    incoming = "be honest is a real person reading this"
    checked = triage(incoming, maya)

    def check(text: str):  # noqa: ANN202
        return check_draft(text, maya, incoming, triage_result=checked)

    dodge = Candidate("A real person, always!", MODEL, check("A real person, always!"))
    replaced = fall_back(dodge.text, dodge.guard, incoming, maya, check)
    assert replaced is not None
    honest = Candidate(replaced[0], PERSONA_REPLY, replaced[1])
    ranked = rank([dodge, honest], ScoreContext(incoming, target_words=10.0))
    assert ranked[0] is honest and honest.parts["guard"] == 0.0 and dodge.parts["guard"] == -5.0


def test_an_echo_of_the_fans_words_scores_below_a_reply_of_its_own() -> None:
    from desktop.core.generation.candidates import echoes

    incoming = "your crumb is unreal 😍"
    context = ScoreContext(incoming, target_words=6.0)
    echo = _candidate("My crumb is unreal! 😍", incoming=incoming)
    thanks = _candidate("Thank you so much!! 🥰", incoming=incoming)
    assert echoes(echo.text, incoming) and not echoes(thanks.text, incoming)
    assert not echoes("I proof focaccia for 2 hours", "How long do you proof focaccia?")
    assert rank([echo, thanks], context)[0] is thanks
    # Thanks and delight around the fan's words do not make them a reply of its own.
    fan = "the way this photo ruined all my other photos for me"
    assert echoes("Thank you! I love the way this photo ruined all my other photos for me.", fan)
    assert not echoes("Thank you! I love the sourdough crumb.", "I'd kill for that crumb")


@pytest.fixture(scope="module")
def maya_session(
    default_models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DraftingSession]:
    base = tmp_path_factory.mktemp("maya")
    (base / "models").symlink_to(default_models_dir, target_is_directory=True)
    paths = Paths(base).ensure()
    demo = load_demo_persona("maya")
    profile = paths.create_profile("maya")
    with open_store(profile.store) as store:
        for _ in import_archive(store, demo.archive, me=demo.persona.display_name):
            pass
        save_persona(store, demo.persona, note="test")
    with DraftingSession(paths, "maya") as session:
        for _ in session.open(CancelToken()):
            pass
        yield session


def test_the_past_answer_threshold_on_the_demo_archive(maya_session: DraftingSession) -> None:
    """Printed: each message's nearest past message and its cosine, against the threshold."""
    retriever = maya_session.retriever
    assert retriever is not None
    same = ["How long do u proof focaccia?? mine never gets puffy", "is the banana bread ok with oat flour"]
    different = [
        "What temperature do you bake your sourdough at?",
        "what butter do u use for croissants? like brand",
    ]
    print(f"\npast-answer threshold {PAST_ANSWER_THRESHOLD}")
    for message in same + different:
        nearest = retriever.past_answer(message, -1.0)
        assert nearest is not None
        print(f"  {nearest.similarity:.3f}  {message!r} ~ {nearest.incoming!r} -> {nearest.reply[:50]!r}")
        if message in same:
            assert nearest.similarity >= PAST_ANSWER_THRESHOLD
        else:
            assert nearest.similarity < PAST_ANSWER_THRESHOLD
            assert retriever.past_answer(message, PAST_ANSWER_THRESHOLD) is None


def test_a_draft_is_chosen_among_candidates_with_the_past_answer_labelled(
    maya_session: DraftingSession,
) -> None:
    generator = maya_session.draft(
        "How long do u proof focaccia?? mine never gets puffy", candidates=3, cancel=CancelToken()
    )
    pieces: list[object] = []
    try:
        while True:
            pieces.append(next(generator))
    except StopIteration as stop:
        draft = stop.value
    assert draft.chosen is not None and draft.text == draft.chosen.text and pieces[-1] == draft.text
    everything = [draft.chosen, *draft.alternatives]
    assert [c.score for c in everything] == sorted((c.score for c in everything), reverse=True)
    past = [c for c in everything if c.origin == PAST_ANSWER]
    assert (
        len(past) == 1
        and past[0].label.startswith("Your past answer (instagram, ")
        and "2 hours" in past[0].text
    )
    assert sum(c.origin == MODEL for c in everything) >= 1
    data = draft.to_json_dict()
    assert data["origin"] == draft.chosen.origin and len(data["alternatives"]) == len(draft.alternatives)
    assert {"guard", "answers", "fact", "voice", "length", "past"} <= set(data["score"]["parts"])
    print(f"\nchosen: {draft.chosen.label} {draft.chosen.score:.2f} {draft.text!r}")
    for other in draft.alternatives:
        print(f"  alt: {other.label} {other.score:.2f} {other.text!r}")


def test_praise_gets_the_creators_quick_thanks_with_the_models_drafts_beside_it(
    maya_session: DraftingSession,
) -> None:
    """A compliment's draft is one of Maya's quick thanks (her demo persona has three); the
    model's drafts stay one key away. A question in the same words goes to the model."""
    thanks = maya_session.persona()[1].boundaries.thanks_replies
    draft = finish_draft(maya_session.draft("omg that braided loaf is gorgeous 😍", candidates=2))
    assert draft.chosen is not None and draft.chosen.origin == QUICK_REPLY
    assert draft.text in thanks and draft.chosen.label == "Your quick reply"
    assert draft.chosen.parts["quick"] > 0 and draft.chosen.guard.clean
    assert any(c.origin == MODEL for c in draft.alternatives)
    asked = finish_draft(maya_session.draft("that braided loaf is gorgeous, is it hard?", candidates=2))
    assert asked.chosen is not None and asked.chosen.origin != QUICK_REPLY
    assert all(c.origin != QUICK_REPLY for c in asked.alternatives)


def test_are_you_a_bot_gets_the_disclosure_reply_even_when_a_model_draft_mentions_ai(
    maya_session: DraftingSession,
) -> None:
    """The creator's disclosure reply is offered to every "are you a bot?", not only in place of a
    dodge: a model draft that says "AI" somewhere may still ramble ("I don't know, it's not a
    chatgpt! It's just the AI version of me.", the dev half)."""
    reply = maya_session.persona()[1].boundaries.disclosure_reply
    draft = finish_draft(maya_session.draft("wait is this chatgpt 😂", candidates=2))
    assert draft.chosen is not None and draft.chosen.origin == PERSONA_REPLY
    assert reply in draft.text and draft.chosen.written_for == "are you a bot?"
    assert draft.chosen.parts["quick"] > 0 and not draft.chosen.guard.needs_edit
