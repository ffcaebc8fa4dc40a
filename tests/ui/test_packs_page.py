"""The Packs page on a real store, a real keychain backend, real zip files and a real event loop.

Inbox items are created and approved through the core inbox API; the page exports, verifies,
re-exports and writes the fine-tuning file through ``PacksController``'s threads, and the
webhook is exercised against an HTTP server on loopback started by the test. Only the file and
confirmation dialogs are answered by replacing the functions of ``widgets/packs/dialogs.py``.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from desktop.core.inbox import add_message, approve, edit, get_entry, reject, save_draft, verify_pack
from desktop.core.inbox.signing import private_key_name, profile_public_key
from desktop.core.inbox.webhook import TOKEN_SECRET
from desktop.core.paths import Paths
from desktop.core.secrets import SERVICE, SecretStore
from desktop.core.store import open_store
from desktop.ui.controllers.packs_jobs import ExportPreview
from desktop.ui.main_window import MainWindow
from desktop.ui.widgets.packs import dialogs as packs_dialogs
from desktop.ui.widgets.packs.export_dialog import ExportDialog, export_summary
from desktop.ui.widgets.packs_page import PacksPage
from tests.conftest import InMemoryKeyring

TIMEOUT = 30_000  # generous: the machine is shared with other test runs
PROFILE = "default"

FANS = [
    ("maya_lifts", "Maya", "instagram", "ig-m-1", "What protein powder do you use? Mine tastes like chalk"),
    ("coach_dan", "Dan", "instagram", "ig-m-2", "Loved the deadlift video! Any tips for a stiff lower back?"),
    ("jules.k", None, "tiktok", "tt-c-9", "Where did you get that hoodie?? email me at jules.k@example.com"),
    ("sam_r", "Sam R", "youtube", "yt-c-4", "When is the next Q&A stream? call me on +44 20 7946 0958 lol"),
]
REPLIES = ["Unflavoured whey, honestly", "Cat-cow every morning!", "Merch store, link in bio", "Sunday 6pm!"]
EDITED = "Unflavoured whey + a banana: chalk taste gone"


def store_path(paths: Paths) -> Path:
    return paths.profile(PROFILE).store


def review(paths: Paths) -> list[int]:
    """Four fans' messages with drafts: three approved (the first edited), one rejected; their item ids."""
    with open_store(store_path(paths)) as store:
        items = [
            add_message(
                store,
                text,
                sender=handle,
                sender_name=name,
                platform=platform,
                message_id=mid,
                thread=f"{platform}-thread-{handle}",
                created_at=f"2024-05-0{i + 1}T10:00:00+00:00",
            )
            for i, (handle, name, platform, mid, text) in enumerate(FANS)
        ]
        drafts = [
            save_draft(store, item, text, model="gemma-3-270m")
            for item, text in zip(items, REPLIES, strict=False)
        ]
        edit(store, drafts[0], EDITED)
        for item in (items[0], items[2], items[3]):
            approve(store, item)
        reject(store, items[1])
    return items


def approve_one_more(paths: Paths, text: str = "See you there!") -> int:
    with open_store(store_path(paths)) as store:
        item = add_message(
            store, "Are you coming to the meetup?", sender="lee", platform="instagram", message_id="ig-m-7"
        )
        save_draft(store, item, text)
        approve(store, item)
    return item


def states_of(paths: Paths, items: list[int]) -> list[str]:
    with open_store(store_path(paths)) as store:
        return [get_entry(store, item).state for item in items]


