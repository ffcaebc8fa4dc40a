"""The creator's style profile, learned from their own items (``is_owner = 1``) in the store.

Two layers:

* ``style_features(text)``: what one text looks like (words, emoji, exclamation and question
  marks, formality markers, links, self-promotion). Stored replies carry these so that few-shot
  examples can be reranked toward the slider targets.
* ``iter_style_profile(store)`` / ``compute_style_profile(store)``: the same features summed
  over every item the creator wrote, streamed row by row (memory is bounded: counters of word
  lengths, emoji and phrases, the phrase counter pruned when it grows large), plus greetings
  and sign-offs, recurring phrases, languages and the hour of day, overall and split by
  platform and by kind (``dm``, ``group``, ``comment``, ``post``).

``calibrated_sliders(profile)`` turns a profile into default slider positions (0-100).

Emoji are segmented by the ``emoji`` package (ZWJ sequences, skin tones, keycaps, flags and
tag sequences stay one emoji); a text-default symbol (©, ™, ↔, ...) counts only when followed
by the emoji presentation selector U+FE0F. Languages are a light heuristic (script ranges, then a few
common function words for Latin-script languages), not a classifier. Hours are UTC: the store
keeps every timestamp in UTC and the archives rarely say the creator's time zone.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Generator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import emoji

from desktop.core.persona.model import DEFAULT_SLIDERS, clamp_slider
from desktop.core.tasks import CancelToken, Progress

if TYPE_CHECKING:
    from desktop.core.store import Store

# --- emoji --------------------------------------------------------------------------------------

# Segmentation (ZWJ sequences, flags, tags, keycaps, skin tones) is the `emoji` package's job;
# what we add is presentation: symbols below U+2600 such as (c), (R) and TM are typography,
# not emoji, unless U+FE0F follows them; a few of them are emoji by default (Emoji_Presentation).
_EMOJI_PRESENTATION_LOW = frozenset("\u231a\u231b\u23e9\u23ea\u23eb\u23ec\u23f0\u23f3\u25fd\u25fe")
_VS15, _VS16 = "\ufe0e", "\ufe0f"


def find_emoji(text: str) -> list[str]:
    """Every emoji in ``text`` in order, each as the full sequence the reader sees as one."""
    if text.isascii():
        return []  # every emoji has a code point above U+007F; the tokenizer cost 100 µs a text
    found: list[str] = []
    for match in emoji.emoji_list(text):
        sequence, end = match["emoji"], match["match_end"]
        if sequence.endswith(_VS15) or text[end : end + 1] == _VS15:
            continue  # explicitly asked to show as text
        base = sequence.replace(_VS16, "")
        if (
            len(base) == 1
            and ord(base) < 0x2600
            and base not in _EMOJI_PRESENTATION_LOW
            and _VS16 not in sequence
        ):
            continue
        found.append(sequence)
    return found


def emoji_key(sequence: str) -> str:
    """One emoji's identity for counting: ❤ and ❤️ (with U+FE0F) are the same favourite."""
    return sequence.replace(_VS16, "").replace(_VS15, "")


