"""What Instagram and Facebook/Messenger exports share: layout sniffing, streamed JSON, message threads.

Both come from Meta's "Download your information" and write the same ``message_N.json``
thread files (``participants`` + ``messages`` with ``sender_name``/``timestamp_ms``), the
same mojibake (every UTF-8 byte as its own ``\\u00XX`` escape) and the same newest-first
split files. ``classify`` looks at one archive once and says which of the two it is, so the
two importers never both claim an archive; the thread reader turns thread files into records.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import PurePosixPath
from typing import Any, ClassVar

import ijson

from desktop.core.errors import KnownError
from desktop.core.importers.archive import Archive
from desktop.core.importers.base import Detection, FileTally, ImportContext, OwnerUnknownError
from desktop.core.importers.platforms._generic_util import (
    JSON_BUFFER,
    JSON_ERRORS,
    build_value,
    json_outline,
    reading_json,
)
from desktop.core.importers.records import MESSAGE, ItemRecord, ThreadRecord
from desktop.core.importers.text import clean_meta_text

INSTAGRAM = "instagram"
FACEBOOK = "facebook"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
SNIFF_BYTES = 4096
MAX_UNKNOWN_SNIFFS = 2000  # other JSON files opened to look for E2EE chat backups

# Accounts that were deleted or are unavailable show up under one shared placeholder name.
DELETED_ACCOUNT_NAMES = frozenset({"Instagram User", "Instagrammer", "Facebook User", "Facebook user"})

THREAD_SECTIONS = ("inbox", "message_requests", "archived_threads", "filtered_threads", "e2ee_cutover")

# ---------------------------------------------------------------------------------------------
# Text


def fix(value: object) -> str:
    """One string from a Meta export, repaired (mojibake), NFC-normalized and trimmed."""
    return clean_meta_text(value if isinstance(value, str) else None)


def stable_id(*parts: object) -> str:
    """A deterministic id from the fields that identify an item when the platform gives none."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode("utf-8")).hexdigest()
    return digest[:32]


def own_item(
    app: str, kind: str, text: str, when: datetime, author: str, extra: dict[str, object]
) -> ItemRecord:
    """One of the creator's own posts or comments (``kind``). Meta gives them no id, so theirs is
    a hash of ``<app>-<kind>``, the second it was written and the text: the same on every import."""
    return ItemRecord(
        external_id=stable_id(f"{app}-{kind}", int(when.timestamp()), text),
        kind=kind,
        text=text,
        created_at=when,
        author=author,
        is_owner=True,
        extra=extra,
    )


def from_ms(value: object) -> datetime | None:
    number = _number(value)
    return None if number is None else EPOCH + timedelta(milliseconds=number)


def from_seconds(value: object) -> datetime | None:
    number = _number(value)
    return None if number is None else EPOCH + timedelta(seconds=number)


