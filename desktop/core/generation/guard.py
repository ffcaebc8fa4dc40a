"""The guard: runs on every draft before the creator sees it; its findings travel with the draft.

- Boundaries from the persona: never-say phrases (``re:`` = regex), avoid-topics (stems and a few
  related words), no promises of prices/discounts/giveaways unless allowed, no personal details
  (address, phone, email, family, exact whereabouts) unless allowed, no links or meetups the
  creator never gave. A blocking finding means: regenerate (``regenerate_until_clean``), then show
  the draft blocked with the reason and the creator's canned reply for that topic.
- Unsupported claims (``claims``): a first-person life claim, price, giveaway, link or meetup
  that neither the facts sheet nor the corpus supports sets ``needs_edit``.
- AI honesty: a draft that denies being AI is blocked and an honest line offered; the disclosure
  label is appended once when the persona asks for it.
- Specifics (``faithfulness``, ``specifics``): every number, date, time, price, handle, link and
  name in the draft must be stated by the facts sheet, the sources retrieved for this draft or the
  fan's message; otherwise it is flagged with the span and the closest source, and a source that
  states it differently makes it a contradiction. Offers are judged with the fan's question.
- AI honesty: an answer to "are you a bot?" that does not say AI drafted it is flagged, and the
  persona's disclosure reply is offered instead.
- Prompt injection: the incoming message is data; a draft that shows the injection worked
  (prompt leaked, persona swapped, speaker tags, the fan's dictated words) is blocked.

Everything is regexes and word lists (fast, deterministic, explainable); the only model call is
the support check's similarity, when one is given.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Literal

from desktop.core.generation.claims import (
    CURRENCY,
    FAMILY,
    FAMILY_WORD_GROUP,
    GIVEAWAY,
    GIVEAWAY_WORDS,
    KIND_WORDS,
    LINK,
    URL,
    Similarity,
    SupportFinder,
    check_support,
    find_claims,
)
from desktop.core.generation.faithfulness import (
    FACT,
    Grounding,
    check_ai_honesty,
    check_offer,
    check_specifics,
    honest_about_ai,
)
from desktop.core.generation.specifics import NAME as NAME_KIND
from desktop.core.generation.specifics import URL_KIND, find_specifics
from desktop.core.generation.textmatch import Folded, TopicMatcher, fold, numbers, sentence_at, words
from desktop.core.generation.triage import AI_QUESTION, EXPLICIT, INJECTION, Triage, rule_pattern, triage
from desktop.core.persona import Persona

Severity = Literal["block", "flag"]

# Finding kinds (stable strings: the UI and the CLI's --json show them).
TRIAGE = "triage"
ESCALATION = "escalation"
EMPTY = "empty"
NEVER_SAY = "never_say"
AVOID_TOPIC = "avoid_topic"
PROMISE = "promise"
PERSONAL_DETAIL = "personal_detail"
MEETUP = "meetup"
AI_DENIAL = "ai_denial"
AI_QUESTION_FLAG = "ai_question"
INJECTION_WORKED = "injection_worked"
INJECTION_ATTEMPT = "injection_attempt"
UNSUPPORTED_CLAIM = "unsupported_claim"
BOUNDARY_CONFIG = "boundary_config"
EXPLICIT_CONTENT = "explicit"
UNSUPPORTED_SPECIFIC = "unsupported_specific"
CONTRADICTION = "contradiction"
UNSUPPORTED_OFFER = "unsupported_offer"
AI_HONESTY = "ai_honesty"
NEEDS_ANSWER = "needs_answer"
"""The fan asked for a fact nothing answers: the draft is the creator's "let me check" reply."""

FAITHFULNESS_KINDS = frozenset({UNSUPPORTED_SPECIFIC, CONTRADICTION, UNSUPPORTED_OFFER, UNSUPPORTED_CLAIM})
"""Findings that mean the draft states something the creator never said."""

HONEST_AI_REPLY = (
    "Fair question! Replies here are drafted with an AI assistant, and I read and approve "
    "every one before it's sent."
)


@dataclass(frozen=True)
class Evidence:
    """The closest thing the creator wrote (or listed as a fact) to a flagged claim."""

    text: str
    score: float
    item_id: int | None = None
    kind: str = "post"


@dataclass(frozen=True)
class Finding:
    kind: str
    severity: Severity
    message: str
    span: tuple[int, int] | None = None
    evidence: Evidence | None = None
    text: str = ""
    """The flagged words, as they stand in the draft at ``span``."""

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["span"] = list(self.span) if self.span else None
        return data


