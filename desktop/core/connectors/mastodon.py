"""Mastodon, live: mentions and direct messages in, approved replies out, through ``Mastodon.py``.

Sign-in is an access token the creator makes on their own instance (Preferences → Development →
New application), kept in the keychain. What is read: the creator's ``mention`` notifications
(public replies and mentions become comments, ``direct`` ones messages), each with the creator's
status it answers and the creator's replies already under it (``GET /api/v1/statuses/:id/context``).
Pagination is Mastodon.py's own (Link headers: ``max_id`` back in time on the first run, ``min_id``
forward from the cursor after that). Ids are the status ``uri`` (the ActivityPub id), the scheme
of the archive importer (``desktop.core.importers.platforms.mastodon``: the outbox note ``id``),
so a live item and an imported one are the same item. A thread is the reply chain's root status,
which is what Mastodon itself calls a conversation.

The library is told to ``throw`` on rate limits (never to sleep or retry): the fetcher and the
sender decide when to try again, from ``RateLimited.retry_after``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlparse

from desktop.core.addresses import is_loopback
from desktop.core.connectors import base
from desktop.core.importers.platforms.mastodon import html_to_text
from desktop.core.importers.records import COMMENT, MESSAGE, POST, ItemRecord, ThreadRecord
from desktop.core.importers.text import normalize
from desktop.core.tasks import CancelToken

if TYPE_CHECKING:
    from mastodon import Mastodon

PLATFORM = "mastodon"
TOKEN = "access_token"
RECONNECT = "Connect again in Settings → Connections or with `understudy connect add mastodon`."
SCOPES = ("read:accounts", "read:notifications", "read:statuses", "write:statuses")
_LEADING_MENTIONS = re.compile(r"^(?:\s*@[\w.\-]+(?:@[\w.\-]+)?)+\s*")


def instance_url(value: str) -> str:
    """The instance's base URL: https, or plain http only on this machine (a local test server)."""
    raw = (value or "").strip().rstrip("/")
    if raw and "://" not in raw:
        raw = "https://" + raw
    parsed = urlparse(raw)
    if not parsed.hostname or parsed.path not in ("", "/") or parsed.query:
        raise base.ConnectorError(
            f"'{value}' is not a Mastodon instance address.",
            hint="Enter the address of your instance, for example https://mastodon.social.",
        )
    if parsed.scheme == "https":
        return raw
    if parsed.scheme == "http" and is_loopback(parsed.hostname):
        return raw
    raise base.ConnectorError(
        f"'{value}' is not a secure address: Understudy only sends your access token over https.",
        hint="Enter the address starting with https://, for example https://mastodon.social.",
    )


def _utc(value: object) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(timezone.utc)


def _newer(a: str | None, b: str) -> str:
    """The newer of two Mastodon ids (numeric strings compare as numbers)."""
    if a is None:
        return b
    if a.isdigit() and b.isdigit():
        return a if int(a) >= int(b) else b
    return max(a, b)


def _body(text: str) -> str:
    """What a reply says, without the mentions that open it and with spaces collapsed."""
    return " ".join(_LEADING_MENTIONS.sub("", normalize(text)).split())


def with_mention(text: str, acct: str) -> str:
    """``text`` opening with ``@acct``: Mastodon delivers a reply only to the accounts it mentions."""
    if not acct:
        return text
    mention = "@" + acct.lstrip("@")
    opening = _LEADING_MENTIONS.match(text)
    if opening:
        mentioned = {m.lower() for m in re.findall(r"@[\w.\-]+(?:@[\w.\-]+)?", opening.group(0))}
        short = mention.split("@")[1]
        if mention.lower() in mentioned or ("@" + short).lower() in mentioned:
            return text
    return f"{mention} {text.lstrip()}"


