"""Fan-written text shaped for showing: it can neither reorder nor drive what shows it.

Fans write sender names and messages, so they may carry bidi controls (``invoice_\\u202egnp.exe``
shows as ``invoice_exe.png``), terminal escape sequences (an ``ESC ]`` sequence can retitle or
rewrite a terminal), or a megabyte of text that takes seconds to lay out. These functions change
only what is *shown*: the store and every export keep the text exactly as the fan sent it.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Arabic letter mark, LRM/RLM, the embeddings and overrides (LRE..RLO), and the isolates (LRI..PDI)."""
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"

DISPLAY_LIMIT = 20_000
"""Characters of one message shown in a label: a screenful and more, laid out in milliseconds
(a 1 MB message took about 4 s of the GUI thread to wrap)."""

_TERMINAL_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""C0 controls but tab and newline (ESC and CR among them), DEL, and the C1 controls (0x9b is a
one-byte CSI to some terminals)."""


def plain_name(name: str) -> str:
    """A fan's display name with its bidi controls removed and the rest isolated, so the name
    reads in the order it was typed and cannot reorder the text around it."""
    cleaned = _BIDI.sub("", name)
    return f"{FIRST_STRONG_ISOLATE}{cleaned}{POP_DIRECTIONAL_ISOLATE}" if cleaned else cleaned


def isolated(text: str) -> str:
    """``text`` kept as written (its controls too) but wrapped in an isolate, with any
    embedding or isolate it leaves open closed, so its direction stops where it ends."""
    opened = sum(text.count(c) for c in "\u202a\u202b\u202d\u202e") - text.count("\u202c")
    isolates = sum(text.count(c) for c in "\u2066\u2067\u2068") - text.count("\u2069")
    closing = "\u202c" * max(0, opened) + POP_DIRECTIONAL_ISOLATE * max(0, isolates)
    return f"{FIRST_STRONG_ISOLATE}{text}{closing}{POP_DIRECTIONAL_ISOLATE}"


def for_display(text: str, limit: int = DISPLAY_LIMIT) -> str:
    """``text`` cut to ``limit`` characters for a label, saying how much is not shown."""
    if len(text) <= limit:
        return text
    return (
        f"{text[:limit]}…\n\n[{len(text):,} characters in all: the rest is not shown here. "
        "It is kept, and exported unchanged.]"
    )


def for_terminal(text: str) -> str:
    """``text`` with every control character a terminal would act on written as ``\\uXXXX``
    (valid inside JSON strings too, so ``--json`` output still parses)."""
    return _TERMINAL_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


class TerminalSafeStream:
    """A text stream that passes everything written through ``for_terminal``: the CLI prints
    fans' messages, names and drafts, and none of them may drive the creator's terminal."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(for_terminal(text))  # type: ignore[attr-defined]
        return len(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)