@dataclass
class GuardResult:
    blocked: bool
    findings: list[Finding]
    canned_reply: str | None
    needs_edit: bool
    text: str = ""
    """The draft as shown to the creator (with the disclosure label when the persona asks for it)."""
    triage: Triage | None = None
    escalate: bool = False

    @property
    def clean(self) -> bool:
        """Nothing to review beyond the message's own triage flags."""
        return (
            not self.blocked
            and not self.needs_edit
            and all(
                f.kind in (TRIAGE, ESCALATION, INJECTION_ATTEMPT, NEEDS_ANSWER, AI_HONESTY)
                for f in self.findings
            )
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "blocked": self.blocked,
            "needs_edit": self.needs_edit,
            "escalate": self.escalate,
            "canned_reply": self.canned_reply,
            "findings": [f.to_dict() for f in self.findings],
        }


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_AI_DENIAL = _rx(
    r"\bi'?m\s+not\s+(?:a\s+|an\s+)?(?:bot|ai|robot|chat\s?bot|machine|program)\b",
    r"\bi\s+am\s+not\s+(?:a\s+|an\s+)?(?:bot|ai|robot|chat\s?bot|machine|program)\b",
    r"\bnot\s+(?:a\s+|an\s+)(?:bot|ai|robot)\b",
    r"\bno\s+(?:ai|bots?|robots?)\s+(?:here|involved|at\s+all)\b",
    r"\b(?:this\s+is|it'?s)\s+(?:really|actually|truly|totally|100%|all)\s+me\b",
    r"\b(?:100|a\s+hundred)\s?%\s+(?:me|human|real)\b",
    r"\bi(?:'?m|\s+am)\s+(?:a\s+)?(?:real|actual)\s+(?:person|human|girl|guy|woman|man)\b",
    r"\bi(?:'?m|\s+am)\s+(?:a\s+)?human\b",
    r"\bi(?:'?m|\s+am)\s+(?:very\s+|totally\s+|definitely\s+)?real\s*[,.!]",
    r"\bi\s+(?:write|answer|type)\s+(?:all\s+)?(?:my|these|every)\s+(?:own\s+)?(?:replies|messages|dms|answers)\s+(?:myself|personally)\b",
    r"\bno\s+one\s+else\s+(?:writes|answers)\b",
    r"\bdefinitely\s+(?:me|human|real)\b",
    r"\bno\s+soy\s+un\s+(?:bot|robot)\b",
    r"\bsoy\s+(?:yo|real)\b",
    r"\bich\s+bin\s+kein\s+(?:bot|roboter)\b",
    r"\bich\s+bin\s+(?:echt|ein\s+mensch)\b",
    r"\bje\s+ne\s+suis\s+pas\s+un\s+(?:bot|robot)\b",
    r"\bc'?est\s+vraiment\s+moi\b",
    r"\bnao\s+sou\s+(?:um\s+)?(?:bot|robo)\b",
    r"\bsou\s+eu\s+mesm[oa]\b",
)

_INJECTION_WORKED = _rx(
    r"\bsystem\s+prompt\b",
    r"\bmy\s+(?:instructions|prompt|programming|guidelines|rules\s+say)\b",
    r"\bi(?:'m|\s+am|\s+was|\s+have\s+been)\s+(?:programmed|instructed|told|configured)\s+to\b",
    r"\bas\s+an\s+ai(?:\s+language)?\s+model\b",
    r"\bi(?:'?m|\s+am)\s+now\s+(?:dan\b|an?\s+(?:ai|assistant|unrestricted|different)|free\s+from|unrestricted|in\s+developer)",
    r"\bdeveloper\s+mode\b",
    r"\bjailbr(?:eak|oken)\w*",
    r"\bdan\s+mode\b",
    r"\b(?:here\s+(?:is|are)|here'?s)\s+(?:my|the)\s+(?:prompt|instructions|rules|guidelines|system)\b",
    r"\bignor(?:e|ing)\s+(?:all\s+|my\s+|the\s+)?(?:previous\s+|prior\s+)?instructions\b",
    r"(?:^|\n)\s*(?:fan|creator|user|assistant|system)\s*:",
    r"<\|?\s*(?:start_of_turn|end_of_turn|im_start|im_end|system)",
    r"\b(?:avoid\s+topics|never\s+say|boundaries|style\s+notes)\s*:",
)

