"""The voice regression: does the clone still sound like the creator?

A *golden inbox* is held out of the creator's own archive: real incoming messages with the
reply the creator actually wrote (table ``golden_cases``). It is chosen once, spread over
platforms and time, and kept, so every run drafts the same messages; retrieval never shows
these exchanges to the model (``desktop.core.retrieval.search``), or the clone would be graded
on answers it had just been shown.

``run_eval`` drafts each golden message with the real model (a fixed seed per message, so two
runs of the same persona are comparable) and measures each draft against the real reply:

* style distance, 0 (same) to 1, per dimension: length, emoji, punctuation (``!`` and ``?``)
  and formality, from ``style.style_features``; ``style`` is their mean;
* meaning: the cosine of the two texts' embeddings;
* what the guard said: blocked, needs an edit, findings by kind; red messages get no draft.

Reports are saved with the persona version, model and time; ``compare_reports`` puts two side
by side (over the messages both drafted) and says for each measure whether the new persona is
closer to the creator or further: the creator's evidence that a change made the clone better,
not just different.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from collections.abc import Generator, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from desktop.core.errors import KnownError
from desktop.core.generation.drafting import finish_draft
from desktop.core.persona.model import Persona
from desktop.core.persona.style import StyleFeatures, style_features, words_of
from desktop.core.tasks import CancelToken, Progress

if TYPE_CHECKING:
    from desktop.core.generation.drafting import Draft
    from desktop.core.generation.session import DraftingSession
    from desktop.core.store import Store

GOLDEN_SIZE = 20
GOLDEN_SHARE = 0.25
"""At most this share of the eligible exchanges is held out: the rest stays as examples."""
MIN_REPLY_WORDS = 3
"""Shorter replies ("thanks!", "🔥") say little about a voice and are not held out."""
MIN_INCOMING_WORDS = 2

STYLE_DIMENSIONS = ("length", "emoji", "punctuation", "formality")
STYLE_KEYS = ("words", "emoji", "exclamations", "questions", "formality")
"""The features kept per text (the means the comparison shows beside the creator's own)."""
_COUNT_SCALE = 3
"""A difference of this many emoji (or ``!``, or ``?``) or more is as far as it gets."""
UNSAVED_EDIT = "unsaved persona edit"
DEFAULT_PERSONA = "default persona (never saved)"


# --- the golden inbox -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GoldenCase:
    """One held-out exchange: what a fan wrote and what the creator really answered."""

    incoming_item_id: int
    reply_item_id: int
    platform: str
    incoming: str
    reply: str
    created_at: str | None


@dataclass(frozen=True)
class _Candidate:
    platform: str
    incoming_item_id: int
    reply_item_id: int


def load_golden_inbox(store: "Store") -> list[GoldenCase]:
    """The golden inbox as chosen so far, in the order it was chosen (empty before the first run)."""
    from desktop.core.store.voice_eval import golden_case_rows

    return [GoldenCase(*row) for row in golden_case_rows(store)]


def ensure_golden_inbox(store: "Store", size: int = GOLDEN_SIZE) -> list[GoldenCase]:
    """The golden inbox, choosing it on first use and topping it up when it is short.

    Cases already chosen are never swapped (runs stay comparable); a set smaller than the
    archive now allows (the first import was small, or a source was removed) gains new cases.
    """
    existing = load_golden_inbox(store)
    if len(existing) >= size:
        return existing
    eligible = _eligible(store)
    count = sum(len(candidates) for candidates in eligible.values())
    target = min(size, max(1, int(count * GOLDEN_SHARE))) if count else 0
    picks = _choose(eligible, existing, target)
    if picks:
        from desktop.core.store import utc_now
        from desktop.core.store.voice_eval import add_golden_cases

        add_golden_cases(store, [(pick.incoming_item_id, pick.reply_item_id) for pick in picks], utc_now())
        existing = load_golden_inbox(store)
    return existing


def _eligible(store: "Store") -> dict[str, list[_Candidate]]:
    """Exchanges worth holding out, per platform in time order: one per message and per reply,
    a real reply (not "thanks!"), and no question asked twice."""
    from desktop.core.store.voice_eval import iter_golden_candidate_rows

    by_platform: dict[str, list[_Candidate]] = {}
    seen_incoming: set[int] = set()
    seen_replies: set[int] = set()
    seen_texts: set[str] = set()
    for platform, incoming_id, reply_id, incoming, reply in iter_golden_candidate_rows(store):
        if incoming_id in seen_incoming or reply_id in seen_replies:
            continue
        if len(words_of(reply)) < MIN_REPLY_WORDS or len(words_of(incoming)) < MIN_INCOMING_WORDS:
            continue
        text_key = " ".join(incoming.casefold().split())
        if text_key in seen_texts:
            continue
        seen_incoming.add(incoming_id)
        seen_replies.add(reply_id)
        seen_texts.add(text_key)
        by_platform.setdefault(platform, []).append(_Candidate(platform, incoming_id, reply_id))
    return by_platform


def _choose(
    eligible: dict[str, list[_Candidate]], existing: list[GoldenCase], target: int
) -> list[_Candidate]:
    """New picks to bring ``existing`` up to ``target``: platforms as even as the archive allows,
    each platform's picks spread over its time line, interleaved so any first N is diverse too."""
    have = Counter(case.platform for case in existing)
    taken = {case.incoming_item_id for case in existing} | {case.reply_item_id for case in existing}
    available = {
        platform: [c for c in candidates if c.incoming_item_id not in taken and c.reply_item_id not in taken]
        for platform, candidates in sorted(eligible.items())
    }
    quota: Counter[str] = Counter()
    for _ in range(max(0, target - len(existing))):
        open_platforms = [p for p, candidates in available.items() if quota[p] < len(candidates)]
        if not open_platforms:
            break
        platform = min(open_platforms, key=lambda p: (have[p] + quota[p], p))
        quota[platform] += 1
    picks = {p: _spread_first(_evenly(available[p], n)) for p, n in sorted(quota.items())}
    interleaved: list[_Candidate] = []
    for round_ in range(max(quota.values(), default=0)):
        interleaved.extend(chosen[round_] for chosen in picks.values() if round_ < len(chosen))
    return interleaved


def _evenly(items: Sequence[_Candidate], k: int) -> list[_Candidate]:
    """``k`` of ``items`` evenly spaced (the middle of each of ``k`` equal stretches)."""
    n = len(items)
    return [items[int((i + 0.5) * n / k)] for i in range(k)] if k else []


def _spread_first(items: list[_Candidate]) -> list[_Candidate]:
    """``items`` reordered so every prefix covers the whole span: the middle, then the ends, ..."""
    order: list[int] = []
    left = list(range(len(items)))
    middle = (len(items) - 1) / 2
    while left:
        best = max(left, key=lambda i: (min((abs(i - j) for j in order), default=0), -abs(i - middle), -i))
        order.append(best)
        left.remove(best)
    return [items[i] for i in order]


# --- measuring one draft --------------------------------------------------------------------------


def style_vector(features: StyleFeatures) -> dict[str, float]:
    """The features a report keeps per text (see ``STYLE_KEYS``)."""
    return {
        "words": float(features.words),
        "emoji": float(features.emoji),
        "exclamations": float(features.exclamations),
        "questions": float(features.questions),
        "formality": float(features.formality),
    }


def style_distance(draft: StyleFeatures, real: StyleFeatures) -> dict[str, float]:
    """How far a draft's style is from the real reply's, per dimension, 0 (same) to 1.

    Length is relative (12 words against 6 is 0.5), emoji and punctuation count differences
    up to ``_COUNT_SCALE``, formality is the 0-1 score's difference; ``style`` is their mean.
    """

    def counts(a: int, b: int) -> float:
        return min(abs(a - b), _COUNT_SCALE) / _COUNT_SCALE

    distances = {
        "length": abs(draft.words - real.words) / max(draft.words, real.words, 1),
        "emoji": counts(draft.emoji, real.emoji),
        "punctuation": (
            counts(draft.exclamations, real.exclamations) + counts(draft.questions, real.questions)
        )
        / 2,
        "formality": abs(draft.formality - real.formality),
    }
    distances["style"] = sum(distances.values()) / len(STYLE_DIMENSIONS)
    return {name: round(value, 4) for name, value in distances.items()}


def case_seed(incoming_item_id: int) -> int:
    """The seed a golden message is always drafted with: same persona, same model, same draft."""
    return incoming_item_id


@dataclass
class EvalCase:
    """One golden message drafted: the draft beside the real reply, and how far apart they are."""

    incoming_item_id: int
    reply_item_id: int
    platform: str
    incoming: str
    reply: str
    """What the creator really wrote."""
    draft: str = ""
    seed: int = 0
    triage: str = "green"
    """The message's triage level; a red message gets no draft."""
    blocked: bool = False
    needs_edit: bool = False
    findings: list[str] = field(default_factory=list)
    """The guard's finding kinds, one entry per finding."""
    attempts: int = 0
    similarity: float | None = None
    """Cosine of the draft's and the real reply's embeddings (None: no draft)."""
    distance: dict[str, float] = field(default_factory=dict)
    """``style_distance`` of draft and reply (empty: no draft)."""
    draft_style: dict[str, float] = field(default_factory=dict)
    reply_style: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def drafted(self) -> bool:
        return self.triage != "red" and bool(self.draft.strip())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EvalCase":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def _measure(
    session: "DraftingSession", case: GoldenCase, draft: "Draft", seed: int, seconds: float
) -> EvalCase:
    real = style_features(case.reply)
    result = EvalCase(
        case.incoming_item_id,
        case.reply_item_id,
        case.platform,
        case.incoming,
        case.reply,
        seed=seed,
        triage=draft.triage.level,
        attempts=draft.attempts,
        reply_style=style_vector(real),
        seconds=round(seconds, 3),
    )
    if draft.guard is not None:
        result.blocked = draft.guard.blocked
        result.needs_edit = draft.guard.needs_edit
        result.findings = [finding.kind for finding in draft.guard.findings]
    if draft.triage.draft_allowed and draft.text.strip():
        result.draft = draft.text
        features = style_features(draft.text)
        result.draft_style = style_vector(features)
        result.distance = style_distance(features, real)
        assert session.embedder is not None
        vectors = session.embedder.embed([draft.text, case.reply])
        result.similarity = round(float(vectors[0] @ vectors[1]), 4)
    return result