def from_iso(value: object) -> datetime | None:
    """An ISO 8601 time from the 2019-2020 Instagram export; no zone means UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _number(value: object) -> float | int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return value if value > 0 else None
    try:
        number = float(str(value))
    except ValueError:
        return None
    return number if number > 0 else None


# System and placeholder lines: the thread's machinery, not something a person wrote. English only;
# the labels are localized, so other languages' placeholders get through (they are short and rare).
_ALWAYS_SYSTEM = re.compile(
    r"""(?x)^(?:
        .+\ sent\ an\ attachment\.
      | Liked\ a\ message
      | Reacted\ .+\ to\ your\ message
      | .+\ reacted\ .+\ to\ your\ message\.?
      | .+\ in\ the\ poll\.
      | (?:.+\ )?created\ a\ poll:.*
      | This\ poll\ is\ no\ longer\ available\.
      | .+\ left\ the\ group\.
      | .+\ added\ .+\ to\ the\ group\.
      | .+\ removed\ .+\ from\ the\ group\.
      | .+\ named\ the\ group\ .+
      | .+\ changed\ the\ group\ (?:photo|name|theme).*
      | .+\ set\ the\ nickname\ for\ .+
      | .+\ set\ (?:his|her|their|your)\ own\ nickname\ to\ .+
      | .+\ cleared\ the\ nickname\ for\ .+
      | .+\ changed\ the\ chat\ theme.*
      | .+\ set\ the\ quick\ reaction\ to\ .+
      | .+\ unsent\ a\ message\.?
      | This\ message\ was\ unsent\.?
      | .+\ missed\ (?:a|your)\ (?:video\ )?call.*
      | .+\ started\ (?:a|sharing)\ (?:video|audio)?\ ?(?:chat|call|video)\.?
      | .+\ joined\ the\ (?:video\ )?(?:chat|call)\.?
      | The\ (?:video\ )?(?:chat|call)\ ended\.?
      | You\ are\ now\ connected\ on\ Messenger\.?
      | Messages\ and\ calls\ are\ secured\ with\ end-to-end\ encryption.*
      | .+\ waved\ at\ you.*
      | Mentioned\ you\ in\ their\ story
      | A\ contact\ added\ you\ and\ .+\ to\ the\ group\.
    )$""",
    re.DOTALL,
)
# Lines that stand in for a photo, video, voice note, sticker or shared post: only when the
# message really carries such an attachment ("I sent a photo." typed by hand is kept).
_ATTACHMENT_STAND_IN = re.compile(
    r"^.+ (?:sent|shared) (?:a|an) (?:photo|video|voice message|audio message|sticker|GIF|link|"
    r"story|post|reel|file|location)s?(?: from .+)?\.?$|^.+ sent \d+ (?:photos|videos|files)\.?$"
)
_ATTACHMENT_KEYS = ("photos", "videos", "audio_files", "files", "gifs", "sticker", "share", "media")
_SYSTEM_TYPES = frozenset({"Call", "Subscribe", "Unsubscribe"})


def is_system_message(text: str, message: dict[str, Any]) -> bool:
    """Whether a message's text is a placeholder or system line rather than something written."""
    if not text:
        return True
    if message.get("is_unsent") or message.get("isUnsent") or message.get("type") in _SYSTEM_TYPES:
        return True
    if _ALWAYS_SYSTEM.match(text):
        return True
    return bool(_ATTACHMENT_STAND_IN.match(text)) and any(message.get(key) for key in _ATTACHMENT_KEYS)


# ---------------------------------------------------------------------------------------------
# Streamed JSON


class NotWhatWasExpected(ValueError):
    """A file parsed but does not have the shape it was sniffed for."""


def _streamed(
    archive: Archive,
    path: str,
    walk: Callable[[Iterator[tuple[str, str, Any]]], Iterator[tuple[str, Any]]],
    tally: FileTally | None,
    counted: frozenset[str] | None,
) -> Iterator[tuple[str, Any]]:
    """``walk`` over the file's parse events. With a ``tally``, a file that breaks part-way ends the
    walk where it breaks (what was yielded stays yielded) and the tally says where; without one,
    the error propagates. ``counted``: the keys whose items count as read (None: every item)."""
    with reading_json(archive, path, tally) as tracked:
        try:
            for key, value in walk(ijson.parse(tracked, buf_size=JSON_BUFFER, use_float=True)):
                if tally is not None and (counted is None or key in counted):
                    tally.read += 1
                yield key, value
        except NotWhatWasExpected as exc:
            if tally is None:
                raise
            tally.stop("", str(exc))


def iter_top_level(
    archive: Archive, path: str, streamed: frozenset[str] = frozenset(), tally: FileTally | None = None
) -> Iterator[tuple[str, Any]]:
    """(key, value) for each top-level key of a JSON object; keys in ``streamed`` that hold a
    list yield (key, item) once per item, so one item at a time is in memory. With a ``tally``,
    a file cut short yields what came before the cut (see ``_streamed``)."""
    yield from _streamed(archive, path, lambda events: _top_level(events, streamed), tally, streamed)


def _top_level(events: Iterator[tuple[str, str, Any]], streamed: frozenset[str]) -> Iterator[tuple[str, Any]]:
    first = next(events, None)
    if first is None or first[1] != "start_map":
        raise NotWhatWasExpected("it is not a JSON object")
    for prefix, event, value in events:
        if prefix == "" and event == "end_map":
            return
        if prefix != "" or event != "map_key":
            continue
        key = value
        _, event, value = next(events)
        if key in streamed and event == "start_array":
            yield from _list_items(key, events)
        else:
            yield key, build_value(event, value, events)


def iter_records(archive: Archive, path: str, tally: FileTally | None = None) -> Iterator[tuple[str, Any]]:
    """Items of a bare JSON list ("", item), or of every list under a top-level object (key, item).
    With a ``tally``, a file cut short yields the items before the cut (see ``_streamed``)."""
    yield from _streamed(archive, path, _records, tally, None)


