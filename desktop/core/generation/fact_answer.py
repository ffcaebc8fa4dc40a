"""A question the creator's facts sheet answers gets the line that answers it, in their words.

Why: the facts sheet is the creator writing down, in the first person, what fans ask ("Strong in
12 costs $89, one time: no subscription, no payment plans."; "I don't ship bakes."), and the
270M model rarely carries a line of it into a draft: read by hand (the dev half), it answered
"is there a discount code for strong in 12?" with "No, not right now!" while the sheet names the
code, and "can you ship me some croissants" with thanks for croissant tips. So the line itself
is a candidate, labelled "From your facts", and the guard and the score treat it like any other.

Which line: the one closest in meaning (MiniLM) among those that hold the question's own words:
every meaning word of the question but the generic ones ("what", "use", "much", "usually"); or
two of them or more, when at most one of the others is a word the sheet uses elsewhere ("do you
do baking classes in person?" -> "I sell nothing: no course, no classes (online or in person),
..."; "algarve" in "would you shoot our wedding next summer? in the algarve" is a word the sheet
never uses, so it cannot be what another line answers). A question that asks for a price,
a duration, a time or a count only takes a line that states one ("how much is strong in 12" is
not answered by "Strong in 12 has 3 strength workouts a week"), one for an amount a line with a
number or a proportion ("half oat, half plain"), one for a brand a line with a name. Nothing is
reworded: the line is the creator's, as they wrote it, or the one clause of it that answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from desktop.core.generation.faithfulness import asks_question
from desktop.core.generation.specifics import DATE, DURATION, NAME, NUMERIC_KINDS, PRICE, TIME, find_specifics
from desktop.core.generation.textmatch import content_stems, fold_text

MIN_SIMILARITY = 0.4
"""MiniLM cosine from which the closest eligible line counts as about the question."""

GENERIC_STEMS = frozenset(
    """what whats wher where when which who how much many long often usual usually rough roughly ever
    still again use using us u ur pls please know like want need think tell anyone someone something
    anyth anything thing go goe going get gett make mak made do doing done nev never mine one ones
    good best really actual actually lol tho though guy girl way kind sort type also even honest
    honestly literally lowkey ngl omg sometime someday wonder curious love join""".split()
)
"""Words of asking, not of the thing asked about (stems, as ``textmatch.content_stems`` cuts them)."""

_ASKS_PRICE = re.compile(r"\bhow much\s+(?:is|are|does|do|for|would)\b|\b(?:price|cost|costs)\b")
_ASKS_DURATION = re.compile(r"\bhow long\b")
_ASKS_TIME = re.compile(r"\bwhat time\b|\bwhen\b")
_ASKS_AMOUNT = re.compile(r"\bhow (?:many|much)\b")
_ASKS_BRAND = re.compile(r"\bbrand\b|\b(?:what|which)\s+(?:make|model)\b")
_PROPORTION = re.compile(r"\b(?:half|double|twice|third|quarter|all|none)\b")
_AMOUNT_KINDS = NUMERIC_KINDS - {TIME, DATE, DURATION}


_ASKED: tuple[tuple[str, re.Pattern[str]], ...] = (
    (PRICE, _ASKS_PRICE),
    (DURATION, _ASKS_DURATION),
    (TIME, _ASKS_TIME),
    ("amount", _ASKS_AMOUNT),
    ("brand", _ASKS_BRAND),
)
"""What a question may ask for, in the order the patterns are tried: the first that matches."""


def _asked_for(question: str) -> str | None:
    """What ``question`` asks for: a price, a duration, a time, an amount, a brand, or None."""
    text = fold_text(question).lower()
    return next((asked for asked, pattern in _ASKED if pattern.search(text)), None)


def _states(asked: str | None, line: str) -> bool:
    """Whether ``line`` states what was asked for (a price for a price ...); any line for None."""
    if asked is None:
        return True
    kinds = {s.kind for s in find_specifics(line)}
    if asked == PRICE:
        return PRICE in kinds
    if asked == DURATION:
        return DURATION in kinds
    if asked == TIME:
        return bool(kinds & {TIME, DATE})
    if asked == "amount":
        return bool(kinds & _AMOUNT_KINDS) or bool(_PROPORTION.search(fold_text(line).lower()))
    return NAME in kinds


def _held(wanted: set[str], stems: set[str]) -> set[str]:
    """The question's stems a line holds, a stem also held by a longer one it starts ("visit" by
    "visitor"; the light stemmer leaves both)."""
    return {w for w in wanted if w in stems or (len(w) >= 4 and any(s.startswith(w) for s in stems))}


def _answering_part(line: str, wanted: set[str]) -> str:
    """The clause of a line joined by semicolons that holds more of the question's words than any
    other ("My everyday lens is the XF 16-55mm f/2.8; for night shots the XF 56mm f/1.2, wide
    open." -> "For night shots the XF 56mm f/1.2, wide open." to the Kyoto night shots): creators
    answer the question, not the whole line. The whole line when no clause stands out."""
    clauses = [c.strip() for c in re.split(r";\s+", line) if c.strip()]
    if len(clauses) < 2:
        return line
    held = sorted(((len(_held(wanted, content_stems(c))), c) for c in clauses), reverse=True)
    if held[0][0] == held[1][0]:
        return line
    clause = held[0][1]
    return clause[:1].upper() + clause[1:] + ("" if clause[-1] in ".!?" else ".")


def facts_answer(
    question: str,
    facts: Sequence[str],
    similarity: Callable[[str, str], float],
    min_similarity: float = MIN_SIMILARITY,
    creator_name: str = "",
) -> str | None:
    """The facts line that answers ``question`` (module docstring), or None. The creator's own
    name in the question ("Hola Maya! Can I ...") is a greeting, not what is asked about."""
    if not asks_question(question):
        return None
    wanted = content_stems(question) - GENERIC_STEMS - content_stems(creator_name)
    if not wanted:
        return None
    stems = {line: content_stems(line) for line in facts}
    sheet = set().union(*stems.values())
    asked = _asked_for(question)
    best: tuple[float, str] | None = None
    for line in facts:
        held = _held(wanted, stems[line])
        missing = wanted - held
        if missing and (len(held) < 2 or len(missing & sheet) > 1):
            continue
        if not _states(asked, line):
            continue
        score = similarity(question, line)
        if score >= min_similarity and (best is None or score > best[0]):
            best = (score, line)
    return _answering_part(best[1], wanted) if best else None
