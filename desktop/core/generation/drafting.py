"""Drafting one reply, end to end: triage, retrieve, prompt, stream, guard, regenerate.

``draft_reply`` is a generator: it yields text pieces as the model writes them (and a
``Regenerating`` marker when the guard sends a draft back), and returns the finished ``Draft``
with its provenance: the sources used, the persona version, the model, the guard's findings,
the exact prompt and the timings. The CLI prints it; the GUI's model worker streams it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import emoji

from desktop.core.generation.backends.base import Backend, GenerationParams, Prompt, RunInfo
from desktop.core.generation.candidates import (
    FACT_ANSWER,
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
from desktop.core.generation.fact_answer import facts_answer
from desktop.core.generation.faithfulness import Grounding, asks_question
from desktop.core.generation.guard import (
    AI_DENIAL,
    AI_HONESTY,
    FAITHFULNESS_KINDS,
    NEEDS_ANSWER,
    Finding,
    GuardResult,
    canned_reply,
    check_draft,
    stale_specifics,
)
from desktop.core.generation.prompting import build_prompt, prompt_budget
from desktop.core.generation.steering import (
    CANDIDATES_PER_EXAMPLE,
    mark_bias,
    min_reply_tokens,
    reply_target_words,
    steer_examples,
    token_limit,
    trim_to_length,
)
from desktop.core.generation.thanks import quick_reply
from desktop.core.generation.triage import AI_QUESTION, Triage, triage
from desktop.core.generation.types import DraftRequest, Example, Snippet, Turn
from desktop.core.persona import Persona
from desktop.core.tasks import CancelToken

if TYPE_CHECKING:  # retrieval brings faiss and the embedder; drafting takes a retriever as given
    from desktop.core.retrieval.search import PastAnswer

MAX_ATTEMPTS = 3
EXAMPLES_KEPT = 4
"""Past exchanges offered to the prompt (the budget may keep fewer)."""
_SENTENCE_END = re.compile(r"[.!?…)\]\"'”’]")
_MODEL_MARKUP = re.compile(r"</?[a-z][a-z0-9_]*>|\[multimodal\]", re.IGNORECASE)


@dataclass(frozen=True)
class Regenerating:
    """The guard blocked the draft just streamed; a new attempt (another seed) starts now."""

    attempt: int
    reason: str


@dataclass(frozen=True)
class AwaitingModel:
    """The draft waits for a model server (only with ``concurrent=True``): resume the generator
    once ``future`` is done. The inbox batch drafts other messages meanwhile, so K requests are
    in flight while retrieval and the guard keep running on the session's one thread."""

    future: Any


@dataclass(frozen=True)
class Source:
    """One piece of the creator's own words the draft was grounded in."""

    item_id: int | None
    text: str
    score: float
    role: str  # "example" (a past exchange's reply) or "snippet" (a relevant post or reply)