# --- reports ------------------------------------------------------------------------------------------


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return round(sum(values) / len(values), 4) if values else None


def _median(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


@dataclass(frozen=True)
class EvalSummary:
    """A run's figures over its cases. Style means are over the drafted cases, the creator's
    own (``real_style``) over the same cases, so the two are comparable."""

    cases: int
    drafted: int
    style_distance: float | None
    distances: dict[str, float | None]
    """Per dimension of ``STYLE_DIMENSIONS``."""
    similarity: float | None
    draft_style: dict[str, float | None]
    real_style: dict[str, float | None]
    blocked: int
    needs_edit: int
    red: int
    findings: dict[str, int]
    draft_words_median: float | None = None
    """Median words per draft: the length goal compares medians, which one long draft cannot move."""
    real_words_median: float | None = None
    """Median words of the creator's own replies to the same messages."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(cases: Sequence[EvalCase]) -> EvalSummary:
    drafted = [case for case in cases if case.drafted]
    return EvalSummary(
        cases=len(cases),
        drafted=len(drafted),
        style_distance=_mean(case.distance["style"] for case in drafted),
        distances={dim: _mean(case.distance[dim] for case in drafted) for dim in STYLE_DIMENSIONS},
        similarity=_mean(case.similarity for case in drafted if case.similarity is not None),
        draft_style={key: _mean(case.draft_style[key] for case in drafted) for key in STYLE_KEYS},
        real_style={key: _mean(case.reply_style[key] for case in drafted) for key in STYLE_KEYS},
        blocked=sum(case.blocked for case in cases),
        needs_edit=sum(case.needs_edit for case in cases),
        red=sum(case.triage == "red" for case in cases),
        findings=dict(sorted(Counter(kind for case in cases for kind in case.findings).items())),
        draft_words_median=_median(case.draft_style["words"] for case in drafted),
        real_words_median=_median(case.reply_style["words"] for case in drafted),
    )


@dataclass
class EvalReport:
    """One voice-regression run: which persona and model, when, and every case."""

    persona_version: int | None
    """The saved version drafted with (None: an unsaved edit, or no persona saved yet)."""
    model: str
    created_at: str
    cases: list[EvalCase] = field(default_factory=list)
    persona_label: str = ""
    """How the persona is shown: "persona version 3", ``UNSAVED_EDIT`` or ``DEFAULT_PERSONA``."""
    golden_size: int = 0
    """Messages in the golden inbox (a ``limit`` drafts fewer)."""
    seconds: float = 0.0
    id: int | None = None
    """The saved report's id in the store (None until ``save_report``)."""

    @property
    def summary(self) -> EvalSummary:
        return summarize(self.cases)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["summary"] = self.summary.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EvalReport":
        values = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        values["cases"] = [EvalCase.from_dict(case) for case in data.get("cases", [])]
        return cls(**values)


def save_report(store: "Store", report: EvalReport) -> int:
    """Keep ``report`` in the store (sets and returns ``report.id``)."""
    from desktop.core.store.voice_eval import insert_persona_eval

    payload = report.to_dict()
    payload.pop("id")
    report_json = json.dumps(payload, ensure_ascii=False)
    report.id = insert_persona_eval(
        store, report.created_at, report.persona_version, report.model, report_json
    )
    return report.id


def load_reports(store: "Store", limit: int | None = 10) -> list[EvalReport]:
    """The saved reports, newest first (``limit`` None: all of them)."""
    from desktop.core.store.voice_eval import persona_eval_rows

    reports = []
    for report_id, payload in persona_eval_rows(store, limit):
        report = EvalReport.from_dict(json.loads(payload))
        report.id = int(report_id)
        reports.append(report)
    return reports


def latest_report(store: "Store") -> EvalReport | None:
    found = load_reports(store, limit=1)
    return found[0] if found else None


# --- running --------------------------------------------------------------------------------------------


def _persona_to_use(
    session: "DraftingSession", persona: Persona | None, persona_version: int | None
) -> tuple[Persona | None, int | None, str]:
    """(persona to pass to ``draft``, version to record, label). None drafts with the active one."""
    from desktop.core.persona.versions import get_version

    assert session.store is not None, "open the session first"
    if persona is not None:
        label = UNSAVED_EDIT if persona_version is None else f"persona version {persona_version}"
        return persona, persona_version, label
    if persona_version is not None:
        saved = get_version(session.store, persona_version).persona
        return saved, persona_version, f"persona version {persona_version}"
    active, _ = session.persona()
    return None, active, f"persona version {active}" if active is not None else DEFAULT_PERSONA


def run_eval(
    session: "DraftingSession",
    *,
    persona: Persona | None = None,
    persona_version: int | None = None,
    limit: int | None = None,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, EvalReport]:
    """Draft the golden inbox with the session's model and measure every draft; returns the report.

    ``persona`` drafts with that persona (an unsaved edit; ``persona_version`` then only labels
    it), ``persona_version`` alone with that saved version, neither with the active version.
    ``limit`` drafts only the first N golden messages (a quick check). Nothing is saved here:
    see ``save_report``. Raises ``KnownError`` when the archive has no exchange to hold out.
    """
    from desktop.core.store import utc_now

    cancel = cancel or CancelToken()
    assert session.store is not None and session.backend is not None, "open the session first"
    if limit is not None and limit < 1:
        raise KnownError("The number of messages to draft must be at least 1.")
    draft_persona, version, label = _persona_to_use(session, persona, persona_version)
    yield Progress("Choosing the golden inbox")
    golden = ensure_golden_inbox(session.store)
    if not golden:
        raise KnownError(
            "There is nothing to hold out yet: the voice check needs messages you answered yourself.",
            hint="Import an archive with conversations first (`understudy import PATH`).",
        )
    chosen = golden[:limit] if limit is not None else golden
    report = EvalReport(
        version, session.backend.facts.name, utc_now(), persona_label=label, golden_size=len(golden)
    )
    started = time.perf_counter()
    for n, case in enumerate(chosen):
        cancel.raise_if_cancelled()
        yield Progress(f"Drafting golden message {n + 1} of {len(chosen)}", n, len(chosen))
        case_started = time.perf_counter()
        seed = case_seed(case.incoming_item_id)
        drafting = session.draft(
            case.incoming, seed=seed, platform=case.platform, persona=draft_persona, cancel=cancel
        )
        draft = finish_draft(drafting)
        report.cases.append(_measure(session, case, draft, seed, time.perf_counter() - case_started))
    report.seconds = round(time.perf_counter() - started, 3)
    yield Progress(f"Drafted {len(chosen)} golden messages", len(chosen), len(chosen))
    return report


# --- old and new side by side -----------------------------------------------------------------------

CLOSER, FURTHER, SAME, FEWER, MORE = "closer", "further", "same", "fewer", "more"


@dataclass(frozen=True)
class MetricChange:
    """One row of a comparison: the creator's own value (style means only), before, now, and
    the direction: "closer"/"further" (to the creator), "fewer"/"more" (counts), or "same"."""

    key: str
    label: str
    yours: float | None
    before: float | None
    now: float | None
    change: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Comparison:
    """A report beside the previous one (``before`` None: the first report, shown alone)."""

    before: EvalReport | None
    now: EvalReport
    shared_cases: int
    """Golden messages both reports drafted; the figures are over these (all, when none)."""
    rows: list[MetricChange]

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": _report_header(self.before) if self.before else None,
            "now": _report_header(self.now),
            "shared_cases": self.shared_cases,
            "metrics": [row.to_dict() for row in self.rows],
        }

    def to_text(self) -> str:
        """The table ``understudy persona eval`` prints."""
        lines = [f"Now:    {describe_report(self.now)}"]
        if self.before is not None:
            lines.append(f"Before: {describe_report(self.before)}")
            lines.append(
                f"Compared over the {self.shared_cases} golden messages both runs drafted."
                if self.shared_cases
                else "The two runs drafted different golden messages: each column is over its own."
            )
        headers = ["", "YOURS", "BEFORE", "NOW", "CHANGE"] if self.before else ["", "YOURS", "NOW"]
        table = []
        for row in self.rows:
            cells = [row.label, format_value(row.yours, row.key)]
            if self.before is not None:
                cells.append(format_value(row.before, row.key))
            cells.append(format_value(row.now, row.key))
            if self.before is not None:
                cells.append(row.change)
            table.append(cells)
        widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(headers)]
        lines.append("")
        for cells in [headers, *table]:
            first, rest = cells[0], cells[1:]
            right = "  ".join(cell.rjust(width) for cell, width in zip(rest, widths[1:], strict=False))
            lines.append(f"{first.ljust(widths[0])}  {right}".rstrip())
        return "\n".join(lines)