_DEFLECTION = _rx(
    r"\b(?:don'?t|do\s+not|never|won'?t|can'?t)\s+(?:talk|get|go|comment|discuss|share|speak)\b",
    r"\brather\s+not\b",
    r"\bnot\s+(?:going|gonna)\s+to?\s*(?:get|go|talk)\b",
    r"\bprefer\s+not\b",
    r"\bkeep\s+\w+(?:\s+\w+)?\s+(?:out|private|off)\b",
    r"\bstay\s+(?:away|out)\b",
    r"\boff[- ]limits\b",
    r"\bno\s+comment\b",
    r"\bpass\s+on\b",
    r"\bnot\s+something\s+i\b",
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w$€£.,])(?:\+\d{1,3}[\s.-]?)?(?:\(?\d{2,4}\)?[\s.-]?){2,4}\d{2,4}(?![\w%])")
_STREET = _rx(
    r"\b\d{1,5}\s+(?:[a-z]+\s+){1,3}(?:street|st|avenue|ave|road|rd|lane|ln|boulevard|blvd|drive|dr|way|court|ct|place|pl)\b",
    r"\b(?:rua|calle|avenida|rue|strasse|str)\s+(?:[a-z]+\s+){0,3}(?:de\s+|da\s+|do\s+|del\s+)?[a-z]+\s*,?\s*\d{1,5}\b",
)
_WHEREABOUTS = _rx(
    r"\bi(?:'m|\s+am)\s+staying\s+at\b",
    r"\bmy\s+(?:hotel|address|apartment\s+is|flat\s+is|house\s+is)\b",
    r"\bi\s+live\s+(?:at|on)\b",
    r"\bmy\s+(?:room|apartment|flat)\s+(?:number|no\.?)\b",
    r"\bright\s+(?:next\s+to|behind|across\s+from)\s+(?:the|my)\b",
)
_FAMILY_MENTION = _rx(
    r"\b(?:my|our)\s+(?:little\s+|baby\s+|oldest\s+|youngest\s+|eldest\s+|older\s+|younger\s+|two\s+|three\s+|\d+\s+)?(?:"
    + "|".join(sorted(FAMILY_WORD_GROUP, key=len, reverse=True))
    + r")\b",
    r"\bi\s+have\s+(?:a|an|one|two|three|four|\d+)\s+(?:little\s+)?(?:"
    + "|".join(sorted(FAMILY_WORD_GROUP, key=len, reverse=True))
    + r")\b",
)
_MEETUP_DRAFT = _rx(
    r"\blet'?s\s+(?:meet|hang|grab|get\s+(?:coffee|drinks?|dinner|lunch))",
    r"\bmeet\s+(?:you|u|up)\b",
    r"\bsee\s+you\s+(?:there|tonight|tomorrow|in\s+person|at\s+(?:my|the)\b)",
    r"\bcome\s+(?:to|by)\s+my\s+(?:place|house|home|hotel|studio|apartment|flat)\b",
    r"\bcome\s+over\b",
    r"\bvisit\s+me\b",
    r"\bgrab\s+(?:a\s+)?(?:coffee|drink|drinks|dinner|lunch)\s+(?:with|together|sometime)?",
    r"\bhang\s*out\b",
    r"\bpick\s+you\s+up\b",
    r"\b(?:send|dm|text)\s+me\s+your\s+(?:address|number|location)\b",
    r"\bnos\s+vemos\b",
    r"\btreffen\s+wir\s+uns\b",
    r"\bon\s+se\s+voit\b",
    r"\ba\s+gente\s+se\s+ve\b",
)
_GIVEAWAY_DRAFT = _rx(
    *GIVEAWAY_WORDS,
    r"\b(?:use\s+)?code\s+[A-Z0-9]{3,}\b",
    r"\b(?:dm|message|text)\s+me\s+for\s+(?:a|the|your)\b",
    r"\bon\s+the\s+house\b",
    r"\bspecial\s+(?:price|deal|offer)\b",
    r"\bcheaper\b",
    r"\bhalf\s+(?:price|off)\b",
)


_EXPLICIT = rule_pattern(EXPLICIT)
_ASKS_IF_HUMAN = _rx(
    r"\b(?:real|human|person|really\s+you|actually\s+you|yourself|eres\s+real|echt|reel|mesmo)\b"
)
_YES = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|ya|of\s+course|sure|definitely|absolutely|totally|si|ja|oui|sim)\b",
    re.IGNORECASE,
)
_NO = re.compile(r"^\W*(?:no|nope|nah|not\s+at\s+all|nein|non|nao)\b", re.IGNORECASE)
_MENTIONS_AI = _rx(
    r"\bai\b",
    r"\bartificial\b",
    r"\bassistant\b",
    r"\bdraft\w*",
    r"\bbot\b",
    r"\bautomat\w*",
    r"\bia\b",
    r"\bki\b",
)


_WILL_DO = re.compile(r"^\W*(?:i'?ll|i\s+will|i\s+can|i'?d\s+love\s+to|i\s+would)\b", re.IGNORECASE)
_ASKS_FOR_PROMISE = _rx(
    r"\bfree\b",
    r"\bdiscount\w*",
    r"\bcodes?\b",
    r"\bgiveaway\w*",
    r"\bcheaper\b",
    r"\bdeal\b",
    r"\bcoupon\w*",
    r"\bgratis\b",
    r"\bsale\b",
)
_ASKS_ABOUT_FAMILY = _rx(
    r"\b(?:do\s+you\s+have|got\s+any|are\s+you\s+a)\s+(?:a\s+|any\s+)?(?:"
    + "|".join(sorted(FAMILY_WORD_GROUP, key=len, reverse=True))
    + r"|mom|dad|parent)\b",
    r"\bare\s+you\s+(?:married|engaged|pregnant)\b",
)


def _bare_answer_denial(incoming: str, folded: Folded, original: str) -> list[tuple[tuple[int, int], str]]:
    """ "Are you real?" -> "yes!" and "are you a bot?" -> "nope" deny being AI without saying so."""
    if _MENTIONS_AI.search(folded.text):
        return []  # the draft talks about the AI part: not a bare denial
    denying = _YES if _ASKS_IF_HUMAN.search(fold(incoming).text) else _NO
    match = denying.search(folded.text)
    if not match:
        return []
    span = folded.span(match.start(), match.end())
    return [(span, original[span[0] : span[1]])]


def _matches(pattern: re.Pattern[str], folded: Folded, original: str) -> list[tuple[tuple[int, int], str]]:
    out = []
    for match in pattern.finditer(folded.text):
        if match.end() == match.start():
            continue
        span = folded.span(match.start(), match.end())
        out.append((span, original[span[0] : span[1]]))
    return out