@dataclass
class Draft:
    """A finished draft and everything needed to check it."""

    text: str
    incoming: str
    triage: Triage
    guard: GuardResult | None
    mode: str
    model: str
    persona_version: int | None
    sources: list[Source] = field(default_factory=list)
    prompt: Prompt | None = None
    attempts: int = 0
    seed: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    target_words: float = 0.0
    """How many words this reply was aimed at (``steering.reply_target_words``); 0 with no draft."""
    model_text: str | None = None
    """What the model wrote, when the draft shown is the creator's own "let me check" or
    disclosure reply instead; ``model_guard`` holds the guard's findings on it."""
    model_guard: GuardResult | None = None
    safe_reply: str | None = None
    """For a message that gets no draft: a reply that is safe to send as it is, where one fits
    (the creator's canned reply for the category, or crisis resources for self-harm)."""
    chosen: Candidate | None = None
    """With several candidates: the one shown (its origin, score and parts)."""
    alternatives: list[Candidate] = field(default_factory=list)
    """The other candidates, best first (1/2/3 in Preview and Inbox)."""

    @property
    def blocked(self) -> bool:
        """No draft may go to the creator as is: red triage, or the guard blocked every attempt."""
        return not self.triage.draft_allowed or (self.guard is not None and self.guard.blocked)

    def showing(self, candidate: Candidate) -> Draft:
        """This draft with ``candidate`` as its text (its guard, its score): one of the views the
        creator steps through with 1/2/3."""
        return replace(self, text=candidate.text, guard=candidate.guard, chosen=candidate, alternatives=[])

    def views(self) -> list[Draft]:
        """The chosen draft, then each alternative as a draft of its own, best first."""
        return (
            [replace(self, alternatives=[]), *(self.showing(c) for c in self.alternatives)]
            if self.alternatives
            else [self]
        )

    def to_json_dict(self) -> dict[str, Any]:
        """The shape `understudy draft --json` prints."""
        findings = [] if self.guard is None else [f.to_dict() for f in self.guard.findings]
        canned = self.guard.canned_reply if self.guard else None
        if not self.triage.draft_allowed:
            findings = [{"kind": "triage", "severity": "block", "message": r} for r in self.triage.reasons]
            canned = self.safe_reply
        return {
            "text": self.text,
            "mode": self.mode,
            "model": self.model,
            "persona_version": self.persona_version,
            "triage": {"level": self.triage.level, "reasons": list(self.triage.reasons)},
            "sources": [
                {"id": s.item_id, "text": s.text, "score": round(s.score, 4), "role": s.role}
                for s in self.sources
            ],
            "guard": {
                "blocked": self.blocked,
                "needs_edit": bool(self.guard and self.guard.needs_edit),
                "canned_reply": canned,
                "findings": findings,
            },
            "attempts": self.attempts,
            "target_words": round(self.target_words, 1),
            "timings": {key: round(value, 1) for key, value in self.timings.items()},
            "model_text": self.model_text,
            "origin": self.chosen.origin if self.chosen else "model",
            "score": self.chosen.to_dict() if self.chosen else None,
            "alternatives": [c.to_dict() for c in self.alternatives],
            "model_findings": []
            if self.model_guard is None
            else [f.to_dict() for f in self.model_guard.findings],
        }


class CorpusSupport:
    """The guard's support finder over the creator's corpus: retrieval's nearest own items,
    scored with the same embedding model (cosine) the guard uses for the facts sheet.

    Each text is embedded once per session (the retriever's ``VectorCache``: the facts sheet
    and the sources come back draft after draft), and a snippet found for a claim keeps the
    cosine the index gave it, so scoring it again embeds nothing."""

    def __init__(self, retriever: Any) -> None:
        self.retriever = retriever
        self._found: dict[tuple[str, str], float] = {}

    def __call__(self, claim: str) -> list[Snippet]:
        snippets = self.retriever.find_support(claim, k=3)
        for snippet in snippets:
            self._found[(claim, snippet.text)] = snippet.score
        return snippets

    def similarity(self, a: str, b: str) -> float:
        """Cosine of two texts."""
        known = self._found.get((a, b))
        if known is not None:
            return known
        vectors = self.retriever.vectors
        return float(vectors.one(a) @ vectors.one(b))


CRISIS_REPLY = (
    "I'm really glad you told me, and I'm sorry you're going through this. Please reach out to "
    "someone who can help right now: in the US call or text 988, in the UK and Ireland call "
    "Samaritans on 116 123, and anywhere else findahelpline.com lists free, confidential lines. "
    "If you're in danger, call your local emergency number. 💛"
)
"""Sent only when the creator approves it; the numbers are the services' own (988 Suicide &
Crisis Lifeline, Samaritans, Find A Helpline by ThroughLine)."""


def safe_reply_for(checked: Triage, persona: Persona) -> str | None:
    """A reply safe to offer for a red message: the creator's canned reply for one of its
    categories, else crisis resources for self-harm; none for the rest (the creator answers)."""
    keys = [
        form
        for category in checked.categories
        for form in (category, category.replace("_", " "), category.replace("_", "-"))
    ]
    own = canned_reply(persona, *keys)
    if own:
        return own
    if "self_harm" in checked.categories:
        return CRISIS_REPLY
    return None


