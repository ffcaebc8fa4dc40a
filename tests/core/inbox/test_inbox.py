"""Inbox entries: three sources, no duplicates on re-import, triage, trash and the confirmed clear."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from desktop.core.errors import KnownError
from desktop.core.inbox import (
    IllegalTransition,
    add_import_candidates,
    add_message,
    clear_inbox,
    count_affected,
    get_entry,
    import_messages_file,
    list_inbox,
    restore,
    save_draft,
    set_priority,
    set_triage,
    trash,
    undo_last,
)
from desktop.core.store import NewItem, Store, save_items, save_person, save_thread

from .conftest import add_messages

CSV_TEXT = (
    "text,from,from_name,platform,id,thread,created_at,kind\n"
    '"Do you ship to Canada? 🇨🇦",north_fan,Nora,instagram,ig-9001,ig-t-1,2024-06-01T09:00:00+02:00,message\n'
    '"Your form on the squat was 🔥",gymrat,,tiktok,,tt-t-7,2024-06-01T10:00:00Z,comment\n'
    ",empty_row,,instagram,ig-9003,ig-t-3,2024-06-01T11:00:00Z,message\n"
)


def test_typed_messages_land_as_new_entries_with_sender_and_platform(store: Store) -> None:
    ids = add_messages(store)
    entries = list_inbox(store)
    assert [e.item_id for e in entries] == list(reversed(ids))  # newest message first
    maya = get_entry(store, ids[0])
    assert (maya.state, maya.source, maya.platform, maya.sender, maya.kind) == (
        "new",
        "typed",
        "instagram",
        "Maya",
        "message",
    )
    assert maya.thread_external_id == "instagram-thread-maya_lifts"
    item = store.db.execute("SELECT is_owner, kind FROM items WHERE id = ?", [ids[0]]).fetchone()
    assert item == (0, "message")
    # The same platform id again is the same entry, not a duplicate.
    again = add_message(
        store,
        "What protein powder do you use? Mine tastes like chalk 😩",
        sender="maya_lifts",
        platform="instagram",
        message_id="ig-m-1",
        thread="instagram-thread-maya_lifts",
    )
    assert again == ids[0] and len(list_inbox(store)) == 4


def test_an_empty_message_is_refused(store: Store) -> None:
    with pytest.raises(KnownError, match="empty"):
        add_message(store, "   ")


def test_csv_import_documented_columns_and_no_duplicates_on_reimport(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "incoming.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    first = import_messages_file(store, path)
    assert (first.received, first.added, first.already, first.skipped) == (3, 2, 0, 1)
    assert first.warnings == ["row 4: no text, skipped"]
    entries = {e.text: e for e in list_inbox(store)}
    canada = entries["Do you ship to Canada? 🇨🇦"]
    assert (canada.platform, canada.sender, canada.source, canada.kind) == (
        "instagram",
        "Nora",
        "file",
        "message",
    )
    assert canada.created_at == "2024-06-01T07:00:00.000Z"  # converted to UTC
    assert entries["Your form on the squat was 🔥"].kind == "comment"
    # A second import (even of a row with no platform id) adds nothing.
    second = import_messages_file(store, path)
    assert (second.added, second.already) == (0, 2)
    assert len(list_inbox(store)) == 2
    assert store.db.execute("SELECT count(*) FROM items").fetchone()[0] == 2


def test_json_and_jsonl_files(store: Store, tmp_path: Path) -> None:
    rows = [
        {
            "message": "Is the 12-week plan good for beginners?",
            "sender": "newbie",
            "platform": "youtube",
            "id": "yt-1",
        },
        {"text": "big fan from Brazil!!", "username": "br_fan", "id": "yt-2"},
    ]
    (tmp_path / "a.json").write_text(json.dumps({"messages": rows}), encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert import_messages_file(store, tmp_path / "a.json", platform="youtube").added == 2
    assert import_messages_file(store, tmp_path / "b.jsonl", platform="youtube").added == 0
    assert {e.sender for e in list_inbox(store)} == {"newbie", "br_fan"}


def test_bad_files_fail_in_plain_words_and_add_nothing(store: Store, tmp_path: Path) -> None:
    naive = tmp_path / "naive.csv"
    naive.write_text(
        "text,created_at\nhello,2024-06-01T10:00:00\nhi,2024-06-01T10:00:00Z\n", encoding="utf-8"
    )
    with pytest.raises(KnownError, match=r"naive.csv, row 2: .*no timezone"):
        import_messages_file(store, naive)
    no_text = tmp_path / "cols.csv"
    no_text.write_text("body_text,who\nhey,me\n", encoding="utf-8")
    with pytest.raises(KnownError, match="no 'text' column"):
        import_messages_file(store, no_text)
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    with pytest.raises(KnownError, match="not valid JSON"):
        import_messages_file(store, broken)
    (tmp_path / "x.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(KnownError, match=".csv, .json or .jsonl"):
        import_messages_file(store, tmp_path / "x.xlsx")
    assert list_inbox(store) == []


def _conversation(store: Store, external: str, lines: list[tuple[bool, str, str]]) -> None:
    me = save_person(store, platform="instagram", handle="creator", is_owner=True)
    fan = save_person(store, platform="instagram", handle=f"fan-{external}")
    thread = save_thread(store, platform="instagram", external_id=external)
    save_items(
        store,
        None,
        [
            NewItem("instagram", "message", text, when, f"{external}-{i}", thread, me if mine else fan, mine)
            for i, (mine, text, when) in enumerate(lines)
        ],
    )


def test_import_candidates_are_conversations_awaiting_a_reply_and_are_added_once(store: Store) -> None:
    _conversation(
        store,
        "t-answered",
        [(False, "hi!", "2024-01-01T10:00:00Z"), (True, "hey :)", "2024-01-01T11:00:00Z")],
    )
    _conversation(
        store,
        "t-waiting",
        [(True, "new drop friday", "2024-02-01T10:00:00Z"), (False, "what time?", "2024-02-01T12:00:00Z")],
    )
    _conversation(store, "t-newer", [(False, "collab?", "2024-03-01T10:00:00Z")])
    result = add_import_candidates(store)
    assert (result.added, result.already) == (2, 0)
    assert [e.text for e in list_inbox(store)] == ["collab?", "what time?"]  # newest first
    assert {e.source for e in list_inbox(store)} == {"import"}
    again = add_import_candidates(store)
    assert (again.added, again.already) == (0, 2)


@dataclass
class FakeTriage:
    level: str
    reasons: list[str] = field(default_factory=list)


def test_a_red_message_is_flagged_with_its_reason_and_gets_no_draft(store: Store) -> None:
    def triage(text: str) -> FakeTriage:
        return FakeTriage("red", ["asks to meet in person"]) if "meet" in text else FakeTriage("green")

    red = add_message(store, "can we meet up after your show? i'll wait outside", sender="x", triage=triage)
    green = add_message(store, "great show!", sender="y", triage=triage)
    entry = get_entry(store, red)
    assert entry.state == "flagged" and entry.triage_level == "red"
    assert entry.flag_reason == "Answer this one personally: asks to meet in person"
    assert get_entry(store, green).state == "new"
    with pytest.raises(IllegalTransition, match="gets no draft"):
        save_draft(store, red, "Sure, see you there!")
    assert store.db.execute("SELECT count(*) FROM drafts").fetchone()[0] == 0
    audit = [
        r[0] for r in store.db.execute("SELECT action FROM audit_log WHERE subject = ?", [f"item:{red}"])
    ]
    assert audit == ["inbox.added", "inbox.flagged"]
    set_triage(store, green, "yellow", ["medical advice"])
    assert get_entry(store, green).triage_reasons == ["medical advice"]


def test_priority_orders_the_list(store: Store) -> None:
    ids = add_messages(store)
    set_priority(store, ids[0], 5)
    assert list_inbox(store)[0].item_id == ids[0]


def test_trash_and_restore(store: Store) -> None:
    ids = add_messages(store)
    save_draft(store, ids[1], "Stretch your hamstrings daily and brace before every pull 💪")
    trash(store, ids[1])
    assert ids[1] not in [e.item_id for e in list_inbox(store)]
    assert [e.item_id for e in list_inbox(store, trashed=True)] == [ids[1]]
    assert restore(store, ids[1]) == "drafted"
    assert get_entry(store, ids[1]).trashed_at is None
    with pytest.raises(KnownError, match="not in the trash"):
        restore(store, ids[1])


def test_clearing_asks_first_with_the_count_and_is_one_undo_step(store: Store) -> None:
    ids = add_messages(store)
    save_draft(store, ids[0], "Unflavoured whey + cocoa, trust me")
    affected = count_affected(store, "clear_inbox")
    assert (affected.entries, affected.drafts, affected.approved) == (4, 1, 0)
    assert "4 message(s)" in affected.message and "restore" in affected.message
    add_message(store, "one more arrives meanwhile", sender="late")
    with pytest.raises(KnownError, match="changed since you confirmed"):
        clear_inbox(store, confirmed_count=affected.entries)
    assert len(list_inbox(store)) == 5  # nothing moved
    assert clear_inbox(store, confirmed_count=count_affected(store).entries) == 5
    assert list_inbox(store) == [] and len(list_inbox(store, trashed=True)) == 5
    undone = undo_last(store)
    assert undone is not None and undone.action == "trashed" and len(undone.item_ids) == 5
    assert len(list_inbox(store)) == 5