_COUNTS = ("cases", "drafted", "blocked", "needs_edit", "red")


def format_value(value: float | None, key: str) -> str:
    """A metric as the table shows it: counts whole, words to one decimal, the rest to two."""
    if value is None:
        return "-"
    if key in _COUNTS or key.startswith("finding:"):
        return str(int(value))
    return f"{value:.1f}" if key in ("words", "words_median") else f"{value:.2f}"


def _report_header(report: EvalReport) -> dict[str, Any]:
    return {
        "id": report.id,
        "persona_version": report.persona_version,
        "persona_label": report.persona_label,
        "model": report.model,
        "created_at": report.created_at,
        "cases": len(report.cases),
    }


def describe_report(report: EvalReport) -> str:
    """One line: which persona, which model, when, how many golden messages."""
    when = report.created_at[:16].replace("T", " ")
    return (
        f"{report.persona_label or 'unknown persona'}, model {report.model}, {when} UTC, "
        f"{len(report.cases)} of {report.golden_size} golden messages"
    )


def _direction(key: str, before: float | None, now: float | None, yours: float | None) -> str:
    if before is None or now is None:
        return ""
    if key in _COUNTS or key.startswith("finding:"):
        return SAME if now == before else FEWER if now < before else MORE
    if key == "similarity":
        gap_before, gap_now = -before, -now
    elif yours is not None:
        gap_before, gap_now = abs(before - yours), abs(now - yours)
    else:
        gap_before, gap_now = before, now
    if round(gap_now - gap_before, 4) == 0:
        return SAME
    return CLOSER if gap_now < gap_before else FURTHER