# --- words and markers --------------------------------------------------------------------------

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_CONTRACTION = re.compile(r"\b[^\W\d_]+['’](?:s|re|ve|ll|d|m|t)\b", re.IGNORECASE)
_SLANG = frozenset(
    "lol lmao lmfao omg tbh imo imho idk ngl btw gonna wanna gotta ya yall u ur thx ty pls plz yeah yep yup "
    "nope dope bro sis fam kinda sorta cuz coz dunno lemme gimme im dont cant wont ain't aint yay yass "
    "yasss bruh fr af asap rn smh tho cya".split()
)
_LAUGH = re.compile(
    r"\b(?:l+o+l+z?|lmf?ao+|rofl|(?:ha){2,}h?|(?:he){2,}h?|(?:hi){2,}|(?:ja){2,}|(?:ah){2,}|kkk+|xd)\b",
    re.IGNORECASE,
)
_LAUGH_EMOJI = frozenset(["😂", "🤣", "😆", "😅", "😹", "😜", "😝", "😛", "🙃"])
_WARM = re.compile(
    r"\b(?:thanks?|thank\s+you|thx|ty|love|loved|lovely|appreciate[ds]?|so\s+happy|glad|amazing|means\s+a\s+lot|"
    r"hugs?|congrats|congratulations|proud|sweet|welcome|you'?re\s+the\s+best|"
    r"gracias|merci|danke|grazie|obrigad[oa])\b",
    re.IGNORECASE,
)
_WARM_EMOJI = frozenset("❤ 💕 🥰 😍 💖 🤗 😊 🙏 💗 💛 💜 💙 💚 🧡 🫶 ☺".split())
_HEDGE = re.compile(
    r"\b(?:maybe|perhaps|i\s+think|i\s+guess|probably|might|kind\s+of|sort\s+of|kinda|sorta|not\s+sure|possibly|"
    r"i\s+feel\s+like|i\s+suppose|it\s+depends)\b",
    re.IGNORECASE,
)
_FORMAL = re.compile(
    r"\b(?:dear|regards|sincerely|kindly|please|thank\s+you|would|could\s+you|appreciate|furthermore|however|"
    r"therefore|certainly|indeed|unfortunately)\b",
    re.IGNORECASE,
)
_PROMO = re.compile(
    r"\b(?:link\s+(?:is\s+)?in\s+(?:my\s+)?bio|use\s+(?:my\s+)?code|discount\s+code|promo\s+code|check\s+out\s+my|subscribe|"
    r"sign\s+up|pre-?order|on\s+sale|shop\s+now|patreon|new\s+video|out\s+now|available\s+now|"
    r"my\s+(?:new\s+)?(?:course|book|cookbook|ebook|program|programme|plan|channel|podcast|shop|store|merch|app|newsletter|"
    r"class|workshop|coaching|album|single|tour))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class StyleFeatures:
    """What one text looks like: the measures the sliders aim at."""

    words: int
    emoji: int
    exclamations: int
    """``!`` characters."""
    questions: int
    """``?`` characters."""
    contractions: int
    slang: int
    laughs: int
    """"lol", "haha", 😂 and the like."""
    warm: int
    """Thanks, love, appreciation words and heart emoji."""
    hedges: int
    """"maybe", "i think", "kind of"..."""
    formal: int
    """"dear", "regards", "please", "would"..."""
    cased: bool
    """Has letters that have a case (Latin, Greek, Cyrillic...)."""
    lowercase_start: bool
    all_lowercase: bool
    """Has letters that have a case, and none is upper case."""
    links: int
    self_promotion: int
    """"link in bio", "use my code", "my new course"..."""

    @property
    def formality(self) -> float:
        """A 0-1 score: capital start, full stops and formal words up; slang, laughs, emoji down."""
        score = 0.5
        if self.lowercase_start:
            score -= 0.15
        elif self.cased:
            score += 0.1
        score -= min(0.3, 0.1 * self.slang) + min(0.15, 0.05 * self.contractions)
        score -= 0.1 if self.laughs else 0.0
        score -= 0.05 if self.emoji else 0.0
        score -= 0.05 if self.exclamations > 1 else 0.0
        score += min(0.3, 0.1 * self.formal)
        return round(min(1.0, max(0.0, score)), 4)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "formality": self.formality}


def words_of(text: str) -> list[str]:
    """The words of ``text`` (links left out; a run of CJK characters counts as one word)."""
    return _WORD.findall(_URL.sub(" ", text))


def style_features(text: str) -> StyleFeatures:
    """Measure one text. Pure and fast: called for every stored reply."""
    return measure_text(text)[0]


_ASCII_LETTER = re.compile(r"[A-Za-z]")


def _casing(text: str) -> tuple[bool, bool, bool]:
    """(has a cased letter, the first one is lower-case, none is upper-case)."""
    if text.isascii():  # the common case, without a Python loop over the characters
        first = _ASCII_LETTER.search(text)
        return (
            first is not None,
            first is not None and first.group().islower(),
            first is not None and text.islower(),
        )
    cased = [c for c in text if c.isalpha() and (c.isupper() or c.islower())]
    return (
        bool(cased),
        bool(cased) and cased[0].islower(),
        bool(cased) and not any(c.isupper() for c in cased),
    )


