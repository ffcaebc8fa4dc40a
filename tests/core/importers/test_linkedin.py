"""LinkedIn exports: 2024+ messages/Shares/Comments, the 2018 variant, quoting bug, owners."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from desktop.core.importers.base import OwnerUnknownError
from desktop.core.importers.platforms.linkedin import IMPORTER, repair_share_commentary

from .fixtures_generic import FOREIGN, detect, make_folder, make_zip, run, zip_and_folder

ME = "https://www.linkedin.com/in/ava-creator"
BOB = "https://www.linkedin.com/in/bob"
CAT = "https://www.linkedin.com/in/cat"
HEADER = (
    "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,"
    "CONTENT,FOLDER,ATTACHMENTS,IS MESSAGE DRAFT,IS CONVERSATION ARCHIVED\n"
)
MESSAGES = HEADER + (
    f"2-abc,,Ava Creator,{ME},Bob Builder,{BOB},2023-05-01 14:25:00 UTC,,Sure — Tuesday works.,INBOX,,No,No\n"
    f'2-abc,,Bob Builder,{BOB},Ava Creator,{ME},2023-05-01 14:22:10 UTC,Collab?,"Hi Ava,\nwant to '
    'collab?",INBOX,,No,No\n'
    f"2-abc,,Ava Creator,{ME},Bob Builder,{BOB},2023-05-02 09:00:00 UTC,,unsent draft,DRAFT,,Yes,No\n"
    f'2-def,Launch team,Cat Lee,{CAT},"Ava Creator,Bob Builder","{ME},{BOB}",2024-01-02 08:00:00 '
    "UTC,,Kickoff at 9,INBOX,,No,No\n"
)
SHARES = (
    "Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,Visibility\n"
    "2025-07-01 14:33:22,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A1,"
    '"I\'m off to Berlin!""\n""""\n""𝗪𝗛𝗔𝗧? A talk.""\n""See you there",,,MEMBER_NETWORK\n'
    '2025-07-02 10:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A2,"One line, ""quoted"" '
    'word",,,PUBLIC\n'
    "2025-07-03 10:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A3,,https://x.y,,PUBLIC\n"
)
COMMENTS = (
    "Date,Link,Message\n"
    '2024-03-04 05:06:07,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A77,"Ayush Mandowara '
    "Haven't tried it yet\"\n"
)
CONNECTIONS = (
    'Notes:\n"When exporting your connection data, you may notice that some of the email addresses are '
    'missing."\n\n'
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\nBob,Builder,https://x,,,,01 Jan "
    "2020\n"
)
GUIDE = (
    HEADER + f"9-zzz,,Coach,{CAT},Ava Creator,{ME},2024-01-01 00:00:00 UTC,,AI coach says hi,INBOX,,No,No\n"
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def export_2024(suffix: str = "") -> dict[str, str | bytes]:
    return {
        "messages.csv": MESSAGES,
        f"Shares{suffix}.csv": SHARES,
        f"Comments{suffix}.csv": COMMENTS,
        "Connections.csv": CONNECTIONS,
        "guide_messages.csv": GUIDE,
        "learning_role_play_messages.csv": GUIDE,
        "Profile.csv": "First Name,Last Name,Maiden Name,Headline\nAva,Creator,,Maker\n",
    }


def check_2024(path: Path) -> None:
    found = detect(IMPORTER, path)
    assert (found.platform, found.version, found.confidence) == ("linkedin", "2024", 0.95)
    threads, items, warnings = run(IMPORTER, path)
    assert warnings == []
    assert [(t.key, t.title, t.kind, t.participants) for t in threads] == [
        ("2-abc", "Bob Builder", "dm", ("Bob Builder", "Ava Creator")),
        ("2-def", "Launch team", "group", ("Cat Lee", "Ava Creator", "Bob Builder")),
    ]
    messages = [
        (i.thread_key, i.author, i.is_owner, i.text, i.created_at) for i in items if i.kind == "message"
    ]
    assert messages == [
        ("2-abc", "Bob Builder", False, "Hi Ava,\nwant to collab?", utc(2023, 5, 1, 14, 22, 10)),
        ("2-abc", "Ava Creator", True, "Sure — Tuesday works.", utc(2023, 5, 1, 14, 25)),
        ("2-def", "Cat Lee", False, "Kickoff at 9", utc(2024, 1, 2, 8)),
    ]
    posts = [(i.external_id[-1], i.text, i.created_at, i.author) for i in items if i.kind == "post"]
    assert posts == [
        (
            "1",
            "I'm off to Berlin!\n\n𝗪𝗛𝗔𝗧? A talk.\nSee you there",
            utc(2025, 7, 1, 14, 33, 22),
            "Ava Creator",
        ),
        ("2", 'One line, "quoted" word', utc(2025, 7, 2, 10), "Ava Creator"),
    ]
    comments = [i for i in items if i.kind == "comment"]
    assert [(c.text, c.reply_to, c.created_at, c.is_owner) for c in comments] == [
        (
            "Ayush Mandowara Haven't tried it yet",
            "https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A77",
            utc(2024, 3, 4, 5, 6, 7),
            True,
        )
    ]


def test_2024_export_from_zip_folder_and_top_folder_with_member_id_suffix(tmp_path: Path) -> None:
    for path in zip_and_folder(tmp_path, export_2024()):
        check_2024(path)
    nested = {f"Basic_LinkedInDataExport/{k}": v for k, v in export_2024("_17529409").items()}
    check_2024(make_zip(tmp_path / "Basic_LinkedInDataExport_05-01-2025.zip", nested))


def test_owner_from_profile_name_or_me_when_urls_do_not_decide(tmp_path: Path) -> None:
    one = HEADER + (
        f"2-abc,,Ava Creator,{ME},Bob Builder,{BOB},2023-05-01 14:25:00 UTC,,Sure,INBOX,,No,No\n"
        f"2-abc,,Bob Builder,{BOB},Ava Creator,{ME},2023-05-01 14:22:10 UTC,,Hi,INBOX,,No,No\n"
    )
    files = {"messages.csv": one, "Profile.csv": "First Name,Last Name\nAva,Creator\n"}
    _, items, _ = run(IMPORTER, make_folder(tmp_path / "a", files))
    assert [(i.author, i.is_owner) for i in items] == [("Bob Builder", False), ("Ava Creator", True)]
    with pytest.raises(OwnerUnknownError) as error:
        run(IMPORTER, make_folder(tmp_path / "b", {"messages.csv": one}))
    assert error.value.candidates == ["Ava Creator", "Bob Builder"]
    _, items, _ = run(IMPORTER, make_folder(tmp_path / "c", {"messages.csv": one}), me="ava creator")
    assert [i.is_owner for i in items] == [False, True]


MESSAGES_2018 = (
    "From,To,Date,Subject,Content,Direction,Folder\n"
    'Bob Builder,Ava Creator,"10/16/18, 8:36 AM",Hello,Tom &amp; Jerry say &quot;hi&quot;,INCOMING,INBOX\n'
    'Ava Creator,Bob Builder,"10/16/18, 9:05 PM",RE: Hello,Thanks!,OUTGOING,SENT\n'
)
SHARES_2018 = (
    "Date\tShare Title\tShare Description\tShare Link\tShare Commentary\tShared URL\tMedia "
    "URL\tType\tVisibility\n"
    "2017/06/08 08:15:44 UTC\t\t\thttps://www.linkedin.com/updates?topic=1\tProud of the team "
    "🎉\t\t\tSHARE\tPUBLIC\n"
).encode("utf-16")


def test_2018_export(tmp_path: Path) -> None:
    files = {"Messages.csv": MESSAGES_2018, "Shares.csv": SHARES_2018}
    for path in zip_and_folder(tmp_path, files):
        found = detect(IMPORTER, path)
        assert (found.version, found.confidence) == ("2018", 0.95)
        threads, items, warnings = run(IMPORTER, path)
        assert warnings == []
        assert [(t.title, t.kind) for t in threads] == [("Bob Builder", "dm")]
        assert [(i.kind, i.author, i.is_owner, i.text, i.created_at) for i in items] == [
            ("message", "Bob Builder", False, 'Tom & Jerry say "hi"', utc(2018, 10, 16, 8, 36)),
            ("message", "Ava Creator", True, "Thanks!", utc(2018, 10, 16, 21, 5)),
            ("post", "Ava Creator", True, "Proud of the team 🎉", utc(2017, 6, 8, 8, 15, 44)),
        ]
    shares_only = make_folder(tmp_path / "s", {"Shares.csv": SHARES_2018}) / "Shares.csv"
    assert detect(IMPORTER, shares_only).version == "2018"


def test_repair_share_commentary_leaves_normal_text_alone() -> None:
    assert repair_share_commentary('a"\n""\n"b') == "a\n\nb"
    assert repair_share_commentary('He said "hi"\nthen left') == 'He said "hi"\nthen left'
    assert repair_share_commentary("single line") == "single line"


def test_malformed_file_is_skipped_with_a_warning(tmp_path: Path) -> None:
    files = export_2024()
    files["Comments.csv"] = 'Date,Link,Message\n2024-03-04 05:06:07,https://x,"never closed\n'
    _, items, warnings = run(IMPORTER, make_folder(tmp_path / "x", files))
    assert [i.kind for i in items].count("comment") == 0 and len(items) == 5
    assert len(warnings) == 1 and "Comments.csv" in warnings[0]


def test_detection_does_not_claim_other_exports(tmp_path: Path) -> None:
    reddit = {"messages.csv": "id,permalink,thread_id,date,ip,from,to,subject,body\n"}
    assert detect(IMPORTER, make_zip(tmp_path / "r.zip", reddit)) is None
    assert detect(IMPORTER, make_zip(tmp_path / "c.zip", {"Connections.csv": CONNECTIONS})) is None
    for name, files in FOREIGN.items():
        assert detect(IMPORTER, make_zip(tmp_path / f"{name}.zip", files)) is None, name


# LinkedIn 2025: quotes inside a quoted Message are escaped with a backslash, not doubled. A strict
# reader fails at the first such row; the real file has 323 rows of 3 columns, all readable this way.
COMMENTS_2025 = (
    "Date,Link,Message\n"
    '2025-03-01 10:00:00,https://www.linkedin.com/feed/update/urn:li:activity:1,"Plain comment, with a '
    'comma"\n'
    "2025-03-02 11:00:00,https://www.linkedin.com/feed/update/urn:li:activity:2,"
    '"Ayush Mandowara I\'d add one thing to \\"ship early\\""\n'
    "2025-03-03 12:00:00,https://www.linkedin.com/feed/update/urn:li:activity:3,"
    '"Two lines:\nthe second says \\"hi\\" and ends"\n'
    '2025-03-04 13:00:00,https://www.linkedin.com/feed/update/urn:li:activity:4,"A doubled ""quote"" still '
    'reads"\n'
    "2025-03-05 14:00:00,https://www.linkedin.com/feed/update/urn:li:activity:5,No quotes at all\n"
)


def test_comments_with_backslash_escaped_quotes_are_all_read(tmp_path: Path) -> None:
    for path in zip_and_folder(
        tmp_path, {"Comments.csv": COMMENTS_2025, "Profile.csv": "First Name,Last Name\nAva,Creator\n"}
    ):
        found = detect(IMPORTER, path)
        assert (found.platform, found.version) == ("linkedin", "2024")
        _, items, warnings = run(IMPORTER, path)
        assert warnings == []
        assert [(i.kind, i.text, i.reply_to, i.created_at, i.author) for i in items] == [
            ("comment", "Plain comment, with a comma", "https://www.linkedin.com/feed/update/urn:li:activity:1",
             utc(2025, 3, 1, 10), "Ava Creator"),
            ("comment", 'Ayush Mandowara I\'d add one thing to "ship early"',
             "https://www.linkedin.com/feed/update/urn:li:activity:2", utc(2025, 3, 2, 11), "Ava Creator"),
            ("comment", 'Two lines:\nthe second says "hi" and ends',
             "https://www.linkedin.com/feed/update/urn:li:activity:3", utc(2025, 3, 3, 12), "Ava Creator"),
            ("comment", 'A doubled "quote" still reads',
             "https://www.linkedin.com/feed/update/urn:li:activity:4", utc(2025, 3, 4, 13), "Ava Creator"),
            ("comment", "No quotes at all", "https://www.linkedin.com/feed/update/urn:li:activity:5",
             utc(2025, 3, 5, 14), "Ava Creator"),
        ]  # fmt: skip


def test_a_backslash_in_an_ordinary_file_stays_text(tmp_path: Path) -> None:
    """Only a file that a strict reader cannot read is read with the backslash escape."""
    comments = (
        "Date,Link,Message\n"
        '2025-03-01 10:00:00,https://x/1,"Save it to C:\\temp\\"\n'
        "2025-03-02 10:00:00,https://x/2,ok\n"
    )
    _, items, warnings = run(IMPORTER, make_folder(tmp_path / "x", {"Comments.csv": comments}))
    assert warnings == []
    assert [i.text for i in items] == ["Save it to C:\\temp\\", "ok"]


def test_a_broken_row_costs_that_row_only(tmp_path: Path) -> None:
    comments = (
        "Date,Link,Message\n"
        "2025-03-01 10:00:00,https://x/1,first\n"
        '2025-03-02 10:00:00,https://x/2,"second with a "stray" quote"\n'
        "2025-03-03 10:00:00,https://x/3,third\n"
        "2025-03-04 10:00:00,https://x/4,fourth\n"
    )
    _, items, warnings = run(IMPORTER, make_folder(tmp_path / "x", {"Comments.csv": comments}), me="Ava")
    assert [i.text for i in items] == ["first", "third", "fourth"]
    assert warnings == [
        "Skipped 1 row of 'Comments.csv' that is not valid CSV (line 3); read the other 3 rows."
    ]
