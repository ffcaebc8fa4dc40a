"""YouTube live: the comments on the creator's videos in, approved replies out as comment replies.

Stands on ``google-api-python-client`` (the YouTube Data API v3, built from the discovery
document bundled with the library, so nothing is fetched to build it) and ``google-auth`` /
``google-auth-oauthlib`` (the installed-app sign-in on a loopback redirect, and refreshing the
access token with the refresh token). The sign-in (refresh token, client id and secret, the
current access token) is kept as one ``authorized_user`` entry in the keychain; the client file
path and channel id are plain settings.

Ids follow the Takeout importer (``desktop.core.importers.platforms.youtube``) so a live item and
an imported one are the same item: a video is ``<video id>`` (kind "post"), a comment is YouTube's
comment id (a reply's is ``<top-level id>.<reply id>``), a video's comments are thread
``video:<video id>``, and ``extra["top_level_comment_id"]`` names the comment a reply goes under
(YouTube only takes replies to top-level comments).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from desktop.core.connectors import base
from desktop.core.importers.platforms.youtube import parse_time
from desktop.core.importers.records import COMMENT, POST, ItemRecord, ThreadRecord
from desktop.core.importers.text import normalize
from desktop.core.tasks import CancelToken

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

SCOPE = "https://www.googleapis.com/auth/youtube.force-ssl"
SECRET = "authorized_user"
_CONNECT_AGAIN = "Connect again in Settings → Connections or with `understudy connect add youtube`."
_FIRST_RUN_PAGES = 4  # 4 x 50 comment threads on the first run: the recent ones, not the whole channel
_MAX_PAGES = 20
_REPLY_PAGES = 10
_TIMEOUT_S = 30
_SIGN_IN_WAIT_S = 300
_QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
_RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"}
_SUCCESS_PAGE = "Understudy is now connected to your YouTube channel. You can close this tab."


def _thread_key(video_id: str) -> str:
    return f"video:{video_id}"


def _until_quota_reset(now: datetime | None = None) -> float:
    """Seconds until midnight Pacific time, when YouTube resets a project's daily quota."""
    pacific = ZoneInfo("America/Los_Angeles")
    here = (now or datetime.now(timezone.utc)).astimezone(pacific)
    midnight = datetime.combine(here.date() + timedelta(days=1), datetime.min.time(), tzinfo=pacific)
    return max(60.0, (midnight - here).total_seconds())


def _parse_cursor(cursor: str | None) -> tuple[datetime | None, frozenset[str]]:
    """(newest comment time seen, ids published at exactly that time) from an opaque cursor."""
    if not cursor:
        return None, frozenset()
    try:
        data = json.loads(cursor)
        return parse_time(str(data["since"])), frozenset(str(i) for i in data.get("ids", []))
    except (ValueError, KeyError, TypeError):
        return None, frozenset()