def _records(events: Iterator[tuple[str, str, Any]]) -> Iterator[tuple[str, Any]]:
    first = next(events, None)
    if first is None:
        raise NotWhatWasExpected("it is empty")
    if first[1] == "start_array":
        yield from _list_items("", events)
        return
    if first[1] != "start_map":
        raise NotWhatWasExpected("it is neither a JSON list nor an object")
    for prefix, event, value in events:
        if prefix != "" or event != "map_key":
            continue
        key = value
        _, event, value = next(events)
        if event == "start_array":
            yield from _list_items(key, events)
        else:
            build_value(event, value, events)


def _list_items(key: str, events: Iterator[tuple[str, str, Any]]) -> Iterator[tuple[str, Any]]:
    """(key, item) for each item of the JSON list just opened in ``events``, up to its end: the
    streamed readers above keep one item at a time in memory."""
    for _, event, value in events:
        if event == "end_array":
            return
        yield key, build_value(event, value, events)


def load_small(archive: Archive, name: str) -> Any:
    """A small JSON file (profile, settings) loaded whole, or None when it is not valid JSON."""
    try:
        return json.loads(archive.read_text(name))
    except (ValueError, OSError):
        return None


READ_ERRORS = JSON_ERRORS


# ---------------------------------------------------------------------------------------------
# Layout: which platform and era an archive is, and which file plays which part

_THREAD_FILE = re.compile(r"(?:^|/)message_(\d+)\.json$")
_THREAD_HTML = re.compile(r"(?:^|/)message_\d+\.html$")
_IG_POSTS = re.compile(r"(?:^|/)posts_\d+\.json$")
_IG_COMMENTS = re.compile(r"(?:^|/)(?:post_comments(?:_\d+)?|reels_comments)\.json$")
_IG_THREADS = re.compile(r"(?:^|/)threads_and_replies\.json$")
_IG_PROFILE = re.compile(r"(?:^|/)personal_information\.json$")
_IG_OLD_PROFILE = re.compile(r"(?:^|/)profile\.json$")
_IG_OLD_MESSAGES = re.compile(r"(?:^|/)messages\.json$")
_IG_OLD_MEDIA = re.compile(r"(?:^|/)media\.json$")
_COMMENTS = re.compile(r"(?:^|/)(?:comments|comments_\d+|your_comments_in_groups|group_comments)\.json$")
_FB_POSTS = re.compile(r"(?:^|/)your_posts(?:__check_ins__photos_and_videos)?_\d+\.json$")
_FB_PROFILE = re.compile(r"(?:^|/)profile_information\.json$")
_IG_2025_POSTS = re.compile(r"your_instagram_activity/media/posts_\d+\.json$")
_MESSENGER_TYPE = re.compile(r'"type"\s*:\s*"(?:Generic|Share|Call|Subscribe|Unsubscribe)"')
_IG_PREFIX = "your_instagram_activity/"
_FB_PREFIXES = ("your_facebook_activity/", "your_activity_across_facebook/")
# Sibling folders that tell a bare top-level ``messages/inbox`` export apart.
_IG_SIBLINGS = re.compile(
    r"(?:^|/)(?:personal_information|account_information|content|followers_and_following|"
    r"story_sticker_interactions|your_topics|ads_and_businesses|login_and_account_creation|"
    r"instagram_[a-z_]+)/"
)
_FB_SIBLINGS = re.compile(
    r"(?:^|/)(?:profile_information|posts|friends|friends_and_followers|about_you|groups|pages|"
    r"facebook_[a-z_]+|events|marketplace|your_places|other_activity|apps_and_websites[a-z_]*)/"
)


def _contains(name: str, prefix: str) -> bool:
    return name.startswith(prefix) or f"/{prefix}" in name


def _sniff(archive: Archive, name: str) -> str:
    try:
        with archive.open(name) as stream:
            head = stream.read(SNIFF_BYTES)
    except (OSError, KeyError, RuntimeError, ValueError, EOFError):
        return ""
    return head.decode("utf-8", errors="replace")


def _has_keys(head: str, *keys: str) -> bool:
    return all(re.search(r'"%s"\s*:' % re.escape(key), head) for key in keys)


def _broken(archive: Archive, name: str, head: str) -> bool:
    """A file named like a Meta file whose start lacks its keys: damaged, unless it is a whole,
    valid JSON document (an empty list is what Meta writes for "none")."""
    if archive.sizes.get(name, 0) > SNIFF_BYTES:
        return True
    try:
        json.loads(head)
    except ValueError:
        return True
    return False