def groundings(examples: Sequence[Example], snippets: Sequence[Snippet]) -> list[Grounding]:
    """The retrieved sources as the guard reads them: each past reply with the message it
    answered as its context, and each relevant post or reply."""
    return [Grounding(e.reply, "example", e.reply_item_id, e.incoming) for e in examples] + [
        Grounding(s.text, s.kind or "snippet", s.item_id) for s in snippets
    ]


def fall_back(
    text: str, result: GuardResult, incoming: str, persona: Persona, check: Any
) -> tuple[str, GuardResult] | None:
    """The creator's own reply in place of a model draft that cannot be approved as it is.

    - The fan asked "are you a bot?" and the draft dodged or denied it: the persona's disclosure
      reply, which is the honest answer.
    - The fan asked something and the draft invented or contradicted a fact, or agreed to an offer
      nobody announced: the persona's "let me check" reply, marked "needs your answer", never an
      invented fact.
    Returns None when the draft stands. The replacement is checked by the guard like any draft.
    """
    kinds = {f.kind for f in result.findings}
    bounds = persona.boundaries
    if kinds & {AI_HONESTY, AI_DENIAL}:
        replacement, kind = bounds.disclosure_reply, AI_HONESTY
        note = f'Your disclosure reply replaces the model\'s draft, which dodged the question: "{text}".'
    elif kinds & FAITHFULNESS_KINDS and asks_question(incoming):
        replacement, kind = bounds.no_answer_reply, NEEDS_ANSWER
        invented = "; ".join(
            f'"{f.text}"' for f in result.findings if f.kind in FAITHFULNESS_KINDS and f.text
        )
        note = (
            'Needs your answer: nothing you wrote answers this, so the draft is your "let me check" reply. '
            f'The model\'s draft was "{text}"' + (f", which invented {invented}." if invented else ".")
        )
    else:
        return None
    checked: GuardResult = check(replacement)
    checked.findings.insert(0, Finding(kind, "flag", note))
    return checked.text, checked


def _creators_own(
    draft: Draft,
    check: Any,
    context: ScoreContext,
    persona: Persona,
    past: PastAnswer | None,
    fan_name: str | None,
    seed: int,
) -> list[Candidate]:
    """The candidates in the creator's own words: their past answer to a message like this one,
    their quick reply to praise or good news, the facts line that answers the question."""
    own: list[Candidate] = []
    if past is not None:
        text = adapt_past_answer(past.reply, fan_name)
        guard = check(text)
        stale = stale_specifics(text, draft.incoming, persona)
        if stale:
            guard.findings.extend(stale)
            guard.needs_edit = True
        own.append(
            Candidate(
                text,
                PAST_ANSWER,
                guard,
                past_platform=past.platform,
                past_date=past.created_at,
                past_similarity=round(past.similarity, 4),
                past_item_id=past.reply_item_id,
            )
        )
    bounds = persona.boundaries
    quick = (
        quick_reply(bounds.thanks_replies, bounds.cheer_replies, draft.incoming, seed)
        if draft.triage.level == "green"
        else None
    )
    if quick is not None:
        own.append(Candidate(quick.text, QUICK_REPLY, check(quick.text), written_for=quick.kind))
    if AI_QUESTION in draft.triage.categories:
        disclosure = check(bounds.disclosure_reply)
        own.append(Candidate(disclosure.text, PERSONA_REPLY, disclosure, written_for="are you a bot?"))
    answer = (
        facts_answer(draft.incoming, persona.facts, context.similarity, creator_name=persona.display_name)
        if context.similarity
        else None
    )
    if answer is not None:
        own.append(Candidate(answer, FACT_ANSWER, check(answer)))
    return own


