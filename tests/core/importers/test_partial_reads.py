"""A file that fails part-way is not dropped whole, and detection does not depend on where keys sit.

Each fixture is built here with the structure that broke: a CSV record that is not valid CSV in
the middle of a file, a JSON file cut short, keys past the first megabyte. Every importer keeps
what it read, skips what it cannot read, and one warning per file says how many rows were read,
how many were lost, and at which line or byte.
"""

from __future__ import annotations

import json
from pathlib import Path

from desktop.core.importers.archive import open_archive
from desktop.core.importers.base import FileTally
from desktop.core.importers.platforms import discord, generic, reddit
from desktop.core.importers.platforms._generic_util import iter_csv_rows, json_outline
from desktop.core.importers.platforms.instagram import IMPORTER as INSTAGRAM
from tests.core.importers import fixtures_meta as F

from . import test_discord, test_reddit, test_youtube
from .fixtures_generic import make_folder, make_zip, run

# A stray quote inside a quoted, multi-line field: the strict reader fails on line 4, and the
# rest of that record (line 5) is a fragment. Rows on both sides are read.
BROKEN_MIDDLE = (
    "id,permalink,date,ip,subreddit,gildings,link,parent,body,media\n"
    "k1,https://r/k1/,2024-01-13 10:00:00 UTC,,climbing,0,https://r/x/,,first,\n"
    "k2,https://r/k2/,2024-01-13 11:00:00 UTC,,climbing,0,https://r/x/,,second,\n"
    'k3,https://r/k3/,2024-01-13 12:00:00 UTC,,climbing,0,https://r/x/,,"a "stray" quote\n'
    'and its second line",\n'
    "k4,https://r/k4/,2024-01-13 13:00:00 UTC,,climbing,0,https://r/x/,,fourth,\n"
    "k5,https://r/k5/,2024-01-13 14:00:00 UTC,,climbing,0,https://r/x/,,fifth,\n"
)


def test_csv_rows_on_both_sides_of_a_broken_record_are_read(tmp_path: Path) -> None:
    path = make_folder(tmp_path / "x", {"comments.csv": BROKEN_MIDDLE}) / "comments.csv"
    tally = FileTally("comments.csv")
    with open_archive(path) as archive:
        rows = [
            (number, row["id"], row["body"])
            for number, row in iter_csv_rows(archive, archive.names[0], tally=tally)
        ]
    assert rows == [(1, "k1", "first"), (2, "k2", "second"), (3, "k4", "fourth"), (4, "k5", "fifth")]
    assert (tally.read, tally.lost, tally.places) == (4, 1, ["line 4"])
    assert (
        tally.message()
        == "Skipped 1 row of 'comments.csv' that is not valid CSV (line 4); read the other 4 rows."
    )


def test_reddit_keeps_the_comments_around_a_broken_one(tmp_path: Path) -> None:
    files = test_reddit.export()
    files["comments.csv"] = BROKEN_MIDDLE
    _, items, warnings = run(reddit.IMPORTER, make_folder(tmp_path / "x", files))
    assert [(i.external_id, i.text) for i in items if i.kind == "comment"] == [
        ("t1_k1", "first"), ("t1_k2", "second"), ("t1_k4", "fourth"), ("t1_k5", "fifth"),
    ]  # fmt: skip
    assert warnings == [
        "Skipped 1 row of 'comments.csv' that is not valid CSV (line 4); read the other 4 rows."
    ]


def test_generic_csv_reads_past_a_broken_record(tmp_path: Path) -> None:
    data = (
        "text,author,timestamp,is_owner\n"
        "one,Ava,2024-05-01T10:00:00Z,yes\n"
        '"two "broken,Ava,2024-05-02T10:00:00Z,yes\n'
        "three,Ava,2024-05-03T10:00:00Z,yes\n"
    )
    _, items, warnings = run(generic.IMPORTER, make_folder(tmp_path / "g", {"posts.csv": data}) / "posts.csv")
    assert [i.text for i in items] == ["one", "three"]
    assert warnings == ["Skipped 1 row of 'posts.csv' that is not valid CSV (line 3); read the other 2 rows."]


def test_youtube_skips_one_row_with_a_bad_time_not_the_rest_of_the_file(tmp_path: Path) -> None:
    files = test_youtube.takeout(test_youtube.comments_2024())
    name = "Takeout/YouTube and YouTube Music/live chats/live chats.csv"
    files[name] = (
        b"Live Chat ID,Channel ID,Live Chat Create Timestamp,Price,Video ID,Live Chat Text\n"
        b"LC1,UC,not a date,,v1,first\n"
        b'LC2,UC,2024-03-01T10:00:00+00:00,,v1,"{""text"":""second""}"\n'
    )
    _, items, warnings, _ = test_youtube.run(make_zip(tmp_path / "t.zip", files))
    assert [(i.external_id, i.text) for i in items if i.extra.get("live_chat")] == [("LC2", "second")]
    assert warnings == [f"Skipped row 1 of '{name}': its time 'not a date' is not readable."]


