"""WhatsApp chat exports: Android and iOS line formats, locales, owners, time zones."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from desktop.core.errors import KnownError
from desktop.core.importers.base import OwnerUnknownError
from desktop.core.importers.platforms.whatsapp import WhatsAppImporter

from .fixtures_generic import FOREIGN, detect, make_folder, make_zip, run, zip_and_folder

UTC = WhatsAppImporter(zone=timezone.utc)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def chat_file(folder: Path, title: str, text: str) -> Path:
    """``text`` as the one-chat file Android exports: ``folder/WhatsApp Chat with <title>.txt``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"WhatsApp Chat with {title}.txt"
    path.write_text(text, encoding="utf-8")
    return path


# An Android chat, day-first 24-hour clock, with the pitfalls of a real file.
ANDROID_DM = (
    "12/01/2020, 09:15 - Messages and calls are end-to-end encrypted. No one outside of this chat, "
    "not even WhatsApp, can read or listen to them. Tap to learn more.\n"
    "12/01/2020, 09:16 - Anna: Hi! Are you coming on the 24th?\n"
    "12/01/2020, 09:20 - Ben: Yes 🎉\n"
    "first continuation line\n"
    "2/11/19: Arrival at 10\n"
    "\n"
    "last line\n"
    "13/01/2020, 18:02 - Anna: <Media omitted>\n"
    "13/01/2020, 18:03 - Ben: This message was deleted\n"
    "13/01/2020, 18:04 - Ben: IMG-20200113-WA0001.jpg (file attached)\n"
    "look at this\n"
    "13/01/2020, 18:05 - Anna: see you there <This message was edited>\n"
    '13/01/2020, 18:06 - Anna changed the subject from "x: y" to "z"\n'
    "13/01/2020, 18:07 - Ben: ratio: 3: 1\n"
)


def android_expected() -> list[tuple[str, str, datetime, bool]]:
    return [
        ("Anna", "Hi! Are you coming on the 24th?", utc(2020, 1, 12, 9, 16), False),
        (
            "Ben",
            "Yes 🎉\nfirst continuation line\n2/11/19: Arrival at 10\n\nlast line",
            utc(2020, 1, 12, 9, 20),
            True,
        ),
        ("Ben", "look at this", utc(2020, 1, 13, 18, 4), True),
        ("Anna", "see you there", utc(2020, 1, 13, 18, 5), False),
        ("Ben", "ratio: 3: 1", utc(2020, 1, 13, 18, 7), True),
    ]


def test_android_chat_from_zip_folder_and_single_file(tmp_path: Path) -> None:
    files = {"WhatsApp Chat with Anna.txt": ANDROID_DM, "IMG-20200113-WA0001.jpg": b"\xff\xd8\xff"}
    paths = zip_and_folder(tmp_path, files, zip_name="WhatsApp Chat with Anna.zip")
    paths.append(paths[1] / "WhatsApp Chat with Anna.txt")
    results = []
    for path in paths:
        threads, items, warnings = run(UTC, path)
        assert warnings == []
        assert len(threads) == 1
        thread = threads[0]
        assert thread.title == "Anna" and thread.kind == "dm" and thread.participants == ("Anna", "Ben")
        got = [(i.author, i.text, i.created_at, i.is_owner) for i in items]
        assert got == android_expected()
        assert {i.kind for i in items} == {"message"}
        assert {i.thread_key for i in items} == {thread.key}
        results.append([i.external_id for i in items])
    assert results[0] == results[1] == results[2]
    assert len(set(results[0])) == 5