class MastodonConnector:
    """The creator's Mastodon account, through an access token of their own instance."""

    platform: ClassVar[str] = PLATFORM
    label: ClassVar[str] = "Mastodon"
    setup_fields: ClassVar[tuple[base.SetupField, ...]] = (
        base.SetupField("instance", "Instance address", placeholder="https://mastodon.social"),
        base.SetupField(TOKEN, "Access token", secret=True),
    )
    steps: ClassVar[str] = (
        "1. Sign in to your Mastodon instance on its website and open Preferences → Development → "
        "New application.\n"
        "2. Name it Understudy. Under Scopes, untick read, write and follow, then tick only "
        "read:accounts, read:notifications, read:statuses and write:statuses (read:accounts lets "
        "Understudy know which posts are yours).\n"
        "3. Press Submit, open the new application and copy “Your access token”.\n"
        "4. Here, enter your instance's address (for example https://mastodon.social) and paste the token. "
        "To disconnect for good, also delete the application on that page."
    )
    reads: ClassVar[str] = (
        "Your mentions: public replies and mentions of you (as comments) and direct messages to you, "
        "with your own post each one answers and your replies already under it. Nothing else: not "
        "your timeline, favourites, follows or lists."
    )
    sends: ClassVar[str] = (
        "Only the replies you approved, and only when you press Send: each is posted from your account "
        "as a reply to the fan's message, with the same visibility as the message (a direct message "
        "gets a direct reply) and starting with the fan's @name so it reaches them."
    )
    secret_names: ClassVar[tuple[str, ...]] = (TOKEN,)

    page_size = 40  # Mastodon's default page of notifications (80 at most)
    first_run_pages = 3  # the first fetch: the 120 most recent mentions
    max_pages = 25  # one later fetch walks at most this many pages forward; the cursor keeps the rest

    def __init__(self, settings: dict[str, str], secrets: base.ConnectionSecrets) -> None:
        self._base = instance_url(settings.get("instance", ""))
        self._host = urlparse(self._base).netloc
        self._secrets = secrets
        self._client: Mastodon | None = None
        self._me: Any = None

    # -- the library ---------------------------------------------------------------------------

    def _api(self) -> Mastodon:
        """The client, with the token the keychain holds now (a reconnect may have replaced it)."""
        token = self._secrets.get(TOKEN)
        if not token:
            raise base.SignInExpired(
                "There is no Mastodon access token saved for this connection.", hint=RECONNECT
            )
        if self._client is not None and self._client.access_token != token:
            self._client, self._me = None, None
        if self._client is None:
            from mastodon import Mastodon

            client = Mastodon(
                api_base_url=self._base,
                ratelimit_method="throw",  # never sleep or retry inside: the caller backs off
                request_timeout=30,
                version_check_mode="none",
                user_agent="Understudy",
            )
            client.access_token = token  # set after: the constructor would read a token that names a file
            self._client = client
        return self._client

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Mastodon.py's exceptions as the connector errors, in plain words."""
        from mastodon import errors as m

        where = f"Mastodon ({self._host})"
        try:
            yield
        except m.MastodonUnauthorizedError as exc:
            raise base.SignInExpired(
                f"{where} no longer accepts the saved access token (it was revoked or has expired), "
                f"so Understudy could not {doing}.",
                hint=RECONNECT,
            ) from exc
        except m.MastodonRatelimitError as exc:
            reset = self._client.ratelimit_reset if self._client is not None else None
            retry_after = max(0.0, float(reset) - time.time()) if reset else None
            when = f" for about {round(retry_after)} seconds" if retry_after is not None else " for a while"
            raise base.RateLimited(
                f"{where} asked Understudy to slow down{when}, so it could not {doing} now.",
                retry_after=retry_after,
                hint="Understudy tries again later on its own.",
            ) from exc
        except m.MastodonServerError as exc:
            raise base.PlatformUnavailable(
                f"{where} is having trouble (it answered with error {_status(exc)}), so Understudy "
                f"could not {doing}.",
                hint="Try again later.",
            ) from exc
        except m.MastodonNetworkError as exc:
            raise base.PlatformUnavailable(
                f"Understudy could not reach your Mastodon instance at {self._host} to {doing}.",
                hint="Check your internet connection and the instance address, then try again.",
            ) from exc
        except m.MastodonNotFoundError as exc:
            raise base.ConnectorError(
                f"{where} could not find what Understudy needed to {doing}: it may have been deleted."
            ) from exc
        except m.MastodonAPIError as exc:
            if _status(exc) == 403:
                raise base.ConnectorError(
                    f"{where} refused: the access token is not allowed to {doing}.",
                    hint="Create the application again with the scopes the steps list, then reconnect.",
                ) from exc
            raise base.ConnectorError(f"{where} refused to {doing}: {_message(exc)}") from exc
        except m.MastodonError as exc:
            raise base.ConnectorError(f"Understudy could not {doing} on {where}: {exc}") from exc

    def _account(self) -> Any:
        if self._me is None:
            api = self._api()
            with self._errors("check who you are signed in as"):
                self._me = api.account_verify_credentials()
        return self._me

    # -- the interface -------------------------------------------------------------------------

    def check(self) -> base.Account:
        me = self._account()
        return base.Account(
            handle=self._handle(me), display_name=str(me.display_name or ""), user_id=str(me.id)
        )

    def fetch_new(self, cursor: str | None, cancel: CancelToken) -> base.FetchResult:
        api = self._api()
        me = self._account()
        found = _Found(self, me)
        # Mastodon.py's pagination: "next" walks back in time (max_id), "previous" forward (min_id).
        direction, pages = ("next", self.first_run_pages) if cursor is None else ("previous", self.max_pages)
        newest = cursor
        with self._errors("read your mentions"):
            if cursor is None:
                page = api.notifications(types=["mention"], limit=self.page_size)
            else:
                page = api.notifications(types=["mention"], min_id=cursor, limit=self.page_size)
            for number in range(pages):
                for notification in page:
                    newest = _newer(newest, str(notification.id))
                    if notification.type == "mention" and notification.status is not None:
                        cancel.raise_if_cancelled()
                        self._add_mention(api, found, notification.status)
                cancel.raise_if_cancelled()
                if not page or number + 1 == pages or api.get_pagination_info(page, direction) is None:
                    break
                page = api.fetch_next(page) if direction == "next" else api.fetch_previous(page)
                if page is None:
                    break
        return base.FetchResult(found.records, newest)

    def find_sent(self, reply: base.OutgoingReply) -> str | None:
        api = self._api()
        me = self._account()
        status_id, _visibility, _acct = self._target(reply)
        want = _body(reply.text)
        with self._errors("look for a reply already sent"):
            context = api.status_context(status_id)
        for status in context.descendants:
            if (
                str(status.account.id) == str(me.id)
                and str(status.in_reply_to_id) == status_id
                and _body(html_to_text(str(status.content or ""))) == want
            ):
                return str(status.uri)
        return None

    def send(self, reply: base.OutgoingReply) -> str:
        api = self._api()
        status_id, visibility, acct = self._target(reply)
        with self._errors("post your reply"):
            posted = api.status_post(
                with_mention(reply.text, acct),
                in_reply_to_id=status_id,
                visibility=visibility,
                idempotency_key=reply.reply_id,  # Mastodon answers a repeat within an hour with the same post
            )
        return str(posted.uri)

    # -- helpers -------------------------------------------------------------------------------

    def _target(self, reply: base.OutgoingReply) -> tuple[str, str, str]:
        """The answered status's id on this instance, the reply's visibility and whom to mention."""
        meta = reply.meta
        status_id = str(meta.get("status_id") or "")
        if not status_id:
            local = re.fullmatch(re.escape(self._base) + r"/users/[^/]+/statuses/(\d+)", reply.in_reply_to)
            if local is None:
                raise base.ConnectorError(
                    "Understudy does not know where this Mastodon message is on your instance, so it "
                    "cannot reply to it.",
                    hint="Fetch your Mastodon messages again (Check now), then send.",
                )
            status_id = local.group(1)
        visibility = str(meta.get("visibility") or "")
        acct = str(meta.get("acct") or "")
        if not visibility or not acct:
            api = self._api()
            with self._errors("read the message you are answering"):
                status = api.status(status_id)
            visibility = visibility or str(status.visibility)
            acct = acct or str(status.account.acct)
        if str(self._account().acct) == acct:
            acct = ""  # answering oneself: no mention
        return status_id, visibility, acct

    def _handle(self, account: Any) -> str:
        """'@name@host' for every account, local ones too (the importer's handle form)."""
        acct = str(account.acct)
        if "@" in acct:
            return "@" + acct
        host = urlparse(str(account.url or "")).netloc or self._host
        return f"@{acct}@{host}"

    def _add_mention(self, api: Mastodon, found: _Found, status: Any) -> None:
        """The fan's status, its thread, the creator's status it answers and the creator's replies."""
        if str(status.account.id) == str(found.me.id):
            return  # the creator mentioning themself
        ancestors: list[Any] = []
        descendants: list[Any] = []
        if status.in_reply_to_id is not None or (status.replies_count or 0) > 0:
            context = api.status_context(status.id)
            ancestors, descendants = list(context.ancestors), list(context.descendants)
        by_id = {str(s.id): s for s in ancestors}
        parent = by_id.get(str(status.in_reply_to_id)) if status.in_reply_to_id is not None else None
        root = ancestors[0] if ancestors else status
        key = str(root.uri)
        found.thread(key, status, root)
        if parent is not None and str(parent.account.id) == str(found.me.id):
            grandparent = by_id.get(str(parent.in_reply_to_id)) if parent.in_reply_to_id is not None else None
            found.item(parent, key, str(grandparent.uri) if grandparent is not None else None)
        found.item(status, key, str(parent.uri) if parent is not None else None)
        for reply in descendants:
            if str(reply.account.id) == str(found.me.id) and str(reply.in_reply_to_id) == str(status.id):
                found.item(reply, key, str(status.uri))