def _never_say_patterns(entries: list[str]) -> tuple[list[tuple[str, re.Pattern[str]]], list[Finding]]:
    """Compile the never-say list; a broken ``re:`` entry is checked as plain text and reported."""
    patterns: list[tuple[str, re.Pattern[str]]] = []
    problems: list[Finding] = []
    for entry in entries:
        if not entry.strip():
            continue
        if entry.startswith("re:"):
            source = entry[3:]
            try:
                patterns.append((entry, re.compile(source, re.IGNORECASE)))
                continue
            except re.error as error:
                problems.append(
                    Finding(
                        BOUNDARY_CONFIG,
                        "flag",
                        f"Your never-say pattern '{source}' is not a valid pattern "
                        f"({error}); it was checked as plain text instead.",
                    )
                )
                phrase = source
        else:
            phrase = entry
        body = r"\s+".join(re.escape(part) for part in fold(phrase).text.split())
        prefix = r"(?<!\w)" if re.match(r"\w", phrase.strip()) else ""
        suffix = r"(?!\w)" if re.search(r"\w$", phrase.strip()) else ""
        patterns.append((entry, re.compile(prefix + body + suffix, re.IGNORECASE)))
    return patterns, problems


def validate_boundaries(persona: Persona) -> list[str]:
    """Plain-words problems with the persona's boundaries (for the Persona page), e.g. a bad regex."""
    _patterns, problems = _never_say_patterns(persona.boundaries.never_say)
    return [p.message for p in problems]


def canned_reply(persona: Persona, *keys: str) -> str | None:
    """The creator's own reply for the first of ``keys`` that has one (case and spaces aside)."""
    replies = {k.strip().lower(): v for k, v in persona.boundaries.canned_replies.items() if v.strip()}
    for key in keys:
        reply = replies.get(key.strip().lower())
        if reply:
            return reply
    return None


def apply_disclosure(text: str, persona: Persona) -> str:
    """Append the persona's AI disclosure label once (when the persona asks for it)."""
    label = persona.boundaries.disclosure_label.strip()
    if not persona.boundaries.disclose_ai or not label:
        return text
    if label.lower() in text.lower():
        return text
    return f"{text.rstrip()} {label}" if text.strip() else label


def _facts_numbers_with_currency(facts: list[str]) -> set[str]:
    found: set[str] = set()
    for fact in facts:
        for match in CURRENCY.finditer(fact):
            found |= numbers(match.group(0))
    return found


def _family_groups(texts: list[str]) -> set[str]:
    return {
        FAMILY_WORD_GROUP[w.lower()]
        for text in texts
        for w, _s, _e in words(text)
        if w.lower() in FAMILY_WORD_GROUP
    }


def _quoted_strings(text: str) -> list[str]:
    quoted = re.findall(r"[\"“”«»']([^\"“”«»']{8,200})[\"“”«»']", text)
    return [q.strip().lower() for q in quoted if len(q.strip()) >= 8]


@dataclass(frozen=True)
class _Hit:
    """A check's finding, with what it implies for the draft as a whole."""

    finding: Finding
    reply: str | None = None
    """The creator's reply this finding offers instead of the draft (the first one offered wins)."""
    needs_edit: bool = False


@dataclass
class _Review:
    """One draft under review: everything a check reads, and the finding makers."""

    text: str
    persona: Persona
    incoming: str
    triage: Triage
    support_finder: SupportFinder | None
    similarity: Similarity | None
    sources: Sequence[Grounding]

    @cached_property
    def folded(self) -> Folded:
        return fold(self.text)

    @cached_property
    def incoming_folded(self) -> str:
        """The fan's message folded once, for the checks that read it."""
        return fold(self.incoming).text

    @property
    def asks_about_ai(self) -> bool:
        return AI_QUESTION in self.triage.categories

    @cached_property
    def denial(self) -> list[tuple[tuple[int, int], str]]:
        """An explicit denial of being AI, or a bare "yes"/"no" that answers "are you real?" untruthfully."""
        denial = _matches(_AI_DENIAL, self.folded, self.text)
        if not denial and self.asks_about_ai:
            denial = _bare_answer_denial(self.incoming, self.folded, self.text)
        return denial

    @cached_property
    def faithful(self) -> list[Finding]:
        """Specifics and offers the creator's words do not support (``_check_faithfulness``)."""
        grounds = _groundings(self.persona, self.sources)
        return _check_faithfulness(self.text, self.incoming, grounds, self.support_finder)

    def words_at(self, span: tuple[int, int] | None) -> str:
        return self.text[span[0] : span[1]] if span else ""

    def block(
        self,
        kind: str,
        message: str,
        span: tuple[int, int] | None = None,
        reply: str | None = None,
        evidence: Evidence | None = None,
        needs_edit: bool = False,
    ) -> _Hit:
        finding = Finding(kind, "block", message, span, evidence, self.words_at(span))
        return _Hit(finding, reply or None, needs_edit)

    def flag(
        self,
        kind: str,
        message: str,
        span: tuple[int, int] | None = None,
        evidence: Evidence | None = None,
        *,
        reply: str | None = None,
        needs_edit: bool = False,
    ) -> _Hit:
        return _Hit(Finding(kind, "flag", message, span, evidence, self.words_at(span)), reply, needs_edit)


Check = Callable[[_Review], list[_Hit]]


def _check_message(review: _Review) -> list[_Hit]:
    """The message itself: red gets no draft; escalations and careful reads travel as flags."""
    message_triage = review.triage
    hits: list[_Hit] = []
    if message_triage.level == "red":
        category = message_triage.categories[0] if message_triage.categories else ""
        hits.append(
            review.block(
                TRIAGE,
                "This message should not get a drafted reply: " + "; ".join(message_triage.reasons),
                reply=canned_reply(review.persona, *message_triage.categories) if category else None,
            )
        )
    elif message_triage.level == "yellow":
        for match in message_triage.matches:
            kind = INJECTION_ATTEMPT if match.category == INJECTION else TRIAGE
            hits.append(review.flag(kind, f'Read carefully: the message {match.reason} ("{match.matched}").'))
    if message_triage.escalate:
        hits.append(
            review.flag(
                ESCALATION, "Escalated to you: answer this one yourself; the draft is only a starting point."
            )
        )
    return hits


