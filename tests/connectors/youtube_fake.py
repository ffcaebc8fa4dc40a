"""A faithful fake of the parts of Google's OAuth server and the YouTube Data API v3 Understudy uses.

Served by pytest-httpserver on 127.0.0.1; every response has the shape the reference documents:

- commentThreads.list: developers.google.com/youtube/v3/docs/commentThreads/list (a
  ``youtube#commentThreadListResponse`` with ``nextPageToken``/``pageInfo``/``items``; resource:
  developers.google.com/youtube/v3/docs/commentThreads#resource, where ``replies.comments`` may hold
  only some of the ``snippet.totalReplyCount`` replies);
- comments.list / comments.insert: developers.google.com/youtube/v3/docs/comments/list and
  /docs/comments/insert (resource: developers.google.com/youtube/v3/docs/comments#resource; a
  reply's id is ``<top-level id>.<reply id>``, only top-level comments can be replied to);
- videos.list: developers.google.com/youtube/v3/docs/videos/list;
- channels.list(mine=true): developers.google.com/youtube/v3/docs/channels/list;
- errors: developers.google.com/youtube/v3/docs/errors and /docs/core_errors (``{"error": {"code",
  "message", "errors": [{"domain", "reason", "message"}]}}``; 403 ``quotaExceeded`` in domain
  ``youtube.quota``, 401 ``authError``, 503 ``backendError``);
- the OAuth 2.0 endpoints for installed apps: developers.google.com/identity/protocols/oauth2/native-app
  (the authorization request with PKCE redirects to the loopback ``redirect_uri`` with ``code`` and
  ``state``; the token endpoint answers ``authorization_code`` and ``refresh_token`` grants with
  ``access_token``/``expires_in``/``token_type``, and ``{"error": "invalid_grant", "error_description":
  "Token has been expired or revoked."}`` with status 400 when the refresh token is revoked).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

SCOPE = "https://www.googleapis.com/auth/youtube.force-ssl"
CLIENT_ID = "123456789-fake.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-fake-secret"


def iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FakeComment:
    id: str
    video_id: str
    author: str
    author_channel_id: str
    text: str
    published: datetime
    parent_id: str | None = None


@dataclass
class FakeVideo:
    id: str
    title: str
    description: str
    published: datetime


@dataclass
class YouTubeFake:
    """The state behind the fake endpoints; tests seed it, break it and read it back."""

    server: HTTPServer
    channel_id: str = "UCcreator0000000000000000"
    channel_title: str = "Creator Channel"
    included_replies: int = 2  # how many replies commentThreads.list carries inline
    now: datetime = field(default_factory=lambda: datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc))
    videos: dict[str, FakeVideo] = field(default_factory=dict)
    comments: list[FakeComment] = field(default_factory=list)
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=lambda: {"1//fake-refresh-token"})
    invalid_grant: bool = False
    deny_access: bool = False  # the creator presses "Cancel" on Google's consent page
    refreshes: int = 0
    code_exchanges: int = 0
    failures: list[tuple[str, int, str]] = field(default_factory=list)  # (path prefix, status, reason)
    api_calls: list[tuple[str, str, dict[str, list[str]]]] = field(default_factory=list)
    _codes: dict[str, dict[str, str]] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        s = self.server
        s.expect_request("/token", method="POST").respond_with_handler(self._token)
        s.expect_request("/o/oauth2/auth", method="GET").respond_with_handler(self._authorize)
        s.expect_request("/youtube/v3/channels", method="GET").respond_with_handler(self._api(self._channels))
        s.expect_request("/youtube/v3/commentThreads", method="GET").respond_with_handler(
            self._api(self._threads)
        )
        s.expect_request("/youtube/v3/comments", method="GET").respond_with_handler(self._api(self._comments))
        s.expect_request("/youtube/v3/comments", method="POST").respond_with_handler(self._api(self._insert))
        s.expect_request("/youtube/v3/videos", method="GET").respond_with_handler(self._api(self._videos))

    # --- seeding -------------------------------------------------------------------------------

    @property
    def api_root(self) -> str:
        return self.server.url_for("/")

    def client_config(self) -> dict[str, Any]:
        """A 'Desktop app' client file as Google Cloud Console downloads it, pointed at this fake."""
        return {
            "installed": {
                "client_id": CLIENT_ID,
                "project_id": "understudy-test",
                "auth_uri": self.server.url_for("/o/oauth2/auth"),
                "token_uri": self.server.url_for("/token"),
                "auth_provider_x509_cert_url": self.server.url_for("/oauth2/v1/certs"),
                "client_secret": CLIENT_SECRET,
                "redirect_uris": ["http://localhost"],
            }
        }

    def authorized_user(self, *, token: str | None = None, expired: bool = False) -> str:
        """What ``Credentials.to_json()`` saves after a sign-in with this fake (the keychain entry)."""
        info: dict[str, Any] = {
            "refresh_token": next(iter(self.refresh_tokens)),
            "token_uri": self.server.url_for("/token"),
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scopes": [SCOPE],
        }
        if token:
            self.access_tokens.add(token)
            when = datetime.now(timezone.utc) + (timedelta(hours=-1) if expired else timedelta(hours=1))
            info["token"] = token
            info["expiry"] = when.replace(tzinfo=None).isoformat() + "Z"
        return json.dumps(info)

    def add_video(
        self, video_id: str, title: str, description: str = "", *, minutes_ago: int = 600
    ) -> FakeVideo:
        video = FakeVideo(video_id, title, description, self.now - timedelta(minutes=minutes_ago))
        self.videos[video_id] = video
        return video

    def add_comment(
        self,
        video_id: str,
        text: str,
        *,
        author: str = "@fan",
        author_channel_id: str = "UCfan000000000000000000000",
        parent: FakeComment | None = None,
        minutes_ago: int = 60,
    ) -> FakeComment:
        number = next(self._ids)
        if parent is None:
            comment_id = f"Ugz{number:06d}fakeTopLevel4AaABAg"
        else:
            comment_id = f"{parent.id}.A{number:06d}fakeReply"
        comment = FakeComment(
            comment_id,
            video_id,
            author,
            author_channel_id,
            text,
            self.now - timedelta(minutes=minutes_ago),
            parent.id if parent else None,
        )
        self.comments.append(comment)
        return comment

    def own_reply(self, parent: FakeComment, text: str, *, minutes_ago: int = 30) -> FakeComment:
        return self.add_comment(
            parent.video_id,
            text,
            author="@creator",
            author_channel_id=self.channel_id,
            parent=parent,
            minutes_ago=minutes_ago,
        )

    def replies_to(self, parent_id: str) -> list[FakeComment]:
        return sorted((c for c in self.comments if c.parent_id == parent_id), key=lambda c: c.published)

    def fail_next(self, path: str, status: int, reason: str) -> None:
        """The next API request whose path starts with ``path`` answers with this documented error."""
        self.failures.append((path, status, reason))

    def expire_access_tokens(self) -> None:
        """Every access token handed out so far stops working (they live an hour at Google)."""
        self.access_tokens.clear()

    # --- OAuth ---------------------------------------------------------------------------------

    def _authorize(self, request: Request) -> Response:
        args = request.args
        redirect = args.get("redirect_uri", "")
        host = urlparse(redirect).hostname
        if args.get("client_id") != CLIENT_ID or host not in ("127.0.0.1", "localhost", "::1"):
            return Response("Error 400: redirect_uri_mismatch", status=400)
        if args.get("response_type") != "code" or SCOPE not in args.get("scope", "").split():
            return Response("Error 400: invalid_request", status=400)
        if self.deny_access:  # native-app docs: the redirect carries error=access_denied instead of a code
            query = urlencode({"error": "access_denied", "state": args.get("state", "")})
            return Response(status=302, headers={"Location": f"{redirect}?{query}"})
        code = f"4/0fake-code-{next(self._ids)}"
        self._codes[code] = {
            "redirect_uri": redirect,
            "challenge": args.get("code_challenge", ""),
            "method": args.get("code_challenge_method", "plain"),
        }
        query = urlencode({"state": args.get("state", ""), "code": code, "scope": SCOPE})
        return Response(status=302, headers={"Location": f"{redirect}?{query}"})

    def _token(self, request: Request) -> Response:
        form = request.form
        # the client authenticates in the body or with HTTP Basic (RFC 6749 §2.3.1); Google takes both
        basic = request.authorization
        client = (
            (basic.username, basic.password) if basic else (form.get("client_id"), form.get("client_secret"))
        )
        if client != (CLIENT_ID, CLIENT_SECRET):
            return _json(
                {"error": "invalid_client", "error_description": "The OAuth client was not found."}, 401
            )
        grant = form.get("grant_type")
        if grant == "refresh_token":
            if self.invalid_grant or form.get("refresh_token") not in self.refresh_tokens:
                return _json(
                    {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}, 400
                )
            self.refreshes += 1
            return _json(self._new_access_token())
        if grant == "authorization_code":
            pending = self._codes.pop(form.get("code", ""), None)
            if pending is None or pending["redirect_uri"] != form.get("redirect_uri"):
                return _json({"error": "invalid_grant", "error_description": "Bad Request"}, 400)
            verifier = form.get("code_verifier", "")
            digest = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            )
            if pending["challenge"] and digest != pending["challenge"]:
                return _json({"error": "invalid_grant", "error_description": "Invalid code verifier."}, 400)
            self.code_exchanges += 1
            refresh = f"1//fake-refresh-{next(self._ids)}"
            self.refresh_tokens.add(refresh)
            return _json({**self._new_access_token(), "refresh_token": refresh})
        return _json({"error": "unsupported_grant_type", "error_description": "Invalid grant_type."}, 400)

    def _new_access_token(self) -> dict[str, Any]:
        token = f"ya29.fake-access-{next(self._ids)}"
        self.access_tokens.add(token)
        return {"access_token": token, "expires_in": 3599, "scope": SCOPE, "token_type": "Bearer"}

    # --- the API -------------------------------------------------------------------------------

    def _api(self, handler: Any) -> Any:
        def serve(request: Request) -> Response:
            args = {k: request.args.getlist(k) for k in request.args}
            self.api_calls.append((request.method, request.path, args))
            auth = request.headers.get("Authorization", "")
            if not auth.startswith("Bearer ") or auth[7:] not in self.access_tokens:
                return _error(
                    401,
                    "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
                    "cookie or other valid authentication credential.",
                    "authError",
                    "global",
                    api_status="UNAUTHENTICATED",
                )
            for failure in self.failures:
                if request.path.startswith(failure[0]):
                    self.failures.remove(failure)
                    return _documented_error(failure[1], failure[2])
            return handler(request)  # type: ignore[no-any-return]

        return serve

    def _channels(self, request: Request) -> Response:
        mine = request.args.get("mine") == "true"
        ids = request.args.get("id", "").split(",")
        items = []
        if mine or self.channel_id in ids:
            items.append(
                {
                    "kind": "youtube#channel",
                    "etag": "fake-etag",
                    "id": self.channel_id,
                    "snippet": {
                        "title": self.channel_title,
                        "description": "",
                        "customUrl": "@creator",
                        "publishedAt": "2020-01-01T00:00:00Z",
                    },
                }
            )
        return _json(_list_response("youtube#channelListResponse", items, len(items), None))

    def _threads(self, request: Request) -> Response:
        channel = request.args.get("allThreadsRelatedToChannelId")
        if channel != self.channel_id:
            return _documented_error(404, "channelNotFound")
        tops = [c for c in self.comments if c.parent_id is None]
        tops.sort(key=lambda c: c.published, reverse=True)  # order=time: newest first
        size = min(int(request.args.get("maxResults", "20")), 100)
        start = _page_start(request.args.get("pageToken"))
        page = tops[start : start + size]
        parts = request.args.get("part", "").split(",")
        items = []
        for top in page:
            replies = self.replies_to(top.id)
            thread: dict[str, Any] = {
                "kind": "youtube#commentThread",
                "etag": "fake-etag",
                "id": top.id,
                "snippet": {
                    "channelId": self.channel_id,
                    "videoId": top.video_id,
                    "topLevelComment": self._resource(top),
                    "canReply": True,
                    "totalReplyCount": len(replies),
                    "isPublic": True,
                },
            }
            if "replies" in parts and replies:
                thread["replies"] = {
                    "comments": [self._resource(r) for r in replies[: self.included_replies]]
                }
            items.append(thread)
        next_token = _token_for(start + size) if start + size < len(tops) else None
        return _json(_list_response("youtube#commentThreadListResponse", items, len(tops), next_token, size))

    def _comments(self, request: Request) -> Response:
        parent = request.args.get("parentId", "")
        if not any(c.id == parent and c.parent_id is None for c in self.comments):
            return _documented_error(404, "commentNotFound")
        replies = self.replies_to(parent)
        size = min(int(request.args.get("maxResults", "20")), 100)
        start = _page_start(request.args.get("pageToken"))
        items = [self._resource(r) for r in replies[start : start + size]]
        next_token = _token_for(start + size) if start + size < len(replies) else None
        return _json(_list_response("youtube#commentListResponse", items, len(replies), next_token, size))

    def _insert(self, request: Request) -> Response:
        snippet = (request.get_json(silent=True) or {}).get("snippet") or {}
        parent = next((c for c in self.comments if c.id == snippet.get("parentId")), None)
        if parent is None:
            return _documented_error(404, "commentNotFound")
        if parent.parent_id is not None:
            return _documented_error(400, "operationNotSupported")
        if not str(snippet.get("textOriginal") or "").strip():
            return _documented_error(400, "commentTextRequired")
        self.now += timedelta(seconds=5)
        reply = self.own_reply(parent, snippet["textOriginal"], minutes_ago=0)
        return _json(self._resource(reply))

    def _videos(self, request: Request) -> Response:
        ids = [i for i in request.args.get("id", "").split(",") if i]
        items = [
            {
                "kind": "youtube#video",
                "etag": "fake-etag",
                "id": v.id,
                "snippet": {
                    "publishedAt": iso(v.published),
                    "channelId": self.channel_id,
                    "title": v.title,
                    "description": v.description,
                    "channelTitle": self.channel_title,
                    "categoryId": "22",
                    "liveBroadcastContent": "none",
                },
            }
            for i in ids
            if (v := self.videos.get(i))
        ]
        return _json(_list_response("youtube#videoListResponse", items, len(items), None))

    def _resource(self, c: FakeComment) -> dict[str, Any]:
        snippet: dict[str, Any] = {
            "channelId": self.channel_id,
            "videoId": c.video_id,
            "textDisplay": c.text,
            "textOriginal": c.text,
            "authorDisplayName": c.author,
            "authorProfileImageUrl": "https://yt3.ggpht.com/fake",
            "authorChannelUrl": f"http://www.youtube.com/{c.author}",
            "authorChannelId": {"value": c.author_channel_id},
            "canRate": True,
            "viewerRating": "none",
            "likeCount": 0,
            "publishedAt": iso(c.published),
            "updatedAt": iso(c.published),
        }
        if c.parent_id:
            snippet["parentId"] = c.parent_id
        return {"kind": "youtube#comment", "etag": "fake-etag", "id": c.id, "snippet": snippet}


def _page_start(token: str | None) -> int:
    return int(base64.urlsafe_b64decode(token).decode().removeprefix("offset:")) if token else 0


def _token_for(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _list_response(
    kind: str, items: list[Any], total: int, next_token: str | None, size: int = 5
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": kind,
        "etag": "fake-etag",
        "pageInfo": {"totalResults": total, "resultsPerPage": size},
        "items": items,
    }
    if next_token:
        body["nextPageToken"] = next_token
    return body


_MESSAGES = {
    "quotaExceeded": (
        "youtube.quota",
        "The request cannot be completed because you have exceeded your "
        '<a href="/youtube/v3/getting-started#quota">quota</a>.',
    ),
    "rateLimitExceeded": ("youtube.quota", "The request cannot be completed because of too many requests."),
    "backendError": ("global", "The service is currently unavailable."),
    "commentNotFound": (
        "youtube.comment",
        "The comment identified by the request's id parameter could not be found.",
    ),
    "channelNotFound": ("youtube.commentThread", "The channel could not be found."),
    "commentsDisabled": ("youtube.commentThread", "The video has disabled comments."),
    "operationNotSupported": (
        "youtube.comment",
        "The API user is not able to insert a comment in reply to a reply.",
    ),
    "commentTextRequired": ("youtube.comment", "The comment resource must contain text."),
}


def _documented_error(status: int, reason: str) -> Response:
    domain, message = _MESSAGES.get(reason, ("global", reason))
    return _error(status, message, reason, domain)


def _error(status: int, message: str, reason: str, domain: str, *, api_status: str = "") -> Response:
    entry: dict[str, str] = {"message": message, "domain": domain, "reason": reason}
    body: dict[str, Any] = {"error": {"code": status, "message": message, "errors": [entry]}}
    if api_status:  # the 401 names the header it rejected (docs/core_errors: authError)
        body["error"]["status"] = api_status
        entry.update(location="Authorization", locationType="header")
    return _json(body, status)


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json; charset=UTF-8")


def follow_in_background(url: str) -> None:
    """What a browser does with Google's sign-in page here: open it, and follow its redirect back
    to Understudy's loopback server (in a thread, as a browser runs apart from the app)."""
    import threading
    import urllib.request

    def visit() -> None:
        with urllib.request.urlopen(url, timeout=10) as answer:  # follows the 302 to 127.0.0.1
            answer.read()

    threading.Thread(target=visit, daemon=True).start()


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)
