"""Small text tools the guard's rules share: folding, sentence spans, light stemming, topic matching.

The guard runs on every draft, so everything here is plain ``re`` and string work (no model).
Folding maps each output character back to the original, so a rule that matches on the folded
text (accents removed, zero-width characters dropped, full-width forms narrowed) still reports a
span in the text the creator sees.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Characters a fan (or a model) can slip between letters to dodge a word list.
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}
_APOSTROPHES = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"}


@dataclass(frozen=True)
class Folded:
    """Text with accents, invisible characters and odd apostrophes normalised, plus the way back."""

    text: str
    origin: tuple[int, ...]  # origin[i] = index in the original text of folded character i
    original_length: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original-text span of the folded span ``[start, end)``."""
        if not self.origin:
            return (0, 0)
        if start >= len(self.origin):
            return (self.original_length, self.original_length)
        first = self.origin[start]
        last = self.origin[max(start, min(end, len(self.origin)) - 1)] + 1
        return (first, last)


@lru_cache(maxsize=4096)
def fold(text: str) -> Folded:
    """Fold ``text`` for matching: NFKC width, no accents, no invisible characters, plain apostrophes.

    Cached: the guard folds the same facts and sources for every claim of every draft (845
    folds for 40 drafts, 0.1 s of the guard's 0.27 s); a ``Folded`` is immutable."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char in _INVISIBLE:
            continue
        char = _APOSTROPHES.get(char, char)
        decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", char))
        for piece in decomposed:
            if unicodedata.combining(piece):
                continue
            out.append(piece)
            origin.append(index)
    return Folded("".join(out), tuple(origin), len(text))


def fold_text(text: str) -> str:
    """Just the folded string (for rules that do not need spans)."""
    return fold(text).text


_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"')\]]*(?=\s|$)|\n+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences in ``text`` (split at . ! ? … and newlines), whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    trimmed: list[tuple[int, int]] = []
    for begin, end in spans:
        while begin < end and text[begin].isspace():
            begin += 1
        while end > begin and text[end - 1].isspace():
            end -= 1
        if end > begin:
            trimmed.append((begin, end))
    return trimmed


def sentence_at(text: str, position: int) -> tuple[int, int]:
    """The span of the sentence holding ``position`` (the whole text when none does)."""
    for start, end in sentence_spans(text):
        if start <= position < end:
            return (start, end)
    return (0, len(text))


_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)?", re.UNICODE)

# Suffixes stripped by ``stem``, longest first: enough to make "politics", "political" and
# "politician" meet, and plurals match singulars. Deliberately crude and predictable.
_SUFFIXES = (
    "ications",
    "ication",
    "ically",
    "ations",
    "ation",
    "icians",
    "ician",
    "ities",
    "ity",
    "ians",
    "ian",
    "ical",
    "ics",
    "ies",
    "ing",
    "ers",
    "er",
    "ed",
    "es",
    "al",
    "ly",
    "ic",
    "s",
)


def stem(word: str) -> str:
    """A light stemmer: lowercase, then strip one common English suffix when enough word remains."""
    word = word.lower().replace("'", "")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            return base + "y" if suffix == "ies" else base
    return word


def words(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text`` with their spans (letters and digits; an inner apostrophe kept)."""
    return [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(text)]


STOPWORDS = frozenset(
    """a an the and or but if then so of to in on at by for with from as is are was were be been
    being am i me my mine we our ours you your yours he him his she her hers it its they them their
    this that these those there here what which who whom whose when where why how all any both each
    few more most other some such no nor not only own same than too very can will just don should
    now do does did have has had having im ive ill id youre its dont cant wont also about into over
    after before again out up down off would could get got really yes yeah oh hey hi lol haha""".split()
)

