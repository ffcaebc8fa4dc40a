"""Specifics: the checkable facts in a text, found and normalised so a draft can be held to its sources.

A specific is a claim whatever the sentence around it looks like: "75°C, it's not bad." and
"7/21, 8pm EST on @food.with.thee" carry no "I" and no verb, yet each states something a fan will
act on. The guard asks of every specific in a draft whether the facts sheet, a source retrieved
for this draft or the fan's own message states it too (``supports``), and whether one of them
states the same kind of quantity differently (``conflicts``: "three days" vs "3 weeks").

Kinds and how they compare:
- numeric (duration, temperature, percentage, price, time, age, quantity, number): a value in a
  base unit, so "48h" = "48 hours" = "two days" and "2 hours" = "two hrs"; number words,
  numerals, ordinals ("3rd", "third") and fractions ("½", "half an hour") are the same numbers;
- dates: the parts written (year, month, day, weekday); a source supports a date when it
  agrees on every part the draft gives;
- handles, links, emails, phone numbers: the same string once normalised;
- names (products, brands, places, people, events): capitalised words that are not the start of
  a sentence or a greeting, found in a source as the same words.

Plain ``re`` work, no model: the guard runs on every draft and must stay within milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from desktop.core.generation.textmatch import ENGLISH_NUMBER_WORDS, fold, stem, words

# Kinds (stable strings: findings and the evaluation report them).
DURATION = "duration"
TEMPERATURE = "temperature"
PERCENTAGE = "percentage"
PRICE = "price"
TIME = "time"
DATE = "date"
AGE = "age"
QUANTITY = "quantity"
NUMBER = "number"
HANDLE = "handle"
URL_KIND = "url"
EMAIL = "email"
PHONE = "phone"
NAME = "name"
CODE = "code"

NUMERIC_KINDS = frozenset({DURATION, TEMPERATURE, PERCENTAGE, PRICE, TIME, AGE, QUANTITY, NUMBER})
KIND_LABELS = {
    DURATION: "a duration",
    TEMPERATURE: "a temperature",
    PERCENTAGE: "a percentage",
    PRICE: "a price",
    TIME: "a time",
    DATE: "a date",
    AGE: "an age",
    QUANTITY: "a quantity",
    NUMBER: "a number",
    HANDLE: "a handle",
    URL_KIND: "a link",
    EMAIL: "an email address",
    PHONE: "a phone number",
    NAME: "a name",
    CODE: "a code",
}

_NUMBER_WORDS: dict[str, float] = {
    **ENGLISH_NUMBER_WORDS,
    "hundred": 100,
    "dozen": 12,
    "a dozen": 12,
    "a hundred": 100,
    "half": 0.5,
    "a half": 0.5,
    "a couple of": 2,
}
_ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fifteenth": 15,
    "twentieth": 20,
    "thirtieth": 30,
}
_FRACTIONS = {"½": 0.5, "¼": 0.25, "¾": 0.75, "⅓": 1 / 3, "⅔": 2 / 3, "⅛": 0.125}

# Unit word -> (kind, factor to the base unit, canonical unit). Durations in minutes.
_UNITS: dict[str, tuple[str, float, str]] = {}
for _unit_names, _kind, _factor, _unit in (
    (("s", "sec", "secs", "second", "seconds"), DURATION, 1 / 60, "min"),
    (("m", "min", "mins", "minute", "minutes", "minuten", "minutos", "minuto"), DURATION, 1.0, "min"),
    (
        ("h", "hr", "hrs", "hour", "hours", "stunde", "stunden", "hora", "horas", "heure", "heures"),
        DURATION,
        60.0,
        "min",
    ),
    (
        ("d", "day", "days", "tag", "tage", "tagen", "dia", "dias", "día", "días", "jour", "jours"),
        DURATION,
        1440.0,
        "min",
    ),
    (
        ("wk", "wks", "week", "weeks", "woche", "wochen", "semana", "semanas", "semaine", "semaines"),
        DURATION,
        10080.0,
        "min",
    ),
    (("month", "months", "mo", "mos", "monat", "monate", "mes", "meses", "mois"), DURATION, 43200.0, "min"),
    (
        ("yr", "yrs", "year", "years", "jahr", "jahre", "ano", "anos", "año", "años", "an", "ans"),
        DURATION,
        525600.0,
        "min",
    ),
    (
        ("%", "percent", "per cent", "pct", "por ciento", "prozent", "pour cent", "por cento"),
        PERCENTAGE,
        1.0,
        "%",
    ),
    (
        ("°c", "ºc", "c", "celsius", "degrees c", "degrees celsius", "° c", "grad", "grados", "graus"),
        TEMPERATURE,
        1.0,
        "c",
    ),
    (("°f", "ºf", "f", "fahrenheit", "degrees f", "degrees fahrenheit", "° f"), TEMPERATURE, 1.0, "f"),
    (("°", "º", "degrees", "degree", "deg"), TEMPERATURE, 1.0, "deg"),
    (("$", "dollars", "dollar", "bucks", "usd", "us$"), PRICE, 1.0, "usd"),
    (("€", "euros", "euro", "eur"), PRICE, 1.0, "eur"),
    (("£", "pounds", "quid", "gbp"), PRICE, 1.0, "gbp"),
    (
        ("years old", "year old", "yo", "y/o", "yrs old", "años", "ans", "jahre alt", "anos de idade"),
        AGE,
        1.0,
        "years",
    ),
):
    for _name in _unit_names:
        _UNITS.setdefault(_name, (_kind, _factor, _unit))
_AGE_UNITS = ("years old", "year old", "yrs old", "y/o", "yo", "jahre alt", "anos de idade")

_MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "agosto": 8,
    "septiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
    "januar": 1,
    "februar": 2,
    "marz": 3,
    "juni": 6,
    "juli": 7,
    "oktober": 10,
    "dezember": 12,
    "janvier": 1,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
    "janeiro": 1,
    "fevereiro": 2,
    "marco": 3,
    "maio": 5,
    "junho": 6,
    "julho": 7,
    "setembro": 9,
    "outubro": 10,
    "novembro": 11,
    "dezembro": 12,
}
_WEEKDAYS = {
    "monday": 1,
    "tuesday": 2,
    "wednesday": 3,
    "thursday": 4,
    "friday": 5,
    "saturday": 6,
    "sunday": 7,
}

_NUM = r"\d+(?:[.,]\d+)?"
_WORD_NUMBER = "|".join(sorted((re.escape(w) for w in _NUMBER_WORDS), key=len, reverse=True))
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY_NAMES = "|".join(_WEEKDAYS)
_UNIT_NAMES = "|".join(sorted((re.escape(u) for u in _UNITS if u not in ("°", "º")), key=len, reverse=True))

URL = re.compile(
    r"\b(?:https?://|www\.)[^\s<>()\"']+"
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,12}/[^\s<>()\"']*"
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|co|shop|store|me|link|ly|gg|app|biz|info|xyz|tv|uk|de|fr|es|pt"
    r"|fit|photo|photos|studio|art|design|dev|blog|page|site|online|club|academy|coach|life|world|bio)\b(?:/[^\s<>()\"']*)?",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?")
_PHONE = re.compile(r"(?<![\w$€£.,/])(?:\+\d{1,3}[\s.-]?)?(?:\(?\d{2,4}\)?[\s.-]){2,4}\d{2,4}(?![\w%/])")
_CODE = re.compile(r"\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{4,}\b")
_TIME = re.compile(
    r"\b(?P<h>[01]?\d|2[0-3])(?::(?P<m>[0-5]\d))?\s?(?P<ampm>a\.?m\.?|p\.?m\.?)(?![a-z])"
    r"|\b(?P<h2>[01]?\d|2[0-3]):(?P<m2>[0-5]\d)\b(?!\s?(?:%|h\b))"
    r"|\b(?P<word>noon|midnight)\b",
    re.IGNORECASE,
)
_NUMERIC_DATE = re.compile(
    r"(?<![\d/.])(?P<a>\d{1,2})[/.](?P<b>\d{1,2})(?:[/.](?P<y>\d{2}|\d{4}))?(?![\d/%])"
)
_ISO_DATE = re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b")
_NAMED_DATE = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+(?P<m1>{_MONTH_NAMES})\.?(?:,?\s+(?P<y1>(?:19|20)\d\d))?"
    rf"|(?P<m2>{_MONTH_NAMES})\.?\s+(?:(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y2>(?:19|20)\d\d))?|(?P<y3>(?:19|20)\d\d)))\b",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(
    rf"\b(?:on|this|next|by|every|until|till|from)\s+(?P<w>{_WEEKDAY_NAMES})s?\b", re.IGNORECASE
)
_YEAR = re.compile(r"(?<![\d$€£.,/])(?:19[5-9]\d|20[0-4]\d)(?![\d%])")
_QUANTITY = re.compile(
    rf"(?<![\w.,/])(?P<n>{_NUM}[kK]?|{_WORD_NUMBER})\s*(?P<unit>{_UNIT_NAMES})(?![\w])"
    rf"|(?P<cur>[$€£]|us\$)\s?(?P<cn>{_NUM}[kK]?)"
    rf"|(?<![\w.,])(?P<n2>{_NUM}[kK]?)\s?(?P<deg>°|º)\s?(?P<cf>[cCfF](?![a-z]))?"
    rf"|(?<![\w.,/])(?P<n3>{_NUM}[kK]?|{_WORD_NUMBER})(?:\s*-\s*|\s+)(?P<noun>[a-z]{{3,}})",
    re.IGNORECASE,
)
_ORDINAL = re.compile(
    r"\b(?P<n>\d{1,3})(?:st|nd|rd|th)\b|\b(?P<w>" + "|".join(_ORDINAL_WORDS) + r")\b", re.IGNORECASE
)
_FRACTION = re.compile(r"(?P<f>[½¼¾⅓⅔⅛])|(?<![\d/])(?P<fr>[1-3])/(?P<den>[2348])(?![\d/])")
_BARE_NUMBER = re.compile(rf"(?<![\w.,#/])(?P<n>{_NUM}[kK]?)(?![\w%°º/])")
_BARE_WORD_NUMBER = re.compile(
    r"\b(?P<w>two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|dozen)\b",
    re.IGNORECASE,
)
_I_AM_AGE = re.compile(
    r"\bi(?:'m|\s+am|\s+turned|\s+turn|'ll\s+be)\s+(?P<n>\d{1,2}|" + _WORD_NUMBER + r")\b(?![%.,]\d|\s*%)",
    re.IGNORECASE,
)

# Nouns after a number that make it a quantity ("3 kids", "10 packs"); any other word after a
# number leaves it a bare number. Stems compare, so "pack" and "packs" agree.
_NOT_QUANTITY_NOUNS = frozenset(
    {
        "and",
        "the",
        "for",
        "with",
        "but",
        "you",
        "not",
        "are",
        "was",
        "times",
        "time",
        "more",
        "less",
        "of",
        "or",
        "to",
        "is",
        "it",
        "in",
        "on",
        "at",
        "so",
        "too",
        "out",
    }
)

# Capitalised words that are not names: sentence starters, interjections, words people
# capitalise for emphasis. Everything else capitalised past a sentence's start is a name.
_NOT_NAMES = frozenset(
    """i i'm i'll i've i'd im ok okay omg lol lmao haha hahaha yes yeah yep no nope hey hi hello thanks
    thank thx ty love lovely happy good great amazing awesome wow aww aw oh ah so sorry please yay xo
    xx xoxo dm dms pm ai ia ki bot fyi btw idk tbh ngl imo asap diy pov faq
    the a an and or but if my your our their this that these those it its we you he she they me us
    merry christmas easter halloween thanksgiving new year bday birthday congrats congratulations
    god bless cheers enjoy hope welcome sure definitely absolutely totally honestly seriously
    mr mrs ms dr st est pst cst mst edt pdt cdt gmt utc cet cest bst am pm
    """.split()
)
_GREETING_WORDS = frozenset(
    {
        "hey",
        "hi",
        "hello",
        "thanks",
        "thank",
        "dear",
        "aw",
        "aww",
        "omg",
        "yo",
        "hiya",
        "congrats",
        "hola",
        "gracias",
        "danke",
        "merci",
        "obrigado",
        "obrigada",
        "salut",
        "ciao",
        "bonjour",
        "oi",
    }
)
_CAPITALISED = re.compile(r"[A-ZÀ-ÖØ-Þ][\wÀ-ÿ'’&+-]*")


@dataclass(frozen=True)
class Specific:
    """One checkable fact in a text: what kind, where, and its value in comparable form."""

    kind: str
    text: str
    span: tuple[int, int]
    value: float | None = None
    unit: str | None = None
    """Canonical unit: "min", "%", "c"/"f"/"deg", a currency, "years", a noun stem for a quantity."""
    key: str = ""
    """The normalised form for string kinds and dates (a URL without scheme, a name's stems, "m7-d21")."""

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def _number(text: str) -> float | None:
    """The value of a numeral or number word ("1,5" and "1.5" agree; "10k" is 10,000)."""
    raw = text.strip().lower()
    if raw in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[raw])
    if raw in _FRACTIONS:
        return _FRACTIONS[raw]
    factor = 1.0
    if raw.endswith("k"):
        raw, factor = raw[:-1], 1000.0
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", raw):
        raw = raw.replace(",", "")
    try:
        return float(raw.replace(",", ".")) * factor
    except ValueError:
        return None


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def _date_key(year: str | None, month: int | None, day: str | None, weekday: int | None = None) -> str:
    parts = []
    if year:
        y = int(year)
        parts.append(f"y{y + 2000 if y < 100 else y}")
    if month:
        parts.append(f"m{month}")
    if day:
        parts.append(f"d{int(day)}")
    if weekday:
        parts.append(f"w{weekday}")
    return "-".join(parts)