@pytest.mark.parametrize(
    ("line_a", "line_b", "expected_a", "expected_b"),
    [
        # US: month-first, 12-hour clock, U+202F before PM (Android/iOS since 2023).
        (
            "1/25/23, 9:05\u202fPM - ",
            "1/26/23, 12:00\u202fAM - ",
            utc(2023, 1, 25, 21, 5),
            utc(2023, 1, 26, 0, 0),
        ),
        # German: dotted dates.
        ("24.12.21, 18:30 - ", "25.12.21, 07:00 - ", utc(2021, 12, 24, 18, 30), utc(2021, 12, 25, 7, 0)),
        # Year first.
        ("2018/06/13, 21:25 - ", "2018/06/14, 08:01 - ", utc(2018, 6, 13, 21, 25), utc(2018, 6, 14, 8, 1)),
        # Indonesian: no comma, dot in the time.
        ("30/08/25 18.00 - ", "31/08/25 06.30 - ", utc(2025, 8, 30, 18, 0), utc(2025, 8, 31, 6, 30)),
        # En dash separator (Chatistics fixture) and a leading LRM.
        ("\u200e15/02/19, 10:00 – ", "16/02/19, 11:00 – ", utc(2019, 2, 15, 10, 0), utc(2019, 2, 16, 11, 0)),
        # Lower-case "a.m./p.m." with a four-digit year.
        (
            "13/06/2018, 1:55 p.m. - ",
            "14/06/2018, 11:10 a.m. - ",
            utc(2018, 6, 13, 13, 55),
            utc(2018, 6, 14, 11, 10),
        ),
        # Arabic-Indic digits, RLM marks and the Arabic comma.
        (
            "\u0662\u0664\u200f/\u0664\u200f/\u0662\u0660\u0662\u0662\u060c \u0662:\u0660\u0667 \u0645 - ",
            "\u0662\u0665\u200f/\u0664\u200f/\u0662\u0660\u0662\u0662\u060c \u0669:\u0660\u0660 \u0635 - ",
            utc(2022, 4, 24, 14, 7),
            utc(2022, 4, 25, 9, 0),
        ),
    ],
)
def test_android_locale_variants(
    tmp_path: Path, line_a: str, line_b: str, expected_a: datetime, expected_b: datetime
) -> None:
    path = chat_file(tmp_path, "Carla", f"{line_a}Carla: hola\n{line_b}Dana 🌸: hi back\n")
    assert detect(UTC, path).version == "android"
    threads, items, warnings = run(UTC, path)
    assert warnings == []
    assert [(i.author, i.text, i.created_at, i.is_owner) for i in items] == [
        ("Carla", "hola", expected_a, False),
        ("Dana 🌸", "hi back", expected_b, True),
    ]


IOS_CHAT = (
    "\u200e[12/03/2020, 10:00:00] Ben: \u200eMessages and calls are end-to-end encrypted.\n"
    "[12/03/2020, 10:00:05] Ben: Hey, how was the trip?\n"
    "[12/03/2020, 10:01:00] Me Myself: Great!\n"
    "2/11/19, 14:48 - this looks like an Android header but is text\n"
    "[1.2.2019, 00:00:00] also text\n"
    "\u200e[13/03/2020, 08:00:00] Me Myself: \u200e<attached: 00000042-PHOTO-2020-03-13-08-00-00.jpg>\n"
    "\u200e[13/03/2020, 08:00:10] Ben: \u200eimage omitted\n"
    "[13/03/2020, 08:01:00] Ben: 😂😂\n"
    "[13/03/2020, 08:02:00] Me Myself: \u200eYou deleted this message.\n"
)


