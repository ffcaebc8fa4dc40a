"""Optional connector, off by default: POST each approved reply as JSON to a webhook the creator configures.

* The URL and the on/off switch live in ``profile_settings`` (key ``WEBHOOK_SETTING``); the bearer
  token lives in the keychain (``SecretStore``, name ``TOKEN_SECRET``), never in the store.
* Plain ``http://`` is accepted only for this computer (loopback); anything else must be ``https://``.
* Requests go to the configured URL only: no proxy from the environment, no redirects followed.
* Each reply carries an ``Idempotency-Key`` header (its ``reply_id``, the same on every retry
  and every later run), so a receiver can drop duplicates.
* Each body is signed with the profile's Ed25519 key (``desktop.core.inbox.signing``, the key
  that signs reply packs): ``SIGNATURE_HEADER`` holds the signature of the exact body bytes
  (base64) and ``FINGERPRINT_HEADER`` the key's fingerprint; docs/REPLY_PACK.md shows a
  receiver how to check them.
* Retries: connection failures, timeouts, 408, 429 and 5xx are retried with exponential
  backoff (bounded by ``max_attempts`` and ``max_backoff_seconds``; a 429's ``Retry-After`` is
  honoured up to that bound). Other answers fail at once.
* Every attempt is a row in ``webhook_deliveries`` (the visible log, ``webhook_log``); each
  reply's outcome is also in the audit log. A delivered reply is never sent again.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from desktop import APP_NAME, __version__
from desktop.core.addresses import is_loopback
from desktop.core.errors import KnownError
from desktop.core.inbox.packs import COLUMNS, reply_rows
from desktop.core.inbox.signing import signing_key
from desktop.core.secrets import SecretStore
from desktop.core.store import Store, record_audit, utc_now, webhook_deliveries
from desktop.core.store.reply_packs import APPROVED_OR_EXPORTED
from desktop.core.store.settings import read_setting, write_setting

WEBHOOK_SETTING = "inbox.webhook"
TOKEN_SECRET = "webhook:token"
SIGNATURE_HEADER = "X-Understudy-Signature"
FINGERPRINT_HEADER = "X-Understudy-Key-Fingerprint"
_RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class WebhookConfig:
    url: str = ""
    enabled: bool = False
    max_attempts: int = 4
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0
    timeout_seconds: float = 10.0


def check_url(url: str) -> str:
    """``url`` if it is an acceptable webhook address, else ``KnownError`` in plain words."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise KnownError(f"'{url}' is not a web address (it should start with https://).")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise KnownError(
            "A webhook on another computer must use https://, so replies and the token travel encrypted."
        )
    return url.strip()


def load_webhook_config(store: Store) -> WebhookConfig:
    raw = read_setting(store, WEBHOOK_SETTING)
    if raw is None:
        return WebhookConfig()
    data = json.loads(raw)
    known = {k: v for k, v in data.items() if k in WebhookConfig.__dataclass_fields__}
    return WebhookConfig(**known)


def save_webhook_config(store: Store, config: WebhookConfig) -> None:
    if config.enabled or config.url:
        check_url(config.url)
    if config.max_attempts < 1 or config.max_attempts > 10:
        raise KnownError("Between 1 and 10 attempts per reply, please.")
    write_setting(store, WEBHOOK_SETTING, json.dumps(asdict(config), sort_keys=True))
    record_audit(store, "webhook.configured", "", {"url": config.url, "enabled": config.enabled})


@dataclass(frozen=True)
class Delivery:
    reply_id: str
    draft_id: int
    outcome: str  # 'delivered' | 'failed'
    attempts: int
    status_code: int | None
    error: str = ""


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    deliveries: list[Delivery] = field(default_factory=list)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is then an HTTPError: we send only to the configured URL


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def _already_delivered(store: Store, key: str) -> bool:
    return webhook_deliveries.already_delivered(store, key)


