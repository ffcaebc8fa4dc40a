"""Generic CSV/JSONL import: documented columns, timestamps, owners, per-row errors, weak detection."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from desktop.core.importers.base import OwnerUnknownError
from desktop.core.importers.platforms.generic import IMPORTER, parse_timestamp

from .fixtures_generic import FOREIGN, detect, make_folder, make_zip, run

CSV = (
    "\ufefftext,author,timestamp,thread,in_reply_to,is_owner,id,kind,platform\n"
    '"Do you ship to Canada?\nAsking for a friend",fan_1,2024-05-01T14:22:10+02:00,dm-fan_1,,no,q1,,shopify\n'
    "Yes we do! 🇨🇦,Ava,1714573800,dm-fan_1,q1,YES,,,\n"
    "New drop Friday,Ava,2024-05-03 09:00:00,,,1,,,\n"
    "Great post,Ava,2024-05-04T10:00:00Z,,p9,true,,comment,\n"
    "bad time,Ava,next tuesday,,,true,,,\n"
    "bad owner,Ava,2024-05-05T10:00:00Z,,,maybe,,,\n"
    "bad kind,Ava,2024-05-05T10:00:00Z,,,true,,tweet,\n"
    ",Ava,2024-05-05T10:00:00Z,,,true,,,\n"
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


EXPECTED = [
    (
        "q1",
        "message",
        "Do you ship to Canada?\nAsking for a friend",
        "fan_1",
        False,
        utc(2024, 5, 1, 12, 22, 10),
        "dm-fan_1",
        None,
    ),
    (None, "message", "Yes we do! 🇨🇦", "Ava", True, utc(2024, 5, 1, 14, 30), "dm-fan_1", "q1"),
    (None, "post", "New drop Friday", "Ava", True, utc(2024, 5, 3, 9), None, None),
    (None, "comment", "Great post", "Ava", True, utc(2024, 5, 4, 10), None, "p9"),
]


def check(items, warnings, name: str) -> None:
    got = [
        (
            i.external_id if i.external_id == "q1" else None,
            i.kind,
            i.text,
            i.author,
            i.is_owner,
            i.created_at,
            i.thread_key,
            i.reply_to,
        )
        for i in items
    ]
    assert got == EXPECTED
    assert items[0].extra == {"platform": "shopify"}
    assert len(warnings) == 3
    assert f"row 5 of '{name}'" in warnings[0] and "next tuesday" in warnings[0]
    assert "row 6" in warnings[1] and "maybe" in warnings[1]
    assert "row 7" in warnings[2] and "tweet" in warnings[2]


def test_csv_file_zip_and_folder(tmp_path: Path) -> None:
    single = make_folder(tmp_path / "f", {"my_messages.csv": CSV}) / "my_messages.csv"
    for path in (single, make_zip(tmp_path / "g.zip", {"my_messages.csv": CSV}), tmp_path / "f"):
        found = detect(IMPORTER, path)
        assert (found.platform, found.version, found.confidence) == ("generic", "csv", 0.3)
        threads, items, warnings = run(IMPORTER, path)
        assert [(t.key, t.kind, t.participants) for t in threads] == [("dm-fan_1", "dm", ("fan_1", "Ava"))]
        check(items, warnings, "my_messages.csv")
    _, again, _ = run(IMPORTER, single)
    _, items, _ = run(IMPORTER, single)
    assert [i.external_id for i in again] == [i.external_id for i in items]


def test_jsonl_with_native_types_and_a_broken_line(tmp_path: Path) -> None:
    rows = [
        {
            "text": "Do you ship to Canada?\nAsking for a friend",
            "author": "fan_1",
            "timestamp": "2024-05-01T14:22:10+02:00",
            "thread": "dm-fan_1",
            "is_owner": False,
            "id": "q1",
            "platform": "shopify",
        },
        {
            "text": "Yes we do! 🇨🇦",
            "author": "Ava",
            "timestamp": 1714573800000,
            "thread": "dm-fan_1",
            "in_reply_to": "q1",
            "is_owner": True,
        },
        {"text": "New drop Friday", "author": "Ava", "timestamp": "2024-05-03 09:00:00", "is_owner": 1},
        {
            "text": "Great post",
            "author": "Ava",
            "timestamp": "2024-05-04T10:00:00Z",
            "in_reply_to": "p9",
            "kind": "comment",
            "is_owner": "yes",
        },
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines.insert(2, '{"text": "broken", ')
    path = make_folder(tmp_path / "j", {"export.jsonl": "\n".join(lines) + "\n"}) / "export.jsonl"
    assert detect(IMPORTER, path).version == "jsonl"
    threads, items, warnings = run(IMPORTER, path)
    assert len(threads) == 1
    assert [(i.kind, i.text, i.is_owner, i.created_at, i.reply_to) for i in items] == [
        (e[1], e[2], e[4], e[5], e[7]) for e in EXPECTED
    ]
    assert warnings == [
        "Skipped 1 row of 'export.jsonl' that is not a JSON object (line 3); read the other 4 rows."
    ]


def test_owner_from_me_when_is_owner_is_missing(tmp_path: Path) -> None:
    data = "text,author,timestamp,thread\nhi,Fan,2024-01-01T00:00:00Z,t\nhello,ava,2024-01-01T00:01:00Z,t\n"
    path = make_folder(tmp_path / "x", {"chat.csv": data}) / "chat.csv"
    with pytest.raises(OwnerUnknownError) as error:
        run(IMPORTER, path)
    assert error.value.candidates == ["Fan", "ava"]
    _, items, _ = run(IMPORTER, path, me="Ava")
    assert [(i.author, i.is_owner) for i in items] == [("Fan", False), ("ava", True)]


def test_parse_timestamp() -> None:
    assert parse_timestamp("2024-05-01T14:22:10+02:00") == utc(2024, 5, 1, 12, 22, 10)
    assert parse_timestamp("2024-05-01") == utc(2024, 5, 1)
    assert parse_timestamp("1714573800.5") == datetime(2024, 5, 1, 14, 30, 0, 500000, tzinfo=timezone.utc)
    assert (
        parse_timestamp("yesterday") is None
        and parse_timestamp(None) is None
        and parse_timestamp(True) is None
    )


def test_detection_is_weak_and_needs_the_columns(tmp_path: Path) -> None:
    other = make_folder(
        tmp_path / "o", {"data.csv": "id,permalink,date,body\n1,x,y,z\n", "x.jsonl": '{"a": 1}\n'}
    )
    assert detect(IMPORTER, other) is None
    for name, files in FOREIGN.items():
        assert detect(IMPORTER, make_zip(tmp_path / f"{name}.zip", files)) is None, name


def test_my_importers_claim_only_their_own_fixtures(tmp_path: Path) -> None:
    """Each of the six importers claims its own layout and none of the other five's."""
    from desktop.core.importers.platforms import discord, linkedin, mastodon, reddit, whatsapp

    from . import test_discord, test_linkedin, test_mastodon, test_reddit, test_whatsapp

    layouts = {
        "whatsapp": {"WhatsApp Chat with Anna.txt": test_whatsapp.ANDROID_DM},
        "discord": test_discord.csv_package("c"),
        "reddit": test_reddit.export(),
        "mastodon": test_mastodon.files(),
        "linkedin": test_linkedin.export_2024(),
        "generic": {"my_messages.csv": CSV},
    }
    importers = [
        whatsapp.IMPORTER,
        discord.IMPORTER,
        reddit.IMPORTER,
        mastodon.IMPORTER,
        linkedin.IMPORTER,
        IMPORTER,
    ]
    for platform, files in layouts.items():
        path = make_zip(tmp_path / f"{platform}.zip", files)
        claims = {i.platform: d for i in importers if (d := detect(i, path)) is not None}
        assert set(claims) == {platform}, (platform, claims)