def test_ios_chat_in_its_zip(tmp_path: Path) -> None:
    files = {"_chat.txt": IOS_CHAT, "00000042-PHOTO-2020-03-13-08-00-00.jpg": b"\xff\xd8"}
    zipped = make_zip(tmp_path / "WhatsApp Chat - Ben.zip", files)
    folder = make_folder(tmp_path / "WhatsApp Chat - Ben", files)
    for path in (zipped, folder, folder / "_chat.txt"):
        detection = detect(UTC, path)
        assert detection.platform == "whatsapp" and detection.version == "ios" and detection.confidence >= 0.9
        threads, items, warnings = run(UTC, path)
        assert warnings == []
        assert [(t.title, t.kind, t.participants) for t in threads] == [("Ben", "dm", ("Ben", "Me Myself"))]
        assert [(i.author, i.text, i.created_at, i.is_owner) for i in items] == [
            ("Ben", "Hey, how was the trip?", utc(2020, 3, 12, 10, 0, 5), False),
            (
                "Me Myself",
                "Great!\n2/11/19, 14:48 - this looks like an Android header but is text\n[1.2.2019, "
                "00:00:00] also text",
                utc(2020, 3, 12, 10, 1),
                True,
            ),
            ("Ben", "😂😂", utc(2020, 3, 13, 8, 1), False),
        ]


def test_ios_spanish_12_hour_clock_with_nbsp(tmp_path: Path) -> None:
    chat = (
        "[3/6/18 1:55:00 p.\u00a0m.] Lucía: ¿Vienes?\n"
        "[3/6/18 9:05:10 a.\u00a0m.] Pablo: Sí\n"
        "[25/6/18 12:00:00 a.\u00a0m.] Pablo: medianoche\n"
    )
    path = make_folder(tmp_path / "WhatsApp Chat - Lucía", {"_chat.txt": chat}) / "_chat.txt"
    threads, items, warnings = run(UTC, path)
    assert warnings == []
    assert [(i.author, i.created_at, i.is_owner) for i in items] == [
        ("Lucía", utc(2018, 6, 3, 13, 55), False),
        ("Pablo", utc(2018, 6, 3, 9, 5, 10), True),
        ("Pablo", utc(2018, 6, 25, 0, 0), True),
    ]


def test_ambiguous_dates_use_the_documented_default_and_warn(tmp_path: Path) -> None:
    day_first = chat_file(tmp_path, "Eve", "01/02/20, 10:00 - Eve: a\n03/04/20, 11:00 - Fred: b\n")
    _, items, warnings = run(UTC, day_first)
    assert [i.created_at for i in items] == [utc(2020, 2, 1, 10), utc(2020, 4, 3, 11)]
    assert len(warnings) == 1 and "day/month/year" in warnings[0]

    us = chat_file(tmp_path / "us", "Eve", "01/02/20, 10:00 AM - Eve: a\n03/04/20, 11:00 PM - Fred: b\n")
    _, items, warnings = run(UTC, us)
    assert [i.created_at for i in items] == [utc(2020, 1, 2, 10), utc(2020, 3, 4, 23)]
    assert len(warnings) == 1 and "month/day/year" in warnings[0]


def test_zone_parameter_converts_wall_clock_time_and_keeps_ids(tmp_path: Path) -> None:
    path = chat_file(tmp_path, "Anna", ANDROID_DM)
    _, berlin, _ = run(WhatsAppImporter(zone=ZoneInfo("Europe/Berlin")), path)
    _, in_utc, _ = run(UTC, path)
    assert berlin[0].created_at == utc(2020, 1, 12, 8, 16)  # CET = UTC+1 in January
    assert [i.external_id for i in berlin] == [i.external_id for i in in_utc]
    _, local, _ = run(WhatsAppImporter(), path)  # machine-local zone
    assert local[0].created_at == datetime(2020, 1, 12, 9, 16).astimezone(timezone.utc)


def test_reimport_of_a_longer_export_keeps_ids_and_duplicates_stay_distinct(tmp_path: Path) -> None:
    old = "05/05/21, 10:00 - Anna: ok\n05/05/21, 10:00 - Anna: ok\n05/05/21, 10:01 - Ben: sure\n"
    new = old + "06/05/21, 10:00 - Anna: later\n13/05/21, 10:00 - Ben: ok\n"
    chat_file(tmp_path / "a", "Anna", old)
    chat_file(tmp_path / "b", "Anna", new)
    _, first, _ = run(UTC, tmp_path / "a")
    _, second, _ = run(UTC, tmp_path / "b")
    assert len({i.external_id for i in first}) == 3
    assert [i.external_id for i in second[:3]] == [i.external_id for i in first]
    assert len(second) == 5