def _normal_url(text: str) -> str:
    value = re.sub(r"^(?:https?://)?(?:www\.)?", "", text.strip().lower())
    return value.rstrip("/.,!?)")


def name_key(text: str) -> str:
    """A name as folded, lowercased word stems ("Bread Academy's" -> "bread academy")."""
    return " ".join(stem(w) for w, _s, _e in words(fold(text).text.lower()))


def _sentence_starts(text: str) -> set[int]:
    """Offsets where a sentence (or a line, or the text after an emoji or a dash) begins."""
    starts = {0}
    for match in re.finditer(
        r"(?:[.!?…:;]+[\"')\]]*|\n|[\U0001F000-\U0001FAFF\u2600-\u27BF]+|\s[-–—]|\()\s*", text
    ):
        starts.add(match.end())
    return starts


def _names(text: str, taken: list[tuple[int, int]]) -> list[Specific]:
    """Capitalised runs past a sentence's start, and mixed-case or digit-bearing words (iPhone, X-T5)."""
    starts = _sentence_starts(text)
    found: list[Specific] = []
    tokens = [(m.group(0), m.start(), m.end()) for m in _CAPITALISED.finditer(text)]
    index = 0
    while index < len(tokens):
        word, begin, end = tokens[index]
        run = [(word, begin, end)]
        while index + 1 < len(tokens):
            nxt = tokens[index + 1]
            gap = text[run[-1][2] : nxt[1]]
            if gap in (" ", " of ", " de ", " & ", " the ") or gap == "-":
                run.append(nxt)
                index += 1
            else:
                break
        index += 1
        # Trim words that are not names from both ends of the run.
        while run and (run[0][0].lower().strip("'’") in _NOT_NAMES or _is_date_word(run[0][0])):
            run.pop(0)
        while run and (run[-1][0].lower().strip("'’") in _NOT_NAMES or _is_date_word(run[-1][0])):
            run.pop()
        if not run:
            continue
        first_begin = run[0][1]
        at_start = first_begin in starts or text[:first_begin].strip() == ""
        previous = words(text[max(0, first_begin - 12) : first_begin])
        after_greeting = bool(previous) and previous[-1][0].lower() in _GREETING_WORDS
        addressed = text[run[-1][2] : run[-1][2] + 1] in {",", "!"} and (at_start or after_greeting)
        if after_greeting or addressed:
            continue  # "Hey Sarah, ..." / "Thanks Sarah!": the fan's name, not a claim
        if at_start and len(run) == 1 and not _looks_like_brand(run[0][0]):
            continue  # a capitalised first word is just how sentences start
        span = (first_begin, run[-1][2])
        if _overlaps(span, taken):
            continue
        phrase = text[span[0] : span[1]]
        found.append(Specific(NAME, phrase, span, key=name_key(phrase)))
    return found