def _check_empty(review: _Review) -> list[_Hit]:
    return [] if review.text.strip() else [review.block(EMPTY, "The draft is empty.")]


def _check_never_say(review: _Review) -> list[_Hit]:
    """Never-say phrases and patterns (a pattern on the draft as written, a phrase on its folded form)."""
    patterns, problems = _never_say_patterns(review.persona.boundaries.never_say)
    hits = [_Hit(problem) for problem in problems]
    for entry, pattern in patterns:
        raw = entry.startswith("re:")
        target = review.text if raw else review.folded.text
        match = next((m for m in pattern.finditer(target) if m.end() != m.start()), None)
        if match is None:
            continue
        span = (match.start(), match.end()) if raw else review.folded.span(match.start(), match.end())
        hits.append(
            review.block(
                NEVER_SAY,
                f'Says "{review.words_at(span)}", which is on your never-say list ({entry}).',
                span,
                canned_reply(review.persona, entry),
            )
        )
    return hits


def _check_avoid_topics(review: _Review) -> list[_Hit]:
    """Topics to avoid: a mention only to decline the topic is flagged, not blocked."""
    hits: list[_Hit] = []
    draft_text = review.text
    for hit in TopicMatcher(review.persona.boundaries.avoid_topics).find(draft_text):
        start, end = sentence_at(draft_text, hit.span[0])
        related = (
            "" if hit.matched.lower() == hit.topic.lower() else f" ('{hit.matched}' counts as {hit.topic})"
        )
        if _DEFLECTION.search(fold(draft_text[start:end]).text):
            hits.append(
                review.flag(
                    AVOID_TOPIC,
                    f"Mentions '{hit.topic}', a topic you avoid, only to decline it{related}.",
                    hit.span,
                )
            )
        else:
            hits.append(
                review.block(
                    AVOID_TOPIC,
                    f"Talks about '{hit.topic}', a topic you avoid{related}.",
                    hit.span,
                    canned_reply(review.persona, hit.topic),
                )
            )
    return hits


_DISCOUNT_WORDS = re.compile(
    r"discount|%|percent|\boff\b|\bcodes?\b|coupon|promo|cheaper|half\s+price|\bdeals?\b|\bsale\b",
    re.IGNORECASE,
)


def _promise_kind(text: str) -> str:
    """Which of ``PROMISE_KINDS`` a promised freebie is: "20% off" a discount, "for free" a giveaway."""
    return "discounts" if _DISCOUNT_WORDS.search(text) else "giveaways"


def _check_promises(review: _Review) -> list[_Hit]:
    """Promises: discounts, giveaways, codes; and prices that the facts sheet does not state.

    Each kind follows the persona's own boundary (``Boundaries.promise_allowed``): a coach who sells a
    program may allow prices and discounts and still allow no giveaways. An allowed kind is not
    blocked here; its specifics (a price, a percentage, a code) still have to be on the facts sheet
    or in the sources, which the specifics gate checks."""
    persona = review.persona
    bounds = persona.boundaries
    sheet = fold(" ".join(persona.facts)).text.casefold()
    hits: list[_Hit] = []
    for span, text in _matches(_GIVEAWAY_DRAFT, review.folded, review.text):
        kind = _promise_kind(text)
        if fold(text).text.casefold() in sheet or bounds.promise_allowed(kind):
            continue  # a code the facts sheet gives is a fact; an allowed kind is the creator's call
        what = "a discount" if kind == "discounts" else "a giveaway or freebie"
        hits.append(
            review.block(
                PROMISE,
                f'Promises {what} ("{text}"); your boundaries allow no {kind}.',
                span,
                canned_reply(persona, "promises", kind),
            )
        )
        break
    if bounds.promise_allowed("prices"):
        return hits
    fact_prices = _facts_numbers_with_currency(persona.facts)
    for span, text in _matches(CURRENCY, review.folded, review.text):
        if numbers(text) <= fact_prices and numbers(text):
            continue  # restating a price from the facts sheet is a fact, not a promise
        hits.append(
            review.block(
                PROMISE,
                f'Names a price ("{text}") that is not on your facts sheet; your boundaries allow no prices.',
                span,
                canned_reply(persona, "prices", "promises"),
            )
        )
        break
    return hits


def _check_personal_details(review: _Review) -> list[_Hit]:
    """Email addresses, phone numbers, exact whereabouts and family the facts sheet does not describe."""
    persona = review.persona
    if persona.boundaries.allow_personal_details:
        return []
    folded, draft_text = review.folded, review.text
    hits: list[_Hit] = []
    for span, text in _matches(_EMAIL, folded, draft_text):
        if text.lower() not in " ".join(persona.facts).lower():
            hits.append(review.block(PERSONAL_DETAIL, f'Shares an email address ("{text}").', span))
    for span, text in _matches(_PHONE, folded, draft_text):
        if sum(c.isdigit() for c in text) >= 7 and not URL.search(text):
            hits.append(
                review.block(PERSONAL_DETAIL, f'Shares what looks like a phone number ("{text}").', span)
            )
    for span, text in _matches(_STREET, folded, draft_text) + _matches(_WHEREABOUTS, folded, draft_text):
        hits.append(review.block(PERSONAL_DETAIL, f'Gives away an exact location ("{text}").', span))
    allowed_family = _family_groups(persona.facts)
    for span, text in _matches(_FAMILY_MENTION, folded, draft_text):
        if _family_groups([text]) <= allowed_family:
            continue  # the creator describes this family member on the facts sheet
        hits.append(
            review.block(
                PERSONAL_DETAIL,
                f'Mentions family ("{text}"); your boundaries keep family private.',
                span,
                canned_reply(persona, "family", "personal details"),
            )
        )
    return hits