def _choose(
    draft: Draft,
    request: DraftRequest,
    backend: Backend,
    check: Any,
    context: ScoreContext,
    persona: Persona,
    past: PastAnswer | None,
    fan_name: str | None,
    n: int,
    max_attempts: int,
    cancel: CancelToken,
    concurrent: bool = False,
) -> Generator[str | Regenerating | AwaitingModel, None, Draft]:
    """The candidates path of ``draft_reply``: generate, guard, rank, regenerate when all are blocked."""
    own = _creators_own(draft, check, context, persona, past, fan_name, request.seed)
    ranked: list[Candidate] = []
    for attempt in range(max_attempts):
        cancel.raise_if_cancelled()
        base = GenerationParams.from_request(request)
        # every other candidate is held to a length floor, so the candidates span lengths
        floor = min_reply_tokens(draft.target_words)
        params = [
            replace(base, seed=request.seed + attempt * n + i, min_tokens=floor if i % 2 else 0)
            for i in range(n)
        ]
        texts, run = yield from _generate(backend, draft.prompt, params, cancel, concurrent)
        cancel.raise_if_cancelled()
        draft.attempts = attempt + 1
        if attempt == 0 and run is not None and run.first_token_s is not None:
            draft.timings["first_token_ms"] = run.first_token_s * 1000
        draft.timings["tokens"] = float(run.generated_tokens if run is not None else 0)
        pool = list(own)
        for text, param in zip(texts, params, strict=False):
            text = trim_to_length(text, draft.target_words)
            result = check(text)
            pool.append(Candidate(text, MODEL, result, seed=param.seed))
            replaced = fall_back(text, result, draft.incoming, persona, check)
            if replaced is not None:
                pool.append(Candidate(replaced[0], PERSONA_REPLY, replaced[1]))
        ranked = rank(pool, context)
        if ranked and not ranked[0].guard.blocked:
            break
        if attempt + 1 < max_attempts:
            reason = next(
                (f.message for c in ranked[:1] for f in c.guard.findings if f.severity == "block"),
                "a boundary",
            )
            yield Regenerating(attempt + 2, reason)
    best = ranked[0]
    draft.text, draft.guard, draft.seed = (
        best.text,
        best.guard,
        best.seed if best.seed is not None else request.seed,
    )
    draft.chosen, draft.alternatives = best, ranked[1:]
    if best.origin != MODEL:
        model = next((c for c in ranked if c.origin == MODEL), None)
        if model is not None:
            draft.model_text, draft.model_guard = model.text, model.guard
    yield draft.text
    return draft


def _generate(
    backend: Backend,
    prompt: Prompt | None,
    params: list[GenerationParams],
    cancel: CancelToken,
    concurrent: bool = False,
) -> Generator[AwaitingModel, None, tuple[list[str], RunInfo | None]]:
    """The model's texts for ``params`` and the run's ``RunInfo``: one batched decode where the
    backend offers it, else one stream after another (a backend without ``candidates``). With
    ``concurrent`` and a backend that can ``submit`` (a server), the requests are queued and
    the draft yields ``AwaitingModel`` until they are answered."""
    assert prompt is not None
    submit = getattr(backend, "submit", None) if concurrent else None
    batched = getattr(backend, "candidates", None)  # the embedded model and a model server have it
    run: RunInfo | None
    if submit is not None:
        future = submit(prompt, params, cancel)
        yield AwaitingModel(future)
        results, run = future.result()
        raw = [(r.text, r.finish_reason) for r in results]
    elif batched is not None:
        results = batched(prompt, params, cancel)
        raw = [(r.text, r.finish_reason) for r in results]
        run = backend.last_run
    else:
        raw = []
        for param in params:
            text = "".join(backend.stream(prompt, param, cancel))
            run = backend.last_run
            raw.append((text, run.finish_reason if run is not None else ""))
        run = backend.last_run
    return [finished_text(text, reason) for text, reason in raw], run


def finish_draft(drafting: Generator[Any, None, Draft]) -> Draft:
    """Drive a draft to its end (the streamed pieces are not needed: evaluations, the voice check)."""
    while True:
        try:
            next(drafting)
        except StopIteration as stop:
            return stop.value