class YouTubeConnector:
    """Reads the comment threads on the creator's channel and answers comments there."""

    platform: ClassVar[str] = "youtube"
    label: ClassVar[str] = "YouTube"
    setup_fields: ClassVar[tuple[base.SetupField, ...]] = (
        base.SetupField(
            "client_file",
            "OAuth client file",
            placeholder="/path/to/client_secret_….json (a 'Desktop app' client)",
            file_filter="OAuth client file (*.json)",
        ),
        base.SetupField(
            "channel_id",
            "Channel ID",
            required=False,
            placeholder="UC… (leave empty: the channel you sign in with)",
        ),
        base.SetupField(
            "api_root",
            "YouTube API address",
            required=False,
            placeholder="leave empty (https://youtube.googleapis.com/)",
            advanced=True,
        ),
    )
    steps: ClassVar[str] = (
        "YouTube lets an app answer comments only through your own Google Cloud project, "
        "so there are a few one-time steps:\n"
        "1. Open console.cloud.google.com, signed in with the Google account that owns your channel, "
        "and create a project (any name).\n"
        "2. In 'APIs & Services' → 'Library', find 'YouTube Data API v3' and press 'Enable'.\n"
        "3. In 'Google Auth Platform' (the OAuth consent screen), set the app up as 'External' with "
        "your own e-mail, and add yourself as a test user. Then press 'Publish app' (it does not need "
        "Google's review for your own use): while an app is 'Testing', Google ends its sign-ins after "
        "7 days.\n"
        "4. In 'Clients' (or 'Credentials'), create an 'OAuth client ID' of type 'Desktop app' and "
        "download its JSON file (client_secret_….json). Keep it private.\n"
        "5. Choose that file with 'Browse…' (or enter its path) and press 'Connect'. Your browser "
        "opens Google's sign-in page: "
        "pick your channel's account and allow access (Google may warn that the app is unverified: it "
        "is your own, choose 'Continue'). Understudy keeps the sign-in in your system keychain.\n"
        "The channel ID is only needed when the account has several channels (YouTube Studio → "
        "Settings → Channel → Advanced settings shows it)."
    )
    reads: ClassVar[str] = (
        "The comments on your videos and the replies under them, with the video's title and "
        "description for context. Your own replies are read too, so Understudy knows what you already "
        "answered. Each check uses a few units of your project's free daily YouTube quota."
    )
    sends: ClassVar[str] = (
        "Only the replies you approved, each posted as a reply under the comment it answers, from "
        "your channel, when you send approved replies."
    )
    secret_names: ClassVar[tuple[str, ...]] = (SECRET,)

    def __init__(self, settings: dict[str, str], secrets: base.ConnectionSecrets) -> None:
        self._settings = settings
        self._secrets = secrets
        self._service: Any = None
        self._credentials: Credentials | None = None
        self._saved: str | None = None
        self._channel: dict[str, Any] | None = None

    # --- sign-in ---------------------------------------------------------------------------

    def authorize(self, open_url: Callable[[str], object]) -> None:
        """Google's installed-app sign-in: ``open_url`` shows Google's page, which redirects back
        to a one-shot server on 127.0.0.1; the code is exchanged and the sign-in kept in the keychain.

        ``open_url`` must return without waiting for the page (the local server answers only
        after it returns).
        """
        from google_auth_oauthlib.flow import InstalledAppFlow, WSGITimeoutError  # type: ignore[import-untyped]
        from oauthlib.oauth2.rfc6749.errors import OAuth2Error  # type: ignore[import-untyped]
        from requests import RequestException

        config = self._client_config()

        class _Flow(InstalledAppFlow):
            def authorization_url(self, **kwargs: Any) -> tuple[str, str]:
                url, state = super().authorization_url(**kwargs)
                open_url(url)
                return url, state

        flow = _Flow.from_client_config(config, scopes=[SCOPE])
        try:
            credentials = flow.run_local_server(
                host="127.0.0.1",
                port=0,
                open_browser=False,
                authorization_prompt_message=None,
                success_message=_SUCCESS_PAGE,
                timeout_seconds=_SIGN_IN_WAIT_S,
                access_type="offline",  # a refresh token, so it keeps working after an hour
                prompt="consent",  # Google sends the refresh token again on a reconnect
            )
        except WSGITimeoutError:
            raise base.ConnectorError(
                f"YouTube sign-in did not finish within {_SIGN_IN_WAIT_S // 60} minutes.",
                hint="Press Connect again and allow access in the browser page that opens.",
            ) from None
        except OAuth2Error as exc:
            if exc.error == "access_denied":
                raise base.ConnectorError(
                    "You did not allow Understudy to manage your YouTube comments, so it is not connected.",
                    hint="Press Connect again and choose 'Allow' if you want it connected.",
                ) from None
            raise base.ConnectorError(
                f"Google refused the YouTube sign-in: {exc.description or exc.error}.",
                hint="Check that the client file is a 'Desktop app' client of your own project.",
            ) from None
        except RequestException as exc:
            raise base.PlatformUnavailable(
                f"Could not reach Google to finish the YouTube sign-in ({type(exc).__name__}).",
                hint="Check your internet connection and press Connect again.",
            ) from None
        if not credentials.refresh_token:
            raise base.ConnectorError(
                "Google did not hand out a lasting YouTube sign-in (no refresh token).",
                hint="Remove Understudy in your Google account's 'Third-party apps' page and connect again.",
            )
        self._save(credentials.to_json())
        self._service = self._credentials = self._channel = None

    def _client_config(self) -> dict[str, Any]:
        """The OAuth client file's contents, checked to be a 'Desktop app' client."""
        raw = self._settings.get("client_file", "").strip()
        if not raw:
            raise base.ConnectorError(
                "No OAuth client file is set for YouTube.",
                hint="Download the 'Desktop app' client's JSON from your Google Cloud project "
                "and enter its path.",
            )
        path = Path(raw).expanduser()
        try:
            config = json.loads(path.read_text(encoding="utf-8"))
        except OSError:
            raise base.ConnectorError(
                f"Could not read the YouTube OAuth client file '{path}'.",
                hint="Check the path; it is the client_secret_….json file you downloaded.",
            ) from None
        except ValueError:
            raise base.ConnectorError(
                f"'{path}' is not an OAuth client file (it is not JSON).",
                hint="Download the client's JSON again from your Google Cloud project.",
            ) from None
        if not isinstance(config, dict) or "installed" not in config:
            kind = (
                "a 'Web application' client"
                if isinstance(config, dict) and "web" in config
                else "not a client file"
            )
            raise base.ConnectorError(
                f"'{path}' is {kind}; Understudy needs a 'Desktop app' OAuth client.",
                hint="In your Google Cloud project, create an OAuth client ID of type 'Desktop app' "
                "and download its JSON.",
            )
        return config

    def _client_token_uri(self) -> str | None:
        """The ``token_uri`` of the configured client file, when it is readable (else Google's)."""
        try:
            uri = self._client_config()["installed"].get("token_uri")
        except base.ConnectorError:
            return None
        return str(uri) if uri else None

    def _save(self, info: str) -> None:
        self._secrets.set(SECRET, info)
        self._saved = info

    def _creds(self) -> Credentials:
        if self._credentials is None:
            from google.oauth2.credentials import Credentials

            info = self._secrets.get(SECRET)
            if not info:
                raise base.SignInExpired("YouTube is not signed in yet.", hint=_CONNECT_AGAIN)
            try:
                credentials = Credentials.from_authorized_user_info(json.loads(info), scopes=[SCOPE])
            except (ValueError, TypeError):
                raise base.SignInExpired(
                    "The saved YouTube sign-in is damaged.", hint=_CONNECT_AGAIN
                ) from None
            # google-auth always refreshes at Google's own token endpoint; the creator's client file
            # may name another (its ``token_uri``), and it is the only place one is taken from.
            token_uri = self._client_token_uri()
            if token_uri:
                expiry = credentials.expiry
                credentials = credentials.with_token_uri(token_uri)
                credentials.expiry = expiry  # the copy forgets when the saved access token runs out
            self._credentials = credentials
            self._saved = info
        return self._credentials

    def _keep_refreshed_token(self) -> None:
        """google-auth refreshed the access token in place: keep it so the next run reuses it."""
        if self._credentials is not None and self._credentials.refresh_token:
            info = self._credentials.to_json()
            if info != self._saved:
                self._save(info)

    def _api(self) -> Any:
        """The YouTube Data API v3 client, built from the bundled discovery document."""
        if self._service is None:
            import google_auth_httplib2  # type: ignore[import-untyped]
            import httplib2  # type: ignore[import-untyped]
            from googleapiclient.discovery import build  # type: ignore[import-untyped]
            from googleapiclient.errors import UnknownApiNameOrVersion  # type: ignore[import-untyped]

            http = google_auth_httplib2.AuthorizedHttp(self._creds(), http=httplib2.Http(timeout=_TIMEOUT_S))
            root = self._settings.get("api_root", "").strip()
            try:
                self._service = build(
                    "youtube",
                    "v3",
                    http=http,
                    static_discovery=True,  # googleapiclient's own youtube.v3.json: never fetched
                    cache_discovery=False,
                    client_options={"api_endpoint": root} if root else None,
                )
            except UnknownApiNameOrVersion:
                raise base.ConnectorError(
                    "This copy of Understudy is missing YouTube's API description (youtube.v3.json).",
                    hint="Reinstall Understudy; the file ships with it.",
                ) from None
        return self._service

    # --- requests and their errors -----------------------------------------------------------

    def _execute(self, request: Any, doing: str) -> dict[str, Any]:
        """Run one API request; every failure comes out as a ``ConnectorError`` in plain words."""
        import httplib2
        from google.auth.exceptions import RefreshError, TransportError
        from googleapiclient.errors import HttpError

        # No retries here: the fetcher and sender retry with backoff (connectors/retrying.py).
        try:
            return dict(request.execute(num_retries=0))
        except HttpError as exc:
            raise _http_error(exc, doing) from None
        except RefreshError as exc:
            if getattr(exc, "retryable", False):
                raise base.PlatformUnavailable(
                    f"Google's sign-in service is having trouble while {doing}: {_refresh_reason(exc)}.",
                    hint="Understudy will try again later.",
                ) from None
            raise base.SignInExpired(
                "YouTube no longer accepts Understudy's sign-in (Google says it expired or was revoked"
                f": {_refresh_reason(exc)}).",
                hint=_CONNECT_AGAIN,
            ) from None
        except (TransportError, httplib2.HttpLib2Error, OSError) as exc:
            raise base.PlatformUnavailable(
                f"Could not reach YouTube while {doing} ({type(exc).__name__}).",
                hint="Check your internet connection; Understudy will try again later.",
            ) from None
        finally:
            self._keep_refreshed_token()

    def _my_channel(self) -> dict[str, Any]:
        """The creator's channel (``channels.list``): the configured id, else the signed-in one."""
        if self._channel is None:
            wanted = self._settings.get("channel_id", "").strip()
            channels = self._api().channels()
            if wanted:
                request = channels.list(part="id,snippet", id=wanted)
            else:
                request = channels.list(part="id,snippet", mine=True)
            items = self._execute(request, "looking up your channel").get("items") or []
            if not items:
                if wanted:
                    raise base.ConnectorError(
                        f"YouTube has no channel with the ID '{wanted}'.",
                        hint="Copy the ID from YouTube Studio → Settings → Channel → Advanced settings, "
                        "or leave it empty.",
                    )
                raise base.ConnectorError(
                    "The Google account you signed in with has no YouTube channel.",
                    hint=_CONNECT_AGAIN + " Pick the account (or brand account) that owns the channel.",
                )
            self._channel = dict(items[0])
        return self._channel

    def check(self) -> base.Account:
        channel = self._my_channel()
        snippet = channel.get("snippet") or {}
        title = str(snippet.get("title") or "")
        return base.Account(
            handle=str(snippet.get("customUrl") or title or channel["id"]),
            display_name=title,
            user_id=str(channel["id"]),
        )

    # --- reading -------------------------------------------------------------------------------

    def fetch_new(self, cursor: str | None, cancel: CancelToken) -> base.FetchResult:
        me = str(self._my_channel()["id"])
        since, since_ids = _parse_cursor(cursor)
        threads = self._api().commentThreads()
        newest, newest_ids = since, set(since_ids)
        thread_records: dict[str, ThreadRecord] = {}
        items: list[ItemRecord] = []
        context: dict[str, ItemRecord] = {}  # a new reply's top-level comment, by id
        videos: list[str] = []
        page_token: str | None = None
        for _ in range(_FIRST_RUN_PAGES if since is None else _MAX_PAGES):
            cancel.raise_if_cancelled()
            page = self._execute(
                threads.list(
                    part="snippet,replies",
                    allThreadsRelatedToChannelId=me,
                    order="time",
                    maxResults=50,
                    textFormat="plainText",
                    pageToken=page_token,
                ),
                "reading your comments",
            )
            found_new = False
            for thread in page.get("items") or []:
                comments = list(self._thread_comments(thread, me, cancel))
                fresh = [c for c in comments if _is_new(c, since, since_ids)]
                for record in comments:
                    if newest is None or record.created_at > newest:
                        newest, newest_ids = record.created_at, {record.external_id}
                    elif record.created_at == newest:
                        newest_ids.add(record.external_id)
                if not fresh:
                    continue
                found_new = True
                top = comments[0]
                if top not in fresh:
                    context[top.external_id] = top
                items.extend(fresh)
                if top.thread_key and top.thread_key not in thread_records:
                    video_id = str(top.extra.get("video_id", ""))
                    thread_records[top.thread_key] = ThreadRecord(
                        top.thread_key, top.thread_key, kind="comments"
                    )
                    if video_id:
                        videos.append(video_id)
            page_token = page.get("nextPageToken")
            if not page_token or (since is not None and not found_new):
                break
        cancel.raise_if_cancelled()
        video_records = list(self._videos(videos, me))
        for video in video_records:
            key = _thread_key(video.external_id)
            thread_records[key] = ThreadRecord(key, str(video.extra.get("title") or key), kind="comments")
        records: list[base.Record] = [*thread_records.values(), *video_records, *context.values(), *items]
        out_cursor = cursor
        if newest is not None:
            out_cursor = json.dumps(
                {"since": newest.isoformat().replace("+00:00", "Z"), "ids": sorted(newest_ids)},
                separators=(",", ":"),
            )
        return base.FetchResult(records=records, cursor=out_cursor)

    def _thread_comments(self, thread: dict[str, Any], me: str, cancel: CancelToken) -> Iterator[ItemRecord]:
        """The top-level comment of a ``commentThread``, then all its replies, oldest first."""
        snippet = thread.get("snippet") or {}
        video_id = str(snippet.get("videoId") or "")
        top = snippet.get("topLevelComment") or {}
        top_id = str(top.get("id") or thread.get("id") or "")
        replies = list((thread.get("replies") or {}).get("comments") or [])
        if int(snippet.get("totalReplyCount") or 0) > len(replies):
            replies = list(self._replies(top_id, cancel))
        owner = str((self._my_channel().get("snippet") or {}).get("title") or "me")
        yield _comment(top, me, owner, video_id, top_id, reply_to=video_id or None)
        ordered = sorted(replies, key=lambda c: str((c.get("snippet") or {}).get("publishedAt") or ""))
        for reply in ordered:
            yield _comment(reply, me, owner, video_id, top_id, reply_to=top_id)

    def _replies(self, parent_id: str, cancel: CancelToken) -> Iterator[dict[str, Any]]:
        """Every reply under a top-level comment (``comments.list(parentId=…)``), page by page."""
        comments = self._api().comments()
        page_token: str | None = None
        for _ in range(_REPLY_PAGES):
            cancel.raise_if_cancelled()
            page = self._execute(
                comments.list(
                    part="snippet",
                    parentId=parent_id,
                    maxResults=100,
                    textFormat="plainText",
                    pageToken=page_token,
                ),
                "reading the replies to a comment",
            )
            yield from page.get("items") or []
            page_token = page.get("nextPageToken")
            if not page_token:
                return

    def _videos(self, video_ids: list[str], me: str) -> Iterator[ItemRecord]:
        """The creator's videos the new comments are under, as their posts (``videos.list``)."""
        videos = self._api().videos()
        for start in range(0, len(video_ids), 50):
            batch = video_ids[start : start + 50]
            page = self._execute(
                videos.list(part="snippet", id=",".join(batch), maxResults=50), "reading your videos"
            )
            for video in page.get("items") or []:
                snippet = video.get("snippet") or {}
                title = normalize(str(snippet.get("title") or ""))
                description = normalize(str(snippet.get("description") or ""))
                text = "\n\n".join(part for part in (title, description) if part)
                if not text or not snippet.get("publishedAt"):
                    continue
                video_id = str(video["id"])
                yield ItemRecord(
                    external_id=video_id,
                    kind=POST,
                    text=text,
                    created_at=parse_time(str(snippet["publishedAt"])),
                    author=str(snippet.get("channelTitle") or "me"),
                    is_owner=str(snippet.get("channelId") or me) == me,
                    thread_key=_thread_key(video_id),
                    extra={"title": title, "video_id": video_id},
                )

    # --- sending -------------------------------------------------------------------------------

    @staticmethod
    def _parent(reply: base.OutgoingReply) -> str:
        """The top-level comment a reply goes under (YouTube has no replies to replies)."""
        if reply.kind == POST:
            raise base.ConnectorError(
                "Understudy answers comments on YouTube, not the video itself, so this reply was not sent.",
            )
        # A reply's id is "<top-level id>.<reply id>": the part before the dot when meta lacks it.
        return str(reply.meta.get("top_level_comment_id") or reply.in_reply_to.split(".", 1)[0])

    def send(self, reply: base.OutgoingReply) -> str:
        parent = self._parent(reply)
        body = {"snippet": {"parentId": parent, "textOriginal": reply.text}}
        created = self._execute(
            self._api().comments().insert(part="snippet", body=body), "posting your reply"
        )
        return str(created["id"])

    def find_sent(self, reply: base.OutgoingReply) -> str | None:
        parent = self._parent(reply)
        me = str(self._my_channel()["id"])
        wanted = reply.text.strip()
        for comment in self._replies(parent, CancelToken()):
            snippet = comment.get("snippet") or {}
            author = str((snippet.get("authorChannelId") or {}).get("value") or "")
            text = str(snippet.get("textOriginal") or snippet.get("textDisplay") or "").strip()
            if author == me and text == wanted:
                return str(comment["id"])
        return None