def _asked_family_groups(question: str) -> set[str]:
    """The family groups a question such as "are you married?" or "do you have kids?" asks about."""
    if re.search(r"married|engaged", question):
        return {"partner"}
    if re.search(r"pregnant|are\s+you\s+a", question):
        return {"child"}
    return _family_groups([question])


def _check_implied_yes(review: _Review) -> list[_Hit]:
    """A bare "yes" to "can I get it for free?" or "do you have kids?" makes the claim implicitly."""
    if not (_YES.search(review.folded.text) or _WILL_DO.search(review.folded.text)):
        return []
    persona = review.persona
    asked = review.incoming_folded
    hits: list[_Hit] = []
    asked_for = _ASKS_FOR_PROMISE.search(asked)
    kind = _promise_kind(asked_for.group(0)) if asked_for else ""
    if asked_for and not persona.boundaries.promise_allowed(kind):
        hits.append(
            review.block(
                PROMISE,
                f"Agrees to the {'discount' if kind == 'discounts' else 'freebie or giveaway'} the "
                f"message asks for; your boundaries allow no {kind}.",
                None,
                canned_reply(persona, "promises", kind),
            )
        )
    family_question = _ASKS_ABOUT_FAMILY.search(asked)
    if family_question and not _asked_family_groups(family_question.group(0).lower()) <= _family_groups(
        persona.facts
    ):
        hits.append(
            review.block(
                PERSONAL_DETAIL,
                f'Answers yes to a question about your family ("{family_question.group(0)}") '
                "that nothing you wrote supports.",
                None,
                canned_reply(persona, "family", "personal details"),
            )
        )
    return hits


def _check_meetups(review: _Review) -> list[_Hit]:
    """Meetups, always."""
    return [
        review.block(
            MEETUP,
            f'Suggests meeting in person ("{text}").',
            span,
            canned_reply(review.persona, "meetup", "meetups"),
        )
        for span, text in _matches(_MEETUP_DRAFT, review.folded, review.text)[:1]
    ]


def _check_explicit(review: _Review) -> list[_Hit]:
    """Explicit content, whatever the message asked."""
    explicit = _EXPLICIT.search(review.folded.text)
    if not explicit:
        return []
    span = review.folded.span(explicit.start(), explicit.end())
    return [
        review.block(
            EXPLICIT_CONTENT, f'Contains sexual or explicit content ("{review.words_at(span)}").', span
        )
    ]


def _check_ai_denial(review: _Review) -> list[_Hit]:
    """AI honesty: a denial is blocked; a question about AI with no disclosure set is flagged."""
    hits = [
        review.block(
            AI_DENIAL,
            f'Denies being AI ("{text}"); replies drafted with AI must never say so.',
            span,
            canned_reply(review.persona, "ai", "bot", "are you a bot") or HONEST_AI_REPLY,
        )
        for span, text in review.denial[:1]
    ]
    if not review.denial and review.asks_about_ai and not review.persona.boundaries.disclose_ai:
        hits.append(
            review.flag(
                AI_QUESTION_FLAG, "The fan asks whether this is AI: make sure the reply is honest about it."
            )
        )
    return hits


def _check_injection_worked(review: _Review) -> list[_Hit]:
    """Signs that an injection worked: its telltale words, a leaked speaker tag, the private style
    notes repeated, or the words the message dictated."""
    folded, draft_text = review.folded, review.text
    hits = [
        review.block(
            INJECTION_WORKED, f'Looks like the message\'s instructions took over ("{text.strip()}").', span
        )
        for span, text in _matches(_INJECTION_WORKED, folded, draft_text)[:1]
    ]
    name = review.persona.display_name.strip()
    if name:
        tag = re.compile(r"(?:^|\n)\s*" + re.escape(fold(name).text) + r"\s*:", re.IGNORECASE)
        hits += [
            review.block(
                INJECTION_WORKED,
                f'Contains a speaker tag ("{text.strip()}"): the prompt\'s format leaked.',
                span,
            )
            for span, text in _matches(tag, folded, draft_text)[:1]
        ]
    notes = review.persona.style_notes.strip().lower()
    if len(notes) >= 20 and notes[:40] in folded.text.lower():
        hits.append(review.block(INJECTION_WORKED, "Repeats your private style notes from the prompt."))
    if INJECTION in review.triage.categories:
        lowered = draft_text.lower()
        for quoted in _quoted_strings(review.incoming):
            position = lowered.find(quoted)
            if position >= 0:
                hits.append(
                    review.block(
                        INJECTION_WORKED,
                        f'Says what the message told it to say ("{quoted}").',
                        (position, position + len(quoted)),
                    )
                )
                break
    return hits


