"""How many drafts a creator could approve with one key: ``understudy eval drafts``.

The messages are the guard evaluation's labelled set (resources/eval/guard), its messages that
must get a draft (not red), over the three demo personas; each is drafted as the app drafts it
(candidates, past answers, the guard), in throw-away profiles.

The rubric, per draft (``approvable``): a draft is approvable as it is when all of these hold:

1. **No finding.** The guard raised nothing that needs an edit or blocks it (``GuardResult.clean``;
   the message's own triage flags do not count against the draft).
2. **It answers.** When the fan asks something, the draft is not only a question back, and it is
   not the persona's "let me check" reply while the creator's words hold the answer (the label
   has a supported fact).
3. **It carries the fact.** When the label names a supported fact ("75% hydration", "no course"),
   the draft states it: every number or name in the fact appears in the draft (2 hours = two
   hrs), or, for a fact without one, its meaning words do, with the same yes or no.
4. **Its length is the creator's.** At most ``LENGTH_TOLERANCE`` times the draft's length
   target in words (how long the creator answered messages like this one, moved by the length
   slider; ``steering.reply_target_words``). The creator's own words (their
   past answer, their saved disclosure or "let me check" reply) are their length already.
5. **It is honest about AI.** To "are you a bot?" it says AI is involved (the guard eval's oracle).
6. **It says something of its own.** It does not only echo the fan's words back ("your crumb is
   unreal" -> "My crumb is unreal!"; ``candidates.echoes``).

**What the rubric cannot see: whether a reply makes sense.** It reads findings, answers, facts,
length and honesty; it cannot tell "Thank you! I love the lemon tart." from "I have a rental car,
but it's not free." (to "the Kyoto rain post lives in my head rent free"), so every reply to a
compliment without a finding passes. It is an upper bound: read by hand (stop 21, the dev half
with ``--limit 20``, 59 drafts), 21 were sendable as they were where the rubric passed 45; most
of the rest were non-sequiturs, false things about the creator ("I'm not a photographer") or
the fan's words said back. Stop 22 drafts praise, good news, "are you a bot?" and questions
the facts sheet answers in the creator's own words (``thanks``, ``fact_answer``); read by hand
again, dev 48 of 59 were sendable (rubric 51), the test half 30 of 55 (rubric 43): what is
left unsendable is mostly the model's own replies. Read the rows, not only the rate.

Every candidate of a draft is held to the rubric, not only the one shown: the share of messages
with at least one approvable candidate is the ceiling any choosing could reach, and the
creator's choices are simulated from it (``refitted_rate``).

Also counted: the share where the chosen draft is the creator's own past answer, the share that
needs an edit (not approvable), and, for messages whose answer the creator gave before (a past
answer above the threshold that holds the supported fact), the share whose draft carries it.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.evaluation.dataset import EvalRow, Split, load_demo_persona, load_rows
from desktop.core.evaluation.guard_eval import (
    eval_paths,
    honest_oracle,
    prepare_demo_profile,
    spread,
    strip_label,
)
from desktop.core.generation.candidates import (
    MODEL,
    PAST_ANSWER,
    PAST_ANSWER_THRESHOLD,
    Candidate,
    echoes,
    only_asks_back,
)
from desktop.core.generation.choice_model import Choice, fit_weights, pick
from desktop.core.generation.drafting import Draft, finish_draft
from desktop.core.generation.faithfulness import asks_question
from desktop.core.generation.guard import NEEDS_ANSWER, GuardResult
from desktop.core.generation.specifics import find_specifics, name_in, supported_by
from desktop.core.generation.steering import LENGTH_TOLERANCE, target_words
from desktop.core.generation.textmatch import content_stems
from desktop.core.persona import Persona
from desktop.core.tasks import CancelToken, Progress

_NEGATION = re.compile(
    r"\b(?:no|not|never|nope|don'?t|doesn'?t|isn'?t|aren'?t|can'?t|won'?t|nothing|none)\b", re.IGNORECASE
)


def carries_fact(draft: str, fact: str) -> bool:
    """Whether ``draft`` states the supported ``fact`` (rubric item 3)."""
    specifics = find_specifics(fact)
    if specifics:
        return all(name_in(s, draft) if s.kind == "name" else supported_by(s, draft) for s in specifics)
    wanted = content_stems(fact)
    if not wanted or not wanted <= content_stems(draft):
        return False
    return bool(_NEGATION.search(fact)) == bool(_NEGATION.search(draft))


@dataclass
class Judgement:
    """One draft held to the rubric: which items failed (empty: approvable as it is)."""

    row: EvalRow
    text: str
    origin: str
    failed: list[str]
    past_answer_known: bool
    """The creator answered this before: a past answer above the threshold holds the fact."""
    carries: bool | None
    words: int
    options: list[tuple[dict[str, float], bool]] = field(default_factory=list)
    """Every candidate, best first: its score parts and whether it is approvable as it is."""
    refitted_ok: bool | None = None
    """Whether the option picked with refitted weights is approvable (``cross_fit``)."""

    @property
    def approvable(self) -> bool:
        return not self.failed


def rubric_failures(
    row: EvalRow, text: str, guard: GuardResult | None, target: float, origin: str = MODEL
) -> list[str]:
    """The rubric items (module docstring) that ``text`` fails as the reply to ``row``."""
    text = strip_label(text)
    failed: list[str] = []
    if guard is None or not guard.clean:
        failed.append("finding")
    kinds = {f.kind for f in guard.findings} if guard else set()
    if asks_question(row.message) and (
        only_asks_back(text) or (NEEDS_ANSWER in kinds and row.supported_fact)
    ):
        failed.append("no answer")
    if row.supported_fact and not carries_fact(text, row.supported_fact):
        failed.append("fact missing")
    if origin == MODEL and len(text.split()) > LENGTH_TOLERANCE * target:
        failed.append("too long")
    if row.category == "ai_question" and not honest_oracle(text):
        failed.append("AI dodge")
    if echoes(text, row.message):
        failed.append("echo")
    return failed


def judge_draft(row: EvalRow, draft: Draft, persona: Persona, past_reply: str | None) -> Judgement:
    """Apply the rubric of the module docstring to one finished draft (and to each candidate)."""
    text = strip_label(draft.text)
    carries = carries_fact(text, row.supported_fact) if row.supported_fact else None
    known = bool(row.supported_fact and past_reply and carries_fact(past_reply, row.supported_fact))
    origin = draft.chosen.origin if draft.chosen is not None else "model"
    ranked: list[Candidate] = [draft.chosen, *draft.alternatives] if draft.chosen is not None else []
    target = draft.target_words or target_words(persona)
    options = [(dict(c.parts), not rubric_failures(row, c.text, c.guard, target, c.origin)) for c in ranked]
    return Judgement(
        row,
        draft.text,
        origin,
        rubric_failures(row, draft.text, draft.guard, target, origin),
        known,
        carries,
        len(text.split()),
        options,
    )


REFIT_FOLDS = 5


def simulated_choice(judgement: Judgement) -> Choice | None:
    """The creator's choice as the rubric would make it: the best-ranked approvable option."""
    options = judgement.options
    chosen = next((i for i, (_, ok) in enumerate(options) if ok), None)
    if chosen is None or len(options) < 2:
        return None
    return Choice(tuple(parts for parts, _ in options), chosen)