def test_discord_messages_json_cut_short_keeps_the_messages_before_the_cut(tmp_path: Path) -> None:
    files = test_discord.csv_package("c")
    name = f"messages/c{test_discord.SERVER_ID}/messages.json"
    del files[f"messages/c{test_discord.SERVER_ID}/messages.csv"]
    whole = json.dumps([
        {"ID": 801, "Timestamp": "2020-12-31 23:59:59", "Contents": "happy new year", "Attachments": ""},
        {"ID": 802, "Timestamp": "2021-01-01 00:00:05", "Contents": "and a second", "Attachments": ""},
        {"ID": 803, "Timestamp": "2021-01-01 00:00:09", "Contents": "lost to the cut", "Attachments": ""},
    ])  # fmt: skip
    cut = whole.index("lost to the cut")
    files[name] = whole[:cut]
    _, items, warnings = run(discord.IMPORTER, make_folder(tmp_path / "pkg", files))
    assert [
        (i.thread_key, i.external_id, i.text) for i in items if i.thread_key == test_discord.SERVER_ID
    ] == [
        (test_discord.SERVER_ID, "801", "happy new year"),
        (test_discord.SERVER_ID, "802", "and a second"),
    ]
    assert warnings == [
        f"Skipped the rest of '{name}' from about byte {cut:,} of {cut:,}: it is not valid JSON "
        "(it may be damaged or cut short). Kept the 2 messages read before that point."
    ]


def test_instagram_posts_cut_short_keep_the_posts_before_the_cut(tmp_path: Path) -> None:
    files = F.instagram_2024()
    name = "your_instagram_activity/content/posts_1.json"
    whole = F.meta_bytes(files[name])
    second = whole.index(b'"media"', whole.index(b'"media"') + 1)  # the cut falls inside the second post
    files[name] = whole[: second + 20]
    _, records, warnings = F.run_import(INSTAGRAM, F.write_zip(tmp_path / "ig.zip", files))
    posts = [r for r in records if getattr(r, "kind", None) == "post" and r.extra.get("app") == "instagram"]
    assert [p.text for p in posts] == ["Great sem"]
    assert warnings == [
        f"Skipped the rest of '{name}' from about byte {second + 20:,} of {second + 20:,}: it is not valid "
        "JSON "
        "(it may be damaged or cut short). Kept the 1 post read before that point."
    ]


def test_facebook_comments_in_an_unknown_layout_are_named_in_a_warning(tmp_path: Path) -> None:
    from desktop.core.importers.platforms.facebook import IMPORTER as FACEBOOK

    files = F.facebook_2024()
    files["your_facebook_activity/comments_and_reactions/comments_and_reactions.json"] = {
        "comments_v9": [{"when": 1, "what": "a layout from the future"}]
    }
    _, records, warnings = F.run_import(FACEBOOK, F.write_zip(tmp_path / "fb.zip", files))
    assert len([r for r in records if getattr(r, "kind", None) == "comment"]) == 1
    assert warnings == [
        "Skipped 'your_facebook_activity/comments_and_reactions/comments_and_reactions.json': it holds "
        "comments, "
        "but in a layout Understudy does not know yet."
    ]


def test_json_outline_finds_keys_past_the_first_megabyte_and_respects_its_budget(tmp_path: Path) -> None:
    filler = [{"n": i, "pad": "x" * 100} for i in range(12_000)]
    data = json.dumps({"Ads and data": filler, "Comment": {}, "Direct Message": {}}).encode()
    assert data.index(b'"Comment"') > 1_000_000
    path = tmp_path / "big.json"
    path.write_bytes(data)
    with open_archive(path) as archive:
        whole = json_outline(archive, "big.json", budget=4 * 1024 * 1024)
        assert (whole.kind, whole.keys, whole.complete) == (
            "object",
            ["Ads and data", "Comment", "Direct Message"],
            True,
        )
        early = json_outline(
            archive, "big.json", budget=4 * 1024 * 1024, enough=lambda keys: keys[-1] == "Comment"
        )
        assert (early.keys, early.complete) == (["Ads and data", "Comment"], False)
        short = json_outline(archive, "big.json", budget=64 * 1024)
        assert (short.kind, short.keys, short.complete) == ("object", ["Ads and data"], False)


def test_a_lone_discord_messages_json_is_recognised_whatever_its_key_order(tmp_path: Path) -> None:
    data = json.dumps([
        {"Timestamp": "2021-03-01 18:20:30", "Contents": "hey", "Attachments": "", "ID": 901},
        {"Timestamp": "2021-03-01 18:21:00", "Contents": "you there?", "Attachments": "", "ID": 902},
    ])  # fmt: skip
    path = make_folder(tmp_path / "pkg", {"messages.json": data}) / "messages.json"
    with open_archive(path) as archive:
        found = discord.IMPORTER.detect(archive)
    assert found is not None and found.platform == "discord"
    _, items, warnings = run(discord.IMPORTER, path)
    assert ([(i.external_id, i.text) for i in items], warnings) == (
        [("901", "hey"), ("902", "you there?")],
        [],
    )