# Top-level keys that say what a file holds, wherever it sits and whatever it is called: Meta moves
# and renames files between exports (2025: comments in comments_and_reactions/comments_and_reactions.json).
_PART_BY_KEY = {
    "comments_v2": "fb_comments",
    "group_comments_v2": "fb_comments",
    "comments_media_comments": "ig_comments",
    "comments_reels_comments": "ig_comments",
    "comments_story_comments": "ig_comments",
    "text_post_app_text_posts": "ig_threads_posts",
}
_COMMENTS_KEY = re.compile(r"^(?:[a-z]+_)*comments(?:_v\d+)?$")
CONTENT_BUDGET = 1024 * 1024  # bytes streamed to find a file's top-level keys


def _part_by_content(archive: Archive, name: str, head: str) -> str | None:
    """Which part a JSON file plays, by its top-level keys (streamed, so their position does not
    matter); "unknown_comments" for comments in a layout this importer does not know."""
    if not re.match(r"\s*\{", head):
        return None
    outline = json_outline(
        archive, name, budget=CONTENT_BUDGET, enough=lambda keys: keys[-1] in _PART_BY_KEY or len(keys) >= 16
    )
    for key in outline.keys:
        if key in _PART_BY_KEY:
            return _PART_BY_KEY[key]
    if {"participants", "threadName", "messages"} <= set(outline.keys):
        return "e2ee"
    if any(_COMMENTS_KEY.match(key) for key in outline.keys):
        return "unknown_comments"
    return None


@dataclass
class MetaLayout:
    """One Meta archive as found: the platform, the era, and the files by part they play."""

    platform: str
    version: str
    confidence: float
    threads: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # folder -> [(N, path)]
    e2ee: list[str] = field(default_factory=list)
    ig_posts: list[str] = field(default_factory=list)
    ig_threads_posts: list[str] = field(default_factory=list)
    ig_comments: list[str] = field(default_factory=list)
    ig_profiles: list[str] = field(default_factory=list)
    ig_old_profile: list[str] = field(default_factory=list)
    ig_old_messages: list[str] = field(default_factory=list)
    ig_old_media: list[str] = field(default_factory=list)
    ig_old_comments: list[str] = field(default_factory=list)
    fb_posts: list[str] = field(default_factory=list)
    fb_comments: list[str] = field(default_factory=list)
    fb_profiles: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # named like a Meta file, but not readable as one
    unknown_comments: list[str] = field(default_factory=list)  # holds comments in a layout not known here
    html: bool = False


# Which platform a file of each part speaks for; the rest (a 2019 profile, unreadable files,
# comments in an unknown layout) say nothing about whose export it is.
_SIGN_OF_PART: dict[str, str] = {
    **dict.fromkeys(("ig_posts", "ig_threads_posts", "ig_comments", "ig_profiles"), INSTAGRAM),
    **dict.fromkeys(("ig_old_messages", "ig_old_media", "ig_old_comments"), INSTAGRAM),
    **dict.fromkeys(("fb_posts", "fb_comments", "fb_profiles", "e2ee"), FACEBOOK),
}


def classify(archive: Archive) -> MetaLayout | None:
    """Which Meta export ``archive`` is (Instagram or Facebook, and which era), or None."""
    try:
        return _classify(archive)
    except Exception:  # noqa: BLE001 - sniffing must never crash detection on a foreign archive
        return None


def _keys(*keys: str) -> Callable[[str], bool]:
    """A file's head shows all of ``keys``."""
    return lambda head: _has_keys(head, *keys)


def _any_keys(*keys: str) -> Callable[[str], bool]:
    """A file's head shows one of ``keys``."""
    return lambda head: any(_has_keys(head, key) for key in keys)


def _fb_comments(head: str) -> bool:
    return (
        _has_keys(head, "comments_v2")
        or _has_keys(head, "group_comments_v2")
        or (_has_keys(head, "comment") and _has_keys(head, "data"))
    )


@dataclass(frozen=True)
class _FileRule:
    """A Meta file known by its name: the first of ``parts`` whose test its head passes is the part it
    plays; with ``report_broken``, a file named so that passes none and does not parse is reported."""

    name: re.Pattern[str]
    parts: tuple[tuple[str, Callable[[str], bool]], ...]
    report_broken: bool