def measure_text(text: str) -> tuple[StyleFeatures, list[str]]:
    """``style_features(text)`` and the emoji found in it (``find_emoji``), measured once."""
    without_links = _URL.sub(" ", text)
    words = _WORD.findall(without_links)
    emoji = find_emoji(text)
    keys = {emoji_key(e) for e in emoji}
    lowered = [w.lower() for w in words]
    cased, lowercase_start, all_lowercase = _casing(without_links)
    features = StyleFeatures(
        words=len(words),
        emoji=len(emoji),
        exclamations=text.count("!"),
        questions=text.count("?"),
        contractions=len(_CONTRACTION.findall(without_links)),
        slang=sum(1 for w in lowered if w.replace("’", "'") in _SLANG),
        laughs=len(_LAUGH.findall(without_links)) + sum(1 for e in emoji if emoji_key(e) in _LAUGH_EMOJI),
        warm=len(_WARM.findall(without_links)) + len(keys & _WARM_EMOJI),
        hedges=len(_HEDGE.findall(without_links)),
        formal=len(_FORMAL.findall(without_links)),
        cased=cased,
        lowercase_start=lowercase_start,
        all_lowercase=all_lowercase,
        links=len(_URL.findall(text)),
        self_promotion=len(_PROMO.findall(without_links)),
    )
    return features, emoji


# --- languages (a light heuristic) ---------------------------------------------------------------

_SCRIPTS: tuple[tuple[int, int, str], ...] = (
    (0x0370, 0x03FF, "el"), (0x0400, 0x04FF, "ru"), (0x0590, 0x05FF, "he"), (0x0600, 0x06FF, "ar"),
    (0x0900, 0x097F, "hi"), (0x0E00, 0x0E7F, "th"), (0x3040, 0x30FF, "ja"), (0x4E00, 0x9FFF, "zh"),
    (0xAC00, 0xD7AF, "ko"),
)  # fmt: skip
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and you is are to of it that for with this i my your thanks what have so just".split()
    ),
    "es": frozenset(
        "el los las que y es en por para con gracias pero muy una mi estoy qué está hola".split()
    ),
    "fr": frozenset(
        "le les et est je tu vous des un une pour pas merci avec c'est mais très bonjour".split()
    ),
    "de": frozenset("der die das und ist ich du nicht ein eine mit für danke auch sehr wie aber".split()),
    "pt": frozenset("o os as não um uma para com obrigado obrigada muito você eu mas é olá".split()),
    "it": frozenset("il lo che di è non per con grazie molto sono ma ciao anche".split()),
    "nl": frozenset("het een en ik je niet van met voor bedankt ook maar wat".split()),
}
UNKNOWN_LANGUAGE = "und"


def detect_language(text: str) -> str:
    """A guess at the text's language: a script (Cyrillic is reported as "ru", Han as "zh"), or for
    Latin script the language whose common words it uses most; "und" when unclear."""
    scripts: Counter[str] = Counter()
    for ch in "" if text.isascii() else text:  # every script listed lies above U+0370
        cp = ord(ch)
        if cp < 0x0370 or not ch.isalpha():
            continue
        for low, high, code in _SCRIPTS:
            if low <= cp <= high:
                scripts[code] += 1
                break
    if scripts:
        if scripts["ja"]:
            return "ja"  # kana present: Japanese even when most characters are Han
        return scripts.most_common(1)[0][0]
    words = [w.lower().replace("’", "'") for w in words_of(text)]
    scores = Counter({lang: sum(1 for w in words if w in vocab) for lang, vocab in _FUNCTION_WORDS.items()})
    ranked = scores.most_common(2)
    if not ranked or ranked[0][1] == 0 or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return UNKNOWN_LANGUAGE
    return ranked[0][0]


# --- greetings, sign-offs, phrases ---------------------------------------------------------------

_GREETING = re.compile(
    r"^(good\s+(?:morning|afternoon|evening|night)|h+e+y+a*|h+i+|hello+|hiya|howdy|yo+|sup|g'?day|gm|"
    r"hola|buenas|bonjour|salut|coucou|ciao|hallo|hej|moin|oi|ol[áa]|dear|greetings|"
    # "morning!" greets; "morning run done" does not
    r"(?:morning|evening)(?=\s*(?:[!,.]|$|all\b|everyone\b|guys\b|fam\b|friends\b)))\b"
)
_SIGN_OFF = re.compile(
    r"\b(x+o+x*o*|x{2,}|love\s+you|lots\s+of\s+love|much\s+love|love|cheers|thanks(?:\s+again)?|thank\s+you|thx|ty|"
    r"take\s+care|talk\s+soon|speak\s+soon|see\s+you(?:\s+soon|\s+there|\s+then)?|see\s+ya|later|bye+|ciao|peace|"
    r"best(?:\s+wishes)?|(?:kind\s+)?regards|hugs|gracias|merci|danke|obrigad[oa])$"
)
_SEGMENT_BREAK = re.compile(r"[.!?;:,()\[\]\"“”\n]+")
_LEADING_NOISE = re.compile(r"^[\W_]+")
_TRAILING_NOISE = re.compile(r"[\W_]+$")
STOPWORDS = frozenset(
    "a an the and or but if so of to in on at by for with from up about into over after is am are was were "
    "be been "
    "being have has had do does did i me my we our you your he him his she her it its they them their this "
    "that "
    "these those what which who whom there here just not no yes too very can will would should could also "
    "all any "
    "some more most than then as how when where why i'm it's that's you're don't".split()
)
_NGRAM_SIZES = (2, 3, 4)
_MAX_NGRAMS = 200_000  # distinct phrases kept before pruning the rarest (bounded memory)