GROUP = (
    '01/07/22, 12:00 - Zoe created group "Climbing 🧗"\n'
    "01/07/22, 12:00 - Zoe added you\n"
    "01/07/22, 12:01 - Zoe: Welcome!\n"
    "01/07/22, 12:02 - +1 123 456 789: thanks\n"
    "14/07/22, 12:03 - Mia: hi all\n"
)


def test_group_chat_without_owner_raises_with_senders(tmp_path: Path) -> None:
    path = chat_file(tmp_path, "Climbing 🧗", GROUP)
    with pytest.raises(OwnerUnknownError) as error:
        run(UTC, path)
    assert error.value.candidates == ["Zoe", "+1 123 456 789", "Mia"]


def test_group_chat_owner_from_me_case_insensitive_and_phone_numbers(tmp_path: Path) -> None:
    path = chat_file(tmp_path, "Climbing 🧗", GROUP)
    threads, items, _ = run(UTC, path, me="mia")
    assert threads[0].kind == "group" and threads[0].title == "Climbing 🧗"
    assert [(i.author, i.is_owner) for i in items] == [
        ("Zoe", False),
        ("+1 123 456 789", False),
        ("Mia", True),
    ]
    _, items, _ = run(UTC, path, me="+1 123-456-789")
    assert [i.is_owner for i in items] == [False, True, False]


def test_me_matching_no_sender_is_a_plain_error(tmp_path: Path) -> None:
    path = chat_file(tmp_path, "Climbing 🧗", GROUP)
    with pytest.raises(KnownError, match="wrote nothing") as error:
        run(UTC, path, me="Nobody")
    assert "Zoe" in str(error.value) and "Mia" in str(error.value)


def test_owner_from_own_deletion_and_from_the_name_common_to_all_chats(tmp_path: Path) -> None:
    group = GROUP + "15/07/22, 09:00 - Mia: You deleted this message\n"
    path = chat_file(tmp_path, "Climbing 🧗", group)
    _, items, _ = run(UTC, path)
    assert [i.author for i in items if i.is_owner] == ["Mia"]

    both = make_folder(
        tmp_path / "chats",
        {
            "WhatsApp Chat with Climbing 🧗.txt": GROUP,
            "WhatsApp Chat with Team.txt": "02/08/22, 10:00 - Rob: hi\n02/08/22, 10:01 - Mia: yo\n"
            "13/08/22, 10:02 - Sam: hey\n",
        },
    )
    threads, items, _ = run(UTC, both)
    assert len(threads) == 2 and len(items) == 6
    assert [i.author for i in items if i.is_owner] == ["Mia", "Mia"]


def test_invalid_date_line_is_skipped_with_a_warning(tmp_path: Path) -> None:
    path = chat_file(tmp_path, "Anna", "31/02/20, 10:00 - Anna: impossible\n14/02/20, 10:00 - Ben: fine\n")
    _, items, warnings = run(UTC, path)
    assert [i.text for i in items] == ["fine"]
    assert len(warnings) == 1 and "31/02/20" in warnings[0]


def test_detection(tmp_path: Path) -> None:
    android = chat_file(tmp_path, "Anna", ANDROID_DM)
    found = detect(UTC, android)
    assert (found.platform, found.version) == ("whatsapp", "android") and found.confidence >= 0.9
    renamed = tmp_path / "renamed" / "chat backup.txt"
    renamed.parent.mkdir()
    renamed.write_text(ANDROID_DM, encoding="utf-8")
    assert detect(UTC, renamed).confidence < 0.9
    zipped = make_zip(tmp_path / "nested.zip", {"My chats/WhatsApp Chat - Ben/_chat.txt": IOS_CHAT})
    assert detect(UTC, zipped).version == "ios"
    for name, files in FOREIGN.items():
        assert detect(UTC, make_zip(tmp_path / f"{name}.zip", files)) is None, name
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(bytes(range(256)) * 4)
    assert detect(UTC, garbage) is None