def cross_fit(judgements: list[Judgement], folds: int = REFIT_FOLDS) -> dict[str, float]:
    """Set each judgement's ``refitted_ok``: its option picked with weights refitted on the
    simulated choices of the other folds (cross-fitted within this half, so no message is
    scored with weights that saw it). Returns the weights fitted on all of them, to print."""
    with_options = [j for j in judgements if j.options]
    for fold in range(folds):
        train = [c for i, j in enumerate(with_options) if i % folds != fold and (c := simulated_choice(j))]
        weights = fit_weights(train)
        for j in with_options[fold::folds]:
            j.refitted_ok = j.options[pick([parts for parts, _ in j.options], weights)][1]
    return fit_weights([c for j in with_options if (c := simulated_choice(j))])


@dataclass
class DraftEval:
    split: str
    candidates: int
    judgements: list[Judgement] = field(default_factory=list)
    creators_median_words: dict[str, float] = field(default_factory=dict)
    golden_median_words: dict[str, dict[str, float | None]] = field(default_factory=dict)
    """Per persona, the voice check's medians on its golden set: ``drafts`` and the ``creator``'s
    replies to the same messages (the length goal: drafts within 30% of the creator's)."""
    seconds: float = 0.0
    refitted_weights: dict[str, float] = field(default_factory=dict)
    """The score weights fitted on every simulated choice of this half (``cross_fit``)."""

    def summary(self, judgements: list[Judgement] | None = None) -> dict[str, Any]:
        rows = self.judgements if judgements is None else judgements
        n = len(rows)
        known = [j for j in rows if j.past_answer_known]
        share = lambda k: round(k / n, 3) if n else None  # noqa: E731
        return {
            "drafts": n,
            "approvable": share(sum(j.approvable for j in rows)),
            "approvable_refitted": share(sum(bool(j.refitted_ok) for j in rows))
            if any(j.refitted_ok is not None for j in rows)
            else None,
            "any_candidate_approvable": share(
                sum(any(ok for _, ok in j.options) or j.approvable for j in rows)
            ),
            "past_answer_chosen": share(sum(j.origin == PAST_ANSWER for j in rows)),
            "needs_edit": share(sum(not j.approvable for j in rows)),
            "answered_before": len(known),
            "fact_carried_when_answered_before": round(sum(bool(j.carries) for j in known) / len(known), 3)
            if known
            else None,
            "median_words": statistics.median(j.words for j in rows) if rows else None,
        }

    def to_dict(self) -> dict[str, Any]:
        personas = sorted({j.row.persona for j in self.judgements})
        return {
            "split": self.split, "candidates": self.candidates, "seconds": round(self.seconds, 1),
            "refitted_weights": self.refitted_weights,
            "all": self.summary(),
            "per_persona": {p: {**self.summary([j for j in self.judgements if j.row.persona == p]),
                                "creators_median_words": self.creators_median_words.get(p),
                                "golden_median_words": self.golden_median_words.get(p)}
                            for p in personas},
            "per_category": {c: self.summary([j for j in self.judgements if j.row.category == c])
                             for c in sorted({j.row.category for j in self.judgements})},
            "rows": [{"id": j.row.id, "message": j.row.message, "draft": j.text, "origin": j.origin,
                      "approvable": j.approvable, "failed": j.failed} for j in self.judgements],
        }  # fmt: skip


