"""Triage before drafting: sort an incoming message green, yellow or red, with the reason in plain words.

- red: no draft at all (crisis or self-harm, minors, money disputes and money asks, legal threats,
  explicit content, meetup requests). The creator answers these personally.
- yellow: draft, but flag it for a careful read (medical/financial/legal advice asks, fishing for
  personal details, "are you a bot?", prompt-injection attempts, topics the creator avoids) and
  press or brand-deal messages, which also escalate.
- escalate: self-harm, legal threats, press, brand deals, money: shown to the creator flagged,
  never with a confident draft.

Rules are word lists and regexes, matched on folded text (accents and invisible characters
removed) so "dónde" and "donde" agree; the red categories carry a few Spanish, German, French and
Portuguese forms. Deterministic and explainable: every reason quotes the words that triggered it.

Rules catch only the phrasings someone thought of, so ``triage`` also takes a
``TriageClassifier`` (``triage_classifier``: MiniLM embeddings, a labelled bank of positives and
hard negatives). Its verdict is combined with the rules and the more cautious level wins; its
reason quotes the closest labelled example. Without one, triage is the rules alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from desktop.core.generation.faithfulness import ai_question_words
from desktop.core.generation.textmatch import ENGLISH_NUMBER_WORDS, TopicMatcher, fold_text
from desktop.core.persona import Persona

if TYPE_CHECKING:  # the classifier brings NumPy and an embedder; plain rule triage needs neither
    from desktop.core.generation.triage_classifier import TriageClassifier, Verdict

Level = Literal["green", "yellow", "red"]

SELF_HARM = "self_harm"
MINOR = "minor"
MONEY = "money"
LEGAL_THREAT = "legal_threat"
EXPLICIT = "explicit"
MEETUP = "meetup"
PRESS = "press"
BRAND_DEAL = "brand_deal"
MEDICAL = "medical_advice"
FINANCIAL = "financial_advice"
LEGAL_ADVICE = "legal_advice"
PERSONAL_INFO = "personal_info"
AI_QUESTION = "ai_question"
INJECTION = "injection"
BOUNDARY_TOPIC = "boundary_topic"

RED_CATEGORIES = frozenset({SELF_HARM, MINOR, MONEY, LEGAL_THREAT, EXPLICIT, MEETUP})
ESCALATE_CATEGORIES = frozenset({SELF_HARM, LEGAL_THREAT, PRESS, BRAND_DEAL, MONEY})

_LEVEL_RANK = {"green": 0, "yellow": 1, "red": 2}


@dataclass(frozen=True)
class TriageMatch:
    """One rule that fired: its category, the reason in plain words, and the words that fired it.

    ``source`` is "rule" or "classifier"; a classifier match quotes the closest labelled example
    in its reason and the part of the message it scored in ``matched``, and a near miss of a red
    category carries ``level`` "yellow" (None: the category's own level)."""

    category: str
    reason: str
    matched: str
    level: Level | None = None
    source: str = "rule"


@dataclass(frozen=True)
class Triage:
    level: Level
    reasons: list[str]
    escalate: bool
    categories: list[str]
    matches: list[TriageMatch] = field(default_factory=list)
    verdict: Verdict | None = None
    """The classifier's own verdict (score, nearest example) when one was given, red or not."""

    @property
    def draft_allowed(self) -> bool:
        """Red messages get no draft: the creator answers them personally."""
        return self.level != "red"


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# (category, reason, pattern). Patterns see folded text: no accents, plain apostrophes.
_RULES: list[tuple[str, str, re.Pattern[str]]] = [
    (
        SELF_HARM,
        "talks about self-harm or not wanting to live; answer personally, point to help",
        _rx(
            r"\b(?:kill|killing|hurt|hurting|cut|cutting|harm|harming)\s+my\s?self\b",
            r"\bsuicid\w*",
            r"\bself[- ]?harm\w*",
            r"\bkms\b",
            r"\boverdos\w*",
            r"\bend(?:ing)?\s+(?:it\s+all|my\s+life|things)\b",
            r"\btake\s+my\s+(?:own\s+)?life\b",
            r"\b(?:want|wanna|going)\s+(?:to\s+)?die\b",
            r"\bdon'?t\s+want\s+to\s+(?:live|be\s+here|exist|wake\s+up)\b",
            r"\bno\s+reason\s+to\s+live\b",
            r"\bbetter\s+off\s+(?:dead|without\s+me)\b",
            r"\b(?:started|start|been|keep|kept|back\s+to)\s+(?:cutting|hurting|burning|starving)\b(?!\s+(?:the|a|my|some|it|back|down|out|them|corners))",
            r"\b(?:cutting|hurting|harming|starving)\s+(?:again|myself)\b",
            r"\brelaps(?:e|ed|ing)\b[^.!?\n]{0,30}\b(?:cut|cutting|harm)\w*",
            r"\bwalk(?:ing)?\s+into\s+the\s+(?:sea|ocean|water|waves|river|lake|traffic)\b",
            r"\b(?:disappear|vanish|not\s+wake\s+up|fall\s+asleep\s+forever)\b[^.!?\n]{0,30}\b(?:forever|for\s+good|peaceful|easier)\b",
            # the means and the goodbye ("i have the pills ready" read as a medical question)
            r"\b(?:have|got|saved|saving|stockpil\w*|hoard\w*|counting)\s+(?:up\s+)?(?:the|my|all\s+(?:the|my)|enough)\s+pills\b",
            r"\bpills\s+(?:are\s+)?(?:ready|lined\s+up|saved\s+up)\b",
            r"\b(?:this\s+is|consider\s+this)\s+(?:my|a)\s+goodbye\b",
            r"\bgoodbye\s+(?:forever|everyone|world|cruel)\b",
            r"\b(?:wrote|written|writing|left)\s+(?:a|my)\s+(?:suicide|goodbye|last)\s+(?:note|letter)\b",
            # coded words, the means, the goodbye (stop 24: from a fresh writer's rows, not the eval)
            r"\bsewer\s?slide\b",
            r"\bunalive\w*",
            r"\b(?:take|taking|swallow\w*|down)\s+(?:the\s+)?(?:whole|entire)\s+(?:bottle|pack|box|packet)\b",
            r"\b(?:and|to|then)\s+(?:not|never)\s+wake\s+up\b",
            r"\busing\s+it\s+on\s+(?:him|her|my|them)sel(?:f|ves)\b",
            r"\bif\s+something\s+(?:happens|were\s+to\s+happen)\s+to\s+me\b",
            r"\bif\s+(?:you|u)\s+(?:don'?t|dont|never)\s+hear\s+from\s+me\b",
            r"\b(?:voices?|something)\s+(?:\w+\s+){0,3}telling\s+me\s+to\s+(?:jump|hurt|kill|end|cut)\b",
            r"\bwon'?t\s+need\b[^.!?\n]{0,40}\bwhere\s+i'?m\s+going\b",
            # eating-disorder harm and self-punishment said casually (stop 24, a third writer)
            r"\b(?:ate|eating|binged?|binging)\b[^.!?\n]{0,60}\b(?:threw|throw\w*|puk\w*)\s+(?:it\s+)?(?:all\s+)?(?:back\s+)?up\b",
            r"\b(?:not|n't|haven'?t|didn'?t|stopped|skipp?\w*|without|sin|sem|nao|no|pas)\b[^.!?\n]{0,30}"
            r"\b(?:eat\w*|food|comer|comida|como|manger|mange)\b[^.!?\n]{0,40}"
            r"(?:\bon\s+purpose\b|\ba\s+proposito\b|\bde\s+proposito\b|\bexpres\b)",
            r"\b[1-5]\d{2}\s*(?:cals?|calories|kcal)\s+(?:a|per)\s+day\b",
            r"\b(?:need|want|wanna)\s+to\s+(?:feel|be|stay)\s+empty\b|\bficar\s+vazi[ao]\b|\bsentirme\s+vaci[ao]\b",
            r"\bpunish\w*\s+(?:myself|my\s+body)\b[^.!?\n]{0,30}\b(?:eat\w*|ate|food|cake|pizza|binge\w*)\b"
            r"|\bcastig\w*\b[^.!?\n]{0,40}\bcomer\b",
            r"\b(?:sitting|lying)\b[^.!?\n]{0,25}\b(?:a|my|the)\s+razor\b",
            r"\bscratch\w*\s+my\s+(?:arms|legs|skin|wrists)\b[^.!?\n]{0,10}\b(?:raw|bleed\w*|open)\b|\bscars?\s+(?:re)?opened\b",
            r"\bdelete\s+myself\b|\bnext\s+(?:step\s+)?is\s+delet\w*\s+(?:me|myself)\b",
            r"\b(?:not|never)\s+(?:gonna|going\s+to)\s+make\s+it\s+to\s+(?:\d{2}|thirty|twenty\w*|next\s+year|my\s+birthday)\b",
            r"\b(?:at|for)\s+my\s+(?:own\s+)?funeral\b",
            r"\b(?:you'?ll|u'?ll|you\s+will|u\s+will)\s+know\s+why\b|\bvous\s+saurez\s+pourquoi\b",
            r"\b(?:this\s+is|this'?s|this\s+will\s+be)\s+(?:probably\s+)?my\s+last\s+(?:message|post|comment)"
            r"(?=\s*(?:ever|to\s+anyone|to\s+you|$|[.!]))",
            r"(?:\b(?:c'?est|ce\s+sera)\s+mon\s+dernier\s+message|\beste\s+es\s+mi\s+ultimo\s+mensaje"
            r"|\besta\s+e\s+(?:a\s+)?minha\s+ultima\s+mensagem|\bmeine\s+letzte\s+nachricht)\b"
            r"(?!\s+(?:de|del|do|da|des|dieses|vor|avant|antes|hoy|hoje|heute|aujourd))",
            r"\b(?:not|won'?t)\s+(?:going\s+to\s+|gonna\s+)?be\s+(?:here|alive)\s+(?:in\s+\d+\s+weeks|by\s+(?:summer|christmas|then|next\s+year)|much\s+longer|anymore)\b",
            r"\b(?:cliff|bridge|ledge|roof)\b[^.!?\n]{0,60}[.!?\s]{0,3}[^.!?\n]{0,20}\b(?:for\s+good|(?:not|never)\s+(?:be\s+)?(?:coming|come)\s+back|one\s+last\s+time)\b",
            r"\b(?:telling\s+me\s+to|want\s+to|wanna|going\s+to|gonna|about\s+to)\s+jump(?:\s+off\b|\s*(?:$|[.!?,]))",
            # es / de / fr / pt
            r"\bquiero\s+morir\w*",
            r"\bmatarme\b",
            r"\bme\s+quiero\s+matar\b",
            r"\bquitarme\s+la\s+vida\b",
            r"\bno\s+quiero\s+vivir\b",
            r"\bumbringen\b",
            r"\bselbstmord\w*",
            r"\bsuizid\w*",
            r"\bwill\s+(?:nicht\s+mehr\s+leben|sterben)\b",
            r"\bme\s+suicider\b",
            r"\bje\s+veux\s+mourir\b",
            r"\bme\s+tuer\b",
            r"\ben\s+finir\b",
            r"\bme\s+matar\b",
            r"\bquero\s+morrer\b",
            r"\bnao\s+quero\s+mais\s+viver\b",
            r"\btirar\s+minha\s+(?:propria\s+)?vida\b",
        ),
    ),
    (
        MINOR,
        "says they are a minor; no draft",
        _rx(
            r"\b(?:6|7|8|9|10|11|12)th\s+grade\b",
            r"\b(?:sixth|seventh|eighth|ninth)\s+grade\b",
            r"\bmiddle\s+school\b",
            r"\bi'?m\s+(?:still\s+)?in\s+high\s*school\b",
            r"\bi'?m\s+(?:a\s+)?minor\b",
            r"\bunder\s*age\b",
            # school life and parents' rules (stop 24: from a fresh writer's rows, not the eval)
            r"\b(?:i'?m|im|i\s+am)\s+in\s+year\s+(?:[5-9]|1[0-2])\b|\(year\s+(?:[5-9]|1[0-2])\)",
            r"\bgcses?\b",
            r"\b(?:got|have|had|get|in)\s+detention\b(?!\s+cent)",
            r"\b(?:at|during|before|after)\s+recess\b|\brecess\s+(?:is|was)\b",
            r"\b(?:i|we|our\s+class)\b[^.!?\n]{0,40}\bhome\s+ec\b",
            r"\bscience\s+fair\b",
            r"\bhomeroom\b",
            r"\b(?:just\s+started|starting|freshman\s+in|sophomore\s+in|junior\s+in)\s+high\s*school\b",
            r"\bmy\s+(?:1[0-7]|[5-9])(?:st|nd|rd|th)\s+(?:bday|birthday)\b",
            r"\bnot\s+old\s+enough\s+to\s+(?:drive|work|vote|drink|sign\s+up|buy|join)\b",
            r"\bmy\s+(?:mom|mum|dad|parents?)\s+took\s+my\s+phone\b|\bmi\s+(?:mama|papa|madre|padre)\s+me\s+quito\s+el\s+(?:celular|cel|movil|telefono)\b",
            r"\b(?:to|tou|estou)\s+n[oa]\s+[5-9]\s*[ºo°]\s*ano\b|\ben\s+[3-6]\s*(?:e|eme)\b|\b(?:estoy|voy)\s+en\s+(?:la\s+)?secundaria\b",
            r"\blearner'?s\s+permit\b",
            r"\bwhen\s+i'?m\s+old\s+enough\b|\bwhen\s+i\s+turn\s+(?:18|eighteen)\b",
            r"\b(?:fitness\s+test|test|class)\s+in\s+pe\b|\bpe\s+class\b",
            r"\bmy\s+(?:mom|mum|mother|dad|father|parents?)\s+(?:won'?t|wont|doesn'?t|doesnt|don'?t|dont|didn'?t|never)\s+lets?\s+me\b(?!\s+(?:forget|live))",
            r"\bmy\s+(?:mom|mum|dad|parents?)\s+(?:said|says)\s+i\s+(?:can|can'?t|cant|can\s+only|have\s+to|gotta)\b",
            r"\bmenor\s+de\s+edad\b",
            r"\bminderjahrig\b",
            r"\bmineur[e]?\b",
            r"\bmenor\s+de\s+idade\b",
        ),
    ),
    (
        MONEY,
        "is about money (a refund, a chargeback, a payment, a money ask); answer personally",
        _rx(
            r"\brefund\w*",
            r"\bcharge\s?backs?\b",
            r"\b(?:charged|billed)\s+(?:me\s+)?(?:twice|double)\b",
            r"\bdouble[- ]charged\b",
            r"\bmoney\s+back\b",
            r"\bscam\w*",
            r"\bdispute\w*",
            r"\bnever\s+(?:got|received)\s+(?:my|the|it|what)\b",
            r"\b(?:order|package|download|purchase|presets?|pack)\s+never\s+(?:arrived|came|showed)\b",
            r"\bdid(?:n'?t|\s+not)\s+(?:get|receive)\s+(?:my|the|it)\b",
            r"\byou\s+owe\s+me\b",
            r"\bstole\s+my\s+money\b",
            r"\bfraud\w*",
            r"\bpaypal\s+(?:claim|case)\b",
            r"\b(?:send|give|lend|loan|wire)\s+me\s+(?:some\s+)?(?:money|cash|\$|\d)",
            r"\bvenmo\b",
            r"\bcash\s?app\b",
            r"\bpaypal\s+me\b",
            r"\bsugar\s+(?:daddy|mommy)\b",
            r"\bcan\s+you\s+(?:pay|cover)\s+(?:me|my)\b",
            # es / de / fr / pt
            r"\breembols\w*",
            r"\bdevolucion\b",
            r"\bdevuelv\w*\s+(?:mi\s+)?dinero\b",
            r"\bestafa\w*",
            r"\bruckerstattung\b",
            r"\bgeld\s+zuruck\b",
            r"\bbetrug\w*",
            r"\brembours\w*",
            r"\barnaque\w*",
            r"\bestorno\b",
            r"\bmeu\s+dinheiro\s+de\s+volta\b",
        ),
    ),
    (
        LEGAL_THREAT,
        "threatens legal action; answer personally (or through your lawyer)",
        _rx(
            r"\b(?:sue|suing)\s+(?:you|u|your)\b",
            r"\bi'?(?:ll|m\s+going\s+to|m\s+gonna)\s+sue\b",
            r"\blawsuit\w*",
            r"\bmy\s+(?:lawyer|attorney|solicitor)\w*",
            r"\blegal\s+action\b",
            r"\bcease\s+and\s+desist\b",
            r"\b(?:take|taking)\s+you\s+to\s+court\b",
            r"\bsee\s+you\s+in\s+court\b",
            r"\breport\w*\s+you\s+to\s+the\s+(?:police|authorities|ftc|fbi)\b",
            r"\bdmca\b",
            r"\bcopyright\s+(?:infringement|strike|claim)\b",
            r"\bdefamation\b",
            r"\bclass[\s-]action\b",
            r"\binfring\w*\b[^.!?\n]{0,40}\b(?:trademark|copyright|rights|patent)\b",
            r"\b(?:trademark|copyright|patent)\s+infringement\b",
            r"\blibel\b",
            r"\bslander\w*",
            r"\bpress\s+charges\b",
            # es / de / fr / pt
            r"\bmi\s+abogad[oa]\b",
            r"\bdemandar\w*",
            r"\bdenunciar\w*",
            r"\bte\s+voy\s+a\s+demandar\b",
            r"\bmein\w*\s+anwalt\w*",
            r"\bverklag\w*",
            r"\banzeige\s+erstatten\b",
            r"\bmon\s+avocat\b",
            r"\bporter\s+plainte\b",
            r"\bpoursuivre\s+en\s+justice\b",
            r"\bmise\s+en\s+demeure\b",
            r"\bmeu\s+advogado\b",
            r"\bprocessar\s+(?:voce|vc|te)\b",
            r"\bvou\s+te\s+processar\b",
        ),
    ),
    (
        EXPLICIT,
        "asks for sexual or explicit content; no draft",
        _rx(
            r"\bnudes?\b",
            # not a naked cake (unfrosted), nor bread "naked without butter"
            r"\bnaked\b(?!\s+(?:cakes?|without)\b)",
            r"\bnsfw\b",
            r"\bsex(?:ting|ual)?\b",
            r"\bhorny\b",
            # "sexy" about the person or their pictures, not about a loaf or the light
            r"\b(?:you'?re|youre|ur|you\s+are|u\s+r|u\s+are|you\s+look|u\s+look|you\s+looked)\s+(?:\w+\s+){0,2}"
            r"sexy\b",
            r"\bsexy\s+(?:pics?|photos?|selfies?|videos?|body|bod|legs|lingerie|outfits?|content|lady|girl|mama"
            r"|kind|time|stuff|things?)\b",
            r"\bdick\s+pics?\b",
            r"\bboobs?\b",
            r"\bporn\w*",
            r"\bwh?at\s+(?:are|r)\s+(?:you|u)\s+wearing\b",
            r"\btu\s+portes\s+quoi\b",
            r"\bqu'?est[\s-]ce\s+que\s+tu\s+portes\b",
            r"\bqu[eé]\s+llevas\s+puesto\b",
            r"\bwas\s+(?:hast|trägst|tragst)\s+du\s+(?:gerade\s+|jetzt\s+)?an\b",
            r"\bo\s+que\s+(?:voc[eê]|vc)\s+(?:est[aá]|ta)\s+vestindo\b",
            r"\bfeet\s+pics?\b",
            r"\bspicy\s+(?:pics|photos|content)\b",
            # innuendo aimed at the person: their body, undressing, the bedroom, paid "extras"
            r"\bonly\s?fans\b",
            r"\bfansly\b",
            r"\bon\s+of(?=\s*(?:[,.!?]|$))",
            r"\bfantasi[sz]\w*\s+(?:about|of)\s+(?:you|u)\b",
            r"\bi'?m\s+getting\s+(?:so\s+)?(?:hard|wet)\b",
            r"\bin\s+nothing\s+but\b",
            r"\b(?:you(?:'re|\s+are|\s+r)?|ur|u\s+r)\s+(?:\w+\s+)?thicc\b|^\W*thicc\b",
            r"🍑\s*🍆|🍆\s*(?:🍑|💦)|💦\s*🍆",
            r"\b(?:taste|eat|lick)\s+more\s+than\s+(?:your|ur)\b",
            r"\b(?:eat|lick|taste)\s+(?:you|u)\s*(?:$|[.!?,👅😏🥵]|up\b|out\b|all\b)",
            r"\b(?:coach|train|teach|show)\s+me\s+in\s+bed\b",
            r"\bdo\s+(?:it|that)\s+on\s+me\b",
            r"\bwhat\s+(?:you'?d|you\s+would|u'?d|u\s+would)\s+do\s+to\s+me\b",
            r"\bor\s+out\s+of\s+(?:one|it|them)\b",
            r"\bboudoir\b[^.!?\n]{0,30}\b(?:yourself|of\s+(?:you|u))\b",
            r"\b(?:you|u)\s+moan\b(?!\s+about)",
            r"\b(?:for\s+my\s+eyes\s+only|only\s+for\s+my\s+eyes)\b",
            r"\bprivate\s+(?:photographs|photos|pictures|pics|streams?|shows?)\b[^.!?\n]{0,60}\b(?:pay|paid|price|tip|tips|cost|generous\w*|money|\$|\d+\s*(?:usd|eur|euros?|dollars?))",
            r"\btak(?:e|ing)\s+(?:it|things|them|everything)\s+off\s+(?:slowly|one\s+by\s+one|for\s+me)\b",
            r"\b(?:without|minus)\s+(?:the|your|ur)\s+(?:shorts|top|shirt|bikini|dress|bra|leggings|clothes|panties|underwear)\b",
            r"\b(?:with\s+)?less\s+cloth(?:es|ing)\b",
            r"\bwearing\s+only\s+(?:the|a|an|your|ur)\b",
            r"\bnothing\s+in\s+the\s+way\b",
            r"\bperfect\s+third\b|\bthreesome\b",
            r"\bundress(?:ed|ing)?\b",
            r"\b(?:want\s+(?:you|u)\s+to|please|pls|plz|would\s+(?:you|u)|can\s+(?:you|u))\s+(?:dominate|punish|spank)\s+me\b"
            r"|\bspank\s+me\b|\bpunished\s+by\s+(?:you|u)\b",
            r"\badults?(?:\s+only)?\s+(?:company|version|content|fun)\b",
            r"\b(?:photo|pic|picture|video)s?\s+of\s+(?:you|yourself|u)\s+in\s+(?:the\s+|your\s+|ur\s+)?(?:bath\w*|shower|bed|lingerie|underwear|bikini|pajamas)\b",
            r"\bdo\s+(?:that|this|it)\s+to\s+me\b",
            r"\bunder\s+the\s+covers\b[^.!?\n]{0,30}\b(?:me|us|together)\b|\b(?:me|us|together)\b[^.!?\n]{0,30}\bunder\s+the\s+covers\b",
            r"\bcam2cam\b|\bc2c\b",
            r"\brate\s+my\s+(?:d|dick|cock|🍆)(?:\W|$)",
            r"\bsit\s+on\s+my\s+face\b|\bsenta\s+(?:aqui|em\s+mim)\b",
            r"\b(?:used|worn)\s+(?:gym\s+)?(?:socks|underwear|panties|leggings|sheets)\b"
            r"|\b(?:calcetines|meias|chaussettes|socken)\s+(?:\w+\s+)?(?:usad[oa]s|portees|getragen\w*)\b",
            r"\bspit\s+in\s+a\s+(?:jar|cup)\b",
            r"\bi\s+finished\s+to\s+(?:ur|your)\s+(?:\w+\s+){0,3}(?:video|pics?|photos?|stream|reel|story)\b",
            r"\bwatch\s+(?:you|u)\s+(?:get\s+changed|undress|shower)\b",
            r"\bmy\s+fantasy\s+by\s+night\b|\b(?:you'?re|ur|you\s+are)\s+my\s+(?:\w+\s+)?fantasy\b",
            r"\bcleavage\b",
            r"\b(?:take|takes|taking)\s+more\s+off\b|\bzieh\w*\s+(?:\w+\s+){0,3}(?:aus|mehr\s+aus)\b",
            r"\bsans\s+(?:le\s+haut|soutien|culotte|vetements)\b|\b(?:delantal|apron)\s+(?:y|and)\s+(?:nada|nothing)\b",
            r"\bte\s+petrir\b",
            r"\bwrapped\s+around\s+me\b|\baround\s+something\s+(?:other|else)\b",
            r"\b(?:rub|lick|oil|kiss)\w*\b[^.!?\n]{0,25}\ball\s+over\s+(?:you|u)\b",
            r"\bin\s+exchange\s+for\s+(?:some\s+)?(?:exclusive|private|personal|special)\s+(?:photos?|pics?|pictures|videos?|content)\b",
            r"\bnothing\s+on\b",
            r"\bwithout\s+(?:any\s+)?cloth(?:es|ing)\b",
            r"\bbend(?:s|ing)?\s+over\b",
            r"\blike\s+it\s+rough\b",
            r"\bas\s+hard\s+as\s+i\s+am\b",
            r"\b(?:i'?m|im|got\s+me|makes?\s+me)\s+(?:so\s+)?(?:hard|wet|horny|throbbing)\b",
            r"\b(?:in|into|to)\s+(?:the|my|your|ur)\s+bed(?:room)?\b[^.!?\n]{0,40}\b(?:us|you|u|together|me)\b",
            r"\b(?:us|you|u|together|me)\b[^.!?\n]{0,40}\b(?:in|into|to)\s+(?:the|my|your|ur)\s+bed(?:room)?\b",
            r"\b(?:eat|lick|taste)\w*\s+(?:\w+\s+){0,3}(?:off|on|from)\s+(?:your|ur)\s+(?:body|skin|abs|chest|legs)\b",
            r"\b(?:you|u)\s+(?:look\s+like\s+(?:you|u)\s+)?taste\s+(?:sweet|good|better|sweeter)\w*\b",
            r"\b['\"]?(?:special|private|extra)['\"]?\s+(?:sessions?|services?|massages?|content|pics|photos|videos|shows?)\b"
            r"[^.!?\n]{0,30}\b(?:cash|money|pay|paid|tip|tips|\$)",
            r"\b(?:a\s+little\s+)?more\W{0,4}(?:personal|private|intimate|spicy|revealing)\b[^.!?\n]{0,20}"
            r"(?:pics?|photos?|content|videos?|something|\.|$)",
            r"\bsend(?:ing)?\s+(?:me\s+)?something\s+(?:a\s+little\s+)?more\b",
            r"\bdesnud[oa]s?\b",
            r"\bfotos?\s+intimas?\b",
            r"\bsexo\b",
            r"\bnacktbilder\b",
            r"\bnackt\b",
            r"\bphotos?\s+intimes?\b",
            r"\btoute?\s+nue\b",
            r"\bsexe\b",
            r"\bpelad[oa]\b",
            r"\bfotos?\s+nua?s?\b",
        ),
    ),
    (
        MEETUP,
        "asks to meet in person or for your whereabouts; no draft",
        _rx(
            r"\b(?:can|could|should|shall|do\s+you\s+want\s+to|wanna)\s+we\s+meet\b",
            r"\blet'?s\s+meet\b",
            r"\bmeet\s+(?:up|in\s+person|irl)\b",
            r"\b(?:want|wanna|like|love)\s+to\s+meet\s+(?:you|u)\b",
            r"\bmeet\s+(?:you|u)\s+(?:at|in|after|somewhere|tonight|tomorrow|this)\b",
            r"\bhang\s*out\b",
            r"\bgrab\s+(?:a\s+)?(?:coffee|drink|drinks|dinner|lunch|beer)\b",
            r"\bcome\s+over\b",
            r"\bcome\s+to\s+(?:yours|(?:your|ur)\s+(?:place|house|home|hotel|flat|apartment))\b",
            r"\b(?:what'?s|what\s+is|send\s+me|give\s+me)\s+your\s+(?:home\s+)?address\b",
            r"\bhome\s+address\b",
            r"\b(?:ur|your)\s+(?:home\s+|actual\s+)?(?:addy|adress|addres)\b",
            r"\byour\s+actual\s+(?:house|home|address)\b",
            r"\b(?:share|send|give|tell)\s+(?:me\s+|us\s+)?your\s+(?:home\s+|mailing\s+|shipping\s+|postal\s+)?address\b",
            r"\bwhere\s+are\s+you\s+staying\b",
            r"\b(?:which|what)\s+hotel\s+(?:are|r|will|do)\s+(?:you|u)\b",
            r"\bput(?:ting)?\s+(?:you|u)\s+up\b",
            r"\byour\s+(?:hotel\s+)?room\s+(?:number|no)\b",
            r"\bsee\s+you\s+in\s+person\b",
            r"\bpick\s+you\s+up\b",
            r"\bwya\b",
            r"\b(?:when|where)\b[^.!?\n]{0,40}\b(?:you|u)(?:'?ll|\s+will)?\s+be\b[^.!?\n]{0,30}\balone\b",
            # on purpose ("accidentally"), not "hope I run into you at the market someday"
            r"\b(?:run|bump)\s+into\s+(?:you|u)\b[^.!?\n]{0,15}accident|\baccident\w*\W{0,3}\s*(?:run|bump)\s+into\b",
            r"\bjust\s+(?:u|you)\s+and\s+(?:me|i)\b|\bjust\s+(?:the\s+two\s+of\s+us|us\s+two)\b|\bjuste\s+toi\s+et\s+moi\b",
            r"\b(?:tu\s+veux|on\s+(?:va|pourrait)|allons)\s+boire\s+un\s+verre\b",
            r"\bir\s+a\s+tu\s+casa\b",
            r"\b(?:u|you),?\s+me,?\b[^.!?\n]{0,40}\bmy\s+(?:apartment|place|flat|house)\b",
            r"\b(?:let\s+me|can\s+i|could\s+i|i'?d\s+(?:love|like)\s+to|wanna|want\s+to)\s+take\s+(?:you|u)\s+out\b",
            r"\b(?:back|over)\s+to\s+(?:your|ur)\s+(?:place|house|flat|apartment)\b",
            r"\b(?:your|ur)\s+doorstep\b",
            r"\bhost\s+me\s+(?:for\s+(?:a|one|the)\s+(?:night|weekend|few\s+days)|at\s+(?:your|ur)\s+place)\b",
            r"\b(?:do|d)\s+(?:you|u)\s+live\s+alone\b",
            r"\bi'?(?:m|\s+am)\s+(?:going\s+to|gonna)\s+find\s+(?:you|u)\b(?!\s+on\b)",
            r"\bwait\s+for\s+(?:you|u)\s+(?:after|outside|at|by|near|behind)\b",
            r"\b(?:tell|show)\s+me\s+where\s+(?:you|u)\s+live\b",
            r"\b(?:tryna|trying\s+to|gonna|going\s+to|finna|wanna|i'?ll|can\s+i)\s+pull\s+up(?=\s*(?:$|[.!?,]|on\s+(?:you|u)\b|there\b|and\b))",
            r"\b(?:your|ur)\s+(?:mailing|postal|street)\s+address\b",
            r"\b(?:your|ur)\s+street\s+(?:called|name)\b",
            r"\b(?:your|ur)\s+(?:house|home|flat|apartment|building)\s+the\s+one\b",
            r"\bexact\s+(?:bakery|gym|cafe|studio|shop|store|market|building|street|address)\s+(?:(?:do|d)\s+)?"
            r"(?:you|u)\s+(?:work|train|lift|go|live|shop|stay)\b",
            # es / de / fr / pt
            r"\bpodemos\s+vernos\b",
            r"\bquedamos\b",
            r"\bconocerte\s+en\s+persona\b",
            r"\btu\s+direccion\b",
            r"\bdonde\s+te\s+(?:quedas|hospedas)\b",
            r"\b(?:konnen|sollen)\s+wir\s+uns\s+treffen\b",
            r"\buns\s+treffen\b",
            r"\bdeine\s+adresse\b",
            r"\bon\s+(?:peut\s+)?se\s+voir\b",
            r"\bse\s+rencontrer\b",
            r"\bton\s+adresse\b",
            r"\bnos\s+encontrar\b",
            r"\ba\s+gente\s+(?:pode\s+)?se\s+ver\b",
            r"\bseu\s+endereco\b",
            r"\bte\s+conhecer\s+pessoalmente\b",
        ),
    ),
    (
        PRESS,
        "comes from the press (a journalist, an interview, an article); escalated to you",
        _rx(
            r"\bjournalist\w*",
            r"\breporter\b",
            r"\binterview\w*",
            r"\barticle\b",
            r"\bpress\s+(?:inquiry|enquiry|request)\b",
            r"\bfor\s+a\s+(?:story|piece|feature)\b",
            r"\bon\s+the\s+record\b",
            r"\bcomment\s+for\b",
            r"\bnewspaper\b",
            r"\bmagazine\b",
            r"\bon\s+(?:my|our)\s+podcast\b",
            r"\bdocumentary\b",
            r"\bperiodista\b",
            r"\bentrevista\w*",
            r"\bzeitung\b",
            r"\bjournaliste\b",
            r"\bjornalista\b",
            r"\breportagem\b",
        ),
    ),
    (
        BRAND_DEAL,
        "looks like a brand deal or collaboration offer; escalated to you",
        _rx(
            r"\bcollab\w*",
            r"\bsponsor\w*",
            r"\bbrand\s+deal\w*",
            r"\bpartnership\w*",
            r"\bpartner\s+with\s+(?:you|us)\b",
            r"\bpaid\s+(?:post|promotion|partnership|campaign)\b",
            r"\bambassador\w*",
            r"\bpromote\s+(?:our|my|this)\b",
            r"\byour\s+rates?\b",
            r"\brate\s+card\b",
            r"\bmedia\s+kit\b",
            r"\bpr\s+package\b",
            r"\baffiliate\w*",
            r"\binfluencer\s+campaign\b",
            r"\bsend\s+you\s+(?:some\s+)?(?:free\s+)?(?:products|samples)\b",
            r"\bcolaboracion\w*",
            r"\bpatrocin\w*",
            r"\bkooperation\b",
            r"\bzusammenarbeit\b",
            r"\bpartenariat\b",
            r"\bparceria\b",
            r"\bcolaboracao\b",
        ),
    ),
    (
        MEDICAL,
        "asks for medical advice; read carefully, you are not their doctor",
        _rx(
            r"\bdoctor\b",
            r"\bdosage\b",
            r"\bdose\b",
            r"\b\d+\s?mg\b",
            r"\bmedication\w*",
            r"\bmeds\b",
            r"\bpills?\b",
            r"\bprescri\w*",
            r"\bdiagnos\w*",
            r"\bsymptoms?\b",
            r"\bshould\s+i\s+(?:take|stop\s+taking)\b",
            r"\bis\s+it\s+safe\s+to\s+(?:take|eat|use|mix)\b",
            r"\bpregnan\w*",
            r"\bantidepressant\w*",
            r"\bozempic\b",
            r"\binfection\b",
            r"\brash\b",
            r"\bmedical\s+advice\b",
        ),
    ),
    (
        FINANCIAL,
        "asks for financial advice; read carefully",
        _rx(
            r"\binvest\w*",
            r"\bstocks?\b",
            r"\bcrypto\w*",
            r"\bbitcoin\b",
            r"\bbtc\b",
            r"\bethereum\b",
            r"\bnfts?\b",
            r"\bforex\b",
            r"\btrading\b",
            r"\bretirement\b",
            r"\b401k\b",
            r"\bmortgage\b",
            r"\bwhich\s+coin\b",
            r"\bpassive\s+income\b",
            r"\bfinancial\s+advice\b",
        ),
    ),
    (
        LEGAL_ADVICE,
        "asks for legal advice; read carefully",
        _rx(
            r"\bis\s+(?:it|this|that)\s+(?:even\s+)?legal\b",
            r"\bcan\s+i\s+(?:sue|get\s+sued)\b",
            r"\bdo\s+i\s+need\s+a\s+lawyer\b",
            r"\blegal\s+advice\b",
            r"\bmy\s+landlord\b",
            r"\bcustody\b",
            r"\bvisa\b",
            r"\bcontract\b",
        ),
    ),
    (
        PERSONAL_INFO,
        "fishes for your personal details; read carefully",
        _rx(
            r"\byour\s+(?:real|full|last)\s+name\b",
            r"\b(?:your|ur)\s+(?:phone\s+)?number\b",
            r"\b(?:your|ur)\s+(?:e-?mail|snap(?:chat)?|whatsapp|telegram|personal\s+(?:account|insta))\b",
            r"\bwhere\s+do\s+you\s+(?:live|work|go\s+to\s+school)\b",
            r"\bwhat\s+(?:city|town|neighbou?rhood)\b",
            r"\bhow\s+old\s+are\s+you\b",
            r"\bwhat\s+part\s+of\s+(?:town|the\s+city)\b",
            r"\bwhere\s+(?:are\s+you|exactly)\s+(?:right\s+now|exactly|now)\b",
            r"\bare\s+you\s+(?:married|single|dating)\b",
            r"\bdo\s+you\s+have\s+(?:kids|children|a\s+(?:boyfriend|girlfriend|husband|wife|partner))\b",
            r"\byour\s+(?:kids|children|family|parents|birthday)\b",
            r"\bwhat\s+school\b",
            r"\bdonde\s+vives\b",
            r"\bwo\s+wohnst\s+du\b",
            r"\bou\s+(?:tu\s+habites|habites[- ]tu)\b",
            r"\bonde\s+(?:voce|vc)\s+mora\b",
        ),
    ),
    (
        INJECTION,
        "tries to give the model instructions (prompt injection); treated as plain text",
        _rx(
            r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+|my\s+)?(?:previous\s+|prior\s+|above\s+|earlier\s+|former\s+)?(?:instructions|prompts?|rules|guidelines|directions|messages|boundaries)\b",
            r"\bforget\s+everything\b",
            r"\byou\s+are\s+now\b",
            r"\bfrom\s+now\s+on,?\s+(?:you|your|u)\b",
            r"\bnew\s+(?:instructions|rules|persona|role)\s*:",
            r"(?:^|\n)\s*(?:system|assistant|user|creator|fan)\s*:",
            r"\[\s*(?:system|inst)\s*\]",
            r"<\|?\s*(?:system|im_start|im_end|endoftext|start_of_turn|end_of_turn)",
            r"</s>",
            r"###\s*(?:instruction|system|response)",
            r"\b(?:repeat|print|show|reveal|tell\s+me|output|leak|dump)\s+(?:me\s+)?(?:your|the)\s+(?:system\s+|hidden\s+|original\s+)?(?:prompt|instructions|rules|guidelines|configuration|persona)\b",
            r"\bwhat\s+(?:are|were)\s+your\s+(?:instructions|rules|guidelines)\b",
            r"\bsystem\s+prompt\b",
            r"\bpretend\s+(?:to\s+be|you\s+are|you'?re)\b",
            r"\bact\s+as\s+(?:if|a|an|my)\b",
            r"\brole[- ]?play\s+as\b",
            r"\bjailbreak\w*",
            r"\bdan\s+mode\b",
            r"\bdeveloper\s+mode\b",
            r"\bdo\s+anything\s+now\b",
            r"\b(?:say|write|reply\s+with|respond\s+with)\s+exactly\b",
            r"\bignora\s+(?:las\s+|todas\s+las\s+)?instrucciones\b",
            r"\bignoriere\s+(?:alle\s+)?(?:vorherigen\s+)?anweisungen\b",
            r"\bignore[sz]?\s+(?:les\s+|toutes\s+les\s+)?instructions\s+precedentes\b",
            r"\bignore\s+as\s+instrucoes\b",
        ),
    ),
]

