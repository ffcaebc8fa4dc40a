"""A faithful fake of the Mastodon REST API, on pytest-httpserver (loopback only).

It answers what ``MastodonConnector`` (through Mastodon.py) asks, with the shapes
docs.joinmastodon.org documents; each handler cites its page. It keeps real state: statuses
posted through it show up in ``/context`` afterwards, a fan's reply or direct message that
mentions the creator becomes a ``mention`` notification. Switches: ``expire_token()`` (401, as
Doorkeeper answers an invalid token), ``fail_next(429)`` / ``fail_next(503)``.

Pages read: https://docs.joinmastodon.org/entities/Status/, /entities/Account/,
/entities/Notification/, /entities/Context/, /entities/Instance/, /entities/V1_Instance/,
/methods/notifications/, /methods/statuses/, /methods/accounts/#verify_credentials,
/methods/instance/, /api/guidelines/#pagination, /api/rate-limits/,
/entities/Error/ (errors are ``{"error": "..."}``, 401 "The access token is invalid").
"""

from __future__ import annotations

import html
import itertools
import json
import re
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

TOKEN = "fake-token-3c1f9a"
# https://docs.joinmastodon.org/api/oauth-scopes/ (profile, read:accounts for verify_credentials)
DEFAULT_SCOPES = ("read:accounts", "read:notifications", "read:statuses", "write:statuses")