def _check_specifics(review: _Review) -> list[_Hit]:
    """Specifics and offers: what the draft states, held to what the creator said."""
    return [_Hit(finding, needs_edit=True) for finding in review.faithful]


_SAYS_IT_IS_ME = _rx(
    r"\b(?:it'?s|this\s+is|that'?s)\s+(?:really\s+|actually\s+|just\s+|all\s+|only\s+)?me\b(?!\s+in\b)",
    r"\bi\s+(?:read|answer|reply\s+to|write)\s+(?:all|every|each)\s+(?:one|of\s+(?:them|these)"
    r"|(?:my\s+|your\s+|these\s+|the\s+)?(?:dms?|messages?|comments?|repl\w+))\b",
    r"\bi\s+(?:read|answer|write)\s+(?:them|these|it|this)\s+(?:myself|personally)\b",
    r"\b(?:only|just)\s+me\s+(?:here|typing|replying|answering)\b",
)
"""A draft that says the creator is the one writing ("yes it's me!", "I read every one")."""
_ABOUT_WHO_ANSWERS = _rx(
    r"\b(?:bots?|ai|a\.i\.?|robots?|automat\w*|chat\s?gpt|gpt|real\s+(?:person|you)"
    r"|your\s+team|assistant|social\s+media\s+manager|someone\s+else|ghost\s?writ\w*|scripted|copy\s?paste\w*"
    r"|canned|auto[- ]?repl\w*)\b",
)
"""Words of a message that may ask who is answering, when triage did not read it as asking."""


def _implies_a_person(review: _Review) -> bool:
    """A second net under triage: the message mentions a bot, an assistant, a team and the like, and
    the draft answers "it's me" without saying AI drafted it. Triage misses some ways of asking;
    the draft's claim is easier to read."""
    return (
        not review.asks_about_ai
        and bool(_ABOUT_WHO_ANSWERS.search(review.incoming_folded))
        and bool(_SAYS_IT_IS_ME.search(review.folded.text))
        and not honest_about_ai(review.text)
    )


def _check_ai_honesty(review: _Review) -> list[_Hit]:
    """An answer to "are you a bot?" that does not say AI drafted it: the disclosure reply instead."""
    dodges = check_ai_honesty(review.text, review.incoming, review.asks_about_ai) or _implies_a_person(review)
    if review.denial or not dodges:
        return []
    return [
        review.flag(
            AI_HONESTY,
            "The fan asks whether a person or an AI is answering, and the draft does not say "
            "it was drafted with AI: your disclosure reply is offered instead.",
            reply=review.persona.boundaries.disclosure_reply,
            needs_edit=True,
        )
    ]


def _check_claims(review: _Review) -> list[_Hit]:
    """Unsupported claims about the creator (sentences the specifics did not already flag)."""
    flagged_sentences = [f.span for f in review.faithful if f.span]
    hits: list[_Hit] = []
    for claim in find_claims(review.text):
        if any(start < claim.span[1] and claim.span[0] < end for start, end in flagged_sentences):
            continue
        support = check_support(claim, review.persona.facts, review.support_finder, review.similarity)
        if support.supported:
            continue
        evidence = (
            Evidence(support.source.text, support.source.score, support.source.item_id, support.source.kind)
            if support.source is not None
            else None
        )
        about = KIND_WORDS[claim.kind]
        message = (
            f'States something about {about} that nothing you wrote supports: "{claim.text}" '
            f"({support.reason})."
        )
        needs_edit = claim.hard or FAMILY in claim.kinds or GIVEAWAY in claim.kinds
        if LINK in claim.kinds:
            message += " A link you never shared is not sent."
            hits.append(
                review.block(UNSUPPORTED_CLAIM, message, claim.span, evidence=evidence, needs_edit=needs_edit)
            )
        else:
            hits.append(review.flag(UNSUPPORTED_CLAIM, message, claim.span, evidence, needs_edit=needs_edit))
    return hits


CHECKS: tuple[Check, ...] = (
    _check_message,
    _check_empty,
    _check_never_say,
    _check_avoid_topics,
    _check_promises,
    _check_personal_details,
    _check_implied_yes,
    _check_meetups,
    _check_explicit,
    _check_ai_denial,
    _check_injection_worked,
    _check_specifics,
    _check_ai_honesty,
    _check_claims,
)
"""The guard's checks, in the order their findings are listed."""


def check_draft(
    draft_text: str,
    persona: Persona,
    incoming: str,
    support_finder: SupportFinder | None = None,
    *,
    similarity: Similarity | None = None,
    triage_result: Triage | None = None,
    sources: Sequence[Grounding] = (),
) -> GuardResult:
    """Review one draft against the persona's boundaries, its facts and the incoming message.

    ``similarity`` scores a claim against a source (the MiniLM cosine); when omitted it is taken
    from ``support_finder.similarity`` if the finder has one, else support is lexical.
    ``sources`` are the creator's words retrieved for this draft: with the facts sheet and the
    fan's message, the only things a draft's specifics may rest on.
    """
    if similarity is None:
        similarity = getattr(support_finder, "similarity", None)
    message_triage = triage_result if triage_result is not None else triage(incoming, persona)
    review = _Review(draft_text, persona, incoming, message_triage, support_finder, similarity, sources)
    hits = [hit for check in CHECKS for hit in check(review)]
    findings = [hit.finding for hit in hits]
    canned = next((hit.reply for hit in hits if hit.reply is not None), None)
    blocked = any(f.severity == "block" for f in findings)
    offered = canned if blocked or any(f.kind == AI_HONESTY for f in findings) else None
    return GuardResult(
        blocked=blocked,
        findings=findings,
        canned_reply=offered,
        needs_edit=any(hit.needs_edit for hit in hits) or blocked,
        text=apply_disclosure(draft_text, persona),
        triage=message_triage,
        escalate=message_triage.escalate,
    )