def read_pack(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["manifest.json", "manifest.sig", "replies.csv", "replies.jsonl"]
        rows = [json.loads(line) for line in archive.read("replies.jsonl").decode().splitlines()]
        csv_rows = list(csv.DictReader(io.StringIO(archive.read("replies.csv").decode(), newline="")))
        manifest = json.loads(archive.read("manifest.json"))
    assert csv_rows == rows
    return rows, manifest


class Dialogs:
    """Answers the page's dialogs the way a creator would, and remembers what they showed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.previews: list[ExportPreview] = []
        self.save_paths: list[Path] = []
        self.suggested: list[Path] = []
        self.redact: bool | None = True
        self.reexport_answer = True
        self.keychain_choice = packs_dialogs.SESSION_ONLY
        self.session_only_asked: list[str] = []
        self.passphrases: list[str] = []
        self.finetune_counts: list[int] = []
        monkeypatch.setattr(packs_dialogs, "ask_export", self._ask_export)
        monkeypatch.setattr(packs_dialogs, "ask_finetune", self._ask_finetune)
        monkeypatch.setattr(packs_dialogs, "choose_save_path", self._choose_save_path)
        monkeypatch.setattr(packs_dialogs, "confirm_reexport", lambda parent, pack: self.reexport_answer)
        monkeypatch.setattr(packs_dialogs, "ask_keychain_choice", self._ask_keychain_choice)
        monkeypatch.setattr(packs_dialogs, "ask_passphrase", lambda parent, create: self.passphrases.pop(0))

    def _ask_export(self, parent: Any, preview: ExportPreview, redact: bool) -> bool | None:
        self.previews.append(preview)
        return self.redact

    def _ask_finetune(self, parent: Any, count: int, redact: bool) -> bool | None:
        self.finetune_counts.append(count)
        return self.redact

    def _choose_save_path(self, parent: Any, title: str, suggested: Path, file_filter: str) -> str:
        self.suggested.append(suggested)
        return str(self.save_paths.pop(0)) if self.save_paths else ""

    def _ask_keychain_choice(self, parent: Any, message: str, file_exists: bool) -> str:
        self.session_only_asked.append(message)
        return self.keychain_choice


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    return Dialogs(monkeypatch)


@pytest.fixture
def page(qtbot, open_window, paths: Paths, memory_keyring: InMemoryKeyring) -> Iterator[PacksPage]:
    """The Packs page of the real main window, shown in the active window (so its shortcuts work)."""
    window = open_window(paths)
    yield show_packs_page(qtbot, window)
    assert window.packs.bugs == []


def show_packs_page(qtbot, window: MainWindow) -> PacksPage:
    window.resize(1100, 1000)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=TIMEOUT)
    window.show_page(window.pages.index(window.packs_page))
    page = window.packs_page
    assert page.isVisible()
    # The first look has ended before a test creates the store (two first opens of a new store collide).
    qtbot.waitUntil(lambda: page.loaded and not page.controller.is_busy(), timeout=TIMEOUT)
    return page


def loaded(qtbot, page: PacksPage, waiting: int) -> None:
    """Refresh and wait until the page shows ``waiting`` approved replies."""
    page.controller.refresh()
    qtbot.waitUntil(
        lambda: page.loaded and page.data.waiting == waiting and not page.controller.is_busy(),
        timeout=TIMEOUT,
    )


def press(qtbot, widget: Any, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(widget, key, modifiers)


CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def export_with_ctrl_e(qtbot, page: PacksPage, dialogs: Dialogs, out: Path) -> None:
    dialogs.save_paths.append(out)
    press(qtbot, page, Qt.Key.Key_E, CTRL)
    qtbot.waitUntil(
        lambda: page.export_card.export_message.property("kind") in ("ok", "error"), timeout=TIMEOUT
    )


# --- empty states --------------------------------------------------------------------------------------


def test_empty_page_tells_the_creator_to_approve_drafts_first(qtbot, page: PacksPage, paths: Paths) -> None:
    qtbot.waitUntil(lambda: page.loaded, timeout=TIMEOUT)
    assert page.export_card.waiting_label.text() == "Nothing waits for export"
    assert "Approve drafts in the Inbox first" in page.export_card.waiting_hint.text()
    assert page.export_card.inbox_button.isVisible()
    assert not page.export_card.export_button.isEnabled() and not page.export_card.finetune_button.isEnabled()
    assert page.pack_list.packs_empty.isVisible() and not page.pack_list.table.isVisible()
    assert (
        page.webhook_card.log_empty.text() == "Nothing sent yet." and page.webhook_card.log_empty.isVisible()
    )
    assert (
        not page.webhook_card.enabled_box.isChecked() and page.webhook_card.url_field.text() == ""
    )  # the connector is off by default
    assert not page.webhook_card.send_button.isEnabled()
    assert not store_path(paths).exists()  # looking does not create a store
    window = page.window()
    qtbot.mouseClick(page.export_card.inbox_button, Qt.MouseButton.LeftButton)
    assert window.current_page() is window.inbox_page  # "Go to the Inbox" goes there
    show_packs_page(qtbot, window)
    press(qtbot, page, Qt.Key.Key_E, CTRL)  # the shortcut explains instead of doing nothing
    assert "Nothing to export yet" in page.export_card.export_message.text()
    assert "Approve drafts in the Inbox first" in page.export_card.export_message.text()


# --- exporting ---------------------------------------------------------------------------------------------


def test_ctrl_e_shows_what_goes_in_then_writes_a_signed_pack(
    qtbot, page: PacksPage, paths: Paths, dialogs: Dialogs, tmp_path: Path, memory_keyring: InMemoryKeyring
) -> None:
    items = review(paths)
    loaded(qtbot, page, waiting=3)
    assert page.export_card.waiting_label.text() == "3 approved replies wait for the next pack"
    assert page.export_card.export_button.isEnabled() and not page.export_card.inbox_button.isVisible()

    out = tmp_path / "packs" / "may.zip"
    out.parent.mkdir()
    export_with_ctrl_e(qtbot, page, dialogs, out)

    # It showed what would go in, with the count, before asking for a file.
    (preview,) = dialogs.previews
    assert (preview.count, preview.edited) == (3, 1)
    assert preview.platforms == {"Instagram": 1, "TikTok": 1, "YouTube": 1}
    assert [s["reply_text"] for s in preview.samples][0] == EDITED
    assert dialogs.suggested[0].suffix == ".zip"
    assert page.export_card.export_message.property("kind") == "ok", page.export_card.export_message.text()
    assert (
        "Pack 1 written to" in page.export_card.export_message.text()
        and "3 replies" in page.export_card.export_message.text()
    )
    assert "1 edited by you" in page.export_card.export_message.text()
    assert page.export_card.show_written_button.isVisible()

    rows, manifest = read_pack(out)
    assert sorted(r["reply_text"] for r in rows) == sorted([EDITED, REPLIES[2], REPLIES[3]])
    by_platform = {r["platform"]: r for r in rows}
    # Redaction was chosen (the default): fans' emails and phone numbers are gone, replies untouched.
    assert by_platform["tiktok"]["original_message"].endswith("email me at [email removed]")
    assert "[phone removed]" in by_platform["youtube"]["original_message"]
    assert manifest["redacted_personal_data"] is True and manifest["counts"]["replies"] == 3
    with open_store(store_path(paths)) as store:
        public = profile_public_key(store)
    assert public is not None and verify_pack(out, own_key=public).trusted
    assert (SERVICE, private_key_name(public.fingerprint)) in memory_keyring.passwords
    assert not list(out.parent.glob(".*partial"))
    assert states_of(paths, items) == ["exported", "rejected", "exported", "exported"]

    # The page now lists the pack and nothing waits: a second Ctrl+E exports nothing twice.
    qtbot.waitUntil(lambda: page.pack_list.table.rowCount() == 1 and page.data.waiting == 0, timeout=TIMEOUT)
    assert (
        page.pack_list.table.item(0, 2).text() == "3" and page.pack_list.table.item(0, 3).text() == "may.zip"
    )
    assert page.pack_list.table.item(0, 4).text() == "Yes"
    assert "emails and phones removed" in page.pack_list.table.item(0, 5).text()
    assert page.export_card.waiting_label.text() == "Nothing waits for export"
    assert "Every approved reply is in a pack" in page.export_card.waiting_hint.text()
    assert not page.export_card.export_button.isEnabled()
    press(qtbot, page, Qt.Key.Key_E, CTRL)
    assert "Nothing to export yet" in page.export_card.export_message.text()
    assert len(dialogs.previews) == 1


def test_export_without_redaction_keeps_messages_as_written(
    qtbot, page: PacksPage, paths: Paths, dialogs: Dialogs, tmp_path: Path
) -> None:
    review(paths)
    loaded(qtbot, page, waiting=3)
    dialogs.redact = False
    export_with_ctrl_e(qtbot, page, dialogs, tmp_path / "plain.zip")
    rows, manifest = read_pack(tmp_path / "plain.zip")
    assert any("jules.k@example.com" in r["original_message"] for r in rows)
    assert manifest["redacted_personal_data"] is False
    assert page.redact is False  # remembered for the next export


def test_closing_the_preview_exports_nothing(qtbot, page: PacksPage, paths: Paths, dialogs: Dialogs) -> None:
    review(paths)
    loaded(qtbot, page, waiting=3)
    dialogs.redact = None  # "Not now"
    press(qtbot, page, Qt.Key.Key_E, CTRL)
    qtbot.waitUntil(lambda: len(dialogs.previews) == 1, timeout=TIMEOUT)
    assert dialogs.suggested == []  # no file was even asked for
    loaded(qtbot, page, waiting=3)
    assert page.pack_list.table.rowCount() == 0


def test_a_cancelled_export_leaves_no_pack_and_says_so(
    qtbot, page: PacksPage, paths: Paths, dialogs: Dialogs, tmp_path: Path
) -> None:
    items = review(paths)
    loaded(qtbot, page, waiting=3)
    # Hold the store thread so the export is still waiting when the creator presses Esc.
    release = threading.Event()
    page.controller.store_worker.submit(lambda _holder, _cancel: release.wait(TIMEOUT / 1000))
    out = tmp_path / "cancelled.zip"
    page.export_to(str(out), redact=True)
    assert page.export_card.progress_row.isVisible() and page.controller.is_exporting()
    assert not page.export_card.export_button.isEnabled()
    press(qtbot, page, Qt.Key.Key_Escape)
    release.set()
    qtbot.waitUntil(lambda: not page.controller.is_exporting(), timeout=TIMEOUT)
    assert page.export_card.export_message.text() == (
        "Export cancelled. No pack was written and no reply was marked as exported."
    )
    assert not page.export_card.progress_row.isVisible()
    assert not out.exists() and not list(tmp_path.glob(".*partial"))
    assert states_of(paths, items) == ["approved", "rejected", "approved", "approved"]
    loaded(qtbot, page, waiting=3)
    assert page.pack_list.table.rowCount() == 0


def test_a_failed_export_leaves_no_pack_and_says_why(
    qtbot, page: PacksPage, paths: Paths, dialogs: Dialogs, tmp_path: Path
) -> None:
    items = review(paths)
    loaded(qtbot, page, waiting=3)
    out = tmp_path / "no such folder" / "pack.zip"
    page.export_to(str(out), redact=True)
    qtbot.waitUntil(lambda: page.export_card.export_message.property("kind") == "error", timeout=TIMEOUT)
    text = page.export_card.export_message.text()
    assert text.startswith("The pack could not be exported.")
    assert "does not exist" in text and "nothing was exported" in text
    assert not out.exists() and not page.export_card.progress_row.isVisible()
    assert states_of(paths, items) == ["approved", "rejected", "approved", "approved"]
    assert page.export_card.export_button.isEnabled()


def test_without_a_keychain_the_creator_may_sign_for_this_session_only(
    qtbot, open_window, paths: Paths, dialogs: Dialogs, tmp_path: Path, no_keychain: None
) -> None:
    page = show_packs_page(qtbot, open_window(paths))
    review(paths)
    loaded(qtbot, page, waiting=3)
    assert "No system keychain" in page.webhook_card.hook_message.text()  # said plainly, up front
    out = tmp_path / "session.zip"
    page.export_to(str(out), redact=True)
    qtbot.waitUntil(lambda: page.export_card.export_message.property("kind") == "ok", timeout=TIMEOUT)
    assert len(dialogs.session_only_asked) == 1 and "keychain" in dialogs.session_only_asked[0]
    assert verify_pack(out, page.controller.secrets).ok  # signed with the session's key


def test_without_a_keychain_a_passphrase_keeps_the_signing_key_in_the_encrypted_file(
    qtbot, open_window, paths: Paths, dialogs: Dialogs, tmp_path: Path, no_keychain: None
) -> None:
    page = show_packs_page(qtbot, open_window(paths))
    review(paths)
    loaded(qtbot, page, waiting=3)
    dialogs.keychain_choice = packs_dialogs.PASSPHRASE
    dialogs.passphrases.append("a long passphrase")
    out = tmp_path / "kept.zip"
    page.export_to(str(out), redact=True)
    qtbot.waitUntil(lambda: page.export_card.export_message.property("kind") == "ok", timeout=TIMEOUT)
    assert len(dialogs.session_only_asked) == 1 and paths.secrets_file.is_file()
    with open_store(store_path(paths)) as store:
        public = profile_public_key(store)
    assert public is not None and verify_pack(out, own_key=public).trusted  # the profile's own key
    qtbot.waitUntil(lambda: page.key_card.fingerprint != "", timeout=TIMEOUT)
    assert page.key_card.fingerprint.replace(" ", "") == public.fingerprint


def test_the_key_card_shows_the_fingerprint_copies_it_and_exports_the_public_key(
    qtbot, page: PacksPage, paths: Paths, dialogs: Dialogs, tmp_path: Path
) -> None:
    review(paths)
    loaded(qtbot, page, waiting=3)
    assert "No key yet" in page.key_card.fingerprint_label.text()
    assert not page.key_card.copy_button.isEnabled()
    dialogs.save_paths.append(tmp_path / "me")
    qtbot.mouseClick(page.key_card.export_button, Qt.MouseButton.LeftButton)
    key_file = tmp_path / "me.pem"
    qtbot.waitUntil(lambda: page.key_card.key_message.property("kind") == "ok", timeout=TIMEOUT)
    assert key_file.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    qtbot.waitUntil(lambda: page.key_card.copy_button.isEnabled(), timeout=TIMEOUT)
    with open_store(store_path(paths)) as store:
        public = profile_public_key(store)
    assert public is not None
    assert public.fingerprint[:4] in page.key_card.fingerprint_label.text()
    qtbot.mouseClick(page.key_card.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text().replace(" ", "") == public.fingerprint
    # A pack exported now verifies with the exported file alone.
    out = tmp_path / "p.zip"
    page.export_to(str(out), redact=True)
    qtbot.waitUntil(lambda: page.export_card.export_message.property("kind") == "ok", timeout=TIMEOUT)
    from desktop.core.inbox.signing import read_public_key_file

    assert verify_pack(out, expected=read_public_key_file(key_file)).ok


# --- the list: verify, re-export, show in folder ---------------------------------------------------------


def tamper(pack: Path, member: str, data: bytes) -> None:
    """Rewrite ``pack`` with ``member`` replaced, everything else as it was."""
    with zipfile.ZipFile(pack) as src:
        members = {name: src.read(name) for name in src.namelist()}
    members[member] = data
    with zipfile.ZipFile(pack, "w") as dst:
        for name, content in members.items():
            dst.writestr(name, content)


def test_verify_a_good_pack_and_a_tampered_one(
    qtbot, page: PacksPage, paths: Paths, dialogs: Dialogs, tmp_path: Path
) -> None:
    review(paths)
    loaded(qtbot, page, waiting=3)
    out = tmp_path / "checked.zip"
    export_with_ctrl_e(qtbot, page, dialogs, out)
    qtbot.waitUntil(lambda: page.pack_list.table.rowCount() == 1, timeout=TIMEOUT)
    assert page.pack_list.table.selected_pack().id == 1 and page.pack_list.verify_button.isEnabled()

    press(qtbot, page, Qt.Key.Key_V, CTRL_SHIFT)
    qtbot.waitUntil(lambda: page.pack_list.verify_message.property("kind") == "ok", timeout=TIMEOUT)
    assert page.pack_list.verify_message.text().startswith("✓ Signature valid: checked.zip.")
    assert "3 replies" in page.pack_list.verify_message.text()

    # Someone edits a reply inside the zip after export.
    with zipfile.ZipFile(out) as archive:
        changed = archive.read("replies.csv").replace(b"Sunday 6pm!", b"Sunday 9pm!")
    tamper(out, "replies.csv", changed)
    page.pack_list.table.setFocus()
    press(qtbot, page.pack_list.table, Qt.Key.Key_Return)  # Enter on the selected pack checks it too
    qtbot.waitUntil(lambda: page.pack_list.verify_message.property("kind") == "error", timeout=TIMEOUT)
    text = page.pack_list.verify_message.text()
    assert text.startswith("✗ checked.zip did not pass the check.")
    assert "replies.csv was changed after the pack was made" in text

    # A file that is gone: the list says so, and Verify and Show in folder wait for a re-export.
    out.unlink()
    loaded(qtbot, page, waiting=0)
    assert page.pack_list.table.item(0, 4).text() == "Missing"
    assert not page.pack_list.verify_button.isEnabled() and not page.pack_list.folder_button.isEnabled()
    assert page.pack_list.reexport_button.isEnabled()


def test_reexport_rewrites_the_same_replies_and_exports_nothing_twice(
    qtbot, page: PacksPage, paths: Paths, dialogs: Dialogs, tmp_path: Path
) -> None:
    review(paths)
    loaded(qtbot, page, waiting=3)
    first = tmp_path / "first.zip"
    export_with_ctrl_e(qtbot, page, dialogs, first)
    first_rows, _ = read_pack(first)
    first.unlink()  # lost
    newer = approve_one_more(paths)  # approved after the pack: it must not slip into the copy
    loaded(qtbot, page, waiting=1)

    again = tmp_path / "again.zip"
    dialogs.save_paths.append(again)
    press(qtbot, page, Qt.Key.Key_R, CTRL)
    qtbot.waitUntil(lambda: "again to" in page.export_card.export_message.text(), timeout=TIMEOUT)
    assert page.export_card.export_message.property("kind") == "ok"
    assert dialogs.suggested[-1].name == "first-again.zip"
    text = page.export_card.export_message.text()
    assert text.startswith("✓ Wrote pack 1 again to")
    assert "nothing new" in text and "no reply changed state" in text

    again_rows, manifest = read_pack(again)
    assert [r["reply_id"] for r in again_rows] == [r["reply_id"] for r in first_rows]
    assert manifest["reexport_of"] == 1 and manifest["redacted_personal_data"] is True
    assert verify_pack(again, SecretStore()).ok
    assert states_of(paths, [newer]) == ["approved"]  # still waiting for the next pack
    qtbot.waitUntil(lambda: page.pack_list.table.rowCount() == 2, timeout=TIMEOUT)
    assert page.pack_list.table.item(0, 5).text().startswith("copy of pack 1")
    assert page.data.waiting == 1


def test_declining_the_reexport_writes_nothing(
    qtbot, page: PacksPage, paths: Paths, dialogs: Dialogs, tmp_path: Path
) -> None:
    review(paths)
    loaded(qtbot, page, waiting=3)
    export_with_ctrl_e(qtbot, page, dialogs, tmp_path / "one.zip")
    qtbot.waitUntil(lambda: page.pack_list.table.rowCount() == 1, timeout=TIMEOUT)
    dialogs.reexport_answer = False
    press(qtbot, page, Qt.Key.Key_R, CTRL)
    assert len(dialogs.suggested) == 1  # only the first export asked for a file
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".zip") == ["one.zip"]


class UrlCatcher(QObject):
    """Receives the URLs the page asks the desktop to open (installed as the file: handler)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_show_in_folder_opens_the_packs_folder(
    qtbot, page: PacksPage, paths: Paths, dialogs: Dialogs, tmp_path: Path
) -> None:
    review(paths)
    loaded(qtbot, page, waiting=3)
    folder = tmp_path / "exports"
    folder.mkdir()
    export_with_ctrl_e(qtbot, page, dialogs, folder / "p.zip")
    qtbot.waitUntil(lambda: page.pack_list.table.rowCount() == 1, timeout=TIMEOUT)
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        press(qtbot, page, Qt.Key.Key_O, CTRL_SHIFT)
        qtbot.mouseClick(page.export_card.show_written_button, Qt.MouseButton.LeftButton)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [Path(url.toLocalFile()) for url in catcher.urls] == [folder, folder]


# --- fine-tuning -------------------------------------------------------------------------------------------


def test_export_for_fine_tuning_writes_chat_jsonl(
    qtbot, page: PacksPage, paths: Paths, dialogs: Dialogs, tmp_path: Path
) -> None:
    items = review(paths)
    loaded(qtbot, page, waiting=3)
    assert page.export_card.finetune_button.isEnabled()
    out = tmp_path / "train.jsonl"
    dialogs.save_paths.append(out)
    press(qtbot, page, Qt.Key.Key_E, CTRL_SHIFT)
    qtbot.waitUntil(lambda: page.export_card.export_message.property("kind") == "ok", timeout=TIMEOUT)
    assert dialogs.finetune_counts == [3]
    assert "3 approved (message, reply) pairs" in page.export_card.export_message.text()
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 3
    assert all([m["role"] for m in line["messages"]] == ["system", "user", "assistant"] for line in lines)
    assistant = {line["messages"][2]["content"] for line in lines}
    assert assistant == {EDITED, REPLIES[2], REPLIES[3]}
    assert any("[email removed]" in line["messages"][1]["content"] for line in lines)
    assert states_of(paths, items) == ["approved", "rejected", "approved", "approved"]  # no state changed


# --- the webhook connector ----------------------------------------------------------------------------


class Receiver:
    """A webhook receiver on loopback: answers 200 and keeps every request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": json.loads(body)})
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/replies"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def files_containing(folder: Path, secret: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_webhook_token_goes_to_the_keychain_only_and_replies_are_delivered(
    qtbot, page: PacksPage, paths: Paths, memory_keyring: InMemoryKeyring
) -> None:
    review(paths)
    loaded(qtbot, page, waiting=3)
    token = "tok-5b1f-secret-token"
    with Receiver() as receiver:
        qtbot.keyClicks(page.webhook_card.url_field, receiver.url)
        qtbot.keyClicks(page.webhook_card.token_field, token)
        page.webhook_card.enabled_box.setChecked(True)
        qtbot.mouseClick(page.webhook_card.save_hook_button, Qt.MouseButton.LeftButton)
        assert page.webhook_card.token_field.text() == ""  # never left on screen
        qtbot.waitUntil(lambda: page.webhook_card.hook_message.property("kind") == "ok", timeout=TIMEOUT)
        assert "The connector is on" in page.webhook_card.hook_message.text()
        assert memory_keyring.passwords[(SERVICE, TOKEN_SECRET)] == token
        assert "saved in your keychain" in page.webhook_card.token_field.placeholderText()
        assert page.webhook_card.forget_token_button.isEnabled() and page.webhook_card.send_button.isEnabled()
        assert files_containing(paths.base, token) == []  # not in the store, its WAL, nor the settings file

        qtbot.mouseClick(page.webhook_card.send_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Sent 3 replies" in page.webhook_card.hook_message.text(), timeout=TIMEOUT)
        qtbot.waitUntil(lambda: page.webhook_card.log_table.rowCount() == 3, timeout=TIMEOUT)
        assert len(receiver.requests) == 3
        assert {r["headers"]["Authorization"] for r in receiver.requests} == {f"Bearer {token}"}
        assert {r["body"]["reply_text"] for r in receiver.requests} == {EDITED, REPLIES[2], REPLIES[3]}
        assert all(r["headers"]["Idempotency-Key"] == r["body"]["idempotency_key"] for r in receiver.requests)
        results = {page.webhook_card.log_table.item(row, 3).text() for row in range(3)}
        assert results == {"Delivered (200)"}
        replies = {page.webhook_card.log_table.item(row, 1).text() for row in range(3)}
        assert "To Sam R: Sunday 6pm!" in replies

        # Sending again sends nothing twice.
        qtbot.mouseClick(page.webhook_card.send_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: "Nothing new to send" in page.webhook_card.hook_message.text(), timeout=TIMEOUT
        )
        assert len(receiver.requests) == 3

    # Off again, and the token removed from the keychain.
    page.webhook_card.enabled_box.setChecked(False)
    qtbot.mouseClick(page.webhook_card.save_hook_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "connector is off" in page.webhook_card.hook_message.text(), timeout=TIMEOUT)
    assert not page.webhook_card.send_button.isEnabled()
    qtbot.mouseClick(page.webhook_card.forget_token_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (SERVICE, TOKEN_SECRET) not in memory_keyring.passwords, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not page.webhook_card.forget_token_button.isEnabled(), timeout=TIMEOUT)


def free_loopback_port() -> int:
    """A port on loopback where nothing listens (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def attempts_logged(paths: Paths) -> int:
    with open_store(store_path(paths)) as store:
        return int(store.db.execute("SELECT count(*) FROM webhook_deliveries").fetchone()[0])


def test_sending_to_an_unreachable_webhook_can_be_stopped_and_is_logged(
    qtbot, page: PacksPage, paths: Paths, memory_keyring: InMemoryKeyring
) -> None:
    review(paths)
    loaded(qtbot, page, waiting=3)
    page.webhook_card.url_field.setText(f"http://127.0.0.1:{free_loopback_port()}/hook")
    page.webhook_card.enabled_box.setChecked(True)
    qtbot.mouseClick(page.webhook_card.save_hook_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.webhook_card.send_button.isEnabled(), timeout=TIMEOUT)
    qtbot.mouseClick(page.webhook_card.send_button, Qt.MouseButton.LeftButton)
    assert page.webhook_card.stop_send_button.isVisible() and not page.webhook_card.send_button.isVisible()
    # The first attempt is refused; the connector then waits before retrying: Esc stops it there.
    qtbot.waitUntil(lambda: attempts_logged(paths) >= 1, timeout=TIMEOUT)
    press(qtbot, page, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: "Sending stopped" in page.webhook_card.hook_message.text(), timeout=TIMEOUT)
    qtbot.waitUntil(
        lambda: page.webhook_card.log_table.rowCount() >= 1 and page.webhook_card.send_button.isVisible(),
        timeout=TIMEOUT,
    )
    assert page.webhook_card.log_table.item(0, 3).text() == "Will retry (not reachable)"
    assert "could not reach the webhook" in page.webhook_card.log_table.item(0, 3).toolTip()
    assert page.webhook_card.log_table.item(0, 1).text().startswith("To ")


def test_a_webhook_off_this_computer_must_use_https(qtbot, page: PacksPage, paths: Paths) -> None:
    review(paths)
    loaded(qtbot, page, waiting=3)
    qtbot.keyClicks(page.webhook_card.url_field, "http://example.com/hook")
    page.webhook_card.enabled_box.setChecked(True)
    page.webhook_card.url_field.setFocus()
    press(qtbot, page.webhook_card.url_field, Qt.Key.Key_Return)  # Enter saves
    qtbot.waitUntil(lambda: page.webhook_card.hook_message.property("kind") == "error", timeout=TIMEOUT)
    assert "must use https://" in page.webhook_card.hook_message.text()
    loaded(qtbot, page, waiting=3)
    assert not page.data.webhook.enabled and not page.webhook_card.send_button.isEnabled()


# --- pieces -------------------------------------------------------------------------------------------


def test_export_dialog_shows_the_count_and_redacts_its_examples_live(qtbot) -> None:
    preview = ExportPreview(
        count=2,
        edited=1,
        platforms={"Instagram": 1, "TikTok": 1},
        samples=[
            {
                "platform": "TikTok",
                "recipient": "jules.k",
                "reply_text": "Merch store, link in bio",
                "original_message": "Where did you get that hoodie?? email me at jules.k@example.com",
            },
        ],
    )
    heading, details = export_summary(preview)
    dialog = ExportDialog("Export a reply pack", heading, details, samples=preview.samples, redact=True)
    qtbot.addWidget(dialog)
    assert dialog.heading.text() == "2 approved replies will go into this pack."
    assert "By platform: Instagram 1, TikTok 1." in details
    assert "Edited by you before approving: 1 reply." in details
    assert "[email removed]" in dialog.sample_labels[0].text()
    dialog.redact_box.setChecked(False)
    assert "jules.k@example.com" in dialog.sample_labels[0].text()
    assert dialog.redact() is False


def test_main_window_wires_the_packs_page(
    qtbot, open_window, paths: Paths, dialogs: Dialogs, memory_keyring: InMemoryKeyring
) -> None:
    review(paths)
    dialogs.redact = None  # the creator looks at what would go in, then says "Not now"
    window = open_window(paths)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=TIMEOUT)
    qtbot.keyClick(window, Qt.Key.Key_5, CTRL)
    assert window.current_page() is window.packs_page
    qtbot.waitUntil(lambda: window.packs_page.data.waiting == 3, timeout=TIMEOUT)
    qtbot.mouseClick(window.packs_page.export_card.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(dialogs.previews) == 1 and not window.packs_page.asking, timeout=TIMEOUT)
    assert dialogs.previews[0].count == 3
    assert not window.packs_page.export_card.inbox_button.isVisible()  # offered only when nothing waits