# One chat that spans a phone or locale change: month-first with a two-digit year, then day-first
# with a four-digit year. Every header is a header in either style; a date-like line with no
# "Name:" after it, and a lone quoted header of a third style, stay text of the message above.
SWITCHED = (
    "6/30/23, 16:10 - Messages and calls are end-to-end encrypted. Tap to learn more.\n"
    "6/30/23, 16:14 - Ana: before the new phone\n"
    "6/30/23, 16:14 - Ben: ok, see you 7/1\n"
    "7/1/23: that line is text\n"
    "30/6/2023, 16:15 - Ana: after the new phone\n"
    "30/6/2023, 16:16 - Ben: <Media omitted>\n"
    "30/6/2023, 16:17 - Ana changed her phone number to a new number. Tap to message or add the new number.\n"
    "1/7/2023, 09:00 - Ben: next day\n"
    "second line\n"
    "1.2.19, 00:00 - Old Friend: a line quoted from another chat\n"
    "2/7/2023, 10:30 - Ana: IMG-20230702-WA0000.jpg (file attached)\n"
    "look\n"
)


def test_a_chat_that_changes_date_style_part_way(tmp_path: Path) -> None:
    path = chat_file(tmp_path, "Ana", SWITCHED)
    threads, items, warnings = run(UTC, path)
    assert warnings == []
    assert [(t.title, t.kind, t.participants) for t in threads] == [("Ana", "dm", ("Ana", "Ben"))]
    assert [(i.author, i.text, i.created_at, i.is_owner) for i in items] == [
        ("Ana", "before the new phone", utc(2023, 6, 30, 16, 14), False),
        ("Ben", "ok, see you 7/1\n7/1/23: that line is text", utc(2023, 6, 30, 16, 14), True),
        ("Ana", "after the new phone", utc(2023, 6, 30, 16, 15), False),
        ("Ben", "next day\nsecond line\n1.2.19, 00:00 - Old Friend: a line quoted from another chat",
         utc(2023, 7, 1, 9, 0), True),
        ("Ana", "look", utc(2023, 7, 2, 10, 30), False),
    ]  # fmt: skip


def test_a_lone_quoted_header_of_another_style_stays_text(tmp_path: Path) -> None:
    """The Chatistics fixture: a quoted line with a name after it, in another date style, is text."""
    chat = (
        "[04.01.18, 11:53:57] Alice Placeholder: This is a test message\n"
        "[01.02.19, 11:09:15] John Doe: \n"
        "[1.2.2019, 00:00:00] John Doe: this line is not a message on its own\n"
        "[01.02.19, 14:20:03] John Doe: What is that?\n"
        "2/11/19, 14:48 Alice Placeholder: this is a message from another chat!\n"
        "[19.04.19, 16:18:33] Alice Placeholder: This is the last message of this test file.\n"
    )
    path = make_folder(tmp_path / "WhatsApp Chat - Alice Placeholder", {"_chat.txt": chat}) / "_chat.txt"
    threads, items, warnings = run(UTC, path)
    assert warnings == []
    assert [(i.author, i.text, i.created_at) for i in items] == [
        ("Alice Placeholder", "This is a test message", utc(2018, 1, 4, 11, 53, 57)),
        ("John Doe", "[1.2.2019, 00:00:00] John Doe: this line is not a message on its "
                     "own", utc(2019, 2, 1, 11, 9, 15)),
        ("John Doe", "What is that?\n2/11/19, 14:48 Alice Placeholder: this is a message from another chat!",
         utc(2019, 2, 1, 14, 20, 3)),
        ("Alice Placeholder", "This is the last message of this test file.", utc(2019, 4, 19, 16, 18, 33)),
    ]  # fmt: skip