def _groundings(persona: Persona, sources: Sequence[Grounding]) -> list[Grounding]:
    """The facts sheet (with the creator's name, products and links) and the retrieved sources."""
    facts = [Grounding(fact, FACT) for fact in persona.facts if fact.strip()]
    identity = persona.identity
    extra = [
        persona.display_name,
        *(p.name + " " + p.url + " " + p.description for p in identity.products),
        *identity.links,
        *identity.projects,
    ]
    facts += [Grounding(text, FACT) for text in extra if text.strip()]
    return facts + list(sources)


def stale_specifics(text: str, incoming: str, persona: Persona) -> list[Finding]:
    """Numbers and facts in the creator's own past answer that the facts sheet now states
    differently (last year's price, an old date): the sheet is the creator's word today."""
    facts = [Grounding(fact, FACT) for fact in persona.facts if fact.strip()]
    return [
        Finding(
            CONTRADICTION,
            "flag",
            f'Your past answer says "{issue.specific.text}" where your facts sheet now says '
            f'"{issue.source_text}": it may be out of date.',
            issue.specific.span,
            _evidence(issue.source, issue.source_text),
            issue.specific.text,
        )
        for issue in check_specifics(text, incoming, facts)
        if issue.contradiction
    ]


def _evidence(ground: Grounding | None, quoted: str = "") -> Evidence | None:
    if ground is None:
        return None
    return Evidence(ground.text, 1.0 if quoted else 0.0, ground.item_id, ground.kind)


def _check_faithfulness(
    draft: str, incoming: str, grounds: list[Grounding], support_finder: SupportFinder | None
) -> list[Finding]:
    """Specifics the sources do not state (or state differently), and offers nobody announced.

    The corpus is searched only for sentences whose specifics the retrieved sources leave
    unsupported, so a draft that sticks to its sources costs no extra search.
    """
    issues = check_specifics(draft, incoming, grounds)
    if issues and support_finder is not None:
        spans = dict.fromkeys(sentence_at(draft, issue.specific.span[0]) for issue in issues)
        sentences = [draft[start:end] for start, end in spans][:2]
        extra = [
            Grounding(snippet.text, snippet.kind or "post", snippet.item_id)
            for sentence in sentences
            for snippet in support_finder(sentence)
        ]
        if extra:
            issues = check_specifics(draft, incoming, grounds + extra)
    findings: list[Finding] = []
    for issue in issues:
        specific = issue.specific
        what = f'"{specific.text}"' if specific.kind == NAME_KIND else f'{specific.label} ("{specific.text}")'
        if issue.contradiction:
            message = (
                f'Says "{specific.text}" where your own words say "{issue.source_text}": '
                f"{_where(issue.source)} states {specific.label} differently."
            )
            kind = CONTRADICTION
        else:
            message = (
                f"Names {what}, which nothing you wrote, your facts sheet or the fan's message states: "
                "check it or take it out."
            )
            kind = UNSUPPORTED_SPECIFIC
        severity: Severity = "flag"
        if specific.kind == URL_KIND and not issue.contradiction:
            severity, message = "block", message + " A link you never shared is not sent."
        findings.append(
            Finding(
                kind,
                severity,
                message,
                specific.span,
                _evidence(issue.source, issue.source_text),
                specific.text,
            )
        )
    offer = check_offer(draft, incoming, grounds, find_specifics(draft))
    if offer is not None:
        findings.append(
            Finding(
                UNSUPPORTED_OFFER,
                "flag",
                f"Answers a question about {_article(offer.offer)} {offer.offer} you never announced "
                f'("{offer.words.strip()}"): '
                "nothing you wrote or listed offers one.",
                offer.span,
                _evidence(offer.evidence),
                offer.words,
            )
        )
    return findings


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _where(source: Grounding | None) -> str:
    if source is None:
        return "a source"
    return "your facts sheet" if source.kind == FACT else "something you wrote"


@dataclass(frozen=True)
class Attempt:
    seed: int
    text: str
    result: GuardResult


@dataclass
class Regeneration:
    """The outcome of drafting with bounded retries: the draft to show and every attempt made."""

    text: str
    result: GuardResult
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return self.result.blocked


def regenerate_until_clean(
    generate: Callable[[int], str],
    check: Callable[[str], GuardResult],
    max_attempts: int = 3,
    first_seed: int = 0,
) -> Regeneration:
    """Draft with seeds ``first_seed, first_seed+1, ...`` until a draft is not blocked, at most
    ``max_attempts`` times; the last blocked draft is returned with its reason and canned reply."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    attempts: list[Attempt] = []
    for index in range(max_attempts):
        seed = first_seed + index
        text = generate(seed)
        result = check(text)
        attempts.append(Attempt(seed, text, result))
        if not result.blocked:
            break
    last = attempts[-1]
    return Regeneration(text=last.text, result=last.result, attempts=attempts)
