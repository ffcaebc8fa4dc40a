"""Is the draft faithful? The checks that read a draft against what the creator really said.

Three questions, each answered with the words that raise it and the source that settles it:

- **Specifics** (``check_specifics``): every number, date, time, price, handle, link, email, phone
  number and name in the draft must be stated by the facts sheet, a source retrieved for this
  draft, or the fan's own message; one that is not is *unsupported*, and one that a source
  states differently ("3 weeks" where her post says "three days") is a *contradiction*.
- **Offers** (``check_offer``): read with the fan's question, "Oh, yes I do!" to "do you have a
  discount code?" is a claim. A yes, a date, a price or a "link in bio" given to a question about
  an offer the creator never announced is an unsupported offer.
- **AI honesty** (``check_ai_honesty``): an answer to "are you a bot?" that does not say it was
  drafted with AI dodges the question, whether it jokes, deflects or implies a person.

Everything is regexes over folded text, plus the specifics module: explainable and fast.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from desktop.core.generation.specifics import (
    NAME,
    NUMBER,
    PRICE,
    Specific,
    conflicting,
    find_specifics,
    supported_by,
)
from desktop.core.generation.textmatch import STOPWORDS, content_stems, fold, sentence_at, sentence_spans

FACT = "fact"
MESSAGE = "message"


@dataclass(frozen=True)
class Grounding:
    """One text a draft may rest on: a facts-sheet line, a retrieved source, or the fan's message.

    ``context`` is text that says what the source is about without being the creator's claim
    (the fan's question a past reply answered): it ties "About 2 hours" to focaccia.
    """

    text: str
    kind: str  # "fact", "example", "snippet", "post", "message", ...
    item_id: int | None = None
    context: str = ""

    @property
    def creators_words(self) -> bool:
        """Whether this source is the creator speaking (the fan's message is not)."""
        return self.kind != MESSAGE


@dataclass(frozen=True)
class SpecificIssue:
    """A specific the draft states that its sources do not: unsupported, or contradicted."""

    specific: Specific
    contradiction: bool
    source: Grounding | None
    source_text: str = ""
    """For a contradiction: the words of the source that state it differently."""


# Words too general to tie a source to a draft's topic ("make", "time", "good").
_GENERIC = frozenset(
    """make made take takes taking time times good great love thing things really much many lot lots
    get got go going one day days week weeks hour hours minute minutes year years today tomorrow
    know think want need try use used way well also still just even bit little first next last
    thank thanks please sure yes yeah ok okay hey hi hello amazing awesome""".split()
)


_PRICE_ASKED = re.compile(
    r"\bhow\s+much\b|\bprice[sd]?\b|\bcost(?:s|ing)?\b|\bcharge\b|\bpay\b|\bfee\b|\brate\b|\bcuanto\b|\bcuánto\b|"
    r"\bprecio\b|\bprix\b|\bcombien\b|\bpreis\b|\bkostet\b|\bquanto\b|\bpreco\b|\bpreço\b",
    re.IGNORECASE,
)


def _topic_stems(text: str) -> set[str]:
    return {s for s in content_stems(text) if s not in _GENERIC and s not in STOPWORDS and not s.isdigit()}


def _lexical(a: set[str], text: str) -> float:
    b = content_stems(text)
    shared = len(a & b)
    if not shared:
        return 0.0
    return 2 * shared / (len(a) + len(b))


def closest_source(sentence: str, sources: Sequence[Grounding]) -> Grounding | None:
    """The creator's source that shares the most meaning words with ``sentence`` (lexical F1)."""
    wanted = content_stems(sentence)
    best: tuple[float, Grounding] | None = None
    for source in sources:
        if not source.creators_words:
            continue
        score = _lexical(wanted, source.text + " " + source.context)
        if best is None or score > best[0]:
            best = (score, source)
    return best[1] if best and best[0] > 0 else None


def _first_retrieved(sources: Sequence[Grounding]) -> Grounding | None:
    """Retrieval's best match for the message (else the first fact): the closest source when no
    words are shared."""
    retrieved = [s for s in sources if s.creators_words and s.kind != FACT]
    candidates = retrieved or [s for s in sources if s.kind == FACT]
    return candidates[0] if candidates else None


def _sentence_of(text: str, position: int) -> str:
    start, end = sentence_at(text, position)
    return text[start:end]


def check_specifics(draft: str, incoming: str, sources: Sequence[Grounding]) -> list[SpecificIssue]:
    """Every specific in ``draft`` that no source states, and those a source states differently.

    A contradiction needs the source to be about the same thing: it must share a topic word with
    the draft's sentence or with the fan's message ("focaccia", "croissant"), so "2 hours" of
    proofing does not contradict "30 minutes" of something else.
    """
    grounds = [*sources, Grounding(incoming, MESSAGE)]
    topic = _topic_stems(incoming)
    price_asked = bool(_PRICE_ASKED.search(fold(incoming).text))
    issues: list[SpecificIssue] = []
    for specific in find_specifics(draft):
        if price_asked and specific.kind == NUMBER and specific.unit is None:
            # "70" to "how much for a loaf?" is a price, whatever else the number means elsewhere
            specific = Specific(PRICE, specific.text, specific.span, specific.value, None, specific.key)
        sentence = _sentence_of(draft, specific.span[0])
        wanted = topic | _topic_stems(sentence)
        supporters = [g for g in grounds if supported_by(specific, g.text)]
        contradiction: tuple[Grounding, Specific] | None = None
        if specific.kind != NAME:
            for ground in sources:
                if not ground.creators_words:
                    continue
                other = conflicting(specific, ground.text)
                if other is None:
                    continue
                about = _topic_stems(ground.text + " " + ground.context)
                if ground.kind == FACT and not wanted:
                    about = wanted  # a bare "how long?" still meets the facts sheet
                if wanted & about or (
                    ground.kind == FACT and _topic_stems(_sentence_of(ground.text, other.span[0])) & wanted
                ):
                    contradiction = (ground, other)
                    break
        if supporters and (
            contradiction is None
            or any(g.kind == MESSAGE or wanted & _topic_stems(g.text + " " + g.context) for g in supporters)
        ):
            continue  # stated by a source about the same thing (or by one, and contradicted by none)
        if contradiction is not None:
            issues.append(SpecificIssue(specific, True, contradiction[0], contradiction[1].text))
        else:
            issues.append(
                SpecificIssue(specific, False, closest_source(sentence, sources) or _first_retrieved(sources))
            )
    return issues


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# --- Offers -------------------------------------------------------------------------------------

# Offer words a fan asks about, each with the stems that count as the creator announcing it.
OFFER_WORDS: dict[str, tuple[str, ...]] = {
    "course": ("course", "courses", "curso", "cours", "kurs", "masterclass", "e-course", "ecourse"),
    "class": (
        "class",
        "classes",
        "lesson",
        "lessons",
        "workshop",
        "workshops",
        "clase",
        "clases",
        "aula",
        "aulas",
        "atelier",
    ),
    "discount": (
        "discount",
        "discounts",
        "code",
        "codes",
        "coupon",
        "coupons",
        "promo",
        "descuento",
        "rabais",
        "rabatt",
        "desconto",
        "cupom",
        "cupon",
        "% off",
        "percent off",
    ),
    "giveaway": (
        "giveaway",
        "giveaways",
        "give away",
        "giving away",
        "sorteo",
        "sorteio",
        "gewinnspiel",
        "concours",
        "raffle",
        "contest",
    ),
    "shipping": (
        "ship",
        "ships",
        "shipping",
        "deliver",
        "delivery",
        "deliveries",
        "envio",
        "envío",
        "livraison",
        "versand",
        "entrega",
        "postage",
        "mail",
    ),
    "sale": (
        "sale",
        "sales",
        "black friday",
        "deal",
        "deals",
        "oferta",
        "soldes",
        "angebot",
        "promoção",
        "promocao",
    ),
    "product": (
        "sell",
        "sells",
        "selling",
        "buy",
        "order",
        "shop",
        "store",
        "merch",
        "ebook",
        "e-book",
        "book",
        "cookbook",
        "preset",
        "presets",
        "program",
        "programme",
        "plan",
        "product",
        "products",
        "kit",
        "kits",
        "print",
        "prints",
        "app",
        "guide",
        "template",
        "templates",
        "vender",
        "vendes",
        "comprar",
        "verkaufst",
        "kaufen",
        "acheter",
        "vends",
    ),
    "collaboration": (
        "collab",
        "collaboration",
        "collabs",
        "collaborate",
        "partner",
        "partnership",
        "sponsor",
        "sponsorship",
        "feature",
        "featured",
        "shoutout",
        "shout out",
        "promote",
        "colaboracion",
        "colaboração",
        "kooperation",
        "podcast",
        "interview",
        "guest",
    ),
    # Work for the fan: a shoot, a custom order, being hired (the dev half's "would you shoot our
    # wedding?" was answered "Thanks, yes! I'll send you the details").
    "service": (
        "hire you",
        "hire u",
        "book you",
        "book u",
        "commission",
        "commissions",
        "custom order",
        "custom orders",
        "custom cake",
        "shoot our",
        "shoot my",
        "shoot us",
        "shoot for",
        "photograph our",
        "photograph my",
        "photograph us",
        "weddings",
        "cater",
        "catering",
        "personal training",
        "train me",
        "coach me",
        "license",
        "licence",
        "licensing",
        "commercial use",
    ),
    "meeting": (
        "meet",
        "call",
        "zoom",
        "facetime",
        "coffee",
        "chat on",
        "video call",
        "coaching call",
        "session",
        "sessions",
        "1:1",
        "one on one",
    ),
    "event": (
        "live",
        "livestream",
        "live stream",
        "stream",
        "streaming",
        "event",
        "events",
        "tour",
        "tickets",
        "ticket",
        "meetup",
        "meet and greet",
        "signing",
        "popup",
        "pop-up",
        "pop up",
        "market",
        "markets",
    ),
}
_OFFER_PATTERNS = {
    offer: re.compile(
        r"(?<![\w])(?:" + "|".join(re.escape(w) for w in sorted(ws, key=len, reverse=True)) + r")(?![\w])",
        re.IGNORECASE,
    )
    for offer, ws in OFFER_WORDS.items()
}
_QUESTION = _rx(
    r"\?",
    r"^\W*(?:do|does|did|are|is|can|could|will|would|when|where|what|which|how|any|have|has|got|u|r)\b",
    r"\b(?:wondering|wonder|tell\s+me|let\s+me\s+know|is\s+there|are\s+there|do\s+you|do\s+u|you\s+got|u\s+got)\b",
    r"\b(?:tienes|hay|haces|vendes|cuando|cuándo|dónde|donde|cuánto|cuanto|hast\s+du|gibt\s+es|wann|wo|wie\s+viel|"
    r"as-tu|est-ce|quand|où|combien|você\s+tem|tem\s+|quando|onde|quanto)\b",
)
_NEGATED = _rx(
    r"\b(?:no|not|never|don'?t|doesn'?t|isn'?t|aren'?t|won'?t|can'?t|nothing|none|nor|without|zero)\b",
    r"\b(?:no|nunca|nada|ningun\w*|kein\w*|nicht|nie|pas|jamais|aucun\w*|nao|não|nenhum\w*)\b",
)
_AFFIRMATIVE = _rx(
    r"^\W*(?:yes|yess+|yeah|yep|yup|ya|yas|of\s+course|sure|definitely|absolutely|totally|for\s+sure|oh\s+yes|"
    r"si|sí|claro|ja|klar|oui|bien\s+s[uû]r|sim|com\s+certeza)\b",
    r"\bi\s+(?:do|have|did|can|will|am)\b\s*[!.,]",
    r"\bi\s+(?:do|have)\s+(?:one|a|an|some|it)\b",
    r"\blink\s+(?:is\s+)?in\s+(?:my\s+)?bio\b",
    r"\bin\s+my\s+bio\b",
    r"\b(?:dm|message|email)\s+me\b",
    r"\bsign\s+up\b",
    r"\bcoming\s+soon\b",
    r"\bcheck\s+(?:it\s+)?out\b",
    r"\b(?:it'?s|they'?re|is|are)\s+(?:available|live|out|open)\b",
    r"\bi(?:'ll|\s+will)\s+(?:send|post|share|be|have|do|ship|give|host|run|go)\b",
    r"\byou\s+can\s+(?:buy|get|order|find|join|grab|use)\b",
    r"\buse\s+(?:the\s+)?code\b",
    r"\bthere\s+(?:is|are|'s)\s+(?:a|an|one|some)\b",
    r"\b(?:launch|launching|drops?|dropping)\b",
    r"\bwe\s+(?:do|have|can|will)\b",
    r"\b(?:let'?s|lets)\s+(?:do|collab|chat|talk|meet|set)\b",
    r"\bsounds\s+(?:good|great|fun|amazing)\b",
    r"\bi'?d\s+love\s+to\b",
    r"\bwould\s+love\s+to\b",
    r"\bcount\s+me\s+in\b",
    r"\bsee\s+you\s+there\b",
    r"^\W*no\s+(?:problem|prob|worries)\b",
    r"\bsend\s+me\s+(?:an?\s+)?(?:email|e-mail|dm|message|the\s+details)\b",
)
_DECLINES = _rx(
    r"^\W*(?:no(?!\s+(?:problem|prob|worries))|nope|nah|not\s+(?:yet|really|right\s+now|at\s+the\s+moment)|sadly\s+not|"
    r"unfortunately|sorry)\b",
    r"\bi\s+(?:don'?t|do\s+not|can'?t|won'?t|haven'?t)\b",
    r"\bnot\s+(?:yet|right\s+now|at\s+the\s+moment|planning)\b",
    r"\blet\s+me\s+check\b",
    r"\bget\s+back\s+to\s+you\b",
)


_FIGURES_OF_SPEECH = _rx(r"\bof\s+course\b")
"""Offer words that are not offers: "Of course! How did they turn out?" announced a course."""


def _offer_text(text: str) -> str:
    """``text`` folded, with ``_FIGURES_OF_SPEECH`` blanked (same length, so spans still line up):
    what the offer words are read in, in the fan's question and in the creator's words alike."""
    return _FIGURES_OF_SPEECH.sub(lambda found: " " * len(found.group()), fold(text).text)


def offers_asked(incoming: str) -> list[str]:
    """The offers a fan's question is about ("course", "discount", ...); empty when it asks none."""
    text = _offer_text(incoming)
    if not _QUESTION.search(text):
        return []
    return [offer for offer in _OFFER_PATTERNS if _fans_words_for(offer, text)]


_FANS_OWN = re.compile(r"\b(?:our|my|their|his|her)\s+(?:\w+\s+)?$", re.IGNORECASE)
"""Before a product word, the fan's own thing ("a sponsored story for our app"), not one she sells
(a collaboration on "my podcast" is still one)."""


def _fans_words_for(offer: str, text: str) -> set[str]:
    """The words of one offer kind the fan asks about, leaving out products that are the fan's own."""
    return {
        m.group(0).lower()
        for m in _OFFER_PATTERNS[offer].finditer(text)
        if offer != "product" or not _FANS_OWN.search(text[: m.start()])
    }


_GENERIC_OFFER_WORDS = frozenset(
    {"sell", "sells", "selling", "buy", "order", "shop", "store", "product", "products", "vender", "vendes",
     "comprar", "verkaufst", "kaufen", "acheter", "vends"}
)  # fmt: skip
"""Words that ask whether she sells anything at all; the thing asked for ("prints") is more."""


def _asked_pattern(offer: str, incoming: str) -> re.Pattern[str]:
    """What the creator's words must name to announce what the fan asks about: the fan's own
    specific offer words ("prints", not the presets she does sell, both "products"), or any of
    the kind's words when the fan used only generic ones ("do you sell anything?")."""
    asked = _fans_words_for(offer, _offer_text(incoming))
    specific = sorted(asked - _GENERIC_OFFER_WORDS, key=len, reverse=True)
    if not specific:
        return _OFFER_PATTERNS[offer]
    stems = [re.escape(word.rstrip("s")) + "s?" for word in specific]
    return re.compile(r"(?<![\w])(?:" + "|".join(stems) + r")(?![\w])", re.IGNORECASE)


def offer_announced(offer: str, sources: Sequence[Grounding], incoming: str = "") -> Grounding | None:
    """The creator's own words that announce ``offer`` (not in a "no ..."/"never ..." sentence);
    with ``incoming``, they must name what the fan asks about (``_asked_pattern``)."""
    pattern = _asked_pattern(offer, incoming) if incoming else _OFFER_PATTERNS[offer]
    for source in sources:
        if not source.creators_words:
            continue
        folded = _offer_text(source.text)
        for start, end in sentence_spans(folded):
            sentence = folded[start:end]
            if pattern.search(sentence) and not _NEGATED.search(sentence):
                return source
    return None


@dataclass(frozen=True)
class OfferIssue:
    offer: str
    span: tuple[int, int] | None
    words: str
    evidence: Grounding | None


def check_offer(
    draft: str, incoming: str, sources: Sequence[Grounding], draft_specifics: Sequence[Specific]
) -> OfferIssue | None:
    """A yes, a date, a price or a link given to a question about an offer nobody announced."""
    asked = offers_asked(incoming)
    if not asked:
        return None
    unannounced = [offer for offer in asked if offer_announced(offer, sources, incoming) is None]
    if not unannounced:
        return None
    folded = fold(draft)
    affirmative = _AFFIRMATIVE.search(folded.text)
    concrete = [s for s in draft_specifics if s.kind in ("date", "time", "price", "url", "handle", "code")]
    if _DECLINES.search(folded.text):
        return None  # "no codes right now, sorry!": declining is the faithful answer
    if affirmative is None and not concrete:
        return None
    if affirmative is not None:
        span = folded.span(affirmative.start(), affirmative.end())
    else:
        span = concrete[0].span
    # The closest thing she did say about it: often a facts line that says she does not.
    evidence = None
    for source in sources:
        if source.kind == FACT and _OFFER_PATTERNS[unannounced[0]].search(_offer_text(source.text)):
            evidence = source
            break
    evidence = evidence or closest_source(incoming, sources)
    return OfferIssue(unannounced[0], span, draft[span[0] : span[1]], evidence)


# --- AI honesty ---------------------------------------------------------------------------------

_AI_WORD = (
    r"(?:a\s+)?(?:bot|robot|chat\s?bot|chat\s?gpt|gpt|an?\s+ai|ai|a\.i\.|artificial\s+intelligence"
    r"|automated|auto[- ]?reply|machine|program)"
)
_PERSON = (
    r"(?:a\s+)?(?:real|actual|living|breathing|human)(?:\s*(?:person|human|people|being|girl|guy|one|you)\b"
    # "are you real?", "r u real or"; not "are you real good at this", "is this real sourdough"
    r"|(?=\s*(?:[?!.,]|$|or\b|right\b|tho\b|though\b|lol\b|rn\b|haha\b)))"
)
AI_ASKED = _rx(
    rf"\b(?:are|r|ru|is|aren'?t)\s+(?:you|u|this|it|these|ur\s+replies|your\s+replies)\s+(?:really\s+|actually\s+|just\s+|even\s+|like\s+)?(?:{_AI_WORD}|{_PERSON})\b",
    rf"\bru\s+(?:{_AI_WORD}|{_PERSON})\b",
    rf"\b(?:talking|chatting|speaking|writing)\s+(?:to|with)\s+(?:{_AI_WORD}|{_PERSON})\b",
    rf"\b{_AI_WORD}\s+(?:replying|answering|writing|typing|responding|reply|replies|answers|wrote|writes|generated|running)\b",
    # "do you use AI?" asks about the replies; "do you use AI to retouch your photos?" does not
    r"\b(?:do|did|does)\s+(?:you|u|she|he|they)\s+(?:use|have)\s+(?:an?\s+)?(?:ai|a\.i\.|chat\s?gpt|gpt|bot|bots|assistant|team|va|ghost\s?writer)\b"
    r"(?=\s*(?:[?!.]|$|(?:to|for)\s+(?:\w+\s+){0,2}(?:repl|answer|respon|writ|messag|dm|comment|text)|or\s+(?:is|are|do)\b))",
    r"\b(?:real|actual|living|breathing)\s+(?:person|human|people)\b",
    r"\bhuman\s+or\b",
    r"\bor\s+(?:an?\s+)?(?:ai|bot|robot|human|program|machine)\b",
    r"\b(?:or|and)\s+(?:her|his|your|ur|their)\s+(?:assistant|team|manager|va|intern|staff)\b",
    r"\b(?:is\s+(?:this|it)|it'?s)\s+(?:really|actually|truly)\s+(?:you|u)\b",
    r"\b(?:really|actually)\s+you\s+(?:replying|answering|writing|typing)\b",
    r"\bwho(?:'?s|\s+is)\s+(?:really\s+|actually\s+)?(?:reading|replying|answering|writing|typing|behind|running)\b",
    r"\b(?:you|u)\s+(?:have|got)\s+(?:a|an)\s+(?:team|assistant|manager|intern|social\s+media\s+manager|va)\b",
    r"\b(?:someone\s+else|a\s+team|an\s+assistant|your\s+(?:team|assistant|manager))\s+(?:reply|replies|replying|answer|answers|answering|write|writes|writing|runs?|running)\b",
    # "creators use AI for DMs now, do you?": the machine doing the replies, then the question
    r"^(?=.*(?:\?|\b(?:do|did|does)\s+(?:you|u)\b)).*\b(?:use|using|uses)\s+(?:an?\s+)?(?:ai|a\.i\.|chat\s?gpt|gpt|bots?)"
    r"\s+(?:for|to\s+(?:write|answer|reply|respond))\s+(?:(?:your|ur|their|the|these|all)\s+)?(?:dms?|messages|replies|comments|inbox)\b",
    r"\bcopy\s*paste\w*\b",
    # "is it u typing", "is this even you", "is it really maya or ...", "the real dani answering"
    r"\bis\s+(?:it|this)\s+(?:even|really|actually|truly)\s+(?:you|u)\b",
    r"\bis\s+(?:it|this)\s+(?:you|u)\s+(?:typing|writing|answering|replying|responding)\b",
    r"\bis\s+(?:it|this)\s+really\s+\w+\s+or\b",
    r"\breal\s+\w+\s+(?:answering|replying|writing|typing|responding)\b",
    # "r these replies generated", "or was it generated", "is the reply automatic"
    r"\b(?:repl(?:y|ies)|answers?|messages?|responses?|this|it|that)\s+(?:(?:is|are|was|were)\s+)?"
    r"(?:ai[- ])?(?:generated|automatic|automated)\b",
    # "did an AI write that", "written by a machine", "this is an AI isn't it"
    rf"\bdid\s+{_AI_WORD}\s+write\b",
    r"\bdid\s+(?:someone\s+else|your\s+(?:team|assistant))\s+write\b",
    rf"\bwritten\s+by\s+(?:{_AI_WORD}|(?:an?\s+)?(?:assistant|team))\b",
    rf"\b(?:this|it)\s+is\s+{_AI_WORD}\b(?!\s+(?:art|photo|image|edit|tool|filter))",
    # "u sound like a bot", "feels like i'm texting an AI", "your replies read like ChatGPT"
    rf"\b(?:sound|sounds|feel|feels|read|reads|seem|seems)\s+(?:so\s+|kinda\s+)?like\s+"
    rf"(?:i'?m\s+(?:texting|talking\s+to|chatting\s+with|messaging)\s+)?{_AI_WORD}\b",
    # "who actually runs this account", "is this ur assistant", "... or a team member"
    r"\bwho\s+(?:actually\s+|really\s+)?(?:runs|manages|writes|answers|handles)\s+(?:this|your|ur|the)\b",
    r"\bis\s+(?:this|it)\s+(?:ur|your|her|his)\s+(?:assistant|team|manager|va|intern|social\s+media\s+manager)\b",
    r"\bor\s+(?:a\s+)?(?:team\s+member|assistant|manager|intern)\b",
    r"\b(?:does|do)\s+(?:a\s+)?(?:person|human|anyone|someone)\s+(?:actually\s+|really\s+)?(?:see|read|answer|reply)\b",
    r"\b(?:bot|ai|robot|human)\s+or\s+not\b",
    r"\boder\s+(?:ein\s+)?(?:bot|roboter|ki)\b",
    r"\b(?:canned|automatic|automated)\s+(?:reply|replies|response|responses|answer)\b",
    r"\b(?:eres|es)\s+(?:un\s+)?(?:bot|robot|ia|real|humano|humana|una\s+ia)\b",
    r"\bpersona\s+real\b",
    r"\b(?:bist\s+du|ist\s+das)\s+(?:ein\s+|eine\s+)?(?:bot|roboter|ki|echt|mensch|wirklich\s+du)\b",
    r"\becht(?:er)?\s+mensch\b",
    r"\b(?:es-tu|t'?es|tu\s+es)\s+(?:un\s+|une\s+)?(?:bot|robot|ia|humain|humaine|r[ée]el|vraiment\s+toi)\b",
    r"\bc'?est\s+(?:une\s+ia|un\s+bot|un\s+robot|vraiment\s+toi)\b",
    r"\bvraie\s+personne\b",
    r"\bpessoa\s+(?:real|de\s+verdade)\b",
    r"\b(?:voce|você|vc|tu)\s+(?:é|e|eh)\s+(?:um\s+|uma\s+)?(?:bot|robo|robô|ia|real|humano|humana)\b",
    r"\be\s+(?:voce|você|vc)\s+mesm[oa]\b",
)
_HONEST = _rx(
    r"\b(?:ai|a\.i\.|artificial\s+intelligence|assistant|drafted|automated|bot|ki|ia)\b",
)


_MACHINE = _rx(
    r"\b(?:bots?|robots?|chat\s?bots?|chat\s?gpt|gpt|ai|a\.i\.?|artificial|automated|automatic|auto[- "
    r"]?repl(?:y|ies)|autoreply|"
    r"algorithm|human|ia|ki|robo|robô|roboter|künstliche|maquina|máquina)\b",
)
_DEICTIC = _rx(
    r"\b(?:you|u|ur|your|yours|this|these|it|her|she|he|him|his|tu|toi|vous|du|dich|dein\w*|você|voce|vc|tú|usted|eres|es)\b"
)
_AGENT = _rx(
    r"\b(?:team|assistant|manager|managing|manages|someone|somebody|anyone|yourself|personally|staff|intern|va|ghost\s?writer|"
    r"equipo|equipe|equipa|alguém|alguem|alguien|quelqu'?un|jemand|personne|persona|pessoa|mensch|tú\s+mism[oa]|toi-m[eê]me|selbst)\b",
)
_HANDLING = _rx(
    r"\b(?:dms?|messages?|msgs?|repl(?:y|ies|ying)|respond\w*|answer\w*|read(?:s|ing)?|account|inbox|writ(?:e|es|ten|ing)|comments?|typ(?:e|es|ed|ing)|"
    r"mensajes?|mensagens?|nachrichten|responde\w*|beantwort\w*|lit|lee|lê|l[eê]|escreve\w*|écri\w*|r[ée]pond\w*)\b",
)


_BEING = _rx(
    r"\b(?:are|r|is|am|was|were|aren'?t|isn'?t)\s+(?:you|u|this|it|these|that|ur|your)\b",
    r"\b(?:you|u|this|it|that)\s*(?:'re|'s|are|r|is)\b(?!\s+all\b)",
    r"\b(?:eres|es|bist|ist|est|es-tu|e|é|eh)\s+(?:tu|du|vc|voce|você|usted|toi)\b",
    r"\b(?:tu|du|vc|voce|você|usted)\s+(?:eres|es|bist|est|e|é|eh)\b",
    r"\b(?:eres|bist|es-tu|t'es)\b",
)
"""'are you', 'is this', 'it's': a machine word about the one answering, not "do you use AI to edit"."""


def ai_question_words(incoming: str) -> str | None:
    """The words in which the fan asks if a person or an AI is answering ("is this really you?",
    "are u a bot"), or None.

    Three ways people ask, each a question: a word for a machine (bot, AI, auto reply, human)
    with "you"/"this" in it; someone else handling the messages (a team, an assistant, "do you
    answer these yourself?"); or the set phrases in ``AI_ASKED``. Triage's classifier catches the
    phrasings none of these names (``triage_classifier.AI_QUESTION``).
    """
    text = fold(incoming).text
    found = AI_ASKED.search(text)
    if found:
        return found.group(0).strip()
    asked = "?" in text or re.match(
        r"\W*(?:are|r|is|do|does|did|can|could|will|who|hello|hey|hi)\b", text, re.IGNORECASE
    )
    if not asked and not re.search(
        r"\bbe\s+honest\b|\bprove\b|\bi\s+wonder\b|\bcurious\b", text, re.IGNORECASE
    ):
        return None
    machine = _MACHINE.search(text)
    about_this = (_DEICTIC.search(text) and _HANDLING.search(text)) or (
        machine and any(0 <= machine.start() - being.end() <= 24 for being in _BEING.finditer(text))
    )
    if machine and (about_this or re.search(r"\bhuman\s*\?|\bprove\b", text, re.IGNORECASE)):
        return machine.group(0)
    agent = _AGENT.search(text)
    return agent.group(0) if agent and _HANDLING.search(text) else None


def ai_asked(incoming: str) -> bool:
    """Whether the fan asks if a person or an AI is answering (see ``ai_question_words``)."""
    return ai_question_words(incoming) is not None


def honest_about_ai(draft: str) -> bool:
    """Whether the draft says plainly that AI is involved (and does not deny it)."""
    text = fold(draft).text
    match = _HONEST.search(text)
    if match is None:
        return False
    before = text[max(0, match.start() - 24) : match.start()].lower()
    return not re.search(r"\b(?:not|no|never|n't|nao|nicht|kein|pas)\b[\w\s]*$", before)


def check_ai_honesty(draft: str, incoming: str, asked: bool | None = None) -> bool:
    """True when the fan asks about AI and the draft does not say so honestly (a dodge).

    ``asked``: triage's answer to "does the fan ask?" (rules and classifier) when known."""
    return (ai_asked(incoming) if asked is None else asked) and not honest_about_ai(draft)


# --- Questions of fact --------------------------------------------------------------------------


def asks_question(incoming: str) -> bool:
    """Whether the fan's message asks something (a question mark, or a question's first words)."""
    return bool(_QUESTION.search(fold(incoming).text))