class _Found:
    """Records of one fetch, each once (many mentions answer the same post)."""

    def __init__(self, connector: MastodonConnector, me: Any) -> None:
        self.connector = connector
        self.me = me
        self.records: list[base.Record] = []
        self._seen: set[str] = set()
        self._people: dict[str, set[str]] = {}

    def thread(self, key: str, status: Any, root: Any) -> None:
        handle = self.connector._handle(status.account)
        people = self._people.setdefault(key, set())
        people.add(handle)
        people.update(
            self.connector._handle(m) for m in status.mentions or () if str(m.id) != str(self.me.id)
        )
        if "thread:" + key in self._seen:
            return
        self._seen.add("thread:" + key)
        if status.visibility == "direct":
            others = sorted(people)
            kind = "dm" if len(others) <= 1 else "group"
            title = ", ".join(others)
        else:
            kind = "comments"
            words = _body(html_to_text(str(root.content or "")))
            title = f"Replies to “{words[:60]}{'…' if len(words) > 60 else ''}”" if words else "Replies"
        self.records.append(ThreadRecord(key, title, kind, tuple(sorted(people))))

    def item(self, status: Any, key: str, reply_to: str | None) -> None:
        uri = str(status.uri)
        if uri in self._seen:
            return
        self._seen.add(uri)
        owner = str(status.account.id) == str(self.me.id)
        text = html_to_text(str(status.content or ""))
        if not owner:
            text = _LEADING_MENTIONS.sub("", text)  # "@creator Hi!" → "Hi!": the mention only addresses
        extra: dict[str, object] = {"status_id": str(status.id), "visibility": str(status.visibility)}
        if status.url:
            extra["url"] = str(status.url)
        if status.spoiler_text:
            extra["content_warning"] = str(status.spoiler_text)
        if status.visibility == "direct":
            kind = MESSAGE
        elif not owner:
            kind = COMMENT
        else:  # the importer's rule: the creator answering someone else is a comment, else a post
            answered = status.in_reply_to_account_id
            kind = COMMENT if answered is not None and str(answered) != str(self.me.id) else POST
        if not text:
            return  # a picture or the bare mention: no words to answer (the importer skips these too)
        if owner:
            author = str(self.me.username)
        else:
            author = self.connector._handle(status.account)
            extra["acct"] = str(status.account.acct)
            extra["account_id"] = str(status.account.id)
        self.records.append(
            ItemRecord(uri, kind, text, _utc(status.created_at), author, owner, key, reply_to, extra)
        )


def _status(exc: Exception) -> object:
    return exc.args[1] if len(exc.args) > 1 else "unknown"


def _message(exc: Exception) -> str:
    detail = exc.args[3] if len(exc.args) > 3 and exc.args[3] else exc.args[2] if len(exc.args) > 2 else exc
    return str(detail).rstrip(".") + "."