def finished_text(text: str, finish_reason: str | None) -> str:
    """A model's raw reply as a draft: cut before any markup, back to its last sentence when the
    token limit cut it (``finish_reason`` "length"), stripped. One place for both ways of writing."""
    text = cut_at_markup(text)
    return finish_at_boundary(text) if finish_reason == "length" else text.strip()


def cut_at_markup(text: str) -> str:
    """The reply before the first model marker ("<start_of_image>", "<div>", "[multimodal]").

    Why: part of a model's vocabulary is markup that is written out as text (Gemma 3's image and
    HTML tokens are user-defined tokens, not control ones, so they are not hidden); once a 270M
    model writes one, what follows is not a reply to a fan: "Love it! ❤️❤️<start_of_image>All my
    photos" (the dev half)."""
    found = _MODEL_MARKUP.search(text)
    return text[: found.start()].rstrip() if found else text


def finish_at_boundary(text: str) -> str:
    """Trim a reply cut off by the token limit back to its last complete sentence.

    Honest post-processing: nothing is added, and a reply with no sentence end is kept whole.
    """
    text = text.strip()
    if not text or _SENTENCE_END.match(text[-1]) or emoji.is_emoji(text[-1]):
        return text
    cut = max(text.rfind(mark) for mark in ".!?…")
    return text[: cut + 1].strip() if cut > 0 else text