# The files known by name, in the order they are tried (thread files come before all of them).
_FILE_RULES: tuple[_FileRule, ...] = (
    _FileRule(_IG_THREADS, (("ig_threads_posts", _keys("text_post_app_text_posts")),), True),
    _FileRule(_IG_POSTS, (("ig_posts", _keys("media")),), True),
    _FileRule(_IG_COMMENTS, (("ig_comments", _any_keys("string_map_data", "string_list_data")),), True),
    _FileRule(_IG_PROFILE, (("ig_profiles", _keys("profile_user")),), False),
    _FileRule(_FB_PROFILE, (("fb_profiles", _any_keys("profile_v2", "profile")),), False),
    _FileRule(_FB_POSTS, (("fb_posts", _keys("timestamp")),), True),
    _FileRule(_COMMENTS, (("fb_comments", _fb_comments), ("ig_old_comments", _keys("media_comments"))), True),
    _FileRule(_IG_OLD_MESSAGES, (("ig_old_messages", _keys("conversation", "participants")),), False),
    _FileRule(
        _IG_OLD_MEDIA,
        (
            (
                "ig_old_media",
                lambda head: bool(re.match(r'\s*\{\s*"(?:photos|videos|stories|profile|direct)"\s*:', head)),
            ),
        ),
        False,
    ),
    _FileRule(
        _IG_OLD_PROFILE,
        (("ig_old_profile", lambda head: _has_keys(head, "username") and bool(re.match(r"\s*\{", head))),),
        False,
    ),
)


class _Scan:
    """The JSON files of an archive sorted into a ``MetaLayout``'s parts, with what they say about
    whose export it is."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.layout = MetaLayout("", "", 0.0)
        self.signs = {INSTAGRAM: 0, FACEBOOK: 0}
        self.fb_thread_hint = False
        self.unknown_sniffed = 0

    def found(self, part: str, name: str) -> None:
        """``name`` plays ``part`` (a MetaLayout list); it counts for the platform that writes it."""
        getattr(self.layout, part).append(name)
        if part in _SIGN_OF_PART:
            self.signs[_SIGN_OF_PART[part]] += 1

    def file(self, name: str) -> None:
        match = _THREAD_FILE.search(name)
        if match:
            self.thread_file(name, int(match.group(1)))
            return
        rule = next((rule for rule in _FILE_RULES if rule.name.search(name)), None)
        if rule is None:
            self.other_file(name)
            return
        head = _sniff(self.archive, name)
        part = next((part for part, test in rule.parts if test(head)), None)
        if part is not None:
            self.found(part, name)
        elif rule.report_broken and _broken(self.archive, name, head):
            self.found("unreadable", name)

    def thread_file(self, name: str, number: int) -> None:
        head = _sniff(self.archive, name)
        if _has_keys(head, "participants") or _has_keys(head, "messages"):
            folder = str(PurePosixPath(name).parent)
            self.layout.threads.setdefault(folder, []).append((number, name))
            if _has_keys(head, "thread_type") or _MESSENGER_TYPE.search(head):
                self.fb_thread_hint = True
            if re.search(r"_[0-9]*[a-zA-Z][0-9a-zA-Z]*$", PurePosixPath(folder).name):
                self.fb_thread_hint = True
        elif _broken(self.archive, name, head):
            self.found("unreadable", name)

    def other_file(self, name: str) -> None:
        """A JSON file not known by its name: an E2EE chat backup, or a part known by its keys."""
        base = PurePosixPath(name).name
        if base.startswith(".") or name.count("/") > 4 or self.unknown_sniffed >= MAX_UNKNOWN_SNIFFS:
            return
        self.unknown_sniffed += 1
        head = _sniff(self.archive, name)
        if _has_keys(head, "senderName") and _has_keys(head, "participants"):
            part: str | None = "e2ee"
        else:
            part = _part_by_content(self.archive, name, head)
        if part is not None:
            self.found(part, name)


def _html_layout(names: list[str], ig_prefix: bool, fb_prefix: str | None) -> MetaLayout | None:
    """An archive without Meta's JSON: an HTML export of either platform, or not Meta's."""
    html = [n for n in names if n.lower().endswith(".html")]
    if not html:
        return None
    if any(_THREAD_HTML.search(n) for n in html) or ig_prefix or fb_prefix:
        if fb_prefix or any(_FB_SIBLINGS.search(n) for n in html) and not ig_prefix:
            return MetaLayout(FACEBOOK, "html", 0.9, html=True)
        return MetaLayout(INSTAGRAM, "html", 0.9, html=True)
    return None


def _platform(names: list[str], ig_prefix: bool, fb_prefix: str | None, scan: _Scan) -> str:
    """Whose export: the activity folder's name, else the files that speak for one platform, else
    the sibling files, else the thread files' own hints."""
    ig_signs, fb_signs = scan.signs[INSTAGRAM], scan.signs[FACEBOOK]
    if ig_prefix and not fb_prefix:
        return INSTAGRAM
    if fb_prefix and not ig_prefix:
        return FACEBOOK
    if ig_signs != fb_signs:
        return INSTAGRAM if ig_signs > fb_signs else FACEBOOK
    ig_sib = sum(1 for n in names if _IG_SIBLINGS.search(n))
    fb_sib = sum(1 for n in names if _FB_SIBLINGS.search(n))
    if ig_sib != fb_sib:
        return INSTAGRAM if ig_sib > fb_sib else FACEBOOK
    return FACEBOOK if scan.fb_thread_hint else INSTAGRAM


