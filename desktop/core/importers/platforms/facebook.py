"""Facebook and Messenger "Download your information" (JSON), and the Messenger E2EE chat backup.

Layouts (see ARCHIVE_FORMATS.md §3):
- 2024+: ``your_facebook_activity/`` with ``messages/<section>/<thread>/message_N.json``, ``posts/``
  and ``comments_and_reactions/``.
- 2022-2023: the same under ``your_activity_across_facebook/``.
- before 2022: ``messages/inbox/…``, ``posts/your_posts_1.json``, ``comments/comments.json`` at the top.
- The end-to-end-encrypted chat backup (``messages.zip``): flat ``<Thread>_<N>.json`` files in
  camelCase (``threadName``, ``senderName``, ``text``, ``timestamp`` in ms, participants as strings).
- HTML exports are recognised only to tell the creator to download JSON instead.

The owner is ``profile_v2.name.full_name`` (older: ``profile.name.full_name``) from
``profile_information.json``, ``--me``, or the one participant present in every thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from desktop.core.importers.base import ImportContext
from desktop.core.importers.platforms._meta_util import (
    FACEBOOK,
    MetaImporter,
    MetaLayout,
    Owner,
    fix,
    from_seconds,
    listed,
    load_small,
    own_item,
    read_entries,
)
from desktop.core.importers.records import COMMENT, POST, ItemRecord, ThreadRecord


class FacebookImporter(MetaImporter):
    platform: ClassVar[str] = FACEBOOK
    label: ClassVar[str] = "Facebook"
    reads_e2ee: ClassVar[bool] = True

    def _after_threads(
        self, context: ImportContext, layout: MetaLayout, owner: Owner
    ) -> Iterator[ThreadRecord | ItemRecord]:
        author = owner.label or (context.me or "").strip()
        for path in layout.fb_posts:
            yield from self._entries(context, path, author, _post_record, "post")
        for path in layout.fb_comments:
            yield from self._entries(context, path, author, _comment_record, "comment")

    def _owner_from_profiles(self, context: ImportContext, layout: MetaLayout) -> Owner:
        owner = Owner()
        for path in layout.fb_profiles:
            data = load_small(context.archive, path)
            if not isinstance(data, dict):
                continue
            profile = data.get("profile_v2") or data.get("profile")
            name = profile.get("name") if isinstance(profile, dict) else None
            if isinstance(name, dict):
                owner.add(fix(name.get("full_name")))
            elif isinstance(name, str):
                owner.add(fix(name))
        return owner

    def _entries(
        self, context: ImportContext, path: str, author: str, make: Any, what: str
    ) -> Iterator[ItemRecord]:
        """The records of one posts or comments file. A file cut short keeps the entries before the
        cut; a file whose entries hold no text in a layout this importer knows says so, rather than
        giving nothing in silence."""
        records, tally = read_entries(context, path, "entries", lambda _, raw: listed(make(raw, author)))
        if tally.read and not records and tally.stopped_at is None:
            context.warn(
                f"Read {tally.read:,} {'entry' if tally.read == 1 else 'entries'} of '{path}', but none "
                f"holds a {what} with text in a layout "
                "Understudy knows, so nothing was imported from it."
            )
        yield from context.ticked(records)


def _post_record(raw: Any, author: str) -> ItemRecord | None:
    """A post: its text is in ``data[].post``; ``title`` only describes the activity."""
    if not isinstance(raw, dict):
        return None
    texts = (fix(d.get("post")) for d in raw.get("data") or [] if isinstance(d, dict))
    text = next((t for t in texts if t), "")
    when = from_seconds(raw.get("timestamp"))
    if not text or when is None:
        return None
    extra: dict[str, object] = {}
    if fix(raw.get("title")):
        extra["title"] = fix(raw.get("title"))
    return own_item(FACEBOOK, POST, text, when, author, extra)


def _comment_record(raw: Any, author: str) -> ItemRecord | None:
    """One of the creator's own comments: ``data[].comment`` = {timestamp, comment, author, group?}."""
    if not isinstance(raw, dict):
        return None
    for entry in raw.get("data") or []:
        comment = entry.get("comment") if isinstance(entry, dict) else None
        if not isinstance(comment, dict):
            continue
        text = fix(comment.get("comment"))
        when = from_seconds(comment.get("timestamp")) or from_seconds(raw.get("timestamp"))
        if not text or when is None:
            continue
        extra: dict[str, object] = {}
        if fix(raw.get("title")):
            extra["title"] = fix(raw.get("title"))
        if fix(comment.get("group")):
            extra["group"] = fix(comment.get("group"))
        return own_item(FACEBOOK, COMMENT, text, when, fix(comment.get("author")) or author, extra)
    return None


IMPORTER = FacebookImporter()