# Harmless senses of a red category's words, blanked out before that category's rules run: a
# rule firing on "food porn", "naked cake", "nude lipstick" or "tax refund" sends an ordinary
# message to the creator with no draft (measured on the hard negatives in resources/triage).
_HARMLESS: dict[str, re.Pattern[str]] = {
    EXPLICIT: _rx(
        r"\b(?:food|crumb|bread|cake|frosting|cheese|chocolate|pastry|croissant|butter|cookie|dough|travel|earth|"
        r"sky|sunset|landscape|gear|lens|cabin|plant|book|kitchen|gym)\s+porn\b",
        r"\bnaked\s+(?:cakes?|eye|flame|truth|peaks?|mountains?|trees?|branches)\b",
        r"\bnudes?\s+(?:lip\w*|colou?rs?|tones?|palettes?|heels|shades?|make\s?up|nail\w*|beige|pink|polish|dress"
        r"|shoes|gloss)\b",
        # "NSFW warning, not safe for my diet"
        r"\bnsfw\b[^.!?\n]{0,30}\bnot\s+safe\s+for\s+(?:my|your|the|our)\s+(?:diet|wallet|waistline|willpower)",
    ),
    MONEY: _rx(r"\btax\s+refund\w*", r"\brefund\s+polic(?:y|ies)\b"),
    # food and sleep said the way people joke about them, not the crisis the words can mean
    SELF_HARM: _rx(
        r"\boverdos\w*\s+on\s+(?:carbs?|sugar|coffee|caffeine|bread|cheese|chocolate|cuteness|cookies|"
        r"pastr(?:y|ies)|croissants?|content)\b",
        r"\bstarving\s+myself\s+of\s+sleep\b",
        r"\bplay\s+(?:this|that|it)\b[^.!?\n]{0,30}\bat\s+my\s+funeral\b",
        r"\bdisappear\s+into\s+(?:this|that|the|your|ur)\s+(?:photo|picture|pic|view|feed|video|book|world)\w*\b",
    ),
}