def _iso(moment: datetime) -> str:
    """Mastodon's timestamps: ISO 8601 with milliseconds, in UTC ("2019-12-08T03:48:33.901Z")."""
    return (
        moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    host: str
    authorization: str


@dataclass
class FakeMastodon:
    """One instance with the creator (``ana``), a local fan (``bo``) and a remote fan (``cy``)."""

    server: HTTPServer
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    requests: list[Seen] = field(default_factory=list)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    token: str = TOKEN
    token_valid: bool = True
    ratelimit_limit: int = 300
    ratelimit_remaining: int = 300
    _failures: list[int] = field(default_factory=list)
    _lost_answers: int = 0
    _idempotency: dict[str, str] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(113_000_000_000_000_001))
    _notification_ids: Any = field(default_factory=lambda: itertools.count(501))
    _clock: datetime = field(default_factory=lambda: datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.base = self.server.url_for("/").rstrip("/")
        self.domain = urlparse(self.base).netloc
        self.creator = self._account("1", "ana", "Ana Creator")
        self.bo = self._account("2", "bo", "Bo Fan")
        self.cy = self._account("3", "cy", "Cy Remote", remote="remote.example")
        self.accounts = {a["id"]: a for a in (self.creator, self.bo, self.cy)}
        self.server.expect_request(re.compile(r"^/.*$")).respond_with_handler(self._handle)

    # -- set-up helpers (what the fans do on the fediverse) ------------------------------------

    @property
    def url(self) -> str:
        return self.base

    def post(
        self,
        account: dict[str, Any],
        text: str,
        *,
        in_reply_to: dict[str, Any] | None = None,
        visibility: str = "public",
    ) -> dict[str, Any]:
        """A status by ``account``; a mention of the creator by someone else notifies them."""
        with self._lock:
            status = self._create(account, text, in_reply_to["id"] if in_reply_to else None, visibility)
        return status

    def expire_token(self) -> None:
        self.token_valid = False

    def lose_next_post_answer(self) -> None:
        """The next status is posted, but its answer never arrives (a proxy's 502 after the fact)."""
        self._lost_answers += 1

    def new_token(self) -> str:
        """The creator made a new access token (Preferences → Development): the old one stays dead."""
        self.token = f"fake-token-{len(self.requests)}-renewed"
        self.token_valid = True
        return self.token

    def fail_next(self, status: int, times: int = 1) -> None:
        self._failures.extend([status] * times)

    def thread_of(self, status_id: str) -> list[dict[str, Any]]:
        """Every status that replies (directly or not) to ``status_id``, oldest first."""
        return self._descendants(status_id)

    def archive(self, path: Path) -> Path:
        """The creator's account archive (``outbox.json`` + ``actor.json``), as the instance exports it.

        Notes carry the same ids as the API's ``uri`` (https://docs.joinmastodon.org/spec/activitypub/).
        """
        actor_id = self.creator["uri"]
        public = "https://www.w3.org/ns/activitystreams#Public"
        audience = {
            "public": ([public], [actor_id + "/followers"]),
            "unlisted": ([actor_id + "/followers"], [public]),
            "private": ([actor_id + "/followers"], []),
        }
        items = []
        for status in sorted(self.statuses.values(), key=lambda s: int(s["id"])):
            if status["account"]["id"] != self.creator["id"]:
                continue
            parent = self.statuses.get(status["in_reply_to_id"] or "")
            to, cc = audience.get(status["visibility"], ([m["url"] for m in status["mentions"]], []))
            note = {
                "id": status["uri"],
                "type": "Note",
                "inReplyTo": parent["uri"] if parent else None,
                "published": status["created_at"],
                "url": status["url"],
                "attributedTo": actor_id,
                "to": to,
                "cc": cc,
                "content": status["content"],
            }
            activity = {"id": status["uri"] + "/activity", "type": "Create", "actor": actor_id}
            items.append({**activity, "published": status["created_at"], "to": to, "cc": cc, "object": note})
        outbox = {"@context": "https://www.w3.org/ns/activitystreams", "id": "outbox.json"}
        outbox.update({"type": "OrderedCollection", "totalItems": len(items), "orderedItems": items})
        actor = {"id": actor_id, "type": "Person", "preferredUsername": self.creator["username"]}
        actor["followers"] = actor_id + "/followers"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("outbox.json", json.dumps(outbox))
            archive.writestr("actor.json", json.dumps(actor))
        return path

    def api_paths(self) -> list[str]:
        return [r.path for r in self.requests]

    # -- state ----------------------------------------------------------------------------------

    def _account(self, account_id: str, username: str, name: str, remote: str = "") -> dict[str, Any]:
        # https://docs.joinmastodon.org/entities/Account/
        host = remote or self.domain
        scheme = "https" if remote else urlparse(self.base).scheme
        return {
            "id": account_id,
            "username": username,
            "acct": f"{username}@{remote}" if remote else username,
            "display_name": name,
            "locked": False,
            "bot": False,
            "discoverable": True,
            "group": False,
            "created_at": "2022-11-03T00:00:00.000Z",
            "note": "<p></p>",
            "url": f"{scheme}://{host}/@{username}",
            "uri": f"{scheme}://{host}/users/{username}",
            "avatar": f"{self.base}/avatars/original/missing.png",
            "avatar_static": f"{self.base}/avatars/original/missing.png",
            "header": f"{self.base}/headers/original/missing.png",
            "header_static": f"{self.base}/headers/original/missing.png",
            "followers_count": 10,
            "following_count": 5,
            "statuses_count": 3,
            "last_status_at": "2026-12-01",
            "noindex": False,
            "emojis": [],
            "fields": [],
        }

    def _render(self, text: str) -> tuple[str, list[dict[str, Any]]]:
        """Plain text to Mastodon's HTML (paragraphs, <br />, h-card mentions) and its mentions."""
        mentions: list[dict[str, Any]] = []
        by_acct = {a["acct"]: a for a in self.accounts.values()}
        by_acct.update(
            {f"{a['username']}@{self.domain}": a for a in self.accounts.values() if "@" not in a["acct"]}
        )

        def link(url: str) -> str:
            # Mastodon's formatter: scheme hidden, long addresses cut after 30 characters
            scheme = re.match(r"https?://(?:www\.)?", url)
            prefix = scheme.group(0) if scheme else ""
            rest = url[len(prefix) :]
            shown, hidden = rest[:30], rest[30:]
            return (
                f'<a href="{url}" target="_blank" rel="nofollow noopener" translate="no">'
                f'<span class="invisible">{prefix}</span>'
                f'<span class="{"ellipsis" if hidden else ""}">{shown}</span>'
                f'<span class="invisible">{hidden}</span></a>'
            )

        def token(match: re.Match[str]) -> str:
            if match.group(1):
                return link(match.group(1))
            account = by_acct.get(match.group(2))
            if account is None:
                return match.group(0)
            if all(m["id"] != account["id"] for m in mentions):
                mentions.append(
                    {
                        "id": account["id"],
                        "username": account["username"],
                        "url": account["url"],
                        "acct": account["acct"],
                    }
                )
            return (
                f'<span class="h-card" translate="no"><a href="{account["url"]}" class="u-url mention">'
                f"@<span>{account['username']}</span></a></span>"
            )

        paragraphs = []
        for paragraph in text.strip().split("\n\n"):
            escaped = html.escape(paragraph, quote=False)
            escaped = re.sub(r"(https?://[^\s<]+)|(?<![\w/])@([\w.\-]+(?:@[\w.\-]+)?)", token, escaped)
            paragraphs.append("<p>" + escaped.replace("\n", "<br />") + "</p>")
        return "".join(paragraphs), mentions

    def _create(
        self, account: dict[str, Any], text: str, in_reply_to_id: str | None, visibility: str
    ) -> dict[str, Any]:
        status_id = str(next(self._ids))
        self._clock += timedelta(minutes=1)
        content, mentions = self._render(text)
        parent = self.statuses.get(in_reply_to_id) if in_reply_to_id else None
        account_host = urlparse(account["uri"]).netloc
        scheme = urlparse(account["uri"]).scheme
        # https://docs.joinmastodon.org/entities/Status/
        status: dict[str, Any] = {
            "id": status_id,
            "uri": f"{scheme}://{account_host}/users/{account['username']}/statuses/{status_id}",
            "url": f"{scheme}://{account_host}/@{account['username']}/{status_id}",
            "created_at": _iso(self._clock),
            "account": account,
            "content": content,
            "visibility": visibility,
            "sensitive": False,
            "spoiler_text": "",
            "media_attachments": [],
            "application": {"name": "Web", "website": None},
            "mentions": mentions,
            "tags": [],
            "emojis": [],
            "reblogs_count": 0,
            "favourites_count": 0,
            "replies_count": 0,
            "in_reply_to_id": parent["id"] if parent else None,
            "in_reply_to_account_id": parent["account"]["id"] if parent else None,
            "reblog": None,
            "poll": None,
            "card": None,
            "language": "en",
            "text": None,
            "edited_at": None,
            "favourited": False,
            "reblogged": False,
            "muted": False,
            "bookmarked": False,
            "pinned": False,
            "filtered": [],
        }
        self.statuses[status_id] = status
        if parent:
            parent["replies_count"] += 1
        mentioned = {m["id"] for m in mentions}
        if account["id"] != self.creator["id"] and self.creator["id"] in mentioned:
            # https://docs.joinmastodon.org/entities/Notification/
            self.notifications.append(
                {
                    "id": str(next(self._notification_ids)),
                    "type": "mention",
                    "group_key": f"ungrouped-{status_id}",
                    "created_at": status["created_at"],
                    "account": account,
                    "status": status,
                }
            )
        return status

    def _ancestors(self, status: dict[str, Any]) -> list[dict[str, Any]]:
        chain = []
        current = status
        while current["in_reply_to_id"] and current["in_reply_to_id"] in self.statuses:
            current = self.statuses[current["in_reply_to_id"]]
            chain.append(current)
        return list(reversed(chain))

    def _descendants(self, status_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []

        def walk(parent_id: str) -> None:
            for child in sorted(self.statuses.values(), key=lambda s: int(s["id"])):
                if child["in_reply_to_id"] == parent_id:
                    found.append(child)
                    walk(child["id"])

        walk(status_id)
        return found

    # -- HTTP -----------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        # https://docs.joinmastodon.org/api/rate-limits/ : on every answer
        reset = datetime.now(timezone.utc) + timedelta(minutes=5)
        return {
            "X-RateLimit-Limit": str(self.ratelimit_limit),
            "X-RateLimit-Remaining": str(self.ratelimit_remaining),
            "X-RateLimit-Reset": _iso(reset),
        }

    def _json(self, body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        all_headers = self._headers()
        all_headers.update(headers or {})
        return Response(json.dumps(body), status=status, headers=all_headers, content_type="application/json")

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        return self._json({"error": message}, status, headers)

    def _handle(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(
                Seen(
                    request.method,
                    request.path,
                    parse_qs(request.query_string.decode()),
                    request.host,
                    request.headers.get("Authorization", ""),
                )
            )
            self.ratelimit_remaining = max(0, self.ratelimit_remaining - 1)
            if self._failures:
                return self._failure(self._failures.pop(0))
            return self._route(request)

    def _failure(self, status: int) -> Response:
        if status == 429:
            # https://docs.joinmastodon.org/api/rate-limits/ : 429 once the quota is spent
            reset = datetime.now(timezone.utc) + timedelta(seconds=120)
            return self._error(
                429,
                "Too many requests",
                {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": _iso(reset)},
            )
        if status == 401:
            return self._error(401, "The access token is invalid")
        return self._error(status, "Service Unavailable" if status == 503 else "Internal Server Error")

    def _authorized(self, request: Request) -> Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}" or not self.token_valid:
            # a missing, revoked or expired token (https://docs.joinmastodon.org/entities/Error/)
            return self._error(401, "The access token is invalid")
        return None

    def _scope(self, *needed: str) -> Response | None:
        if not any(scope in self.scopes for scope in needed):
            return self._error(403, "This action is outside the authorized scopes")
        return None

    def _route(self, request: Request) -> Response:  # noqa: C901 - one branch per endpoint
        path, method = request.path, request.method
        if method == "GET" and path == "/api/v1/instance":
            return self._json(self._instance_v1())
        if method == "GET" and path == "/api/v2/instance":
            return self._json(self._instance_v2())
        denied = self._authorized(request)
        if denied is not None:
            return denied
        if method == "GET" and path == "/api/v1/accounts/verify_credentials":
            # https://docs.joinmastodon.org/methods/accounts/#verify_credentials (a CredentialAccount)
            return self._scope("profile", "read:accounts", "read") or self._json(
                dict(
                    self.creator,
                    source={"privacy": "public", "sensitive": False, "language": "en", "note": ""},
                )
            )
        if method == "GET" and path == "/api/v1/notifications":
            return self._scope("read:notifications", "read") or self._notifications(request)
        match = re.fullmatch(r"/api/v1/statuses/(\d+)(/context)?", path)
        if method == "GET" and match:
            denied = self._scope("read:statuses", "read")
            if denied is not None:
                return denied
            status = self.statuses.get(match.group(1))
            if status is None:
                return self._error(404, "Record not found")
            if match.group(2):
                # https://docs.joinmastodon.org/entities/Context/
                return self._json(
                    {"ancestors": self._ancestors(status), "descendants": self._descendants(status["id"])}
                )
            return self._json(status)
        if method == "POST" and path == "/api/v1/statuses":
            return self._scope("write:statuses", "write") or self._post_status(request)
        return self._error(404, "Record not found")

    def _instance_v1(self) -> dict[str, Any]:
        # https://docs.joinmastodon.org/entities/V1_Instance/
        return {
            "uri": self.domain,
            "title": "Fake Mastodon",
            "short_description": "A test instance",
            "description": "",
            "email": "admin@example.invalid",
            "version": "4.3.2",
            "urls": {"streaming_api": self.base.replace("http", "ws", 1)},
            "stats": {"user_count": 3, "status_count": len(self.statuses), "domain_count": 2},
            "languages": ["en"],
            "registrations": False,
            "approval_required": False,
            "invites_enabled": False,
            "configuration": {"statuses": {"max_characters": 500, "max_media_attachments": 4}},
            "contact_account": self.creator,
            "rules": [],
        }

    def _instance_v2(self) -> dict[str, Any]:
        # https://docs.joinmastodon.org/entities/Instance/
        return {
            "domain": self.domain,
            "title": "Fake Mastodon",
            "version": "4.3.2",
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "A test instance",
            "usage": {"users": {"active_month": 3}},
            "thumbnail": {"url": f"{self.base}/thumbnail.png"},
            "languages": ["en"],
            "configuration": {"statuses": {"max_characters": 500}},
            "registrations": {"enabled": False, "approval_required": False, "message": None},
            "api_versions": {"mastodon": 2},
            "contact": {"email": "admin@example.invalid", "account": self.creator},
            "rules": [],
        }

    def _notifications(self, request: Request) -> Response:
        """GET /api/v1/notifications: newest first, max_id/since_id/min_id, Link header.

        https://docs.joinmastodon.org/methods/notifications/#get and
        https://docs.joinmastodon.org/api/guidelines/#pagination
        """
        args = request.args
        types = args.getlist("types[]")
        excluded = args.getlist("exclude_types[]")
        limit = min(int(args.get("limit", 40)), 80)
        items = [
            n for n in self.notifications if (not types or n["type"] in types) and n["type"] not in excluded
        ]
        items.sort(key=lambda n: int(n["id"]), reverse=True)
        if args.get("max_id"):
            items = [n for n in items if int(n["id"]) < int(args["max_id"])]
        if args.get("since_id"):
            items = [n for n in items if int(n["id"]) > int(args["since_id"])]
        if args.get("min_id"):
            # the page right after min_id (oldest first, then shown newest first)
            after = sorted(
                (n for n in items if int(n["id"]) > int(args["min_id"])), key=lambda n: int(n["id"])
            )
            page = list(reversed(after[:limit]))
        else:
            page = items[:limit]
        headers = {}
        if page:
            kept = {"limit": str(limit)} if "limit" in args else {}
            filters = [("types[]", t) for t in types] + [("exclude_types[]", t) for t in excluded]
            next_q = urlencode([*kept.items(), *filters, ("max_id", page[-1]["id"])])
            prev_q = urlencode([*kept.items(), *filters, ("min_id", page[0]["id"])])
            headers["Link"] = (
                f'<{self.base}/api/v1/notifications?{next_q}>; rel="next", '
                f'<{self.base}/api/v1/notifications?{prev_q}>; rel="prev"'
            )
        return self._json(page, headers=headers)

    def _post_status(self, request: Request) -> Response:
        """POST /api/v1/statuses (https://docs.joinmastodon.org/methods/statuses/#create)."""
        form = request.form
        key = request.headers.get("Idempotency-Key")
        if key and key in self._idempotency:
            return self._json(self.statuses[self._idempotency[key]])
        text = form.get("status", "")
        if not text.strip():
            return self._error(422, "Validation failed: Text can't be blank")
        if len(text) > 500:
            return self._error(422, "Validation failed: Text character limit of 500 exceeded")
        in_reply_to_id = form.get("in_reply_to_id") or None
        if in_reply_to_id and in_reply_to_id not in self.statuses:
            return self._error(404, "Record not found")
        visibility = form.get("visibility", "public")
        if visibility not in ("public", "unlisted", "private", "direct"):
            return self._error(422, "Validation failed: Visibility is not included in the list")
        status = self._create(self.creator, text, in_reply_to_id, visibility)
        if key:
            self._idempotency[key] = status["id"]
        if self._lost_answers:
            self._lost_answers -= 1
            return self._error(502, "Bad Gateway")
        return self._json(status)
