"""Bluesky, live: the creator's mentions, replies and quotes in; approved replies out as posts.

Over the ``atproto`` SDK with an app password (Settings → Privacy and security → App passwords on
Bluesky): the password only creates a session, and the session (its refresh token) is kept in the
keychain so that the next run resumes it instead of signing in again (Bluesky limits sign-ins to
30 in five minutes). A saved session that no longer works is dropped and the app password used
once more; only when that is refused too is the creator asked to connect again.

What is read: ``app.bsky.notification.listNotifications`` (served by the AppView behind the
creator's PDS), keeping mentions, replies and quotes by other accounts, and for each one its
thread (``app.bsky.feed.getPostThread``): the posts above it, so the reply has its context, and
the creator's own answers below it, so one already answered is not "awaiting a reply". Nothing is
marked as read on Bluesky. Ids are ``at://<did>/app.bsky.feed.post/<rkey>``, the archive
importer's scheme (``importers/platforms/bluesky.py``), with the same text clean-up (full link
URLs) and the same rule for the creator's posts (a reply to someone else is a ``comment``, a
thread continuation a ``post``), so a live post and an imported one are the same row.

``extra`` keeps what a reply needs: the post's ``cid`` and its thread's root (``root_uri``,
``root_cid``); a reply on Bluesky names both its parent and its root by URI and CID.
``find_sent`` reads the creator's own repository on the PDS (``com.atproto.repo.listRecords``),
not the AppView: the repository holds a post the moment it is written, the AppView's index a
little later, and a retry must see the first try.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import regex

from desktop.core.connectors import base
from desktop.core.importers.platforms.bluesky import _expand_links, _parse_time
from desktop.core.importers.records import COMMENT, MESSAGE, POST, ItemRecord, ThreadRecord
from desktop.core.importers.text import normalize
from desktop.core.tasks import CancelToken

if TYPE_CHECKING:
    from atproto import Client

T = TypeVar("T")

DEFAULT_SERVICE = "https://bsky.social"
_ANSWERED = ("mention", "reply", "quote")  # notifications that address the creator in words
_PAGE = 50
_FIRST_RUN_PAGES = 2  # the first fetch reads the 100 newest notifications, no further back
_MAX_PAGES = 20  # later fetches read back to the cursor, at most 1,000 notifications
_PARENTS = 20  # posts above a reply kept as its context
_SENT_PAGES = 3  # find_sent reads the creator's 300 newest posts
MAX_GRAPHEMES = 300
"""A Bluesky post's text limit, in grapheme clusters (the lexicon's ``maxGraphemes``): "👍🏽" is one."""
_RECONNECT = "Connect again in Settings → Connections or with `understudy connect add bluesky`."


def too_long(text: str) -> str | None:
    """Why ``text`` cannot be a Bluesky post, in plain words, or None when it fits.

    Checked before anything is sent: the server would refuse it with a schema error, and the
    reply would fail after its "sending" entry was written. Graphemes are counted as Bluesky
    counts them (``regex``'s ``\\X``), not code points, so an emoji with a skin tone is one."""
    graphemes = len(regex.findall(r"\X", text))
    if graphemes <= MAX_GRAPHEMES:
        return None
    return (
        f"This reply is {graphemes} characters long and Bluesky allows {MAX_GRAPHEMES}. "
        "Shorten it in the Inbox (edit it and approve it again), then send it."
    )


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _retry_after(error: Any) -> float | None:
    """Seconds to wait, from ``Retry-After`` or else ``RateLimit-Reset`` (a Unix time)."""
    if error.retry_after is not None:
        return float(error.retry_after)
    reset = error.reset_at
    if reset is None:
        return None
    return max((reset - datetime.now(timezone.utc)).total_seconds(), 0.0)


def _said(error: Any) -> str:
    """What the server said, in its words (``error: message``), or the transport's failure."""
    response = getattr(error, "response", None)
    content = getattr(response, "content", None)
    message = getattr(content, "message", None) or getattr(content, "error", None)
    if message:
        return str(message)
    cause = error.__cause__ or error.__context__
    return str(cause or error) or type(error).__name__


@contextmanager
def _translated(service: str, doing: str) -> Iterator[None]:
    """The SDK's exceptions as the connector errors, in plain words."""
    from atproto_client import exceptions as ex

    try:
        yield
    except ex.RateLimitExceededError as error:
        wait = _retry_after(error)
        after = f" for {wait:.0f} seconds" if wait is not None else ""
        raise base.RateLimited(
            f"Bluesky asked us to slow down{after} while {doing}.", retry_after=wait
        ) from error
    except ex.UnauthorizedError as error:
        raise base.SignInExpired(
            f"Bluesky no longer accepts the saved sign-in ({_said(error)}) while {doing}.", hint=_RECONNECT
        ) from error
    except ex.BadRequestError as error:
        content = error.response.content if error.response is not None else None
        if getattr(content, "error", None) in ("ExpiredToken", "InvalidToken"):
            raise base.SignInExpired(
                f"Bluesky's sign-in has expired ({_said(error)}) while {doing}.", hint=_RECONNECT
            ) from error
        raise base.ConnectorError(f"Bluesky refused {doing}: {_said(error)}.") from error
    except ex.NetworkError as error:  # transport failures, timeouts and 502; 409/413 carry a response
        status = error.response.status_code if error.response is not None else None
        if status is None or status == 502:
            raise base.PlatformUnavailable(
                f"Bluesky ({service}) could not be reached while {doing}: {_said(error)}."
            ) from error
        raise base.ConnectorError(f"Bluesky refused {doing} ({status}): {_said(error)}.") from error
    except ex.RequestException as error:
        status = error.response.status_code if error.response is not None else 0
        if status >= 500:
            raise base.PlatformUnavailable(
                f"Bluesky ({service}) answered with a server error ({status}) while {doing}: {_said(error)}."
            ) from error
        raise base.ConnectorError(f"Bluesky refused {doing} ({status}): {_said(error)}.") from error
    except ex.AtProtocolError as error:
        raise base.ConnectorError(f"Bluesky's answer could not be read while {doing}: {error}.") from error


def _plain(model: Any) -> dict[str, Any]:
    """A record as the plain dict it is on the wire (``$type``, camelCase), as the importer reads it."""
    from atproto_client.models.utils import get_model_as_dict

    if isinstance(model, dict):
        return model
    return get_model_as_dict(model)


def _ref(record: dict[str, Any], part: str) -> tuple[str, str] | None:
    """``reply.parent`` or ``reply.root`` of a post record, as (uri, cid)."""
    reply = record.get("reply")
    ref = reply.get(part) if isinstance(reply, dict) else None
    if isinstance(ref, dict) and isinstance(ref.get("uri"), str) and isinstance(ref.get("cid"), str):
        return ref["uri"], ref["cid"]
    return None


def _quoted(record: dict[str, Any]) -> str | None:
    """The URI of the post a quote post quotes (a record embed, alone or with media)."""
    embed = record.get("embed")
    if not isinstance(embed, dict):
        return None
    inner = embed.get("record")
    if isinstance(inner, dict) and isinstance(inner.get("record"), dict):  # recordWithMedia
        inner = inner["record"]
    uri = inner.get("uri") if isinstance(inner, dict) else None
    return uri if isinstance(uri, str) and "/app.bsky.feed.post/" in uri else None


def _notifications(params: Any) -> Callable[[Client], Any]:
    return lambda client: client.app.bsky.notification.list_notifications(params)


def _own_posts(params: Any) -> Callable[[Client], Any]:
    return lambda client: client.com.atproto.repo.list_records(params)


@dataclass
class _Found:
    """What one fetch collected: each thread once, each post once (the first time it was seen)."""

    threads: dict[str, ThreadRecord] = field(default_factory=dict)
    items: dict[str, ItemRecord] = field(default_factory=dict)

    def thread(self, key: str, top: dict[str, Any]) -> str:
        if key not in self.threads:
            title = normalize(str(top.get("text") or ""))[:80] or "Bluesky thread"
            self.threads[key] = ThreadRecord(key, title, kind="comments")
        return key


class _SessionKeeper:
    """Keeps each new or refreshed session in the keychain, and who it signs in as.

    Its own object, not a method of the connector: the client holds it, and a client holding
    the connector would keep both alive past their use, with the client's sockets open.
    """

    def __init__(self, secrets: base.ConnectionSecrets) -> None:
        self.secrets = secrets
        self.did = ""

    def changed(self, _event: object, session: Any) -> None:
        self.did = str(session.did)
        self.secrets.set("session", session.encode())


class BlueskyConnector:
    platform: ClassVar[str] = "bluesky"
    label: ClassVar[str] = "Bluesky"
    setup_fields: ClassVar[tuple[base.SetupField, ...]] = (
        base.SetupField("handle", "Handle", placeholder="you.bsky.social"),
        base.SetupField("app_password", "App password", secret=True, placeholder="xxxx-xxxx-xxxx-xxxx"),
        base.SetupField(
            "service",
            "Server",
            placeholder=DEFAULT_SERVICE,
            required=False,
            default=DEFAULT_SERVICE,
        ),
    )
    steps: ClassVar[str] = (
        "On Bluesky, open Settings → Privacy and security → App passwords, add one named "
        "'Understudy' (leave direct messages off), and paste it here with your handle. "
        "Keep the server as it is unless your account lives on another PDS."
    )
    reads: ClassVar[str] = (
        "Your notifications: the mentions, replies and quotes other people write to you, with the "
        "posts above each one and your own answers below it. Nothing is marked as read."
    )
    sends: ClassVar[str] = (
        "Only the replies you approve, each posted publicly from your account as a reply under "
        "the post it answers, when you press Send or run `understudy connect send`."
    )
    secret_names: ClassVar[tuple[str, ...]] = ("app_password", "session")

    def __init__(self, settings: dict[str, str], secrets: base.ConnectionSecrets) -> None:
        self._handle = settings.get("handle", "").strip().lstrip("@").lower()
        self._service = (settings.get("service") or DEFAULT_SERVICE).strip().rstrip("/")
        self._secrets = secrets
        self._client_: Client | None = None
        self._resumed = False  # the client runs on a saved session, not a fresh sign-in
        self._session = _SessionKeeper(secrets)

    # Signing in -------------------------------------------------------------------------------

    def _client(self) -> Client:
        if self._client_ is not None:
            return self._client_
        from atproto import Client, Session

        client = Client(base_url=self._service)
        weakref.finalize(self, client.request.close)  # its pooled connections close with the connector
        client.on_session_change(self._session.changed)
        saved = self._secrets.get("session")
        if saved:
            try:
                session = Session.decode(saved)
                session.access_jwt_payload, session.refresh_jwt_payload  # noqa: B018 - they must decode
            except Exception:  # noqa: BLE001 - a damaged saved session is replaced, whatever is wrong
                session = None
            if session is not None and self._handle in (session.handle.lower(), session.did.lower()):
                with _translated(self._service, "resuming the saved sign-in"):
                    client.login(session_string=saved, fetch_bsky_profile=False)
                self._client_, self._resumed = client, True
                return client
        password = self._secrets.get("app_password")
        if not self._handle or not password:
            raise base.SignInExpired("No Bluesky handle and app password are saved.", hint=_RECONNECT)
        try:
            with _translated(self._service, f"signing in as @{self._handle}"):
                client.login(self._handle, password, fetch_bsky_profile=False)
        except base.SignInExpired as error:
            raise base.SignInExpired(
                f"Bluesky did not accept the app password for @{self._handle}: it was mistyped, "
                "or it has been revoked on Bluesky.",
                hint=_RECONNECT,
            ) from error
        self._client_, self._resumed = client, False
        return client

    @property
    def _did(self) -> str:
        return self._session.did

    def _call(self, doing: str, request: Callable[[Client], T]) -> T:
        """One request; a saved session that is refused is dropped and the app password tried once."""
        client = self._client()
        try:
            with _translated(self._service, doing):
                return request(client)
        except base.SignInExpired:
            if not self._resumed:
                raise
        self._secrets.delete(["session"])
        self._client_ = None
        client = self._client()
        with _translated(self._service, doing):
            return request(client)

    def check(self) -> base.Account:
        from atproto import models

        profile = self._call(
            "reading your profile",
            lambda c: c.app.bsky.actor.get_profile(models.AppBskyActorGetProfile.Params(actor=self._did)),
        )
        return base.Account(
            handle=profile.handle, display_name=profile.display_name or "", user_id=profile.did
        )

    # Reading ----------------------------------------------------------------------------------

    def fetch_new(self, cursor: str | None, cancel: CancelToken) -> base.FetchResult:
        from atproto import models

        since = _when(cursor)
        newest = since
        wanted: list[Any] = []
        page: str | None = None
        for _ in range(_FIRST_RUN_PAGES if since is None else _MAX_PAGES):
            cancel.raise_if_cancelled()
            params = models.AppBskyNotificationListNotifications.Params(limit=_PAGE, cursor=page)
            answer = self._call(
                "reading your notifications",
                _notifications(params),
            )
            reached = False
            for notification in answer.notifications:
                at = _when(notification.indexed_at)
                if since is not None and at is not None and at <= since:
                    reached = True
                    break
                if at is not None and (newest is None or at > newest):
                    newest = at
                if notification.reason in _ANSWERED and notification.author.did != self._did:
                    wanted.append(notification)
            page = answer.cursor
            if reached or not page or not answer.notifications:
                break
        found = _Found()
        for notification in reversed(wanted):  # oldest first
            cancel.raise_if_cancelled()
            self._thread_of(notification.uri, found)
        records: list[base.Record] = [*found.threads.values(), *found.items.values()]
        return base.FetchResult(records, newest.isoformat() if newest is not None else cursor)

    def _thread_of(self, uri: str, found: _Found) -> None:
        """The post at ``uri``, the posts above it and the creator's answers below it, into ``found``."""
        from atproto import models

        params = models.AppBskyFeedGetPostThread.Params(uri=uri, depth=1, parent_height=_PARENTS)
        thread = self._call("reading a thread", lambda c: c.app.bsky.feed.get_post_thread(params)).thread
        if not isinstance(thread, models.AppBskyFeedDefs.ThreadViewPost):
            return  # deleted or blocked since the notification
        chain = [thread.post]
        parent = thread.parent
        while isinstance(parent, models.AppBskyFeedDefs.ThreadViewPost):
            chain.append(parent.post)
            parent = parent.parent
        chain.reverse()  # from the thread's top down to the post notified
        own_answers = [
            reply.post
            for reply in thread.replies or []
            if isinstance(reply, models.AppBskyFeedDefs.ThreadViewPost) and reply.post.author.did == self._did
        ]
        top = _plain(chain[0].record)
        root = _ref(top, "root")
        thread_key = found.thread(root[0] if root else chain[0].uri, top)
        quoted = _quoted(_plain(thread.post.record)) if len(chain) == 1 else None
        if quoted:  # a quote post outside any thread: it answers the creator's quoted post
            thread_key = self._quoted_post(quoted, found) or thread_key
        for post in [*chain, *own_answers]:
            item = self._item(post, thread_key, quoted if post is thread.post else None)
            if item is not None:
                found.items.setdefault(item.external_id, item)

    def _quoted_post(self, uri: str, found: _Found) -> str | None:
        """The quoted post into ``found``; returns its thread's key (None when it is gone)."""
        from atproto import models

        params = models.AppBskyFeedGetPosts.Params(uris=[uri])
        posts = self._call("reading a quoted post", lambda c: c.app.bsky.feed.get_posts(params)).posts
        if not posts:
            return None
        record = _plain(posts[0].record)
        root = _ref(record, "root")
        key = found.thread(root[0] if root else uri, record)
        item = self._item(posts[0], key, None)
        if item is not None:
            found.items.setdefault(item.external_id, item)
        return key

    def _item(self, post: Any, thread_key: str, quoted: str | None) -> ItemRecord | None:
        """One post view as the importer would write the post (same id, text and kind rules)."""
        record = _plain(post.record)
        text = record.get("text")
        if not isinstance(text, str):
            return None
        text = normalize(_expand_links(text, record.get("facets")).replace("\r\n", "\n"))
        created = _parse_time(record.get("createdAt"), post.uri.rsplit("/", 1)[-1]) or _when(post.indexed_at)
        if not text or created is None:
            return None
        parent, root = _ref(record, "parent"), _ref(record, "root")
        reply_to = parent[0] if parent else quoted
        owner = post.author.did == self._did
        own_thread = reply_to is not None and reply_to.startswith(f"at://{self._did}/")
        extra: dict[str, object] = {
            "cid": post.cid,
            "root_uri": root[0] if root else post.uri,
            "root_cid": root[1] if root else post.cid,
            "author_did": post.author.did,
        }
        if isinstance(record.get("langs"), list):
            extra["langs"] = [str(lang) for lang in record["langs"]]
        return ItemRecord(
            external_id=post.uri,
            kind=(COMMENT if reply_to and not own_thread else POST) if owner else COMMENT,
            text=text,
            created_at=created,
            author=post.author.display_name or post.author.handle if owner else post.author.handle,
            is_owner=owner,
            thread_key=thread_key,
            reply_to=reply_to,
            extra=extra,
        )

    # Sending ----------------------------------------------------------------------------------

    def _reply_refs(
        self, reply: base.OutgoingReply
    ) -> tuple[tuple[str, str], tuple[str, str], list[str] | None]:
        """(parent, root, langs) for a reply to ``reply.in_reply_to``: from the item's meta, else asked."""
        from atproto import models

        meta = reply.meta
        langs = meta.get("langs")
        langs = [str(lang) for lang in langs] if isinstance(langs, list) and langs else None
        cid, root_uri, root_cid = meta.get("cid"), meta.get("root_uri"), meta.get("root_cid")
        if isinstance(cid, str) and isinstance(root_uri, str) and isinstance(root_cid, str):
            return (reply.in_reply_to, cid), (root_uri, root_cid), langs
        params = models.AppBskyFeedGetPosts.Params(uris=[reply.in_reply_to])
        posts = self._call("reading the post to answer", lambda c: c.app.bsky.feed.get_posts(params)).posts
        if not posts:
            raise base.ConnectorError(
                f"The Bluesky post this reply answers ({reply.in_reply_to}) is gone: it was deleted, "
                "or its author blocked you."
            )
        record = _plain(posts[0].record)
        root = _ref(record, "root") or (posts[0].uri, posts[0].cid)
        return (posts[0].uri, posts[0].cid), root, langs

    def send(self, reply: base.OutgoingReply) -> str:
        from atproto import models

        if reply.kind == MESSAGE:
            raise base.ConnectorError(
                "Bluesky direct messages cannot be sent from Understudy; answer it in the app."
            )
        problem = too_long(reply.text)
        if problem is not None:
            raise base.ConnectorError(problem)
        parent, root, langs = self._reply_refs(reply)

        def post(client: Client) -> str:
            record = models.AppBskyFeedPost.Record(
                created_at=client.get_current_time_iso(),
                text=reply.text,
                reply=models.AppBskyFeedPost.ReplyRef(
                    parent=models.ComAtprotoRepoStrongRef.Main(uri=parent[0], cid=parent[1]),
                    root=models.ComAtprotoRepoStrongRef.Main(uri=root[0], cid=root[1]),
                ),
                langs=langs,
                facets=client.detect_facets(reply.text) or None,
            )
            return str(client.app.bsky.feed.post.create(self._did, record).uri)

        return self._call("posting your reply", post)

    def find_sent(self, reply: base.OutgoingReply) -> str | None:
        from atproto import models

        wanted = normalize(reply.text.replace("\r\n", "\n"))
        page: str | None = None
        self._client()  # the DID is known once signed in
        for _ in range(_SENT_PAGES):
            params = models.ComAtprotoRepoListRecords.Params(
                repo=self._did, collection="app.bsky.feed.post", limit=100, cursor=page
            )
            answer = self._call("reading your recent posts", _own_posts(params))
            for entry in answer.records:
                record = _plain(entry.value)
                parent = _ref(record, "parent")
                text = record.get("text")
                if (
                    parent is not None
                    and parent[0] == reply.in_reply_to
                    and isinstance(text, str)
                    and normalize(text.replace("\r\n", "\n")) == wanted
                ):
                    return str(entry.uri)
            page = answer.cursor
            if not page:
                return None
        return None
