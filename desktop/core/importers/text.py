"""Text repair shared by every importer.

Meta's exports (Instagram, Facebook, Messenger, Threads) write every UTF-8 byte as its own
``\\u00XX`` escape, so "é" arrives as "Ã©" and emoji as four Latin-1 characters. The fix is
to re-read the code points as bytes, but only where that is what happened: every code point
must be ≤ 0xFF and the bytes must be valid UTF-8; anything else is left as it is.
"""

from __future__ import annotations

import unicodedata

_INVISIBLE_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\ufeff"), None)


def repair_mojibake(text: str) -> str:
    """Undo Meta's Latin-1-escaped UTF-8, only where the whole string is such an escape."""
    if not text or text.isascii() or max(text) > "\xff":
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return text  # genuine Latin-1 text such as "café" written correctly


def normalize(text: str) -> str:
    """NFC-normalize (emoji sequences are untouched by NFC) and trim surrounding whitespace."""
    return unicodedata.normalize("NFC", text).strip()


def strip_invisible_marks(text: str) -> str:
    """Drop left-to-right/right-to-left marks and BOMs that exports sprinkle into lines."""
    return text.translate(_INVISIBLE_MARKS)


def clean_meta_text(text: str | None) -> str:
    """The full repair for one string from a Meta export."""
    return normalize(repair_mojibake(text or ""))