_FEATURE_LABELS = {
    "words": "words per reply",
    "emoji": "emoji per reply",
    "exclamations": "! per reply",
    "questions": "? per reply",
    "formality": "formality (0-1)",
}


def _rows(before: EvalSummary | None, now: EvalSummary) -> list[MetricChange]:
    def row(key: str, label: str, get: Any, yours: float | None = None) -> MetricChange:
        old = get(before) if before is not None else None
        new = get(now)
        return MetricChange(key, label, yours, old, new, _direction(key, old, new, yours))

    rows = [
        row("drafted", "drafted", lambda s: s.drafted),
        row("style_distance", "style distance (0 = like you)", lambda s: s.style_distance),
    ]
    rows += [row(f"{dim}_distance", f"  {dim}", lambda s, d=dim: s.distances[d]) for dim in STYLE_DIMENSIONS]
    rows.append(row("similarity", "meaning (cosine to yours)", lambda s: s.similarity))
    for key, label in _FEATURE_LABELS.items():
        rows.append(row(key, label, lambda s, k=key: s.draft_style[k], yours=now.real_style[key]))
        if key == "words":
            rows.append(
                row("words_median", "  median words", lambda s: s.draft_words_median, now.real_words_median)
            )
    rows += [
        row("blocked", "blocked by the guard", lambda s: s.blocked),
        row("needs_edit", "needs an edit", lambda s: s.needs_edit),
        row("red", "not drafted (needs you)", lambda s: s.red),
    ]
    kinds = sorted(set(now.findings) | set(before.findings if before else {}))
    rows += [
        row(f"finding:{kind}", f"  guard: {kind.replace('_', ' ')}", lambda s, k=kind: s.findings.get(k, 0))
        for kind in kinds
    ]
    return rows


def compare_reports(before: EvalReport | None, now: EvalReport) -> Comparison:
    """``now`` beside ``before``, over the golden messages both drafted (so a ``limit`` or a
    topped-up golden inbox does not skew the figures); ``before`` None shows ``now`` alone."""
    if before is None:
        return Comparison(None, now, len(now.cases), _rows(None, now.summary))
    shared = {c.incoming_item_id for c in before.cases} & {c.incoming_item_id for c in now.cases}
    old_cases = [c for c in before.cases if c.incoming_item_id in shared] if shared else before.cases
    new_cases = [c for c in now.cases if c.incoming_item_id in shared] if shared else now.cases
    return Comparison(before, now, len(shared), _rows(summarize(old_cases), summarize(new_cases)))