def greeting_of(text: str) -> str | None:
    """The greeting the text opens with ("hey", "heyyy", "good morning"), lower-cased, or None."""
    start = _LEADING_NOISE.sub("", text.strip().lower())
    match = _GREETING.match(start)
    return re.sub(r"\s+", " ", match.group(1)) if match else None


def sign_off_of(text: str) -> str | None:
    """The sign-off the text ends with ("thanks", "xx", "see you soon"), lower-cased, or None."""
    end = _TRAILING_NOISE.sub("", _URL.sub(" ", text).strip().lower())
    if len(words_of(end)) < 2:
        return None  # a one-word reply ("thanks!") is the whole reply, not a sign-off
    match = _SIGN_OFF.search(end)
    return re.sub(r"\s+", " ", match.group(1)) if match else None


def phrases_of(text: str) -> set[str]:
    """The 2-4 word phrases of ``text`` (within a sentence; not made only of common words)."""
    found: set[str] = set()
    for segment in _SEGMENT_BREAK.split(_URL.sub(" ", text.lower())):
        tokens = [w.replace("’", "'") for w in _WORD.findall(segment)]
        common = [t in STOPWORDS or t.isdigit() for t in tokens]
        for size in _NGRAM_SIZES:
            for start in range(len(tokens) - size + 1):
                if not all(common[start : start + size]):
                    found.add(" ".join(tokens[start : start + size]))
    return found


# --- the profile --------------------------------------------------------------------------------

LENGTH_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (0, 0),
    (1, 3),
    (4, 7),
    (8, 15),
    (16, 30),
    (31, 60),
    (61, None),
)
"""Histogram buckets of words per item, inclusive; (0, 0) holds emoji-only items."""


def bucket_label(low: int, high: int | None) -> str:
    if high is None:
        return f"{low}+"
    return str(low) if low == high else f"{low}-{high}"


