"""Fans' personal data out of exported text: email addresses and phone numbers become placeholders.

Phone numbers are recognised as 9-15 digits in the usual groupings (``+44 20 7946 0958``,
``(555) 123-4567``, ``555.123.4567``), or 7-8 digits written with a leading ``+``; dates
(``2024-05-01``), times, prices and short numbers are left alone.
"""

from __future__ import annotations

import re

EMAIL_PLACEHOLDER = "[email removed]"
PHONE_PLACEHOLDER = "[phone removed]"

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\s?\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,5}(?:[\s.-]?\d{2,5}){1,5}(?![\w]|[.,-]\d)"
)
_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")


def _phone(match: re.Match[str]) -> str:
    candidate = match.group(0)
    digits = sum(ch.isdigit() for ch in candidate)
    plus = candidate.lstrip().startswith("+")
    if _DATE.match(candidate.strip()):
        return candidate
    if 9 <= digits <= 15 or (plus and 7 <= digits <= 15):
        return PHONE_PLACEHOLDER
    return candidate


def redact_personal(text: str) -> str:
    """``text`` with email addresses and phone numbers replaced by placeholders."""
    return _PHONE.sub(_phone, _EMAIL.sub(EMAIL_PLACEHOLDER, text))
