"""Reddit GDPR export: posts, comments, messages (both files), chat history, split files, BOM."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from desktop.core.importers.base import OwnerUnknownError
from desktop.core.importers.platforms.reddit import IMPORTER

from .fixtures_generic import FOREIGN, detect, make_folder, make_zip, run, zip_and_folder

BOM = "\ufeff"
POSTS_1 = (
    BOM + "id,permalink,date,ip,subreddit,gildings,title,url,body\n"
    "abc1,https://www.reddit.com/r/climbing/comments/abc1/first/,2024-01-12 17:29:56 UTC,,climbing,0,"
    'My first send,https://www.reddit.com/r/climbing/comments/abc1/first/,"Finally did it!\n\nThanks all '
    '🧗"\n'
)
POSTS_2 = (
    BOM + "id,permalink,date,ip,subreddit,gildings,title,url,body\n"
    "abc2,https://www.reddit.com/r/climbing/comments/abc2/link/,2024-02-01 08:00:00 UTC,,climbing,0,"
    "A link post,https://example.com/video,\n"
    "abc3,https://www.reddit.com/r/climbing/comments/abc3/gone/,2024-02-02 08:00:00 "
    "UTC,,climbing,0,,,[removed]\n"
)
COMMENTS = (
    BOM + "id,permalink,date,ip,subreddit,gildings,link,parent,body,media\n"
    "k1,https://www.reddit.com/r/climbing/comments/zz9/x/k1/,2024-01-13 10:00:00 UTC,,climbing,0,"
    'https://www.reddit.com/r/climbing/comments/zz9/x/,,"Top-level reply,\nwith ""quotes""",\n'
    "k2,https://www.reddit.com/r/climbing/comments/zz9/x/k2/,2024-01-13 11:00:00 UTC,,climbing,0,"
    "https://www.reddit.com/r/climbing/comments/zz9/x/,j7,Nested reply,\n"
    "k3,https://www.reddit.com/r/climbing/comments/zz9/x/k3/,2024-01-13 12:00:00 UTC,,climbing,0,"
    "https://www.reddit.com/r/climbing/comments/zz9/x/,,[deleted],\n"
)
MESSAGES = (
    BOM + "id,permalink,thread_id,date,ip,from,to,subject,body\n"
    "m2,https://www.reddit.com/message/messages/m2,m1,2023-05-02 09:00:00 UTC,,climber_me,fan42,re: beta,"
    '"Use the left hold.\nGood luck!"\n'
    "m1,https://www.reddit.com/message/messages/m1,,2023-05-01 09:00:00 UTC,,fan42,climber_me,beta,Any "
    "tips?\n"
)
MESSAGES_ARCHIVE = (
    "id,permalink,thread_id,date,ip,from,to,subject,body\n"
    "m1,https://www.reddit.com/message/messages/m1,,2023-05-01 09:00:00 UTC,,fan42,climber_me,beta,Any "
    "tips?\n"
    "m9,https://www.reddit.com/message/messages/m9,,2022-01-01 00:00:00 UTC,,other_user,climber_me,hello,Hi "
    "there\n"
)
CHAT = (
    "message_id,created_at,updated_at,username,message,thread_parent_message_id,channel_url,subreddit,"
    "channel_name,conversation_type\n"
    "c1,2023-06-01 10:00:00 UTC,,pal,yo,,sendbird_group_channel_1,,,direct\n"
    "c2,2023-06-01 10:05:00 UTC,,climber_me,hey pal,c1,sendbird_group_channel_1,,,direct\n"
)
STATISTICS = "statistic,value\naccount name,climber_me\nexport time,2024-03-01 00:00:00 UTC\n"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def export(statistics: bool = True) -> dict[str, str]:
    files = {
        "posts_1.csv": POSTS_1,
        "posts_2.csv": POSTS_2,
        "comments.csv": COMMENTS,
        "messages.csv": MESSAGES,
        "messages_archive.csv": MESSAGES_ARCHIVE,
        "messages_archive_headers.csv": "id,permalink,thread_id,date,ip,from,to,subject\n",
        "chat_history.csv": CHAT,
        "post_votes_1.csv": "id,permalink,direction\nx,y,up\n",
    }
    if statistics:
        files["statistics.csv"] = STATISTICS
    return files