@dataclass
class StyleSummary:
    """The style of a set of items (all of them, or one platform's, or one kind's)."""

    items: int = 0
    words_median: float = 0.0
    words_mean: float = 0.0
    words_p90: int = 0
    length_histogram: list[tuple[str, int]] = field(default_factory=list)
    emoji_per_item: float = 0.0
    emoji_item_share: float = 0.0
    """Share of items with at least one emoji."""
    top_emoji: list[tuple[str, int]] = field(default_factory=list)
    exclamation_rate: float = 0.0
    """Share of items with a ``!``."""
    question_rate: float = 0.0
    """Share of items with a ``?``."""
    all_lowercase_share: float = 0.0
    """Share of items (with cased letters) written all in lower case."""
    lowercase_start_share: float = 0.0
    laugh_rate: float = 0.0
    warm_rate: float = 0.0
    hedge_rate: float = 0.0
    slang_rate: float = 0.0
    contraction_rate: float = 0.0
    link_rate: float = 0.0
    self_promotion_rate: float = 0.0
    formality_mean: float = 0.0
    hours_utc: list[int] = field(default_factory=lambda: [0] * 24)
    """Items per hour of the day, UTC."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "StyleSummary":
        values = dict(data)
        values["length_histogram"] = [(str(k), int(v)) for k, v in values.get("length_histogram", [])]
        values["top_emoji"] = [(str(k), int(v)) for k, v in values.get("top_emoji", [])]
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


@dataclass
class StyleProfile:
    """How the creator writes, learned from their own items. JSON-serializable via ``to_dict``."""

    overall: StyleSummary = field(default_factory=StyleSummary)
    greetings: list[tuple[str, int]] = field(default_factory=list)
    sign_offs: list[tuple[str, int]] = field(default_factory=list)
    phrases: list[tuple[str, int]] = field(default_factory=list)
    languages: dict[str, int] = field(default_factory=dict)
    """Language code -> items ("und": unclear). A heuristic: script, then common words."""
    by_platform: dict[str, StyleSummary] = field(default_factory=dict)
    by_kind: dict[str, StyleSummary] = field(default_factory=dict)
    """"dm", "group" (group-chat messages), "comment", "post"."""
    skipped_empty: int = 0
    """Own items with no text (media only), left out of every figure."""
    own_items: int = 0
    """The creator's items in the store when the profile was computed (0: not recorded)."""
    sample_every: int = 1
    """1: every own item was read; k: every k-th (a large store, see ``PROFILE_SAMPLE``)."""
    computed_at: str = ""
    timezone: str = "UTC"

    @property
    def items(self) -> int:
        return self.overall.items

    @property
    def sampled(self) -> bool:
        return self.sample_every > 1

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self), ensure_ascii=False))  # tuples -> lists, all plain

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "StyleProfile":
        return cls(
            overall=StyleSummary.from_dict(data.get("overall", {})),
            greetings=[(str(k), int(v)) for k, v in data.get("greetings", [])],
            sign_offs=[(str(k), int(v)) for k, v in data.get("sign_offs", [])],
            phrases=[(str(k), int(v)) for k, v in data.get("phrases", [])],
            languages={str(k): int(v) for k, v in data.get("languages", {}).items()},
            by_platform={k: StyleSummary.from_dict(v) for k, v in data.get("by_platform", {}).items()},
            by_kind={k: StyleSummary.from_dict(v) for k, v in data.get("by_kind", {}).items()},
            skipped_empty=int(data.get("skipped_empty", 0)),
            own_items=int(data.get("own_items", 0)),
            sample_every=int(data.get("sample_every", 1)),
            computed_at=str(data.get("computed_at", "")),
            timezone=str(data.get("timezone", "UTC")),
        )


