"""Mastodon archives: outbox notes, replies, boosts, directs, HTML content, content warnings."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from desktop.core.importers.platforms.mastodon import IMPORTER, html_to_text

from .fixtures_generic import FOREIGN, detect, make_folder, make_zip, run, zip_and_folder

ME = "https://mastodon.social/users/climber"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
FOLLOWERS = ME + "/followers"
ACTOR = {"@context": [], "id": ME, "type": "Person", "preferredUsername": "climber", "followers": FOLLOWERS}


def note(number: int, content: str, to: list[str], cc: list[str], **more: object) -> dict:
    note_id = f"{ME}/statuses/{number}"
    return {
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": ME,
        "published": more.get("published", "2021-03-28T02:57:55Z"),
        "to": to,
        "cc": cc,
        "object": {
            "id": note_id,
            "type": more.get("type", "Note"),
            "summary": more.get("summary"),
            "inReplyTo": more.get("inReplyTo"),
            "published": more.get("published", "2021-03-28T02:57:55Z"),
            "url": f"https://mastodon.social/@climber/{number}",
            "attributedTo": ME,
            "to": to,
            "cc": cc,
            "sensitive": bool(more.get("summary")),
            "conversation": more.get(
                "conversation", f"tag:mastodon.social,2021-03-28:objectId={number}:objectType=Conversation"
            ),
            "content": content,
            "contentMap": {"en": content},
            "attachment": [],
            "tag": [],
        },
    }


def outbox() -> dict:
    items = [
        note(
            1, "<p>First line<br />second line</p><p>New paragraph &amp; more 🧗</p>", [PUBLIC], [FOLLOWERS]
        ),
        note(
            2,
            '<p><span class="h-card"><a href="https://x.y/@pal" class="u-url '
            'mention">@<span>pal</span></a></span> '
            'thanks! <a href="https://example.com/a/very/long/path"><span class="invisible">https://</span>'
            '<span class="ellipsis">example.com/a/very/</span><span '
            'class="invisible">long/path</span></a></p>',
            [FOLLOWERS],
            [PUBLIC, "https://x.y/users/pal"],
            inReplyTo="https://x.y/users/pal/statuses/99",
            published="2021-04-01T10:00:00.000+02:00",
        ),
        {
            "id": f"{ME}/statuses/3/activity",
            "type": "Announce",
            "actor": ME,
            "published": "2021-04-02T00:00:00Z",
            "to": [PUBLIC],
            "cc": [],
            "object": "https://x.y/users/pal/statuses/100",
        },
        note(4, "<p>spoilers inside</p>", [FOLLOWERS], [], summary="Movie spoiler"),
        note(
            5,
            '<p><span class="h-card"><a href="https://x.y/@pal">@<span>pal</span></a></span> psst, '
            "secret</p>",
            ["https://x.y/users/pal"],
            [],
            conversation="tag:x.y,2021:conv-7",
            published="2021-05-01T00:00:00Z",
        ),
        note(
            6,
            "<p>still secret</p>",
            [],
            [],
            conversation="tag:x.y,2021:conv-7",
            published="2021-05-02T00:00:00Z",
        ),
        note(7, "", [PUBLIC], []),
        note(8, "<p>Which grade?</p>", [PUBLIC], [], type="Question"),
        note(9, "<p>self thread 2/2</p>", [PUBLIC], [], inReplyTo=f"{ME}/statuses/1"),
    ]
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "outbox.json",
        "type": "OrderedCollection",
        "totalItems": 5,
        "orderedItems": items,
    }


def files() -> dict[str, str | bytes]:
    return {
        "outbox.json": json.dumps(outbox(), ensure_ascii=False),
        "actor.json": json.dumps(ACTOR),
        "likes.json": '{"type": "OrderedCollection", "orderedItems": []}',
        "avatar.png": b"\x89PNG",
    }


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_archive_from_zip_folder_and_outbox_alone(tmp_path: Path) -> None:
    paths = zip_and_folder(tmp_path, files())
    paths.append(make_zip(tmp_path / "nested.zip", {f"archive-2021/{k}": v for k, v in files().items()}))
    for path in paths:
        found = detect(IMPORTER, path)
        assert (found.platform, found.version, found.confidence) == ("mastodon", "activitypub-archive", 0.95)
        threads, items, warnings = run(IMPORTER, path)
        assert warnings == []
        got = [
            (i.external_id.rsplit("/", 1)[-1], i.kind, i.text, i.created_at, i.reply_to, i.thread_key)
            for i in items
        ]
        conv = "tag:x.y,2021:conv-7"
        assert got == [
            (
                "1",
                "post",
                "First line\nsecond line\n\nNew paragraph & more 🧗",
                utc(2021, 3, 28, 2, 57, 55),
                None,
                None,
            ),
            (
                "2",
                "comment",
                "@pal thanks! https://example.com/a/very/long/path",
                utc(2021, 4, 1, 8),
                "https://x.y/users/pal/statuses/99",
                None,
            ),
            ("4", "post", "spoilers inside", utc(2021, 3, 28, 2, 57, 55), None, None),
            ("5", "message", "@pal psst, secret", utc(2021, 5, 1), None, conv),
            ("6", "message", "still secret", utc(2021, 5, 2), None, conv),
            ("8", "post", "Which grade?", utc(2021, 3, 28, 2, 57, 55), None, None),
            (
                "9",
                "post",
                "self thread 2/2",
                utc(2021, 3, 28, 2, 57, 55),
                f"{ME}/statuses/1",
                None,
            ),  # self-reply
        ]
        assert {(i.author, i.is_owner) for i in items} == {("climber", True)}
        assert items[2].extra["content_warning"] == "Movie spoiler"
        assert [(t.key, t.title, t.kind, t.participants) for t in threads] == [
            (conv, "@pal@x.y", "dm", ("@pal@x.y",))
        ]
    alone = make_folder(tmp_path / "only", {"outbox.json": files()["outbox.json"]}) / "outbox.json"
    assert detect(IMPORTER, alone).confidence == 0.8
    _, items, _ = run(IMPORTER, alone, me="Me")
    assert len(items) == 7 and items[0].author == "Me"


def test_html_to_text() -> None:
    assert html_to_text("<p>a</p><p>b<br>c</p>") == "a\n\nb\nc"
    assert html_to_text("&lt;3 &quot;x&quot; &#128512;") == '<3 "x" 😀'
    assert html_to_text("") == ""


def test_truncated_outbox_keeps_what_was_read_and_warns(tmp_path: Path) -> None:
    data = files()
    text = data["outbox.json"]
    data["outbox.json"] = text[: text.index('"id": "' + ME + '/statuses/4/activity"')]
    _, items, warnings = run(IMPORTER, make_folder(tmp_path / "x", data))
    assert len(items) == 2
    assert len(warnings) == 1 and "outbox.json" in warnings[0]


def test_detection_does_not_claim_other_exports(tmp_path: Path) -> None:
    for name, foreign in FOREIGN.items():
        assert detect(IMPORTER, make_zip(tmp_path / f"{name}.zip", foreign)) is None, name
    not_outbox = make_folder(tmp_path / "y", {"outbox.json": '{"type": "Note"}'})
    assert detect(IMPORTER, not_outbox) is None


def poll(number: int, content: str, options: list[str], multiple: bool = False, **more: object) -> dict:
    activity = note(number, content, [PUBLIC], [FOLLOWERS], type="Question", **more)
    activity["object"]["anyOf" if multiple else "oneOf"] = [
        {"type": "Note", "name": name, "replies": {"type": "Collection", "totalItems": votes}}
        for votes, name in enumerate(options, start=1)
    ]
    activity["object"]["endTime"] = "2021-03-29T02:57:55Z"
    activity["object"]["votersCount"] = 6
    return activity


def test_poll_options_are_kept_in_the_text(tmp_path: Path) -> None:
    """Issue 18 item 8: a poll's options are the creator's words too; they were dropped."""
    items = [
        poll(10, "<p>Which grade next?</p>", ["6a", "6b+", "7a & up"]),  # option names are plain text
        poll(11, "<p>Pick all you climb</p>", ["boulder", "sport"], multiple=True),
        poll(12, "", ["yes", "no"]),  # a poll with options only
    ]
    data = dict(files(), **{"outbox.json": json.dumps(dict(outbox(), orderedItems=items))})
    _, got, warnings = run(IMPORTER, make_folder(tmp_path / "x", data))
    assert warnings == []
    assert [(i.external_id.rsplit("/", 1)[-1], i.kind, i.text) for i in got] == [
        ("10", "post", "Which grade next?\n\n- 6a\n- 6b+\n- 7a & up"),
        ("11", "post", "Pick all you climb\n\n- boulder\n- sport"),
        ("12", "post", "- yes\n- no"),
    ]
    assert got[0].extra["poll_options"] == ["6a", "6b+", "7a & up"]
    assert got[0].extra["poll_votes"] == [1, 2, 3]
    assert got[1].extra["poll_multiple"] is True and "poll_multiple" not in got[0].extra


def test_self_reply_is_a_post_linked_to_its_parent(tmp_path: Path) -> None:
    """The rule shared with X and Bluesky: a reply to the creator's own status is a post (a thread
    continuation), a reply to anyone else's is a comment; both keep ``reply_to``."""
    items = [
        note(20, "<p>thread 1/3</p>", [PUBLIC], [FOLLOWERS]),
        note(21, "<p>thread 2/3</p>", [PUBLIC], [FOLLOWERS], inReplyTo=f"{ME}/statuses/20"),
        note(22, "<p>@pal nice one</p>", [PUBLIC], [FOLLOWERS], inReplyTo="https://x.y/users/pal/statuses/5"),
        note(23, "<p>thread 3/3</p>", [PUBLIC], [FOLLOWERS], inReplyTo=f"{ME}/statuses/21"),
        note(24, "<p>also, this</p>", [PUBLIC], [FOLLOWERS], inReplyTo=f"{ME}/statuses/22"),
    ]
    data = dict(files(), **{"outbox.json": json.dumps(dict(outbox(), orderedItems=items))})
    expected = [
        ("20", "post", None),
        ("21", "post", f"{ME}/statuses/20"),
        ("22", "comment", "https://x.y/users/pal/statuses/5"),
        ("23", "post", f"{ME}/statuses/21"),
        ("24", "post", f"{ME}/statuses/22"),
    ]
    _, got, _ = run(IMPORTER, make_folder(tmp_path / "x", data))
    assert [(i.external_id.rsplit("/", 1)[-1], i.kind, i.reply_to) for i in got] == expected
    # Without actor.json the owner's statuses are the ones the outbox already held.
    _, got, _ = run(IMPORTER, make_folder(tmp_path / "y", {"outbox.json": data["outbox.json"]}), me="climber")
    assert [(i.external_id.rsplit("/", 1)[-1], i.kind, i.reply_to) for i in got] == expected