def _looks_like_brand(word: str) -> bool:
    """iPhone, KitchenAid, X-T5: mixed case or letters with digits are names wherever they stand."""
    core = word.strip("'’")
    return bool(re.search(r"[a-z][A-Z]|[A-Z].*\d|\d.*[A-Z]", core)) or (
        core.isupper() and len(core) >= 3 and core.isalpha() and core.lower() not in _NOT_NAMES
    )


def _is_date_word(word: str) -> bool:
    lower = fold(word).text.lower().strip("'’.")
    return lower in _MONTHS or lower in _WEEKDAYS or lower.rstrip("s") in _WEEKDAYS


def _urls(text: str) -> Iterator[Specific]:
    for match in URL.finditer(text):
        if "@" in text[max(0, match.start() - 1) : match.start()]:
            continue  # the domain of an email address
        yield Specific(URL_KIND, match.group(0), match.span(), key=_normal_url(match.group(0)))


def _emails(text: str) -> Iterator[Specific]:
    for match in _EMAIL.finditer(text):
        yield Specific(EMAIL, match.group(0), match.span(), key=match.group(0).lower())


def _handles(text: str) -> Iterator[Specific]:
    for match in _HANDLE.finditer(text):
        yield Specific(HANDLE, match.group(0), match.span(), key=match.group(0).lower().rstrip("."))


