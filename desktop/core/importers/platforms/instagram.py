"""Instagram "Download your information" (JSON), every era, with Threads posts inside it.

Layouts (see ARCHIVE_FORMATS.md §1-2):
- 2024+: ``your_instagram_activity/{messages,content,comments,threads}/…``; 2025 moved posts to
  ``your_instagram_activity/media/posts_1.json``.
- 2021-2023: the same parts at the top level (``messages/inbox/…``, ``content/posts_1.json``).
- 2019-2020: one ``messages.json``, ``media.json`` and ``comments.json``; senders are usernames.
- HTML exports are recognised only to tell the creator to download JSON instead.

The owner comes from ``personal_information.json`` (display name and username), the old
``profile.json``, ``--me``, or else the one participant present in every thread.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, ClassVar

import ijson

from desktop.core.importers.base import FileTally, ImportContext, OwnerUnknownError
from desktop.core.importers.platforms._meta_util import (
    DELETED_ACCOUNT_NAMES,
    INSTAGRAM,
    READ_ERRORS,
    MetaImporter,
    MetaLayout,
    Owner,
    fix,
    from_iso,
    from_seconds,
    is_system_message,
    iter_records,
    listed,
    load_small,
    own_item,
    read_entries,
    stable_id,
)
from desktop.core.importers.records import COMMENT, MESSAGE, POST, ItemRecord, ThreadRecord

# string_map_data keys follow the account's language; these are the ones seen or reported.
_NAME_KEYS = {"Name", "Navn", "Nom", "Nombre", "Nome", "Naam", "Imię", "İsim", "Имя", "Namn", "Nimi"}
_USERNAME_KEYS = {
    "Username", "Brugernavn", "Nom d'utilisateur", "Nombre de usuario", "Nome utente", "Nome de usuário",
    "Benutzername", "Gebruikersnaam", "Nazwa użytkownika", "Kullanıcı adı",
    "Имя пользователя",
    "Användarnamn", "Brukernavn", "Käyttäjätunnus",
}  # fmt: skip
_COMMENT_KEYS = {"Comment", "Kommentar", "Commentaire", "Comentario", "Commento", "Comentário", "Opmerking",
                 "Komentarz", "Yorum", "Комментарий", "Kommentti"}  # fmt: skip
_MEDIA_OWNER_KEYS = {"Media Owner", "Medieejer", "Propriétaire du contenu", "Propietario del contenido",
                     "Proprietario del contenuto", "Proprietário do conteúdo", "Medieninhaber",
                     "Eigenaar van media", "Właściciel multimediów", "Medieägare"}  # fmt: skip
_OLD_MEDIA_SECTIONS = ("photos", "videos")


class InstagramImporter(MetaImporter):
    platform: ClassVar[str] = INSTAGRAM
    label: ClassVar[str] = "Instagram"

    def _after_threads(
        self, context: ImportContext, layout: MetaLayout, owner: Owner
    ) -> Iterator[ThreadRecord | ItemRecord]:
        if layout.ig_old_messages:
            if context.me:
                owner.names, owner.label = {context.me.strip()}, context.me.strip()
            elif not owner.names:
                self._owner_from_old_messages(context, layout, owner)
            yield from self._old_messages(context, layout, owner)
        author = owner.label or (context.me or "").strip()
        own = functools.partial(self._own_items, context)
        yield from own(layout.ig_posts, "posts", lambda _, raw: listed(_post_record(raw, author, INSTAGRAM)))
        yield from own(
            layout.ig_threads_posts, "posts", lambda _, raw: listed(_post_record(raw, author, "threads"))
        )
        yield from own(layout.ig_comments, "comments", lambda _, raw: _comments(raw, author))
        yield from own(
            layout.ig_old_media,
            "entries",
            lambda section, raw: _old_media(section, raw, author),
            _old_media_order,
        )
        yield from own(
            layout.ig_old_comments, "comments", lambda section, row: _old_comment(section, row, author)
        )

    # -- owner -----------------------------------------------------------------------------

    def _owner_from_profiles(self, context: ImportContext, layout: MetaLayout) -> Owner:
        owner = Owner()
        for path in layout.ig_profiles:
            data = load_small(context.archive, path)
            users = data.get("profile_user") if isinstance(data, dict) else None
            for user in users if isinstance(users, list) else []:
                fields = user.get("string_map_data") if isinstance(user, dict) else None
                if not isinstance(fields, dict):
                    continue
                values = {fix(k): fix(v.get("value")) for k, v in fields.items() if isinstance(v, dict)}
                name = next((values[k] for k in values if k in _NAME_KEYS and values[k]), "")
                username = next((values[k] for k in values if k in _USERNAME_KEYS and values[k]), "")
                owner.add(name)
                owner.add(username)
        for path in layout.ig_old_profile:
            data = load_small(context.archive, path)
            if isinstance(data, dict):
                owner.add(fix(data.get("name")))
                owner.add(fix(data.get("username")))
        return owner

    def _owner_from_old_messages(self, context: ImportContext, layout: MetaLayout, owner: Owner) -> None:
        common: set[str] | None = None
        everyone: set[str] = set()
        for path in layout.ig_old_messages:
            try:
                with context.archive.open(path) as stream:
                    for participants in ijson.items(stream, "item.participants"):
                        names = {fix(p) for p in participants if isinstance(p, str)} - DELETED_ACCOUNT_NAMES
                        everyone |= names
                        common = names if common is None else common & names
            except READ_ERRORS:
                continue
        if common is not None and len(common) == 1:
            owner.add(next(iter(common)))
            return
        raise OwnerUnknownError(self.label, sorted(everyone))

    # -- messages, 2019-2020 -----------------------------------------------------------------

    def _old_messages(
        self, context: ImportContext, layout: MetaLayout, owner: Owner
    ) -> Iterator[ThreadRecord | ItemRecord]:
        for path in layout.ig_old_messages:
            tally = FileTally(path, "conversations")
            conversations = [c for _, c in iter_records(context.archive, path, tally) if isinstance(c, dict)]
            tally.report(context)  # a file cut short keeps the conversations before the cut
            for conversation in conversations:
                people = tuple(dict.fromkeys(fix(p) for p in conversation.get("participants") or [] if p))
                key = "conversation:" + "+".join(sorted(people))
                others = [p for p in people if p not in owner]
                kind = "group" if len(people) > 2 else "dm"
                yield ThreadRecord(key, ", ".join(others) or key, kind, people)
                rows: list[tuple[datetime, str, str]] = []
                for raw in conversation.get("conversation") or []:
                    if not isinstance(raw, dict):
                        continue
                    when, text = from_iso(raw.get("created_at")), fix(raw.get("text"))
                    if when is None or is_system_message(text, raw):
                        continue
                    rows.append((when, fix(raw.get("sender")), text))
                rows.sort(key=lambda row: row[0])
                seen: dict[str, int] = {}
                for when, sender, text in rows:
                    base = stable_id(key, when.isoformat(), sender, text)
                    occurrence = seen.get(base, 0)
                    seen[base] = occurrence + 1
                    context.tick()
                    yield ItemRecord(
                        external_id=base if occurrence == 0 else f"{base}-{occurrence}",
                        kind=MESSAGE,
                        text=text,
                        created_at=when,
                        author=sender,
                        is_owner=sender in owner and sender not in DELETED_ACCOUNT_NAMES,
                        thread_key=key,
                    )

    # -- own posts and comments ----------------------------------------------------------------

    def _own_items(
        self,
        context: ImportContext,
        paths: list[str],
        what: str,
        records_of: Callable[[str, Any], Iterable[ItemRecord]],
        order: Callable[[ItemRecord], int] | None = None,
    ) -> Iterator[ItemRecord]:
        """The creator's own posts or comments, file by file (in ``order`` within a file, if given)."""
        for path in paths:
            records, _ = read_entries(context, path, what, records_of)
            yield from context.ticked(records if order is None else sorted(records, key=order))