def _instagram_era(names: list[str], ig_prefix: bool, layout: MetaLayout, signs: int, definite: bool) -> str:
    if ig_prefix:
        return "json-2025" if any(_IG_2025_POSTS.search(n) for n in names) else "json-2024"
    if layout.ig_old_messages or layout.ig_old_media or layout.ig_old_comments:
        return "json-2019-2020"
    if layout.threads and not (signs or layout.ig_old_profile) and not definite:
        return "thread-files"
    return "json-2021-2023"


def _facebook_era(fb_prefix: str | None, layout: MetaLayout, signs: int) -> str:
    if layout.e2ee and not layout.threads and not layout.fb_posts and not layout.fb_profiles:
        return "e2ee-backup"
    if fb_prefix == "your_facebook_activity/":
        return "json-2024"
    if fb_prefix == "your_activity_across_facebook/":
        return "json-2022-2023"
    if layout.threads and not signs:
        return "thread-files"
    return "json-pre-2022"


def _classify(archive: Archive) -> MetaLayout | None:
    names = archive.names
    scan = _Scan(archive)
    for name in names:
        if name.lower().endswith(".json"):
            scan.file(name)
    layout = scan.layout
    for folder in layout.threads.values():
        folder.sort()
    ig_signs, fb_signs = scan.signs[INSTAGRAM], scan.signs[FACEBOOK]

    ig_prefix = any(_contains(n, _IG_PREFIX) for n in names)
    fb_prefix = next((p for p in _FB_PREFIXES if any(_contains(n, p) for n in names)), None)
    if not (layout.threads or layout.e2ee or ig_signs or fb_signs or layout.ig_old_profile):
        return _html_layout(names, ig_prefix, fb_prefix)

    layout.platform = _platform(names, ig_prefix, fb_prefix, scan)
    definite = bool(ig_prefix or fb_prefix or ig_signs or fb_signs or layout.ig_old_profile)
    if layout.platform == INSTAGRAM:
        layout.version = _instagram_era(names, ig_prefix, layout, ig_signs, definite)
    else:
        layout.version = _facebook_era(fb_prefix, layout, fb_signs)
    # Only thread files, without anything saying whose: the caller may have picked either.
    layout.confidence = 0.95 if definite else 0.6
    return layout


def html_export_error(label: str) -> KnownError:
    return KnownError(
        f"This {label} download is in HTML format, which Understudy cannot read.",
        hint=f"Request your {label} information again in JSON format: Accounts Center → "
        "Your information and permissions → Download your information → Format: JSON.",
    )


class MetaImporter:
    """What the Instagram and Facebook importers share: one layout sniff (``classify``) decides
    which of the two an archive belongs to, so they never both claim it."""

    platform: ClassVar[str]
    label: ClassVar[str]
    #: Whether this platform's end-to-end encrypted chat backups are read (Facebook's are).
    reads_e2ee: ClassVar[bool] = False

    def detect(self, archive: Archive) -> Detection | None:
        layout = classify(archive)
        if layout is None or layout.platform != self.platform:
            return None
        return Detection(self.platform, layout.version, layout.confidence)

    def _layout(self, context: ImportContext) -> MetaLayout | None:
        """This platform's layout of the archive, or None; an HTML export is refused in plain words."""
        layout = classify(context.archive)
        if layout is None or layout.platform != self.platform:
            return None
        if layout.html:
            raise html_export_error(self.label)
        for path in layout.unreadable:
            context.warn(f"Skipped '{path}': it is not valid JSON (it may be damaged or cut short).")
        for path in layout.unknown_comments:
            context.warn(
                f"Skipped '{path}': it holds comments, but in a layout Understudy does not know yet."
            )
        return layout

    def read(self, context: ImportContext) -> Iterator[ThreadRecord | ItemRecord]:
        layout = self._layout(context)
        if layout is None:
            return
        owner = self._owner_from_profiles(context, layout)
        if layout.threads or (self.reads_e2ee and layout.e2ee):
            owner_from_threads(context.archive, first_thread_files(layout), owner, context, self.label)
            yield from read_message_threads(context, layout, owner)
            if self.reads_e2ee:
                yield from read_e2ee_threads(context, layout, owner)
        yield from self._after_threads(context, layout, owner)

    def _owner_from_profiles(self, context: ImportContext, layout: MetaLayout) -> Owner:
        """The creator's names, as far as the profile files tell them."""
        raise NotImplementedError

    def _after_threads(
        self, context: ImportContext, layout: MetaLayout, owner: Owner
    ) -> Iterator[ThreadRecord | ItemRecord]:
        """This platform's records after the message threads: older messages, posts, comments."""
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------
# Owner


