"""Discord data packages: 2020 csv, 2021 c-prefixed csv, 2023/24 json, 2025 localized folders."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from desktop.core.importers.platforms.discord import IMPORTER

from .fixtures_generic import FOREIGN, detect, make_folder, make_zip, run, zip_and_folder

DM_ID = "469641859543728149"
SERVER_ID = "712345678901234567"
OWNER_ID = "111111111111111111"

USER = json.dumps({"id": OWNER_ID, "username": "smuggy", "discriminator": "4151", "relationships": []})
DM_CHANNEL = json.dumps({"type": 1, "id": DM_ID, "recipients": [OWNER_ID, "222222222222222222"]})
SERVER_CHANNEL = json.dumps(
    {"guild": {"id": "9", "name": "Climbers"}, "type": 0, "id": SERVER_ID, "name": "general"}
)
INDEX = json.dumps({DM_ID: "Direct Message with Pal#0001", SERVER_ID: "general in Climbers", "1": None})

# Newest first, as real packages write them; one attachment-only row; a multi-line quoted body.
DM_CSV = (
    "ID,Timestamp,Contents,Attachments\n"
    '903,2021-03-02 10:00:00.123000+00:00,"see you <@222222222222222222>\nbring snacks",\n'
    "902,2021-03-01 18:20:34.469000+00:00,,https://cdn.discordapp.com/attachments/1/2/cat.png\n"
    "901,2021-03-01 18:20:30+00:00,hey 👋,\n"
)
SERVER_CSV = (
    "ID,Timestamp,Contents,Attachments\n801,2020-12-31 23:59:59.000000+00:00,happy new year <:party:123>,\n"
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def csv_package(prefix: str) -> dict[str, str]:
    return {
        "account/user.json": USER,
        "messages/index.json": INDEX,
        f"messages/{prefix}{DM_ID}/channel.json": DM_CHANNEL,
        f"messages/{prefix}{DM_ID}/messages.csv": DM_CSV,
        f"messages/{prefix}{SERVER_ID}/channel.json": SERVER_CHANNEL,
        f"messages/{prefix}{SERVER_ID}/messages.csv": SERVER_CSV,
        "servers/9/guild.json": '{"id": "9", "name": "Climbers"}',
        "activity/analytics/events-2021-00000-of-00001.json": '{"event_type": "x"}\n',
    }


EXPECTED = [
    (SERVER_ID, "801", "happy new year <:party:123>", utc(2020, 12, 31, 23, 59, 59)),
    (DM_ID, "901", "hey 👋", utc(2021, 3, 1, 18, 20, 30)),
    (DM_ID, "903", "see you <@222222222222222222>\nbring snacks", utc(2021, 3, 2, 10, 0, 0, 123000)),
]


def check(path: Path, version: str) -> None:
    found = detect(IMPORTER, path)
    assert (found.platform, found.version) == ("discord", version) and found.confidence >= 0.9
    threads, items, warnings = run(IMPORTER, path)
    assert warnings == []
    assert sorted((t.key, t.title, t.kind, t.participants) for t in threads) == [
        (DM_ID, "Direct Message with Pal#0001", "dm", ("222222222222222222",)),
        (SERVER_ID, "general in Climbers", "group", ()),
    ]
    got = sorted((i.thread_key, i.external_id, i.text, i.created_at) for i in items)
    assert got == sorted(EXPECTED)
    assert {(i.kind, i.author, i.is_owner) for i in items} == {("message", "smuggy", True)}


def test_2020_package_without_c_prefix(tmp_path: Path) -> None:
    for path in zip_and_folder(tmp_path, csv_package("")):
        check(path, "2020-csv")


def test_2021_package_with_c_prefix_under_an_extra_top_folder(tmp_path: Path) -> None:
    files = {f"package/{name}": data for name, data in csv_package("c").items()}
    for path in zip_and_folder(tmp_path, files):
        check(path, "2021-csv")


def json_messages() -> tuple[str, str]:
    dm = [
        {
            "ID": 903,
            "Timestamp": "2021-03-02 10:00:00.123",
            "Contents": "see you <@222222222222222222>\nbring snacks",
            "Attachments": "",
        },
        {"ID": 902, "Timestamp": "2021-03-01 18:20:34", "Contents": "", "Attachments": "https://cdn/cat.png"},
        {"ID": 901, "Timestamp": "2021-03-01 18:20:30", "Contents": "hey 👋", "Attachments": ""},
    ]
    server = [
        {
            "ID": 801,
            "Timestamp": "2020-12-31 23:59:59",
            "Contents": "happy new year <:party:123>",
            "Attachments": "",
        }
    ]
    return json.dumps(dm, ensure_ascii=False), json.dumps(server)


def test_2023_json_package_with_zoneless_times(tmp_path: Path) -> None:
    dm, server = json_messages()
    files = {
        "account/user.json": USER,
        "messages/index.json": INDEX,
        f"messages/c{DM_ID}/channel.json": DM_CHANNEL,
        f"messages/c{DM_ID}/messages.json": dm,
        f"messages/c{SERVER_ID}/channel.json": SERVER_CHANNEL,
        f"messages/c{SERVER_ID}/messages.json": server,
    }
    for path in zip_and_folder(tmp_path, files):
        check(path, "2023-json")


def test_2025_capitalized_and_translated_folders(tmp_path: Path) -> None:
    dm, server = json_messages()
    files = {
        "Compte/user.json": USER,
        "Messages/index.json": INDEX,
        f"Messages/c{DM_ID}/channel.json": DM_CHANNEL,
        f"Messages/c{DM_ID}/messages.json": dm,
        f"Messages/c{SERVER_ID}/channel.json": SERVER_CHANNEL,
        f"Messages/c{SERVER_ID}/messages.json": server,
    }
    for path in zip_and_folder(tmp_path, files):
        check(path, "2025-json-localized")


def test_single_channel_folder_and_lone_messages_file(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / f"c{DM_ID}", {"channel.json": DM_CHANNEL, "messages.csv": DM_CSV})
    threads, items, _ = run(IMPORTER, folder, me="Smug")
    assert [(t.key, t.kind) for t in threads] == [(DM_ID, "dm")]
    assert [(i.external_id, i.author, i.is_owner) for i in items] == [
        ("901", "Smug", True),
        ("903", "Smug", True),
    ]
    found = detect(IMPORTER, folder / "messages.csv")
    assert found is not None and found.confidence < 0.9
    threads, items, _ = run(IMPORTER, folder / "messages.csv")
    assert [i.external_id for i in items] == ["901", "903"] and items[0].author == "me"


def test_malformed_messages_file_is_skipped_with_a_warning(tmp_path: Path) -> None:
    files = csv_package("c")
    files[f"messages/c{SERVER_ID}/messages.csv"] = "ID,Timestamp,Contents,Attachments\n"
    files[f"messages/c{SERVER_ID}/messages.json"] = (
        '[{"ID": 1, "Timestamp": "2020-01-01 00:00:00", "Contents": "x"'
    )
    folder = make_folder(tmp_path / "pkg", files)
    threads, items, warnings = run(IMPORTER, folder)
    assert [t.key for t in threads] == [DM_ID]
    assert [i.external_id for i in items] == ["901", "903"]
    assert len(warnings) == 1 and f"c{SERVER_ID}/messages.json" in warnings[0]


def test_detection_does_not_claim_other_exports(tmp_path: Path) -> None:
    for name, files in FOREIGN.items():
        assert detect(IMPORTER, make_zip(tmp_path / f"{name}.zip", files)) is None, name
    reddit = {
        "messages.csv": "id,permalink,thread_id,date,ip,from,to,subject,body\n1,/m/1,,2020-01-01 00:00:00 "
        "UTC,,a,b,s,t\n"
    }
    assert detect(IMPORTER, make_zip(tmp_path / "reddit.zip", reddit)) is None