def _is_new(record: ItemRecord, since: datetime | None, since_ids: frozenset[str]) -> bool:
    if since is None:
        return True
    return record.created_at > since or (record.created_at == since and record.external_id not in since_ids)


def _comment(
    comment: dict[str, Any], me: str, owner_name: str, video_id: str, top_id: str, *, reply_to: str | None
) -> ItemRecord:
    """A ``youtube#comment`` resource as an item; ``top_level_comment_id`` is what send() answers under.

    The creator's own comments carry the channel title as author, as the Takeout importer's do.
    """
    snippet = comment.get("snippet") or {}
    author_id = str((snippet.get("authorChannelId") or {}).get("value") or "")
    text = normalize(str(snippet.get("textOriginal") or snippet.get("textDisplay") or ""))
    is_owner = bool(author_id) and author_id == me
    extra: dict[str, object] = {"top_level_comment_id": top_id, "author_channel_id": author_id}
    if video_id:
        extra["video_id"] = video_id
    return ItemRecord(
        external_id=str(comment.get("id") or ""),
        kind=COMMENT,
        text=text,
        created_at=parse_time(str(snippet.get("publishedAt") or "")),
        author=owner_name if is_owner else str(snippet.get("authorDisplayName") or author_id or "someone"),
        is_owner=is_owner,
        thread_key=_thread_key(video_id) if video_id else None,
        reply_to=reply_to,
        extra=extra,
    )