def _log(
    store: Store, draft_id: int, key: str, url: str, attempt: int, code: int | None, outcome: str, error: str
) -> None:
    webhook_deliveries.log_attempt(store, draft_id, key, url, attempt, utc_now(), code, outcome, error)


def _retry_after(error: urllib.error.HTTPError) -> float | None:
    value = error.headers.get("Retry-After") if error.headers else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def deliver_approved(
    store: Store,
    secret_store: SecretStore,
    *,
    config: WebhookConfig | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """POST every approved (or exported) reply not yet delivered; returns what happened to each.

    Raises ``KnownError`` when the connector is off or has no URL, and ``SecretsUnavailableError``
    when there is no keychain for the signing key (as an export does).
    """
    config = config or load_webhook_config(store)
    if not config.enabled:
        raise KnownError("The webhook connector is off.", hint="Turn it on in Settings and give it a URL.")
    url = check_url(config.url)
    token = secret_store.get(TOKEN_SECRET)
    opener = _opener()
    deliveries: list[Delivery] = []
    pending = [
        row
        for row in reply_rows(store, APPROVED_OR_EXPORTED)
        if not _already_delivered(store, row["reply_id"])
    ]
    signer = signing_key(store, secret_store) if pending else None
    for row in pending:
        key = row["reply_id"]
        body = json.dumps(
            {**{c: row[c] for c in COLUMNS}, "idempotency_key": key}, ensure_ascii=False
        ).encode()
        assert signer is not None
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": key,
            "User-Agent": f"{APP_NAME}/{__version__}",
            SIGNATURE_HEADER: base64.b64encode(signer.sign(body)).decode("ascii"),
            FINGERPRINT_HEADER: signer.public.fingerprint,
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        deliveries.append(
            _deliver_one(store, opener, config, url, row["draft_id"], key, body, headers, sleep)
        )
    delivered = sum(d.outcome == "delivered" for d in deliveries)
    return DeliveryReport(delivered=delivered, failed=len(deliveries) - delivered, deliveries=deliveries)


def _deliver_one(
    store: Store,
    opener: urllib.request.OpenerDirector,
    config: WebhookConfig,
    url: str,
    draft_id: int,
    key: str,
    body: bytes,
    headers: dict[str, str],
    sleep: Callable[[float], None],
) -> Delivery:
    code: int | None = None
    error = ""
    for attempt in range(1, config.max_attempts + 1):
        delay = min(config.max_backoff_seconds, config.backoff_seconds * 2 ** (attempt - 1))
        retry = False
        try:
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            with opener.open(request, timeout=config.timeout_seconds) as response:
                code = int(response.status)
                response.read()
            if 200 <= code < 300:
                _log(store, draft_id, key, url, attempt, code, "delivered", "")
                record_audit(
                    store, "webhook.delivered", f"draft:{draft_id}", {"attempts": attempt, "status": code}
                )
                return Delivery(key, draft_id, "delivered", attempt, code)
            error = f"unexpected answer {code}"
        except urllib.error.HTTPError as exc:
            code = exc.code
            exc.close()
            error = f"the webhook answered {exc.code} {exc.reason}"
            retry = exc.code in _RETRY_STATUSES
            after = _retry_after(exc)
            if after is not None:
                delay = min(config.max_backoff_seconds, max(0.0, after))
        except (urllib.error.URLError, OSError) as exc:
            code = None
            reason = getattr(exc, "reason", exc)
            error = f"could not reach the webhook: {reason}"
            retry = True
        last = attempt == config.max_attempts or not retry
        _log(store, draft_id, key, url, attempt, code, "failed" if last else "retrying", error)
        if last:
            break
        sleep(delay)
    record_audit(
        store, "webhook.failed", f"draft:{draft_id}", {"attempts": attempt, "status": code, "error": error}
    )
    return Delivery(key, draft_id, "failed", attempt, code, error)


def webhook_log(store: Store, limit: int = 200) -> list[dict[str, Any]]:
    """The latest delivery attempts, newest first (the connector's visible log)."""
    return webhook_deliveries.latest_deliveries(store, limit)