def _old_media_order(record: ItemRecord) -> int:
    """Photos before videos, as the 2019-2020 ``media.json`` lists them."""
    return _OLD_MEDIA_SECTIONS.index(record.extra["section"])


def _old_media(section: str, raw: Any, author: str) -> list[ItemRecord]:
    """A photo or video of the 2019-2020 ``media.json``, by its caption."""
    if section not in _OLD_MEDIA_SECTIONS or not isinstance(raw, dict):
        return []
    text, when = fix(raw.get("caption")), from_iso(raw.get("taken_at"))
    if not text or when is None:
        return []
    extra: dict[str, object] = {"app": INSTAGRAM, "section": section}
    return [own_item(INSTAGRAM, POST, text, when, author, extra)]


def _comments(raw: Any, author: str) -> Iterator[ItemRecord]:
    for text, media_owner, when in _comment_fields(raw):
        extra: dict[str, object] = {"media_owner": media_owner} if media_owner else {}
        yield own_item(INSTAGRAM, COMMENT, text, when, author, extra)


def _old_comment(section: str, row: Any, author: str) -> list[ItemRecord]:
    """A 2019-2020 comment: a row [time, text, media owner?]."""
    if not isinstance(row, list) or len(row) < 2:
        return []
    when, text = from_iso(row[0]), fix(row[1])
    media_owner = fix(row[2]) if len(row) > 2 else ""
    extra: dict[str, object] = {"section": section}
    if media_owner:
        extra["media_owner"] = media_owner
    if when is None or not text:
        return []
    return [own_item(INSTAGRAM, COMMENT, text, when, author, extra)]