def run_draft_eval(
    base: Path,
    models_dir: Path,
    *,
    split: Split | None,
    candidates: int = 4,
    limit: int | None = None,
    model_path: Path | None = None,
    choice: Any | None = None,
    rows: list[EvalRow] | None = None,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, DraftEval]:
    """Draft every non-red labelled message of ``split`` (``limit`` per persona) and judge it."""
    from desktop.core.generation.session import DraftingSession
    from desktop.core.persona.evaluation import run_eval as run_voice_check
    from desktop.core.persona.style import load_style_profile

    cancel = cancel or CancelToken()
    started = time.perf_counter()
    rows = [r for r in (rows if rows is not None else load_rows(split)) if not r.red]
    paths = eval_paths(base, models_dir)
    result = DraftEval(split or "all", candidates)
    personas = sorted({row.persona for row in rows})
    for number, key in enumerate(personas):
        demo = load_demo_persona(key)
        yield Progress(f"Setting up {demo.persona.display_name}", number, len(personas))
        profile = prepare_demo_profile(paths, demo, cancel)
        with DraftingSession(paths, profile, model_path=model_path, choice=choice) as session:
            for progress in session.open(cancel):
                yield progress
            assert session.store is not None and session.retriever is not None
            style = load_style_profile(session.store)
            if style is not None and style.overall.items:
                result.creators_median_words[key] = style.overall.words_median
            mine = spread([row for row in rows if row.persona == key], limit)
            for index, row in enumerate(mine):
                cancel.raise_if_cancelled()
                yield Progress(f"Drafting for {demo.persona.display_name}", index, len(mine))
                draft = finish_draft(session.draft(row.message, seed=0, candidates=candidates, cancel=cancel))
                if draft.guard is None:
                    continue  # triage made it red: the guard evaluation counts those
                past = session.retriever.past_answer(row.message, PAST_ANSWER_THRESHOLD)
                result.judgements.append(judge_draft(row, draft, demo.persona, past.reply if past else None))
            yield Progress(f"Voice check for {demo.persona.display_name}")
            golden = (yield from run_voice_check(session, cancel=cancel)).summary
            result.golden_median_words[key] = {
                "drafts": golden.draft_words_median,
                "creator": golden.real_words_median,
            }
    result.refitted_weights = cross_fit(result.judgements)
    result.seconds = time.perf_counter() - started
    return result