def draft_reply(
    incoming: str,
    *,
    persona: Persona,
    backend: Backend,
    retriever: Any | None = None,
    persona_version: int | None = None,
    thread_tail: Sequence[Turn] = (),
    platform: str | None = None,
    seed: int = 0,
    max_tokens: int = 120,
    temperature: float = 0.7,
    max_attempts: int = MAX_ATTEMPTS,
    neutral_sliders: Mapping[str, float] | None = None,
    classifier: Any | None = None,
    candidates: int = 1,
    fan_name: str | None = None,
    score_weights: Mapping[str, float] | None = None,
    cancel: CancelToken | None = None,
    concurrent: bool = False,
) -> Generator[str | Regenerating | AwaitingModel, None, Draft]:
    """Draft the creator's reply to ``incoming``; yields text pieces, returns the ``Draft``.

    A red-triaged message gets no draft at all. A draft the guard blocks is regenerated with
    the next seed, up to ``max_attempts``; the last attempt is returned blocked, with the reason
    and the creator's canned reply when one exists. ``retriever`` (``desktop.core.retrieval``'s
    ``Retriever``) grounds the prompt and the claim check; without it the draft has no sources.

    The sliders steer the draft (``steering``): they choose among the retrieved examples,
    pulling from ``neutral_sliders`` (the creator's calibrated positions), and the length
    slider limits ``max_tokens`` and trims a reply far over its target at a sentence end.
    ``classifier`` (a ``TriageClassifier`` over the same embedder) joins the triage rules; the
    more cautious verdict wins.

    ``candidates`` > 1: that many model drafts from one batched decode (``backend.candidates``),
    joined by the creator's own past answer to a message like this one and by the persona's
    replies the guard asks for; the best by ``candidates.rank`` is the draft, the rest are
    ``Draft.alternatives``. The text is yielded once, when chosen. ``score_weights``: the
    profile's weights learned from the creator's choices (``choice_model``), None for the defaults.

    ``concurrent``: with a backend that can ``submit`` (a model server), yield ``AwaitingModel``
    while the server writes instead of blocking, and the text once, when done (the inbox batch).
    """
    cancel = cancel or CancelToken()
    started = time.perf_counter()
    facts = backend.facts
    checked = triage(incoming, persona, classifier)
    draft = Draft("", incoming, checked, None, facts.mode, facts.name, persona_version, seed=seed)
    if not checked.draft_allowed:
        draft.safe_reply = safe_reply_for(checked, persona)
        draft.timings["total_ms"] = (time.perf_counter() - started) * 1000
        return draft

    examples: list[Example] = []
    found_examples: Sequence[Example] = ()
    snippets: list[Snippet] = []
    if retriever is not None:
        found = retriever.retrieve(incoming, k_examples=EXAMPLES_KEPT * CANDIDATES_PER_EXAMPLE)
        found_examples = found.examples
        examples = steer_examples(found_examples, persona, EXAMPLES_KEPT, neutral_sliders)
        snippets = list(found.snippets)
        draft.timings["retrieve_ms"] = found.timings.get("total_ms", 0.0)
    draft.sources = [Source(e.reply_item_id, e.reply, e.score, "example") for e in examples] + [
        Source(s.item_id, s.text, s.score, "snippet") for s in snippets
    ]
    draft.target_words = reply_target_words(persona, found_examples, neutral_sliders, incoming)
    max_tokens = token_limit(draft.target_words, max_tokens)
    request = DraftRequest(
        incoming=incoming,
        persona=persona,
        examples=examples,
        snippets=snippets,
        thread_tail=list(thread_tail),
        platform=platform,
        seed=seed,
        max_tokens=max_tokens,
        temperature=temperature,
        mark_bias=mark_bias(persona, neutral_sliders),
    )
    draft.prompt = build_prompt(
        request, facts.mode, backend.count_tokens, prompt_budget(facts.context_length, max_tokens)
    )
    support = CorpusSupport(retriever) if retriever is not None else None
    sources = groundings(examples, snippets)

    def check(text: str) -> GuardResult:
        """The guard on ``text``; its time adds to ``guard_ms`` (every attempt and fallback)."""
        guard_started = time.perf_counter()
        result = check_draft(text, persona, incoming, support, triage_result=checked, sources=sources)
        draft.timings["guard_ms"] = (
            draft.timings.get("guard_ms", 0.0) + (time.perf_counter() - guard_started) * 1000
        )
        return result

    if candidates > 1:
        context = ScoreContext(
            incoming,
            draft.target_words,
            [e.reply for e in examples],
            support.similarity if support is not None else None,
            score_weights,
        )
        past = retriever.past_answer(incoming, PAST_ANSWER_THRESHOLD) if retriever is not None else None
        chosen = yield from _choose(
            draft,
            request,
            backend,
            check,
            context,
            persona,
            past,
            fan_name,
            candidates,
            max_attempts,
            cancel,
            concurrent,
        )
        draft.timings["total_ms"] = (time.perf_counter() - started) * 1000
        return chosen

    for attempt in range(max_attempts):
        cancel.raise_if_cancelled()
        params = replace(GenerationParams.from_request(request), seed=seed + attempt)
        pieces: list[str] = []
        if concurrent and getattr(backend, "submit", None) is not None:
            texts, run = yield from _generate(backend, draft.prompt, [params], cancel, concurrent)
            pieces = texts[:1]
            yield from pieces
        else:
            for piece in backend.stream(draft.prompt, params, cancel):
                pieces.append(piece)
                yield piece
            run = backend.last_run
        cancel.raise_if_cancelled()
        draft.attempts, draft.seed = attempt + 1, params.seed
        if attempt == 0 and run is not None and run.first_token_s is not None:
            draft.timings["first_token_ms"] = run.first_token_s * 1000
        draft.timings["tokens"] = float(run.generated_tokens if run else len(pieces))
        text = finished_text("".join(pieces), run.finish_reason if run is not None else None)
        text = trim_to_length(text, draft.target_words)
        draft.guard = check(text.strip())
        draft.text = draft.guard.text
        replaced = fall_back(text.strip(), draft.guard, incoming, persona, check)
        if replaced is not None:
            draft.model_text, draft.model_guard = text.strip(), draft.guard
            draft.text, draft.guard = replaced
            break
        if not draft.guard.blocked:
            break
        if attempt + 1 < max_attempts:
            reason = next((f.message for f in draft.guard.findings if f.severity == "block"), "a boundary")
            yield Regenerating(attempt + 2, reason)
    draft.timings["total_ms"] = (time.perf_counter() - started) * 1000
    return draft
