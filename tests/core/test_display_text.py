"""Fan text shaped for showing: names that cannot reorder, long messages cut, terminal-safe output."""

from __future__ import annotations

import io
import json

from desktop.core.display_text import (
    DISPLAY_LIMIT,
    TerminalSafeStream,
    for_display,
    for_terminal,
    isolated,
    plain_name,
)

FSI, PDI = "\u2068", "\u2069"


def test_a_name_loses_its_bidi_controls_and_is_isolated() -> None:
    assert plain_name("invoice_\u202egnp.exe\u202c") == f"{FSI}invoice_gnp.exe{PDI}"
    assert plain_name("\u2067مريم\u2069") == f"{FSI}مريم{PDI}"  # a right-to-left name keeps its letters
    assert plain_name("\u202e\u200f") == ""  # nothing but controls: the caller's fallback shows


def test_a_message_keeps_its_controls_but_they_stop_where_it_ends() -> None:
    text = "invoice_\u202egnp.exe and \u2067open"
    shown = isolated(text)
    assert shown == f"{FSI}{text}\u202c{PDI}{PDI}"
    assert isolated("plain") == f"{FSI}plain{PDI}"


def test_a_long_message_is_cut_for_display_and_says_so() -> None:
    assert for_display("short") == "short"
    text = "x" * (DISPLAY_LIMIT + 5)
    shown = for_display(text)
    assert shown.startswith("x" * DISPLAY_LIMIT + "…") and f"{len(text):,} characters in all" in shown


def test_terminal_output_escapes_controls_and_stays_json() -> None:
    text = "a\x1b[2Jb\x07\x9b\r\n\tc\x7f"
    assert for_terminal(text) == "a\\u001b[2Jb\\u0007\\u009b\\u000d\n\tc\\u007f"
    out = io.StringIO()
    stream = TerminalSafeStream(out)
    print(json.dumps({"text": "\x9b31m"}, ensure_ascii=False), file=stream)  # type: ignore[arg-type]
    assert json.loads(out.getvalue()) == {"text": "\x9b31m"}