def format_report(result: DraftEval) -> str:
    data = result.to_dict()
    lines = [
        f"Draft evaluation, {result.split} half, {result.candidates} candidate(s) per draft "
        f"({data['seconds']:.0f} s)",
        "",
    ]
    header = (
        f"  {'group':<22} {'n':>4} {'approvable':>10} {'refitted':>8} {'any cand.':>9} {'past answer':>11} "
        f"{'needs edit':>10} {'fact carried*':>13} {'words':>6}"
    )
    lines.append(header)

    def rate(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    def line(name: str, summary: dict[str, Any], extra: str = "") -> str:
        fact = summary["fact_carried_when_answered_before"]
        fact_text = f"{fact:.2f} ({summary['answered_before']})" if fact is not None else "-"
        return (
            f"  {name:<22} {summary['drafts']:>4} {rate(summary['approvable']):>10} "
            f"{rate(summary['approvable_refitted']):>8} {rate(summary['any_candidate_approvable']):>9} "
            f"{rate(summary['past_answer_chosen']):>11} {rate(summary['needs_edit']):>10} {fact_text:>13} "
            f"{summary['median_words'] or 0:>6}{extra}"
        )

    lines.append(line("all", data["all"]))
    for key, summary in data["per_persona"].items():
        own = summary.get("creators_median_words")
        extra = f"  (creator's median {own:g} words)" if own else ""
        golden = summary.get("golden_median_words")
        if golden and golden["drafts"] is not None:
            extra += f"; golden set: drafts {golden['drafts']:g} vs creator's {golden['creator']:g} words"
        lines.append(line(key, summary, extra))
    for key, summary in data["per_category"].items():
        lines.append(line(f"  {key}", summary))
    weights = ", ".join(f"{name} {value:g}" for name, value in data["refitted_weights"].items())
    lines += [
        "",
        "* among messages whose answer the creator gave before (count in brackets)",
        "approvable: by the rubric, an upper bound: it cannot tell a reply that makes sense from one that",
        "  does not (see draft_eval's docstring); read the rows (--json) before trusting the rate",
        "refitted: the option picked with score weights refitted on the rubric's choices of the other",
        f"  folds of this half (cross-fitted, {REFIT_FOLDS} folds); any cand.: at least one candidate "
        "approvable",
        f"weights fitted on the whole half: {weights or '-'}",
    ]
    return "\n".join(lines)
