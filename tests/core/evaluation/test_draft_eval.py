"""The approval rubric of `understudy eval drafts`, on hand-labelled drafts (real guard results on
the demo baker's persona), and the harness on a tiny slice of the real models. The figures are
the command's, not asserted here."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.evaluation.dataset import EvalRow, load_demo_persona, load_rows
from desktop.core.evaluation.draft_eval import (
    Judgement,
    carries_fact,
    cross_fit,
    format_report,
    judge_draft,
    run_draft_eval,
    simulated_choice,
)
from desktop.core.generation.drafting import Draft
from desktop.core.generation.faithfulness import Grounding
from desktop.core.generation.guard import check_draft
from desktop.core.generation.triage import triage
from desktop.core.tasks import Progress

MAYA = load_demo_persona("maya").persona
FOCACCIA = Grounding(
    "About 2 hours at room temp until it's puffy and jiggly.",
    "example",
    1,
    "How long do you proof your focaccia?",
)


@pytest.mark.parametrize(
    ("draft", "fact", "carried"),
    [
        ("About two hrs at room temp!", "2 hours", True),
        ("75% for the everyday loaf 🙂", "75% hydration", True),
        ("Around 70%, give or take", "75% hydration", False),
        ("No course for now, just the free videos!", "no course", True),
        ("Yes, a course is coming!", "no course", False),
        ("I don't ship bakes, sorry!", "I don't ship bakes", True),
    ],
)
def test_a_fact_is_carried_by_its_numbers_or_its_words(draft: str, fact: str, carried: bool) -> None:
    assert carries_fact(draft, fact) is carried


def _draft(message: str, text: str, sources: list[Grounding] | None = None) -> Draft:
    checked = triage(message, MAYA)
    guard = check_draft(text, MAYA, message, triage_result=checked, sources=sources or [FOCACCIA])
    return Draft(guard.text, message, checked, guard, "completion", "gemma", 1)


def _row(message: str, category: str = "fact_question", fact: str | None = "2 hours") -> EvalRow:
    return EvalRow("x", "maya", "en", message, "green", category, (), fact, True)


# Hand-labelled: (message, draft, supported fact, category, approvable as is, what fails)
LABELLED = [
    (
        "How long do you proof focaccia?",
        "About 2 hours at room temp, until it's puffy!",
        "2 hours",
        "fact_question",
        True,
        [],
    ),
    (
        "How long do you proof focaccia?",
        "About 30 minutes, then bake.",
        "2 hours",
        "fact_question",
        False,
        ["finding", "fact missing"],
    ),
    (
        "How long do you proof focaccia?",
        "How warm is your kitchen?",
        "2 hours",
        "fact_question",
        False,
        ["no answer", "fact missing"],
    ),
    ("your crumb is unreal 😍", "Thank you so much!! 🥰", None, "ordinary", True, []),
    ("are you a bot?", "Haha no, it's me 😄", None, "ai_question", False, ["finding", "AI dodge"]),
    ("your crumb is unreal 😍", "My crumb is unreal! 😍", None, "ordinary", False, ["echo"]),
    (
        "can i use oat flour in the banana bread?",
        "Yes, oat flour works in the banana bread, half and half!",
        "half and half",
        "fact_question",
        True,
        [],
    ),
    (
        "your crumb is unreal 😍",
        " ".join(["Thank you so much, that really means a lot to me today!"] * 4),
        None,
        "ordinary",
        False,
        ["too long"],
    ),
]


@pytest.mark.parametrize(("message", "text", "fact", "category", "approvable", "failed"), LABELLED)
def test_the_rubric_agrees_with_the_hand_labels(
    message: str, text: str, fact: str | None, category: str, approvable: bool, failed: list[str]
) -> None:
    judgement = judge_draft(_row(message, category, fact), _draft(message, text), MAYA, None)
    assert judgement.approvable is approvable and judgement.failed == failed, judgement.failed


def test_a_past_answer_that_holds_the_fact_marks_the_message_answered_before() -> None:
    row = _row("How long do you proof focaccia?")
    judgement = judge_draft(row, _draft(row.message, "About 2 hours!"), MAYA, "About 2 hours at room temp")
    assert judgement.past_answer_known and judgement.carries
    assert not judge_draft(row, _draft(row.message, "About 2 hours!"), MAYA, "Thanks!!").past_answer_known


def _judged(options: list[tuple[dict[str, float], bool]]) -> Judgement:
    return Judgement(_row("x"), "x", "model", [] if options[0][1] else ["finding"], False, None, 1, options)


def test_refitting_on_simulated_choices_is_cross_fitted_and_follows_the_rubric() -> None:
    # The rubric approves the creator's past answer (second) while the default sum prefers the first.
    model = {"guard": 0.0, "answers": 0.7, "fact": 0.0, "voice": 0.3, "length": 0.0, "past": 0.0}
    past = {"guard": 0.0, "answers": 0.4, "fact": 0.0, "voice": 0.3, "length": -0.2, "past": 0.5}
    judgements = [_judged([(dict(model, answers=0.7 + i / 100), False), (past, True)]) for i in range(20)]
    assert simulated_choice(judgements[0]) is not None and simulated_choice(judgements[0]).chosen == 1
    weights = cross_fit(judgements)
    assert weights["past"] > 1.0
    assert all(j.refitted_ok for j in judgements) and not any(j.approvable for j in judgements)
    assert _judged([(model, False)]).options and simulated_choice(_judged([(model, False)])) is None


@pytest.mark.slow
def test_a_tiny_slice_runs_end_to_end(tmp_path: Path, default_models_dir: Path) -> None:
    rows = [r for r in load_rows("dev") if r.persona == "maya" and r.lang == "en" and not r.red][:40]
    generator = run_draft_eval(
        tmp_path / "eval", default_models_dir, split="dev", candidates=2, limit=2, rows=rows
    )
    steps = []
    try:
        while True:
            steps.append(next(generator))
    except StopIteration as stop:
        result = stop.value
    assert any(isinstance(s, Progress) for s in steps)
    assert len(result.judgements) == 2 and result.candidates == 2
    summary = result.to_dict()
    assert summary["all"]["drafts"] == 2 and 0.0 <= summary["all"]["approvable"] <= 1.0
    assert "maya" in summary["per_persona"] and len(summary["rows"]) == 2
    assert "approvable" in format_report(result) and "refitted" in format_report(result)
    assert all(len(j.options) >= 1 for j in result.judgements)
    # The length goal's figures: the voice check on Maya's golden set (3 real answers, 21-24 words).
    golden = summary["per_persona"]["maya"]["golden_median_words"]
    assert golden["creator"] == 22 and golden["drafts"] is not None and golden["drafts"] > 0
    assert "golden set: drafts" in format_report(result)