def _error_reasons(exc: Any) -> set[str]:
    """The ``reason`` of each entry of a Google API error body (``error.errors[]`` / ``details[]``)."""
    reasons: set[str] = set()
    details = exc.error_details if isinstance(exc.error_details, list) else []
    try:
        body = json.loads(exc.content.decode("utf-8"))
        error = body.get("error") or {}
        details = [*details, *(error.get("errors") or []), *(error.get("details") or [])]
    except (ValueError, AttributeError, UnicodeDecodeError):
        pass
    for entry in details:
        if isinstance(entry, dict) and entry.get("reason"):
            reasons.add(str(entry["reason"]))
    return reasons


def _http_error(exc: Any, doing: str) -> base.ConnectorError:
    """A YouTube Data API error response in plain words.

    Reasons as developers.google.com/youtube/v3/docs/errors lists them.
    """
    status = int(exc.resp.status)
    reasons = _error_reasons(exc)
    said = str(exc.reason or "").strip().rstrip(".")
    retry_header = exc.resp.get("retry-after")
    retry_after = float(retry_header) if retry_header and str(retry_header).isdigit() else None
    if status == 401:
        return base.SignInExpired(
            "YouTube no longer accepts Understudy's sign-in (the access was revoked or expired).",
            hint=_CONNECT_AGAIN,
        )
    if reasons & _QUOTA_REASONS:
        return base.RateLimited(
            f"Your Google Cloud project's daily YouTube quota is used up, so Understudy stopped {doing}.",
            retry_after=retry_after or _until_quota_reset(),
            hint="YouTube resets it at midnight Pacific time; Understudy will carry on then.",
        )
    if status == 429 or reasons & _RATE_REASONS:
        return base.RateLimited(
            f"YouTube asked Understudy to slow down while {doing}.",
            retry_after=retry_after,
            hint="Understudy will try again in a little while.",
        )
    if status >= 500:
        return base.PlatformUnavailable(
            f"YouTube is having trouble right now (error {status}) while {doing}.",
            hint="Understudy will try again later.",
        )
    if "accessNotConfigured" in reasons or "SERVICE_DISABLED" in reasons:
        return base.ConnectorError(
            "The YouTube Data API v3 is not enabled in your Google Cloud project.",
            hint="Enable it under 'APIs & Services' → 'Library' in console.cloud.google.com, then try again.",
        )
    if reasons & {"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}:
        return base.SignInExpired(
            "The saved YouTube sign-in does not allow managing comments.",
            hint=_CONNECT_AGAIN + " Allow every permission Google asks for.",
        )
    if "commentsDisabled" in reasons:
        return base.ConnectorError("Comments are turned off on this video, so YouTube refused the reply.")
    if status == 404:
        return base.ConnectorError(
            f"YouTube could not find what Understudy asked for while {doing} "
            f"(it may have been deleted): {said}."
        )
    return base.ConnectorError(f"YouTube refused a request while {doing} (error {status}): {said}.")


def _refresh_reason(exc: Exception) -> str:
    """Google's words from a failed token refresh (``invalid_grant: Token has been expired or revoked.``)."""
    text = str(exc.args[0]) if exc.args else str(exc)
    return text.strip().rstrip(".") or "no reason given"