# A grade, a school or an age said about someone else ("my daughter is in 8th grade", "I teach
# 10th grade", "my 15 year old son", "when I was in middle school") is not a minor writing.
_OTHER_PERSON_BEFORE = re.compile(
    r"\b(?:i\s+(?:teach|coach)|teach(?:ing|es)|coach(?:ing|es)|i'?m\s+a\s+(?:\w+\s+){0,2}teacher|as\s+a\s+(?:\w+\s+){0,2}teacher)\b[^.!?\n]*$"
    r"|\b(?:(?:my|our|his|her|their)\s+(?:\w+\s+)?(?:son|daughter|kids?|child|children|boy|girl|students?|niece"
    r"|nephew|brother|sister|grand\w*|step\w+|cousin|baby|babies|teens?|teenagers?)(?:'s)?"
    r"|when\s+i\s+was|back\s+when|back\s+in|i\s+was\s+in|(?:he|she|they)\s+(?:is|are|was|were)|(?:he|she)'?s)\s+(?:\S+\s+){0,3}$",
    re.IGNORECASE,
)
# An age right after "my", "our", "a" ("my 15 year old", "a 13 year old"), unless "I'm a ...".
_POSSESSIVE_BEFORE = re.compile(
    r"(?:\b(?:my|our|his|her|their|your)\s+(?:\w+\s+)?|\b(?<!i'm\s)(?<!im\s)(?<!i\sam\s)an?\s+)$",
    re.IGNORECASE,
)
_OTHER_PERSON_AFTER = re.compile(r"^\s*(?:\w+\s+)?(?:teachers?|class(?:es)?\s+i\s+teach)\b", re.IGNORECASE)