def names_match(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


@dataclass
class Owner:
    """Who the creator is in this archive: every name they may appear under."""

    names: set[str] = field(default_factory=set)
    label: str = ""  # the name to write as the author of posts and comments

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(names_match(name, own) for own in self.names)

    def add(self, name: str) -> None:
        if name:
            self.names.add(name)
            self.label = self.label or name


def thread_people(archive: Archive, path: str) -> tuple[list[str], str]:
    """The participant names and the title of one thread file, without building its messages."""
    names: list[str] = []
    title = ""
    with archive.open(path) as stream:
        for prefix, event, value in ijson.parse(stream, use_float=True):
            if prefix in ("participants.item.name", "participants.item") and event == "string":
                names.append(fix(value))
            elif prefix in ("title", "threadName") and event == "string":
                title = fix(value)
    return names, title


def owner_from_threads(
    archive: Archive, paths_by_thread: Iterable[str], owner: Owner, context: ImportContext, label: str
) -> None:
    """Fill ``owner`` from ``context.me``, or else (no profile) the one participant present in every
    thread who is not the title of a two-person chat (Meta titles a DM with the *other* person's
    name); raise OwnerUnknownError when nothing says who the creator is."""
    if context.me:
        owner.names = {context.me.strip()}
        owner.label = context.me.strip()
        return
    if owner.names:
        return
    common: set[str] | None = None
    everyone: set[str] = set()
    for path in paths_by_thread:
        try:
            people, title = thread_people(archive, path)
        except READ_ERRORS:
            continue
        names = {n for n in people if n and n not in DELETED_ACCOUNT_NAMES}
        everyone |= names
        if len(names) == 2 and title in names:
            names.discard(title)
        common = names if common is None else common & names
    if common is not None and len(common) == 1:
        owner.add(next(iter(common)))
        return
    raise OwnerUnknownError(label, sorted(everyone))


# ---------------------------------------------------------------------------------------------
# Message threads (message_N.json and the E2EE backup)


@dataclass
class _Message:
    timestamp_ms: int
    author: str
    text: str
    section: str


def read_entries(
    context: ImportContext, path: str, what: str, records_of: Callable[[str, Any], Iterable[ItemRecord]]
) -> tuple[list[ItemRecord], FileTally]:
    """The records ``records_of(section, entry)`` makes of each entry of one JSON file, and the
    file's tally, already reported: a file cut short keeps the entries before the cut."""
    records: list[ItemRecord] = []
    tally = FileTally(path, what)
    for section, raw in iter_records(context.archive, path, tally):
        records.extend(records_of(section, raw))
    tally.report(context)
    return records, tally


def listed(record: ItemRecord | None) -> list[ItemRecord]:
    """An entry's one record or none, as ``read_entries`` takes it."""
    return [] if record is None else [record]


def thread_key_for(folder: str, thread_path: object) -> str:
    """The thread folder's name (``<username>_<id>``), stable across exports and sections."""
    name = PurePosixPath(folder).name if folder not in ("", ".") else ""
    if not name and isinstance(thread_path, str) and thread_path.strip():
        name = PurePosixPath(thread_path.strip()).name
    return name


def _section_of(path: str) -> str:
    parts = PurePosixPath(path).parts
    for part in reversed(parts[:-1]):
        if part in THREAD_SECTIONS:
            return part
    return ""


def read_message_threads(
    context: ImportContext, layout: MetaLayout, owner: Owner
) -> Iterator[ThreadRecord | ItemRecord]:
    """Every ``message_N.json`` thread: its record, then its messages oldest first."""
    archive = context.archive
    # One thread can sit in two sections (e.g. inbox and e2ee_cutover): merge by folder name.
    by_key: dict[str, list[str]] = {}
    for folder, files in sorted(layout.threads.items()):
        for _, path in files:
            by_key.setdefault(PurePosixPath(folder).name if folder not in ("", ".") else "", []).append(path)
    for folder_key, paths in by_key.items():
        participants: list[str] = []
        title = ""
        thread_path: object = None
        group_hint = False
        messages: list[_Message] = []
        for path in paths:
            section = _section_of(path)
            tally = FileTally(path, "messages")
            for key, value in iter_top_level(archive, path, frozenset({"messages"}), tally):
                if key == "messages" and isinstance(value, dict):
                    message = _message_from(value, section, snake=True)
                    if message is not None:
                        messages.append(message)
                elif key == "participants" and isinstance(value, list) and not participants:
                    participants = [fix(p.get("name") if isinstance(p, dict) else p) for p in value]
                elif key == "title" and not title:
                    title = fix(value)
                elif key == "thread_path":
                    thread_path = value
                elif key == "thread_type" and value == "RegularGroup":
                    group_hint = True
            tally.report(context)  # a file cut short keeps the messages read before the cut
        key = folder_key or thread_key_for("", thread_path) or stable_id("thread", title, *participants)
        if not messages and not participants and not title:
            continue
        yield from _emit_thread(key, title, participants, group_hint, messages, owner, context)


def read_e2ee_threads(
    context: ImportContext, layout: MetaLayout, owner: Owner
) -> Iterator[ThreadRecord | ItemRecord]:
    """The Messenger end-to-end-encrypted chat backup: one camelCase ``<Thread>_<N>.json`` per chat."""
    archive = context.archive
    for path in layout.e2ee:
        participants: list[str] = []
        title = ""
        messages: list[_Message] = []
        tally = FileTally(path, "messages")
        for key, value in iter_top_level(archive, path, frozenset({"messages"}), tally):
            if key == "messages" and isinstance(value, dict):
                message = _message_from(value, "e2ee", snake=False)
                if message is not None:
                    messages.append(message)
            elif key == "participants" and isinstance(value, list):
                participants = [fix(p.get("name") if isinstance(p, dict) else p) for p in value]
            elif key == "threadName":
                title = fix(value)
        tally.report(context)
        if not messages and not participants and not title:
            continue
        key = PurePosixPath(path).stem
        yield from _emit_thread(key, title, participants, False, messages, owner, context)


def _message_from(raw: dict[str, Any], section: str, snake: bool) -> _Message | None:
    if snake:
        author, text, stamp = raw.get("sender_name"), raw.get("content"), raw.get("timestamp_ms")
    else:
        author, text, stamp = raw.get("senderName"), raw.get("text"), raw.get("timestamp")
    when = _number(stamp)
    text = fix(text)
    if when is None or is_system_message(text, raw):
        return None
    return _Message(int(when), fix(author), text, section)


def _emit_thread(
    key: str,
    title: str,
    participants: list[str],
    group_hint: bool,
    messages: list[_Message],
    owner: Owner,
    context: ImportContext,
) -> Iterator[ThreadRecord | ItemRecord]:
    people = tuple(dict.fromkeys(p for p in participants if p))
    kind = "group" if group_hint or len(people) > 2 else "dm"
    if not title:
        others = [p for p in people if p not in owner]
        title = ", ".join(others) or ", ".join(people) or key
    yield ThreadRecord(key=key, title=title, kind=kind, participants=people)
    messages.sort(key=lambda m: m.timestamp_ms)
    seen: dict[str, int] = {}
    for message in messages:
        base = stable_id(key, message.timestamp_ms, message.author, message.text)
        occurrence = seen.get(base, 0)
        seen[base] = occurrence + 1
        extra: dict[str, object] = {}
        if message.section:
            extra["section"] = message.section
        if message.author in DELETED_ACCOUNT_NAMES:
            extra["deleted_account"] = True
        context.tick()
        yield ItemRecord(
            external_id=base if occurrence == 0 else f"{base}-{occurrence}",
            kind=MESSAGE,
            text=message.text,
            created_at=EPOCH + timedelta(milliseconds=message.timestamp_ms),
            author=message.author,
            is_owner=message.author in owner and message.author not in DELETED_ACCOUNT_NAMES,
            thread_key=key,
            extra=extra,
        )


def first_thread_files(layout: MetaLayout) -> list[str]:
    """One file per thread (participants are repeated in every part), then the E2EE chats."""
    return [files[0][1] for _, files in sorted(layout.threads.items())] + list(layout.e2ee)