def _ranked(counter: Counter[str]) -> list[tuple[str, int]]:
    """Most frequent first; ties in a stable, readable order."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def _rate(part: float, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


class _Tally:
    """Running sums for one StyleSummary: O(distinct lengths + distinct emoji) memory."""

    def __init__(self) -> None:
        self.items = 0
        self.lengths: Counter[int] = Counter()
        self.emoji: Counter[str] = Counter()
        self.emoji_shown: dict[str, str] = {}
        self.hours = [0] * 24
        self.sums: Counter[str] = Counter()
        self.cased = 0
        self.formality = 0.0

    def add(self, features: StyleFeatures, emoji: list[str], hour: int | None) -> None:
        self.items += 1
        self.lengths[features.words] += 1
        for sequence in emoji:
            key = emoji_key(sequence)
            self.emoji[key] += 1
            self.emoji_shown.setdefault(key, sequence)
        if hour is not None:
            self.hours[hour] += 1
        sums = self.sums
        sums["emoji"] += features.emoji
        sums["emoji_items"] += features.emoji > 0
        sums["exclamation"] += features.exclamations > 0
        sums["question"] += features.questions > 0
        sums["laugh"] += features.laughs > 0
        sums["warm"] += features.warm > 0
        sums["hedge"] += features.hedges > 0
        sums["slang"] += features.slang > 0
        sums["contraction"] += features.contractions > 0
        sums["link"] += features.links > 0
        sums["promo"] += features.self_promotion > 0
        sums["lowercase_start"] += features.lowercase_start
        sums["all_lowercase"] += features.all_lowercase
        self.cased += features.cased
        self.formality += features.formality

    def summary(self, top_emoji: int = 10) -> StyleSummary:
        n, sums = self.items, self.sums
        histogram = [(bucket_label(low, high), 0) for low, high in LENGTH_BUCKETS]
        for words, count in self.lengths.items():
            index = next(
                i
                for i, (low, high) in enumerate(LENGTH_BUCKETS)
                if words >= low and (high is None or words <= high)
            )
            histogram[index] = (histogram[index][0], histogram[index][1] + count)
        return StyleSummary(
            items=n,
            words_median=_median(self.lengths),
            words_mean=round(sum(w * c for w, c in self.lengths.items()) / n, 2) if n else 0.0,
            words_p90=_percentile(self.lengths, 0.9),
            length_histogram=histogram,
            emoji_per_item=_rate(sums["emoji"], n),
            emoji_item_share=_rate(sums["emoji_items"], n),
            top_emoji=[(self.emoji_shown[k], c) for k, c in _ranked(self.emoji)[:top_emoji]],
            exclamation_rate=_rate(sums["exclamation"], n),
            question_rate=_rate(sums["question"], n),
            all_lowercase_share=_rate(sums["all_lowercase"], self.cased),
            lowercase_start_share=_rate(sums["lowercase_start"], self.cased),
            laugh_rate=_rate(sums["laugh"], n),
            warm_rate=_rate(sums["warm"], n),
            hedge_rate=_rate(sums["hedge"], n),
            slang_rate=_rate(sums["slang"], n),
            contraction_rate=_rate(sums["contraction"], n),
            link_rate=_rate(sums["link"], n),
            self_promotion_rate=_rate(sums["promo"], n),
            formality_mean=_rate(self.formality, n),
            hours_utc=list(self.hours),
        )


def _median(lengths: Counter[int]) -> float:
    n = sum(lengths.values())
    if not n:
        return 0.0
    ordered = sorted(lengths.items())

    def nth(k: int) -> int:  # 0-based k-th smallest
        seen = 0
        for value, count in ordered:
            seen += count
            if k < seen:
                return value
        raise AssertionError("unreachable")

    if n % 2:
        return float(nth(n // 2))
    return (nth(n // 2 - 1) + nth(n // 2)) / 2


def _percentile(lengths: Counter[int], share: float) -> int:
    n = sum(lengths.values())
    if not n:
        return 0
    rank, seen = math.ceil(share * n), 0
    for value, count in sorted(lengths.items()):
        seen += count
        if seen >= rank:
            return value
    raise AssertionError("unreachable")


def kind_bucket(item_kind: str, thread_kind: str | None) -> str:
    """The split a creator recognises: DMs, group chats, comments, posts."""
    if item_kind == "message":
        return "group" if thread_kind == "group" else "dm"
    return item_kind


class _PhraseCounter:
    """Counts phrases per item, pruning the rarest when too many distinct ones pile up
    (lossy counting: on a huge store a rare phrase may be undercounted, never a frequent one)."""

    def __init__(self, limit: int = _MAX_NGRAMS) -> None:
        self.counts: Counter[str] = Counter()
        self.limit = limit
        self.floor = 1

    def add(self, phrases: set[str]) -> None:
        self.counts.update(phrases)
        if len(self.counts) > self.limit:
            for phrase in [p for p, c in self.counts.items() if c <= self.floor]:
                del self.counts[phrase]
            self.floor += 1

    def top(self, n: int, min_count: int) -> list[tuple[str, int]]:
        candidates = [(p, c) for p, c in self.counts.items() if c >= min_count]
        candidates.sort(key=lambda pc: (-pc[1], -len(pc[0].split()), pc[0]))
        chosen: list[tuple[str, int]] = []
        for phrase, count in candidates:
            # A phrase inside a longer one found in just as many items adds nothing.
            padded = f" {phrase} "
            if any(count == c and padded in f" {longer} " and longer != phrase for longer, c in candidates):
                continue
            chosen.append((phrase, count))
            if len(chosen) == n:
                break
        return chosen


PROGRESS_EVERY = 2000
PROFILE_SAMPLE = 20_000
"""Own items read at most. Above it the profile reads an evenly spaced sample: 20,000 items put
every rate within about a percentage point (a slider moves by less than one step), and an
import of a million messages no longer spends a minute re-reading every one of them."""


def iter_style_profile(
    store: "Store", cancel: CancelToken | None = None, *, top: int = 15, sample_limit: int = PROFILE_SAMPLE
) -> Generator[Progress, None, StyleProfile]:
    """Compute the profile row by row, yielding Progress; the generator returns the StyleProfile.

    Reads every own item, or every k-th when there are more than ``sample_limit``."""
    from desktop.core.store import utc_now
    from desktop.core.store.persona_store import count_own_items, iter_own_items_sample

    own_items = count_own_items(store)
    every = max(1, math.ceil(own_items / sample_limit))
    total = own_items // every
    yield Progress("Reading your messages and posts", 0, total)
    overall = _Tally()
    platforms: dict[str, _Tally] = {}
    kinds: dict[str, _Tally] = {}
    greetings: Counter[str] = Counter()
    sign_offs: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    phrases = _PhraseCounter()
    skipped = done = 0
    for platform, item_kind, thread_kind, text, created_at in iter_own_items_sample(store, every):
        done += 1
        if done % PROGRESS_EVERY == 0:
            if cancel is not None:
                cancel.raise_if_cancelled()
            yield Progress("Reading your messages and posts", done, total)
        text = (text or "").strip()
        if not text:
            skipped += 1
            continue
        features, emoji = measure_text(text)
        hour_text = (created_at or "")[11:13]
        hour = int(hour_text) if hour_text.isdigit() else None
        overall.add(features, emoji, hour)
        platforms.setdefault(platform, _Tally()).add(features, emoji, hour)
        kinds.setdefault(kind_bucket(item_kind, thread_kind), _Tally()).add(features, emoji, hour)
        languages[detect_language(text)] += 1
        if (greeting := greeting_of(text)) is not None:
            greetings[greeting] += 1
        if (sign_off := sign_off_of(text)) is not None:
            sign_offs[sign_off] += 1
        phrases.add(phrases_of(text))
    if cancel is not None:
        cancel.raise_if_cancelled()
    yield Progress("Reading your messages and posts", total, total)
    return StyleProfile(
        overall=overall.summary(),
        greetings=_ranked(greetings)[:top],
        sign_offs=_ranked(sign_offs)[:top],
        phrases=phrases.top(top, min_count=2),
        languages=dict(_ranked(languages)),
        by_platform={name: tally.summary(top_emoji=5) for name, tally in sorted(platforms.items())},
        by_kind={name: tally.summary(top_emoji=5) for name, tally in sorted(kinds.items())},
        skipped_empty=skipped,
        own_items=own_items,
        sample_every=every,
        computed_at=utc_now(),
    )


def compute_style_profile(store: "Store", cancel: CancelToken | None = None) -> StyleProfile:
    """The style profile in one call (see ``iter_style_profile`` for progress)."""
    steps = iter_style_profile(store, cancel)
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


# --- saved with the profile ---------------------------------------------------------------------

PROFILE_SETTING_KEY = "persona.style_profile"


def save_style_profile(store: "Store", profile: StyleProfile) -> None:
    """Keep the latest profile in the store (the Persona page shows it without recomputing)."""
    from desktop.core.store.settings import write_setting

    write_setting(store, PROFILE_SETTING_KEY, profile.to_json())


def load_style_profile(store: "Store") -> StyleProfile | None:
    from desktop.core.store.settings import read_setting

    value = read_setting(store, PROFILE_SETTING_KEY)
    return StyleProfile.from_dict(json.loads(value)) if value is not None else None


# --- default slider positions -------------------------------------------------------------------

_LENGTH_SCALE = math.log(81)  # 80 words = slider 100


def words_to_length_slider(words: float) -> float:
    """The length slider position whose target is ``words`` words (log scale: 8 words = 50)."""
    return clamp_slider(100 * math.log1p(max(0.0, words)) / _LENGTH_SCALE)


def length_slider_to_words(value: float) -> float:
    """The target words per reply for a length slider position (inverse of the above)."""
    return round(math.expm1(clamp_slider(value) / 100 * _LENGTH_SCALE), 1)


def _saturating(rate: float, steepness: float, floor: float = 0.0) -> float:
    return floor + (100 - floor) * (1 - math.exp(-steepness * max(0.0, rate)))


def calibrated_sliders(profile: StyleProfile) -> dict[str, float]:
    """Default slider positions (0-100) that describe the creator as they already write.

    Each slider is a monotonic function of one measure of the profile, so a creator who uses
    more emoji always starts with a higher emoji slider. Without data, the neutral defaults.
    """
    o = profile.overall
    if o.items == 0:
        return dict(DEFAULT_SLIDERS)
    sliders = {
        "length": words_to_length_slider(o.words_median),
        "warmth": _saturating(o.warm_rate, 3.0, floor=10),
        "formality": 100 * o.formality_mean,
        "humour": _saturating(o.laugh_rate, 4.0, floor=10),
        "energy": _saturating(o.exclamation_rate, 2.0),
        "emoji": _saturating(o.emoji_per_item, 0.9),
        "directness": 85 - 150 * o.hedge_rate,
        "curiosity": _saturating(o.question_rate, 3.0),
        "self_promotion": _saturating(max(o.self_promotion_rate, o.link_rate), 4.0),
    }
    return {name: float(round(clamp_slider(value))) for name, value in sliders.items()}