#: English number words up to ninety, by value (specifics and triage take theirs from here too).
ENGLISH_NUMBER_WORDS: dict[str, int] = {
    **{
        word: n
        for n, word in enumerate(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
            "sixteen seventeen eighteen nineteen".split()
        )
    },
    **{
        word: 10 * n
        for n, word in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)
    },
}
_NUMBER_WORDS = {
    **{word: n for word, n in ENGLISH_NUMBER_WORDS.items() if n <= 50},
    "hundred": 100,
    "dozen": 12,
    "twins": 2,
}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def numbers(text: str) -> set[str]:
    """The numbers ``text`` states, digits or English words, normalised ("15.00" and "15" agree)."""
    found: set[str] = set()
    for match in _NUMBER.finditer(text):
        value = match.group(0).replace(",", ".")
        try:
            as_float = float(value)
        except ValueError:
            continue
        found.add(str(int(as_float)) if as_float == int(as_float) else str(as_float))
    for word, _start, _end in words(text.lower()):
        if word in _NUMBER_WORDS:
            found.add(str(_NUMBER_WORDS[word]))
    return found


def content_stems(text: str) -> set[str]:
    """Stems of the words in ``text`` that carry meaning (no stopwords, no bare numbers)."""
    return {
        stem(w)
        for w, _s, _e in words(fold_text(text).lower())
        if w.replace("'", "") not in STOPWORDS and not w.isdigit() and len(w) > 1
    }


_POSSESSIVES = ("my", "our", "your", "his", "her", "their")

# A few common topics, widened so that the words people use for them count too. Shown to the
# creator in the finding ("'election' counts as politics"), so it stays explainable.
TOPIC_EXPANSIONS: dict[str, tuple[str, ...]] = {
    "politics": (
        "election",
        "vote",
        "voting",
        "voted",
        "president",
        "democrat",
        "republican",
        "government",
        "left-wing",
        "right-wing",
        "liberal",
        "conservative",
        "parliament",
        "senator",
        "congress",
        "trump",
        "biden",
        "campaign",
    ),
    "religion": ("god", "church", "mosque", "synagogue", "prayer", "atheist", "bible", "quran"),
    "my ex": ("ex-boyfriend", "ex-girlfriend", "ex-husband", "ex-wife", "ex-partner", "breakup"),
    "my weight": ("weigh", "pounds", "kilos", "diet", "fat", "skinny"),
    "drugs": ("weed", "cocaine", "molly", "mdma"),
}


@dataclass(frozen=True)
class TopicHit:
    topic: str
    matched: str
    span: tuple[int, int]


class TopicMatcher:
    """Finds mentions of the creator's avoid-topics: whole words, stems and a few related words.

    A topic like "my ex" also matches "your ex" and "her ex" (a possessive in front is part of how
    people say it, not of what it is); "politics" matches "political" and "politicians".
    """

    def __init__(self, topics: list[str]) -> None:
        self._patterns: list[tuple[str, list[list[str]]]] = []
        for topic in topics:
            clean = " ".join(w for w, _s, _e in words(fold_text(topic).lower()))
            if not clean:
                continue
            phrases = [clean] + list(TOPIC_EXPANSIONS.get(clean, ()))
            variants: list[list[str]] = []
            for phrase in phrases:
                tokens = [stem(w) for w, _s, _e in words(phrase)]
                if len(tokens) > 1 and tokens[0] in _POSSESSIVES:
                    for possessive in _POSSESSIVES:
                        variants.append([possessive] + tokens[1:])
                elif tokens:
                    variants.append(tokens)
            self._patterns.append((topic, variants))

    def find(self, text: str) -> list[TopicHit]:
        folded = fold(text)
        tokens = words(folded.text)
        stems = [stem(w) for w, _s, _e in tokens]
        hits: list[TopicHit] = []
        for topic, variants in self._patterns:
            for variant in variants:
                n = len(variant)
                for i in range(len(stems) - n + 1):
                    if stems[i : i + n] == variant:
                        start, end = tokens[i][1], tokens[i + n - 1][2]
                        original = folded.span(start, end)
                        hits.append(TopicHit(topic, text[original[0] : original[1]], original))
                        break
                else:
                    continue
                break  # one hit per topic is enough to explain it
        return hits