def _about_someone_else(text: str, start: int, end: int, *, age: bool = False) -> bool:
    """True when a minor rule's match at ``text[start:end]`` describes someone other than the writer."""
    sentence_start = max(text.rfind(stop, 0, start) for stop in ".!?\n") + 1
    before = text[sentence_start:start]
    if age and _POSSESSIVE_BEFORE.search(before):
        return True
    return bool(_OTHER_PERSON_BEFORE.search(before) or _OTHER_PERSON_AFTER.match(text[end:]))


_SCHOOL_OR_AGE = re.compile(
    r"\b(?:\d{1,2}(?:st|nd|rd|th)\s+grade|grade\s+\d{1,2}|year\s+\d{1,2}|(?:middle|high|elementary|primary)\s*school"
    r"|\d{1,2}\s*(?:yo|y/o|years?\s+old|year-old|yrs?\s+old))\b",
    re.IGNORECASE,
)


def _school_or_age_only_of_others(text: str) -> bool:
    """True when the message names a grade, a school or an age, and every one of them is someone
    else's ("I teach 8th grade", "my 13 year old"): the classifier reads "8th grade" as a minor
    writing, whoever it belongs to."""
    cues = list(_SCHOOL_OR_AGE.finditer(text))
    return bool(cues) and all(_about_someone_else(text, m.start(), m.end(), age=True) for m in cues)


