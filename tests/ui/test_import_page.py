"""The Import page driving the real pipeline: real archives, a real store, a real event loop.

Archives are built at test time in tmp_path (X/Twitter zips, a WhatsApp chat); every import runs
on a worker thread and the tests wait on what the creator would see (rows, cards, the chart).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QThread, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QPushButton

from desktop.core.paths import Paths
from desktop.ui.controllers.import_controller import items_in
from desktop.ui.main_window import MainWindow
from desktop.ui.widgets import import_page as import_page_module
from desktop.ui.widgets.activity_chart import bucket, integer_ticks
from desktop.ui.widgets.import_page import ImportPage

TIMEOUT = 60_000  # generous: the machine is shared with other test runs

ACCOUNT_JS = (
    'window.YTD.account.part0 = [{"account": {"accountId": "111", "username": "me", '
    '"accountDisplayName": "Me"}}]'
)


def tweet(id_str: str, text: str = "hello world", created: str = "Sat Nov 09 12:14:18 +0000 2024") -> dict:
    return {
        "tweet": {
            "id_str": id_str,
            "created_at": created,
            "full_text": text,
            "in_reply_to_status_id_str": None,
            "entities": {"urls": []},
            "favorite_count": "0",
            "retweet_count": "0",
        }
    }


def twitter_zip(path: Path, *, tweets: int = 1, first_id: int = 1) -> Path:
    """An X archive: the creator's tweets and one fan DM awaiting a reply."""
    dms = [
        {
            "dmConversation": {
                "conversationId": "111-222",
                "messages": [
                    {
                        "messageCreate": {
                            "id": "9",
                            "senderId": "222",
                            "recipientId": "111",
                            "text": "love your videos!",
                            "createdAt": "2024-11-10T10:00:00.000Z",
                        }
                    }
                ],
            }
        }
    ]
    rows = [
        tweet(str(first_id + n), "hello world" if n == 0 else f"tweet {n} about my channel")
        for n in range(tweets)
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data/account.js", ACCOUNT_JS)
        archive.writestr("data/tweets.js", "window.YTD.tweets.part0 = " + json.dumps(rows))
        archive.writestr("data/direct-messages.js", "window.YTD.direct_messages.part0 = " + json.dumps(dms))
    return path


def whatsapp_chat(
    path: Path, text: str = "12/01/2024, 10:00 - Ana: hi\n12/01/2024, 10:05 - Ben: hello back\n"
) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def drop(qtbot, page: ImportPage, *paths: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    page.drop_zone.dropEvent(event)


def store_rows(paths: Paths, sql: str) -> list[tuple]:
    """Read the profile's store from the test thread (its own connection)."""
    store = paths.profile("default").store
    if not store.exists():
        return []
    conn = sqlite3.connect(store)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def counts(paths: Paths) -> tuple[int, int, int]:
    """(sources, items, threads) in the store."""
    if not paths.profile("default").store.exists():
        return (0, 0, 0)
    return store_rows(
        paths,
        "SELECT (SELECT count(*) FROM sources), (SELECT count(*) FROM items), (SELECT count(*) FROM threads)",
    )[0]


def open_import_page(qtbot, open_window, paths: Paths) -> tuple[MainWindow, ImportPage]:
    window = open_window(paths)
    page = window.import_page
    assert window.current_page() is page
    qtbot.waitUntil(lambda: page.data is not None, timeout=TIMEOUT)  # the first load (empty store)
    return window, page


def wait_idle(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.imports.pending() == 0 and not window.imports.is_busy(), timeout=TIMEOUT)


def wait_cards(qtbot, page: ImportPage, count: int) -> None:
    """Until ``count`` cards are shown (a widget added to a shown layout appears on the next loop turn)."""
    qtbot.waitUntil(
        lambda: len(page.cards) == count and all(card.isVisible() for card in page.cards), timeout=TIMEOUT
    )


def only_row(page: ImportPage):
    assert len(page.rows) == 1
    return next(iter(page.rows.values()))


# --- importing ------------------------------------------------------------------------------


def test_empty_profile_shows_friendly_empty_states(qtbot, open_window, paths: Paths) -> None:
    window, page = open_import_page(qtbot, open_window, paths)
    assert page.cards == []
    assert page.empty_label.isVisible() and "No archives imported yet" in page.empty_label.text()
    assert page.chart.activity == [] and page.chart.empty_label.isVisible()
    assert not page.imports_section.isVisible()
    # Looking at the page does not create a store.
    assert not paths.profile("default").store.exists()


def test_dropping_an_archive_imports_it_with_a_summary_card(
    qtbot, open_window, paths: Paths, tmp_path: Path, monkeypatch
) -> None:
    from desktop.core.actions import importing  # the action both front ends run

    archive = twitter_zip(tmp_path / "twitter-2024.zip")
    window, page = open_import_page(qtbot, open_window, paths)
    gui_thread = QApplication.instance().thread()
    import_threads: list[QThread] = []
    real_import = importing.import_archive

    def spy(*args, **kwargs):
        import_threads.append(QThread.currentThread())
        return (yield from real_import(*args, **kwargs))

    monkeypatch.setattr(importing, "import_archive", spy)
    drop(qtbot, page, archive)
    assert "twitter-2024.zip" in page.drop_zone.status.text()
    row = only_row(page)
    assert page.imports_section.isVisible() and row.name == "twitter-2024.zip"
    wait_cards(qtbot, page, 1)
    assert import_threads and all(thread is not gui_thread for thread in import_threads)

    assert row.state == "done" and "Imported 2 items from X (Twitter)" in row.message_label.text()
    assert not row.cancel_button.isVisible() and row.dismiss_button.isVisible()
    card = page.cards[0]
    assert "X (Twitter)" in card.title_label.text() and "tweets-2022+" in card.title_label.text()
    assert "9 Nov 2024 – 10 Nov 2024" in card.dates_label.text()
    assert card.stats == {
        "posts": 1,
        "comments": 0,
        "threads": 1,
        "messages": 1,
        "exchanges": 0,
        "inbox_candidates": 1,
    }
    assert "added 2 new" in card.note_label.text()
    assert not card.warnings_button.isVisible()
    assert "1 archive" in page.sources_status.text()
    assert not page.empty_label.isVisible()

    assert counts(paths) == (1, 2, 1)
    assert sorted(store_rows(paths, "SELECT kind, is_owner, text FROM items")) == [
        ("message", 0, "love your videos!"),
        ("post", 1, "hello world"),
    ]


def test_the_chart_shows_activity_per_month(qtbot, open_window, paths: Paths, tmp_path: Path) -> None:
    window, page = open_import_page(qtbot, open_window, paths)
    drop(qtbot, page, twitter_zip(tmp_path / "x.zip", tweets=3))
    qtbot.waitUntil(lambda: page.chart.activity != [], timeout=TIMEOUT)
    assert page.chart.activity == [("2024-11", 3, 1)]
    assert page.chart.totals() == (3, 1)
    assert page.chart.categories == ["Nov 2024"]
    assert [page.chart.own_set.at(0), page.chart.others_set.at(0)] == [3.0, 1.0]
    assert page.chart.view.isVisible() and not page.chart.empty_label.isVisible()
    assert "3 by you, 1 by others" in page.chart.accessibleDescription()


def test_importing_the_same_archive_again_finds_nothing_new(
    qtbot, open_window, paths: Paths, tmp_path: Path
) -> None:
    archive = twitter_zip(tmp_path / "x.zip")
    window, page = open_import_page(qtbot, open_window, paths)
    drop(qtbot, page, archive)
    wait_idle(qtbot, window)
    wait_cards(qtbot, page, 1)
    drop(qtbot, page, archive)
    wait_idle(qtbot, window)
    second = page.rows[max(page.rows)]
    assert second.state == "done"
    assert "Nothing new" in second.message_label.text() and "2 items" in second.message_label.text()
    qtbot.waitUntil(
        lambda: len(page.cards) == 1 and "nothing new" in page.cards[0].note_label.text(), timeout=TIMEOUT
    )
    assert "all 2 were already imported" in page.cards[0].note_label.text()
    assert counts(paths) == (1, 2, 1)


def test_archives_are_imported_one_after_another(qtbot, open_window, paths: Paths, tmp_path: Path) -> None:
    first = twitter_zip(tmp_path / "one.zip", tweets=2, first_id=100)
    second = twitter_zip(tmp_path / "two.zip", tweets=3, first_id=200)
    window, page = open_import_page(qtbot, open_window, paths)
    running_at_start: list[list[str]] = []
    window.imports.import_started.connect(
        lambda _job: running_at_start.append([row.state for row in page.rows.values()])
    )
    drop(qtbot, page, first, second)
    assert [row.name for row in page.rows.values()] == ["one.zip", "two.zip"]
    wait_cards(qtbot, page, 2)
    wait_idle(qtbot, window)
    assert [sum(state == "running" for state in states) for states in running_at_start] == [1, 1]
    assert running_at_start[1][0] == "done"
    # Most recent first; the DM is the same conversation, so it moved to the second archive.
    assert [card.dates_label.text().split("·")[1].strip() for card in page.cards] == ["two.zip", "one.zip"]
    assert page.cards[0].stats["posts"] == 3 and page.cards[1].stats["posts"] == 2
    assert counts(paths)[:2] == (2, 6)
    page.clear_finished()
    assert page.rows == {} and not page.imports_section.isVisible()


# --- errors -----------------------------------------------------------------------------------


def test_a_corrupt_zip_shows_a_plain_error_and_changes_nothing(
    qtbot, open_window, paths: Paths, tmp_path: Path
) -> None:
    window, page = open_import_page(qtbot, open_window, paths)
    drop(qtbot, page, twitter_zip(tmp_path / "good.zip"))
    wait_idle(qtbot, window)
    before = counts(paths)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 40)
    drop(qtbot, page, broken)
    wait_idle(qtbot, window)
    row = page.rows[max(page.rows)]
    assert row.state == "failed"
    text = row.message_label.text()
    assert "broken.zip" in text and "zip" in text.lower()
    assert "Traceback" not in text and not row.details_button.isVisible()
    assert row.status_label.text() == "Not imported"
    assert counts(paths) == before
    assert len(page.cards) == 1


def test_an_unknown_file_lists_what_is_supported(qtbot, open_window, paths: Paths, tmp_path: Path) -> None:
    window, page = open_import_page(qtbot, open_window, paths)
    notes = tmp_path / "shopping.csv"
    notes.write_text("milk,eggs\nbread,butter\n", encoding="utf-8")
    drop(qtbot, page, notes)
    wait_idle(qtbot, window)
    row = only_row(page)
    assert row.state == "failed"
    assert "Supported:" in row.message_label.text() and "Traceback" not in row.message_label.text()
    assert counts(paths)[:2] == (0, 0)


def test_a_bug_shows_something_went_wrong_with_details(
    qtbot, open_window, paths: Paths, tmp_path: Path, monkeypatch
) -> None:
    from desktop.core.actions import importing  # the action both front ends run

    def broken(*args, **kwargs):
        raise RuntimeError("the importer tripped over its own feet")
        yield  # a generator, like the real one

    monkeypatch.setattr(importing, "import_archive", broken)
    window, page = open_import_page(qtbot, open_window, paths)
    drop(qtbot, page, twitter_zip(tmp_path / "x.zip"))
    wait_idle(qtbot, window)
    row = only_row(page)
    assert row.state == "failed"
    assert row.message_label.text().startswith("Something went wrong")
    assert "tripped" not in row.message_label.text()
    assert row.details_button.isVisible() and not row.details.isVisible()
    qtbot.mouseClick(row.details_button, Qt.MouseButton.LeftButton)
    assert row.details.isVisible() and "RuntimeError: the importer tripped" in row.details.toPlainText()
    assert len(window.imports.bugs) == 1


# --- cancelling -------------------------------------------------------------------------------


@pytest.fixture
def gated_save_items(monkeypatch):
    """Hold an import inside its second batch until the test opens the gate (deterministic mid-import)."""
    from desktop.core.importers import pipeline

    gate = threading.Event()
    batches: dict[int, int] = {}
    real_save_items = pipeline.save_items

    def gated(store, source_id, items, *, cancel=None):
        batches[source_id] = batches.get(source_id, 0) + 1
        if batches[source_id] == 2:
            gate.wait(TIMEOUT / 1000)
        return real_save_items(store, source_id, items, cancel=cancel)

    monkeypatch.setattr(pipeline, "save_items", gated)
    yield gate
    gate.set()


def test_cancel_mid_import_keeps_the_store_unchanged(
    qtbot, open_window, paths: Paths, tmp_path: Path, gated_save_items: threading.Event
) -> None:
    archive = twitter_zip(tmp_path / "big.zip", tweets=20_000)
    window, page = open_import_page(qtbot, open_window, paths)
    drop(qtbot, page, twitter_zip(tmp_path / "small.zip", tweets=1, first_id=900_000))
    wait_cards(qtbot, page, 1)
    before = counts(paths)

    drop(qtbot, page, archive)
    row = page.rows[max(page.rows)]
    qtbot.waitUntil(lambda: row.items >= 1000, timeout=TIMEOUT)  # the first batch was read and saved
    assert row.state == "running" and row.cancel_button.isVisible()
    assert row.progress_bar.value() > 0
    assert "1,000 items read" in row.status_label.text()
    qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    assert row.status_label.text() == "Cancelling…" and not row.cancel_button.isEnabled()
    gated_save_items.set()
    qtbot.waitUntil(lambda: row.state == "cancelled", timeout=TIMEOUT)
    wait_idle(qtbot, window)
    assert "Nothing from this archive was kept" in row.message_label.text()
    assert counts(paths) == before
    assert store_rows(paths, "SELECT count(*) FROM sources WHERE filename = 'big.zip'") == [(0,)]
    assert len(page.cards) == 1


def test_escape_cancels_the_running_import(
    qtbot, open_window, paths: Paths, tmp_path: Path, gated_save_items
) -> None:
    window, page = open_import_page(qtbot, open_window, paths)
    drop(qtbot, page, twitter_zip(tmp_path / "big.zip", tweets=3_000))
    row = only_row(page)
    qtbot.waitUntil(lambda: row.items >= 1000, timeout=TIMEOUT)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    gated_save_items.set()
    qtbot.waitUntil(lambda: row.state == "cancelled", timeout=TIMEOUT)
    wait_idle(qtbot, window)
    assert counts(paths)[:2] == (0, 0)


def test_cancel_right_after_start_and_of_a_queued_import(
    qtbot, open_window, paths: Paths, tmp_path: Path
) -> None:
    window, page = open_import_page(qtbot, open_window, paths)
    drop(qtbot, page, twitter_zip(tmp_path / "a.zip"), twitter_zip(tmp_path / "b.zip", first_id=50))
    first, second = page.rows.values()
    assert first.state == "running" and second.state == "queued"
    qtbot.mouseClick(second.cancel_button, Qt.MouseButton.LeftButton)  # never starts
    qtbot.mouseClick(first.cancel_button, Qt.MouseButton.LeftButton)  # before its first batch
    wait_idle(qtbot, window)
    assert (first.state, second.state) == ("cancelled", "cancelled")
    assert counts(paths)[:2] == (0, 0)
    assert page.clear_button.isVisible()


def test_closing_the_window_mid_import_rolls_it_back(
    qtbot, open_window, paths: Paths, tmp_path: Path, gated_save_items: threading.Event
) -> None:
    from desktop.ui import workers

    window, page = open_import_page(qtbot, open_window, paths)
    drop(qtbot, page, twitter_zip(tmp_path / "big.zip", tweets=3_000))
    row = only_row(page)
    qtbot.waitUntil(lambda: row.items >= 1000, timeout=TIMEOUT)
    opener = threading.Timer(0.3, gated_save_items.set)  # opens the gate while close() waits
    opener.start()
    window.close()  # cancels and joins the import
    opener.join()
    assert all(not w._runner.isRunning() for w in list(workers._LIVE))
    assert counts(paths)[:2] == (0, 0)


# --- who is the creator? ------------------------------------------------------------------------


def test_a_chat_that_does_not_say_who_you_are_asks_once(
    qtbot, open_window, paths: Paths, tmp_path: Path
) -> None:
    window, page = open_import_page(qtbot, open_window, paths)
    drop(qtbot, page, whatsapp_chat(tmp_path / "chat.txt"))
    qtbot.waitUntil(lambda: page.owner_dialog is not None and page.owner_dialog.isVisible(), timeout=TIMEOUT)
    dialog = page.owner_dialog
    row = only_row(page)
    assert row.state == "asking" and "which participant" in row.status_label.text()
    assert [dialog.candidates.item(i).text() for i in range(dialog.candidates.count())] == ["Ana", "Ben"]
    assert not dialog.ok_button.isEnabled()  # nobody is preselected
    assert counts(paths)[:2] == (0, 0)  # nothing written while asking
    dialog.candidates.item(1).setSelected(True)
    assert dialog.name() == "Ben" and dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_cards(qtbot, page, 1)
    assert row.state == "done"
    card = page.cards[0]
    assert "WhatsApp" in card.title_label.text()
    assert card.stats["messages"] == 2 and card.stats["exchanges"] == 1
    assert store_rows(paths, "SELECT handle, is_owner FROM people ORDER BY handle") == [
        ("Ana", 0),
        ("Ben", 1),
    ]
    if card.warnings:  # e.g. ambiguous day/month order: expandable, in plain words
        assert card.warnings_button.isVisible() and not card.warnings_label.isVisible()
        qtbot.mouseClick(card.warnings_button, Qt.MouseButton.LeftButton)
        assert card.warnings_label.isVisible() and card.warnings[0] in card.warnings_label.text()

    # The answer is remembered for the next chat from the same app: no second question.
    drop(
        qtbot,
        page,
        whatsapp_chat(
            tmp_path / "chat2.txt", "13/01/2024, 09:00 - Cleo: hey Ben\n13/01/2024, 09:01 - Ben: hey!\n"
        ),
    )
    wait_cards(qtbot, page, 2)
    assert page.owner_dialog is None
    assert ("Ben", 1) in store_rows(paths, "SELECT handle, is_owner FROM people")


def test_typing_a_name_and_skipping(qtbot, open_window, paths: Paths, tmp_path: Path) -> None:
    window, page = open_import_page(qtbot, open_window, paths)
    drop(qtbot, page, whatsapp_chat(tmp_path / "chat.txt"))
    qtbot.waitUntil(lambda: page.owner_dialog is not None, timeout=TIMEOUT)
    page.owner_dialog.skip_button.click()
    row = only_row(page)
    qtbot.waitUntil(lambda: row.state == "cancelled", timeout=TIMEOUT)
    assert "Skipped" in row.message_label.text()
    assert counts(paths)[:2] == (0, 0)

    drop(qtbot, page, whatsapp_chat(tmp_path / "chat.txt"))
    qtbot.waitUntil(lambda: page.owner_dialog is not None, timeout=TIMEOUT)
    qtbot.keyClicks(page.owner_dialog.name_edit, "Ana")
    qtbot.mouseClick(page.owner_dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_cards(qtbot, page, 1)
    assert store_rows(paths, "SELECT handle FROM people WHERE is_owner = 1") == [("Ana",)]


# --- removing, reloading, keyboard -----------------------------------------------------------------


def test_removing_a_source_asks_then_removes_it(
    qtbot, open_window, paths: Paths, tmp_path: Path, monkeypatch
) -> None:
    window, page = open_import_page(qtbot, open_window, paths)
    drop(qtbot, page, twitter_zip(tmp_path / "x.zip"))
    wait_cards(qtbot, page, 1)
    answers: list[str] = []

    def keep(parent, card):
        answers.append(card.overview.filename)
        return False

    monkeypatch.setattr(import_page_module, "confirm_remove", keep)
    qtbot.mouseClick(page.cards[0].remove_button, Qt.MouseButton.LeftButton)
    assert answers == ["x.zip"] and not window.imports.is_busy()
    assert counts(paths) == (1, 2, 1)

    monkeypatch.setattr(import_page_module, "confirm_remove", lambda parent, card: True)
    qtbot.mouseClick(page.cards[0].remove_button, Qt.MouseButton.LeftButton)
    assert page.cards[0].remove_button.text() == "Removing…"
    qtbot.waitUntil(lambda: page.cards == [] and page.notice_label.isVisible(), timeout=TIMEOUT)
    assert "Removed x.zip and 2 items" in page.notice_label.text()
    qtbot.waitUntil(lambda: page.chart.activity == [], timeout=TIMEOUT)
    assert page.empty_label.isVisible()
    assert counts(paths) == (0, 0, 0)


def test_removing_one_of_two_copies_keeps_the_items_and_says_so(
    qtbot, open_window, paths: Paths, tmp_path: Path, monkeypatch
) -> None:
    from tests.core.importers.test_overlapping_sources import instagram_zip

    window, page = open_import_page(qtbot, open_window, paths)
    copies = (
        instagram_zip(tmp_path / "ig.zip", 6, 1, 1),
        instagram_zip(tmp_path / "ig2.zip", 6, 1, 1, stored=True),
    )
    drop(qtbot, page, *copies)  # the same export zipped twice
    wait_cards(qtbot, page, 2)
    assert [(card.overview.filename, card.overview.items) for card in page.cards] == [
        ("ig2.zip", 8),
        ("ig.zip", 8),
    ]
    monkeypatch.setattr(import_page_module, "confirm_remove", lambda parent, card: True)
    qtbot.mouseClick(page.cards[0].remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(page.cards) == 1 and page.notice_label.isVisible(), timeout=TIMEOUT)
    assert page.notice_label.text() == (
        "Removed ig2.zip and 0 items that came only from it. "
        "8 items stay: another imported archive also has them."
    )
    assert counts(paths)[:2] == (1, 8)


def test_cards_load_from_the_store_in_a_new_window(qtbot, open_window, paths: Paths, tmp_path: Path) -> None:
    window, page = open_import_page(qtbot, open_window, paths)
    drop(qtbot, page, twitter_zip(tmp_path / "x.zip", tweets=4))
    wait_cards(qtbot, page, 1)
    window.close()

    again, again_page = open_import_page(qtbot, open_window, paths)
    assert again_page is not page and again_page.rows == {}
    assert len(again_page.cards) == 1
    card = again_page.cards[0]
    assert card.stats["posts"] == 4 and card.stats["inbox_candidates"] == 1
    assert "X (Twitter)" in card.title_label.text() and "x.zip" in card.dates_label.text()
    assert again_page.chart.activity == [("2024-11", 4, 1)]


def test_ctrl_o_and_the_buttons_open_pickers(
    qtbot, open_window, paths: Paths, tmp_path: Path, monkeypatch
) -> None:
    archive = twitter_zip(tmp_path / "x.zip")
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(folder)
    asked: list[str] = []

    def files(parent):
        asked.append("files")
        return [str(archive)]

    def choose_folder(parent):
        asked.append("folder")
        return str(folder)

    monkeypatch.setattr(import_page_module, "choose_archive_files", files)
    monkeypatch.setattr(import_page_module, "choose_archive_folder", choose_folder)
    window, page = open_import_page(qtbot, open_window, paths)

    window.show_page(1)  # another page: Ctrl+O is the Import page's
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert asked == []
    window.show_page(0)
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert asked == ["files"]
    wait_idle(qtbot, window)
    qtbot.mouseClick(page.drop_zone.choose_folder_button, Qt.MouseButton.LeftButton)
    assert asked == ["files", "folder"]
    wait_idle(qtbot, window)
    assert [row.state for row in page.rows.values()] == ["done", "done"]
    wait_cards(qtbot, page, 2)  # a folder is its own source

    monkeypatch.setattr(import_page_module, "choose_archive_files", lambda parent: [])  # the creator cancels
    qtbot.mouseClick(page.drop_zone.choose_files_button, Qt.MouseButton.LeftButton)
    assert len(page.rows) == 2


def test_buttons_have_accessible_names(qtbot, open_window, paths: Paths, tmp_path: Path) -> None:
    window, page = open_import_page(qtbot, open_window, paths)
    drop(qtbot, page, twitter_zip(tmp_path / "x.zip"))
    wait_cards(qtbot, page, 1)
    buttons = page.findChildren(QPushButton)
    assert len(buttons) >= 5
    assert all(button.accessibleName() for button in buttons), [
        b.text() for b in buttons if not b.accessibleName()
    ]
    assert page.chart.accessibleName() == "Activity over time"


# --- small pure helpers -------------------------------------------------------------------------


def test_progress_messages_carry_the_item_count() -> None:
    from desktop.core.tasks import Progress

    assert items_in(Progress("Read 12,000 items", 1, 2)) == 12000
    assert items_in(Progress("Imported 1 item from WhatsApp")) == 1
    assert items_in(Progress("Checking the X (Twitter) export")) is None


def test_chart_buckets_and_ticks() -> None:
    months = [(f"{2000 + n // 12}-{n % 12 + 1:02d}", 1, 2) for n in range(40)]
    unit, bars = bucket(months)
    assert unit == "year" and bars[0] == ("2000", 12, 24) and bars[-1] == ("2003", 4, 8)
    unit, bars = bucket(months[:3])
    assert unit == "month" and [label for label, _, _ in bars] == ["Jan 2000", "Feb 2000", "Mar 2000"]
    assert integer_ticks(2) == (1, 2)
    assert integer_ticks(7) == (2, 8)
    assert integer_ticks(1234) == (500, 1500)