def test_full_export_from_zip_folder_and_top_folder(tmp_path: Path) -> None:
    nested = make_zip(
        tmp_path / "nested.zip", {f"export_climber_me_20240301/{k}": v for k, v in export().items()}
    )
    for path in [*zip_and_folder(tmp_path, export()), nested]:
        found = detect(IMPORTER, path)
        assert (found.platform, found.version, found.confidence) == ("reddit", "gdpr-csv", 0.95)
        threads, items, warnings = run(IMPORTER, path)
        assert warnings == []
        posts = [i for i in items if i.kind == "post"]
        comments = [i for i in items if i.kind == "comment"]
        messages = [i for i in items if i.kind == "message"]
        assert [(p.external_id, p.text, p.created_at) for p in posts] == [
            ("t3_abc1", "My first send\n\nFinally did it!\n\nThanks all 🧗", utc(2024, 1, 12, 17, 29, 56)),
            ("t3_abc2", "A link post", utc(2024, 2, 1, 8)),
        ]
        assert [(c.external_id, c.text, c.reply_to) for c in comments] == [
            ("t1_k1", 'Top-level reply,\nwith "quotes"', "t3_zz9"),
            ("t1_k2", "Nested reply", "t1_j7"),
        ]
        assert {(i.author, i.is_owner) for i in posts + comments} == {("climber_me", True)}
        assert sorted((t.key, t.title, t.kind, t.participants) for t in threads) == [
            ("chat:sendbird_group_channel_1", "pal", "dm", ("pal", "climber_me")),
            ("t4_m1", "beta", "dm", ("fan42", "climber_me")),
            ("t4_m9", "hello", "dm", ("other_user", "climber_me")),
        ]
        assert [
            (m.external_id, m.author, m.is_owner, m.thread_key, m.text, m.created_at, m.reply_to)
            for m in messages
        ] == [
            ("t4_m1", "fan42", False, "t4_m1", "Any tips?", utc(2023, 5, 1, 9), None),
            (
                "t4_m2",
                "climber_me",
                True,
                "t4_m1",
                "Use the left hold.\nGood luck!",
                utc(2023, 5, 2, 9),
                None,
            ),
            ("t4_m9", "other_user", False, "t4_m9", "Hi there", utc(2022, 1, 1), None),
            ("c1", "pal", False, "chat:sendbird_group_channel_1", "yo", utc(2023, 6, 1, 10), None),
            (
                "c2",
                "climber_me",
                True,
                "chat:sendbird_group_channel_1",
                "hey pal",
                utc(2023, 6, 1, 10, 5),
                "c1",
            ),
        ]


def test_owner_unknown_without_statistics(tmp_path: Path) -> None:
    path = make_folder(tmp_path / "x", export(statistics=False))
    assert detect(IMPORTER, path).confidence == 0.9
    with pytest.raises(OwnerUnknownError) as error:
        run(IMPORTER, path)
    assert error.value.candidates == ["climber_me", "fan42", "other_user", "pal"]
    _, items, _ = run(IMPORTER, path, me="Climber_Me")
    assert [i.external_id for i in items if i.is_owner and i.kind == "message"] == ["t4_m2", "c2"]


def test_posts_alone_need_no_owner(tmp_path: Path) -> None:
    path = make_folder(tmp_path / "x", {"comments.csv": COMMENTS}) / "comments.csv"
    assert detect(IMPORTER, path).confidence == 0.9
    _, items, _ = run(IMPORTER, path)
    assert [(i.external_id, i.author, i.is_owner) for i in items] == [
        ("t1_k1", "me", True),
        ("t1_k2", "me", True),
    ]


def test_malformed_csv_is_skipped_with_a_warning(tmp_path: Path) -> None:
    files = export()
    files["posts_2.csv"] = (
        'id,permalink,date,ip,subreddit,gildings,title,url,body\nx,y,"2024-01-01 00:00:00 UTC\0,,,,,\n'
    )
    files["comments.csv"] = COMMENTS.replace("2024-01-13 11:00:00 UTC", "yesterday")
    threads, items, warnings = run(IMPORTER, make_folder(tmp_path / "x", files))
    assert [i.external_id for i in items if i.kind == "post"] == ["t3_abc1"]
    assert [i.external_id for i in items if i.kind == "comment"] == ["t1_k1"]
    assert len(warnings) == 2
    assert "posts_2.csv" in warnings[0] and "k2" in warnings[1] and "yesterday" in warnings[1]


def test_detection_rejects_linkedin_messages_and_foreign_files(tmp_path: Path) -> None:
    linkedin = {
        "messages.csv": "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE "
        "URLS,"
        "DATE,SUBJECT,CONTENT,FOLDER\n"
    }
    assert detect(IMPORTER, make_zip(tmp_path / "li.zip", linkedin)) is None
    for name, files in FOREIGN.items():
        assert detect(IMPORTER, make_zip(tmp_path / f"{name}.zip", files)) is None, name