def _iso_dates(text: str) -> Iterator[Specific]:
    for match in _ISO_DATE.finditer(text):
        key = _date_key(match["y"], int(match["m"]), match["d"])
        yield Specific(DATE, match.group(0), match.span(), key=key)


def _named_dates(text: str) -> Iterator[Specific]:
    for match in _NAMED_DATE.finditer(text):
        month = _MONTHS[fold(match["m1"] or match["m2"]).text.lower()]
        if match["m2"] and match["m2"].lower() in ("may", "mar") and not (match["d2"] or match["y3"]):
            continue
        if match["m2"] and match["m2"].lower() == "may" and match["m2"][0].islower():
            continue  # "may 2 hours" is a verb
        day = match["d1"] or match["d2"]
        year = match["y1"] or match["y2"] or match["y3"]
        yield Specific(DATE, match.group(0), match.span(), key=_date_key(year, month, day))


def _clock_minutes(match: re.Match[str]) -> float:
    if match["word"]:
        return 720.0 if match["word"].lower() == "noon" else 0.0
    hour = int(match["h"] or match["h2"])
    minute = int(match["m"] or match["m2"] or 0)
    ampm = (match["ampm"] or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    if ampm == "am" and hour == 12:
        hour = 0
    return hour * 60.0 + minute


def _times(text: str) -> Iterator[Specific]:
    for match in _TIME.finditer(text):
        yield Specific(TIME, match.group(0), match.span(), value=_clock_minutes(match), unit="clock")


def _numeric_dates(text: str) -> Iterator[Specific]:
    for match in _NUMERIC_DATE.finditer(text):
        a, b = int(match["a"]), int(match["b"])
        if match["y"] is None and b in (2, 3, 4, 8) and a < b and "/" in match.group(0):
            continue  # 1/2, 3/4: a fraction
        if not (1 <= a <= 31 and 1 <= b <= 31) or (a > 12 and b > 12):
            continue
        keys = []
        if a <= 12:
            keys.append(_date_key(match["y"], a, str(b)))
        if b <= 12:
            keys.append(_date_key(match["y"], b, str(a)))
        yield Specific(DATE, match.group(0), match.span(), key="|".join(keys))


def _weekdays(text: str) -> Iterator[Specific]:
    for match in _WEEKDAY.finditer(text):
        key = _date_key(None, None, None, _WEEKDAYS[match["w"].lower()])
        yield Specific(DATE, match.group(0), match.span(), key=key)


def _fractions(text: str) -> Iterator[Specific]:
    for match in _FRACTION.finditer(text):
        value = _FRACTIONS[match["f"]] if match["f"] else int(match["fr"]) / int(match["den"])
        yield Specific(NUMBER, match.group(0), match.span(), value=value)


def _ages(text: str) -> Iterator[Specific]:
    for match in _I_AM_AGE.finditer(text):
        span = match.span("n")
        if not re.match(rf"\s*(?:{_UNIT_NAMES})\b", text[span[1] :], re.IGNORECASE) or re.match(
            r"\s*(?:years?|yrs?)\s+old", text[span[1] :], re.IGNORECASE
        ):
            yield Specific(AGE, text[span[0] : span[1]], span, value=_number(match["n"]), unit="years")


def _quantities(text: str) -> Iterator[Specific]:
    for match in _QUANTITY.finditer(text):
        specific = _quantity(match)
        if specific is not None:
            yield specific


def _years(text: str) -> Iterator[Specific]:
    for match in _YEAR.finditer(text):
        yield Specific(DATE, match.group(0), match.span(), key=_date_key(match.group(0), None, None))


def _codes(text: str) -> Iterator[Specific]:
    for match in _CODE.finditer(text):
        yield Specific(CODE, match.group(0), match.span(), key=match.group(0).upper())


def _phones(text: str) -> Iterator[Specific]:
    for match in _PHONE.finditer(text):
        if sum(c.isdigit() for c in match.group(0)) >= 7:
            yield Specific(PHONE, match.group(0), match.span(), key=re.sub(r"\D", "", match.group(0)))


def _ordinals(text: str) -> Iterator[Specific]:
    for match in _ORDINAL.finditer(text):
        value = float(match["n"]) if match["n"] else float(_ORDINAL_WORDS[match["w"].lower()])
        if match["w"] and match["w"].lower() in ("first", "second"):
            continue  # "first loaf", "a second": ordinary words far more often than facts
        yield Specific(NUMBER, match.group(0), match.span(), value=value, unit="ordinal")


def _bare_numbers(text: str) -> Iterator[Specific]:
    for match in _BARE_NUMBER.finditer(text):
        value = _number(match["n"])
        if value is not None:
            yield Specific(NUMBER, match.group(0), match.span(), value=value)
    for match in _BARE_WORD_NUMBER.finditer(text):
        yield Specific(NUMBER, match.group(0), match.span(), value=float(_NUMBER_WORDS[match["w"].lower()]))


@lru_cache(maxsize=4096)
def find_specifics(text: str) -> tuple[Specific, ...]:
    """Every specific in ``text``, in order of position; spans index into ``text`` itself."""
    found: list[Specific] = []
    taken: list[tuple[int, int]] = []

    def add(specific: Specific) -> None:
        if not _overlaps(specific.span, taken):
            found.append(specific)
            taken.append(specific.span)

    for specific in _urls(text):
        add(specific)
    for email in _emails(text):  # an email address replaces the link or handle found inside it
        start, end = email.span
        taken[:] = [s for s in taken if not (start <= s[0] and s[1] <= end)]
        found[:] = [f for f in found if not (start <= f.span[0] and f.span[1] <= end)]
        add(email)
    for extract in _EXTRACTORS:
        for specific in extract(text):
            add(specific)
    for specific in _names(text, taken):
        add(specific)
    return tuple(sorted(found, key=lambda s: s.span))


def _quantity(match: re.Match[str]) -> Specific | None:
    """A number with its unit or noun, from one ``_QUANTITY`` match."""
    if match["cur"]:
        value = _number(match["cn"])
        kind, _factor, unit = _UNITS[match["cur"].lower()]
        return (
            Specific(PRICE, match.group(0), match.span(), value=value, unit=unit)
            if value is not None
            else None
        )
    if match["deg"]:
        value = _number(match["n2"])
        unit = {"c": "c", "f": "f"}.get((match["cf"] or "").lower(), "deg")
        return Specific(TEMPERATURE, match.group(0).strip(), match.span(), value=value, unit=unit)
    if match["unit"]:
        raw_unit = re.sub(r"\s+", " ", match["unit"].lower())
        number_text = match["n"]
        value = _number(number_text)
        if value is None:
            return None
        if raw_unit in ("m", "d", "s", "c", "f", "an", "mo") and not number_text[0].isdigit():
            return None  # "one m", "two c": single letters only count after a numeral
        if raw_unit in ("m", "d", "s", "c", "f", "mo") and " " in match.group(0).strip():
            return None  # "3 m" reads as a typo far more often than metres or months
        if raw_unit == "an" and not number_text[0].isdigit():
            return None
        kind, factor, unit = _UNITS[raw_unit]
        if raw_unit in _AGE_UNITS:
            kind, factor, unit = AGE, 1.0, "years"
        return Specific(kind, match.group(0).strip(), match.span(), value=value * factor, unit=unit)
    noun = match["noun"].lower()
    if noun in _NOT_QUANTITY_NOUNS or noun in _MONTHS:
        return None
    value = _number(match["n3"])
    if value is None:
        return None
    if not match["n3"][0].isdigit() and value == 1:
        return None
    end = match.start("noun") + len(match["noun"])
    return Specific(
        QUANTITY, match.string[match.start() : end], (match.start(), end), value=value, unit=stem(noun)
    )


# Spelled-out durations that carry no digit: "an hour", "half an hour", "a day and a half".
_WORDED_DURATION = re.compile(
    r"\b(?P<half>half\s+an?\s+)?(?P<unit>hour|day|week|month|year)(?P<andhalf>\s+and\s+a\s+half)?\b",
    re.IGNORECASE,
)
_ARTICLE_BEFORE = re.compile(r"\b(?:an?|one|half\s+an?)\s+$", re.IGNORECASE)


def worded_durations(text: str) -> list[Specific]:
    """ "an hour", "half an hour", "a day and a half": durations spelled without a number.

    "a day" is as often a rate ("twice a day") as a duration: after "a", "per", "every",
    "twice" or "once" it is not one.
    """
    found = []
    for match in _WORDED_DURATION.finditer(text):
        before = text[: match.start("unit")]
        article = _ARTICLE_BEFORE.search(before)
        if not match["half"] and not article:
            continue
        if re.search(r"\b(?:a|per|each|every|twice|once|times)\s+$", before[-8:]) and not match["half"]:
            continue
        _kind, factor, unit = _UNITS[match["unit"].lower()]
        value = factor * (0.5 if match["half"] else 1.0) * (1.5 if match["andhalf"] else 1.0)
        start = (
            match.start("half")
            if match["half"] or article is None  # without "half" there is an article (above)
            else match.start("unit") - len(article.group(0))
        )
        found.append(
            Specific(DURATION, text[start : match.end()], (start, match.end()), value=value, unit=unit)
        )
    return found


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return False
    return abs(a - b) <= max(1e-6, 0.005 * max(abs(a), abs(b)))


def _same_temperature(a: Specific, b: Specific) -> bool:
    if a.unit == b.unit or "deg" in (a.unit, b.unit):
        return _close(a.value, b.value)
    celsius, fahrenheit = (a, b) if a.unit == "c" else (b, a)
    if celsius.value is None or fahrenheit.value is None:
        return False
    return abs(celsius.value * 9 / 5 + 32 - fahrenheit.value) <= 2.0


def _date_parts(key: str) -> list[dict[str, str]]:
    return [
        dict((part[0], part[1:]) for part in option.split("-") if part) for option in key.split("|") if option
    ]


def same(draft: Specific, source: Specific) -> bool:
    """Whether ``source`` states what ``draft`` states (the same value, in a comparable unit)."""
    if draft.kind in (HANDLE, URL_KIND, EMAIL, PHONE, CODE):
        if draft.kind != source.kind:
            return False
        if draft.kind == URL_KIND:
            return (
                draft.key == source.key
                or draft.key.startswith(source.key + "/")
                or source.key.startswith(draft.key + "/")
            )
        return draft.key == source.key
    if draft.kind == NAME:
        return False  # names are matched against a source's words, not its specifics (``name_in``)
    if draft.kind == DATE:
        if source.kind != DATE:
            return False
        return any(
            all(parts.get(k) == v for k, v in wanted.items())
            for wanted in _date_parts(draft.key)
            for parts in _date_parts(source.key)
        )
    if draft.value is None or source.value is None:
        return False
    if draft.kind == NUMBER:
        # A bare number ("3", "third") is supported by the same number in any form.
        return source.kind in NUMERIC_KINDS and _close(draft.value, _raw_value(source))
    if draft.kind == QUANTITY:
        if source.kind == NUMBER:
            return _close(draft.value, source.value)
        return source.kind == QUANTITY and _close(draft.value, source.value) and draft.unit == source.unit
    if draft.kind != source.kind:
        return (
            draft.kind == AGE
            and source.kind in (DURATION, NUMBER)
            and _close(draft.value, _raw_value(source))
        )
    if draft.kind == TEMPERATURE:
        return _same_temperature(draft, source)
    if draft.kind == PRICE:
        return _close(draft.value, source.value) and (draft.unit is None or draft.unit == source.unit)
    return _close(draft.value, source.value)


def _raw_value(specific: Specific) -> float | None:
    """The number as written (a duration's value back in its own unit: "3 days" -> 3)."""
    if specific.kind != DURATION or specific.value is None:
        return specific.value
    match = re.match(rf"\s*({_NUM}[kK]?|{_WORD_NUMBER})", specific.text, re.IGNORECASE)
    return _number(match.group(1)) if match else specific.value


def conflicts(draft: Specific, source: Specific) -> bool:
    """Whether ``source`` states the same kind of quantity as ``draft`` with another value."""
    if draft.kind not in (DURATION, TEMPERATURE, PERCENTAGE, PRICE, TIME, AGE, QUANTITY):
        return False
    if draft.kind != source.kind or draft.value is None or source.value is None:
        return False
    if draft.kind == QUANTITY and draft.unit != source.unit:
        return False
    if draft.kind == TEMPERATURE:
        return not _same_temperature(draft, source)
    if draft.kind == PRICE and draft.unit is not None and draft.unit != source.unit:
        return False
    return not _close(draft.value, source.value)


def name_in(name: Specific, text: str) -> bool:
    """Whether ``text`` contains the name's words in order (case, accents and plurals aside)."""
    wanted = name.key.split()
    if not wanted:
        return True
    stems = [stem(w) for w, _s, _e in words(fold(text).text.lower())]
    joined = " " + " ".join(stems) + " "
    if " " + " ".join(wanted) + " " in joined:
        return True
    squashed = "".join(wanted)
    return squashed in "".join(stems) or squashed in fold(text).text.lower().replace(" ", "")


def supported_by(specific: Specific, text: str) -> bool:
    """Whether ``text`` states ``specific``."""
    if specific.kind == NAME:
        return name_in(specific, text)
    if any(same(specific, other) for other in find_specifics(text)):
        return True
    if specific.kind in (HANDLE, URL_KIND, EMAIL):
        return specific.key.lstrip("@") in fold(text).text.lower()
    return False


def conflicting(specific: Specific, text: str) -> Specific | None:
    """The specific in ``text`` that states ``specific``'s quantity differently, if one does."""
    for other in find_specifics(text):
        if conflicts(specific, other):
            return other
    return None


# After links and email addresses, in this order: where two overlap, the earlier one keeps its words.
_EXTRACTORS: tuple[Callable[[str], Iterable[Specific]], ...] = (
    _handles,
    _iso_dates,
    _named_dates,
    _times,
    _numeric_dates,
    _weekdays,
    _fractions,
    _ages,
    _quantities,
    worded_durations,
    _years,
    _codes,
    _phones,
    _ordinals,
    _bare_numbers,
)