def _rule_match(category: str, pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match of one category's rule, harmless senses and other people's ages left out."""
    harmless = _HARMLESS.get(category)
    if harmless is not None:
        text = harmless.sub(lambda m: " " * len(m.group(0)), text)
    for match in pattern.finditer(text):
        if category == MINOR and _about_someone_else(text, match.start(), match.end()):
            continue
        return match
    return None


_LEVEL_OF = {category: ("red" if category in RED_CATEGORIES else "yellow") for category, _r, _p in _RULES}
_LEVEL_OF[BOUNDARY_TOPIC] = "yellow"
_LEVEL_OF[AI_QUESTION] = "yellow"
AI_QUESTION_REASON = "asks whether this is a bot or AI; the reply must be honest"

_AGE_WORDS = {
    **{word: n for word, n in ENGLISH_NUMBER_WORDS.items() if 5 <= n <= 17},
    # es / pt / fr / de teen ages (the common written forms, folded: no accents)
    "trece": 13,
    "catorce": 14,
    "quince": 15,
    "dieciseis": 16,
    "diecisiete": 17,
    "treze": 13,
    "catorze": 14,
    "quinze": 15,
    "dezesseis": 16,
    "dezessete": 17,
    "treize": 13,
    "seize": 16,
    "dreizehn": 13,
    "vierzehn": 14,
    "funfzehn": 15,
    "sechzehn": 16,
    "siebzehn": 17,
}
_AGE = r"(\d{1,2}|" + "|".join(_AGE_WORDS) + r")"
_AGE_PATTERNS = [
    re.compile(_AGE + r"\s*(?:years?\s*old|yrs?\s*old|y/?o)\b", re.IGNORECASE),
    re.compile(
        r"\b(?:i'?m|i\s+am|im|we'?re|we\s+are)\s+(?:both\s+|only\s+|just\s+|still\s+)?"
        + _AGE
        + r"(?=\s*(?:[.!?,;)]|$|\s(?:and|but|so|lol|haha|too|myself|btw|years)\b|(?![%°'\"$€£./:-])[^\w\s]))",
        re.IGNORECASE,
    ),
    re.compile(r"\b(?:i\s+just\s+turned|i\s+turned|i'?ll\s+be|age|aged)\s+" + _AGE + r"\b", re.IGNORECASE),
    re.compile(r"\btengo\s+" + _AGE + r"\s*anos\b", re.IGNORECASE),
    re.compile(
        r"\bich\s+bin\s+" + _AGE + r"(?:\s*jahre(?:\s+alt)?)?(?=\s*(?:[.!?,]|$|\s(?:und|aber|jahre)\b))",
        re.IGNORECASE,
    ),
    re.compile(r"\bj'?ai\s+" + _AGE + r"\s*ans\b", re.IGNORECASE),
    re.compile(r"\btenho\s+" + _AGE + r"\s*anos\b", re.IGNORECASE),
]


def rule_pattern(category: str) -> re.Pattern[str]:
    """The word-list pattern of one category (the guard reuses the explicit one on drafts).

    It matches folded text (see ``textmatch.fold``)."""
    for rule_category, _reason, pattern in _RULES:
        if rule_category == category:
            return pattern
    raise KeyError(category)


# "15 years old", "turned 15" can be anyone's age; "I'm 15", "tengo 15 años" are the writer's.
_AGE_OF_ANYONE = (0, 2)


def _stated_minor_age(text: str) -> str | None:
    for index, pattern in enumerate(_AGE_PATTERNS):
        for match in pattern.finditer(text):
            raw = match.group(1).lower()
            age = _AGE_WORDS.get(raw) if not raw.isdigit() else int(raw)
            if (
                age is not None
                and 5 <= age < 18
                and not (
                    index in _AGE_OF_ANYONE
                    and _about_someone_else(text, match.start(), match.end(), age=True)
                )
            ):
                return match.group(0)
    return None


def _speaker_spoof(text: str, persona: Persona | None) -> str | None:
    """A line starting with the creator's name and a colon tries to write the creator's turn."""
    if persona is None or not persona.display_name.strip():
        return None
    pattern = re.compile(r"(?:^|\n)\s*" + re.escape(fold_text(persona.display_name)) + r"\s*:", re.IGNORECASE)
    match = pattern.search(text)
    return match.group(0).strip() if match else None


def triage(
    message: str, persona: Persona | None = None, classifier: TriageClassifier | None = None
) -> Triage:
    """Sort ``message`` into green / yellow / red before any drafting, explaining why.

    With ``classifier`` (``TriageClassifier.load(embedder, paths.cache)``, made on the thread
    that runs triage), its verdict joins the rules' and the more cautious level wins."""
    text = fold_text(message)
    matches: list[TriageMatch] = []
    for category, reason, pattern in _RULES:
        rule_hit = _rule_match(category, pattern, text)
        if rule_hit:
            matches.append(TriageMatch(category, reason, rule_hit.group(0).strip()))
    asked = ai_question_words(message)
    if asked:
        matches.append(TriageMatch(AI_QUESTION, AI_QUESTION_REASON, asked))
    age = _stated_minor_age(text)
    if age and not any(m.category == MINOR for m in matches):
        matches.append(TriageMatch(MINOR, "says they are a minor; no draft", age.strip()))
    spoof = _speaker_spoof(text, persona)
    if spoof and not any(m.category == INJECTION for m in matches):
        matches.append(
            TriageMatch(
                INJECTION,
                "writes a line as if it were your turn (prompt injection); treated as plain text",
                spoof,
            )
        )
    if persona is not None and persona.boundaries.avoid_topics:
        for hit in TopicMatcher(persona.boundaries.avoid_topics).find(message):
            matches.append(
                TriageMatch(BOUNDARY_TOPIC, f"mentions '{hit.topic}', a topic you avoid", hit.matched)
            )

    verdict = None
    if classifier is not None:
        verdict, classified = _classifier_match(message, classifier, matches)
        if classified is not None:
            matches.append(classified)
        if verdict is not None and verdict.asks_about_ai and not asked:
            reason = f"{AI_QUESTION_REASON} (score {verdict.ai_question:.2f})"
            matches.append(TriageMatch(AI_QUESTION, reason, verdict.ai_piece, source="classifier"))

    level: Level = "green"
    for match in matches:
        candidate = match.level or _LEVEL_OF[match.category]
        if _LEVEL_RANK[candidate] > _LEVEL_RANK[level]:
            level = candidate  # type: ignore[assignment]
    categories = list(dict.fromkeys(m.category for m in matches))
    reasons = [m.reason if m.source == "classifier" else f'{m.reason} ("{m.matched}")' for m in matches]
    escalate = any(c in ESCALATE_CATEGORIES for c in categories)
    return Triage(
        level=level,
        reasons=reasons,
        escalate=escalate,
        categories=categories,
        matches=matches,
        verdict=verdict,
    )


CLASSIFIER_FAILED = "classifier_failed"
_LEVEL_OF[CLASSIFIER_FAILED] = "yellow"


def _classifier_match(
    message: str, classifier: TriageClassifier, matches: list[TriageMatch]
) -> tuple[Verdict | None, TriageMatch | None]:
    """The classifier's verdict, and a match to add when it is more cautious than the rules.

    A failing embedder must not stop triage (the rules still ran): it becomes a yellow finding
    that says only the word lists were checked."""
    try:
        verdict = classifier.classify(message)
    except (RuntimeError, ValueError, OSError) as exc:
        reason = f"the triage classifier failed ({exc}); only the word lists were checked, read carefully"
        return None, TriageMatch(CLASSIFIER_FAILED, reason, "", source="classifier")
    others = verdict.category == MINOR and _school_or_age_only_of_others(fold_text(message))
    if others and verdict.level == "red":
        verdict = replace(verdict, level="yellow")  # a teacher's or a parent's words: read carefully
    if verdict.level == "green":
        return verdict, None
    rule_levels = [m.level or _LEVEL_OF[m.category] for m in matches if m.category == verdict.category]
    if any(_LEVEL_RANK[lvl] >= _LEVEL_RANK[verdict.level] for lvl in rule_levels):
        return verdict, None  # the rules already say as much, with the words that fired
    return verdict, TriageMatch(
        verdict.category, verdict.reason, verdict.piece, level=verdict.level, source="classifier"
    )