def _post_record(raw: Any, author: str, app: str) -> ItemRecord | None:
    """A post (or Threads post): a carousel's caption is at the top, a single photo's in media[0]."""
    if not isinstance(raw, dict):
        return None
    media = [m for m in raw.get("media") or [] if isinstance(m, dict)]
    text = fix(raw.get("title")) or next((fix(m.get("title")) for m in media if fix(m.get("title"))), "")
    when = from_seconds(raw.get("creation_timestamp")) or next(
        (w for m in media if (w := from_seconds(m.get("creation_timestamp"))) is not None), None
    )
    if not text or when is None:
        return None
    extra: dict[str, object] = {"app": app}
    if app == "threads":
        flags = [m.get("text_app_post") for m in media]
        extra["is_reply"] = any(isinstance(f, dict) and f.get("is_reply") is True for f in flags)
    return own_item(app, POST, text, when, author, extra)


def _comment_fields(raw: Any) -> Iterator[tuple[str, str, datetime]]:
    """(text, media owner, time) of one own-comment entry, whatever the language of its keys."""
    if not isinstance(raw, dict):
        return
    fields = raw.get("string_map_data")
    if isinstance(fields, dict):
        values: list[tuple[str, str]] = []
        when = None
        text = media_owner = ""
        for key, entry in fields.items():
            if not isinstance(entry, dict):
                continue
            key = fix(key)
            stamp = from_seconds(entry.get("timestamp"))
            value = fix(entry.get("value"))
            if stamp is not None and not value:
                when = when or stamp
            elif key in _COMMENT_KEYS:
                text = value
            elif key in _MEDIA_OWNER_KEYS:
                media_owner = value
            else:
                values.append((key, value))
        # Unknown language: the comment comes first and the media owner second, as exported.
        rest = [v for _, v in values]
        if not text and rest:
            text = rest.pop(0)
        if not media_owner and rest:
            media_owner = rest.pop(0)
        if text and when is not None:
            yield text, media_owner, when
        return
    # 2021-2022: {"title": media owner, "string_list_data": [{"value": comment, "timestamp": s}]}
    for entry in raw.get("string_list_data") or []:
        if isinstance(entry, dict):
            text, when = fix(entry.get("value")), from_seconds(entry.get("timestamp"))
            if text and when is not None:
                yield text, fix(raw.get("title")), when


IMPORTER = InstagramImporter()
