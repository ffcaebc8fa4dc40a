"""The webhook connector against a real HTTP server on loopback: retries, idempotency, the log."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from desktop.core.errors import KnownError
from desktop.core.inbox import approve, save_draft
from desktop.core.inbox.webhook import (
    FINGERPRINT_HEADER,
    TOKEN_SECRET,
    WebhookConfig,
    check_url,
    deliver_approved,
    load_webhook_config,
    save_webhook_config,
    webhook_log,
)
from desktop.core.secrets import SecretStore
from desktop.core.store import Store

from .conftest import add_messages


class Receiver:
    """A webhook receiver: answers ``failures`` requests with 503, then 200; keeps every request."""

    def __init__(self, failures: int = 0, status: int = 200) -> None:
        self.failures = failures
        self.status = status
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"headers": dict(self.headers), "body": json.loads(body), "path": self.path, "raw": body}
                )
                if receiver.failures > 0:
                    receiver.failures -= 1
                    code = 503
                else:
                    code = receiver.status
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/replies"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def approved(store: Store) -> list[int]:
    items = add_messages(store)
    for item, text in zip(
        items[:2], ["Unflavoured whey, honestly 🍌", "Cat-cow every morning!"], strict=False
    ):
        save_draft(store, item, text)
        approve(store, item)
    return items[:2]


@pytest.fixture
def token(secret_store: SecretStore) -> SecretStore:
    secret_store.set(TOKEN_SECRET, "tok-123")
    return secret_store


def test_off_by_default_and_https_required_off_this_computer(store: Store, secret_store: SecretStore) -> None:
    assert load_webhook_config(store) == WebhookConfig()
    with pytest.raises(KnownError, match="connector is off"):
        deliver_approved(store, secret_store)
    with pytest.raises(KnownError, match="must use https"):
        check_url("http://example.com/hook")
    with pytest.raises(KnownError, match="not a web address"):
        check_url("ftp://example.com")
    check_url("https://example.com/hook")
    check_url("http://127.0.0.1:9/hook")


def test_each_approved_reply_is_posted_once_with_token_and_idempotency_key(
    store: Store, approved: list[int], token: SecretStore
) -> None:
    with Receiver() as receiver:
        save_webhook_config(store, WebhookConfig(url=receiver.url, enabled=True))
        report = deliver_approved(store, token, sleep=lambda s: None)
        assert (report.delivered, report.failed) == (2, 0)
        assert len(receiver.requests) == 2
        first = receiver.requests[0]
        assert first["path"] == "/hooks/replies"
        assert first["headers"]["Authorization"] == "Bearer tok-123"
        assert first["headers"]["Content-Type"].startswith("application/json")
        assert first["body"]["idempotency_key"] == first["headers"]["Idempotency-Key"]
        assert first["body"]["reply_text"] == "Unflavoured whey, honestly 🍌"
        assert first["body"]["in_reply_to_id"] == "ig-m-1" and first["body"]["recipient"] == "maya_lifts"
        # A second run sends nothing again.
        assert deliver_approved(store, token, sleep=lambda s: None).deliveries == []
        assert len(receiver.requests) == 2
    log = webhook_log(store)
    assert [(r["outcome"], r["status_code"], r["attempt"]) for r in log] == [("delivered", 200, 1)] * 2


def test_each_delivery_is_signed_by_the_profile_key_as_the_docs_show(
    store: Store, approved: list[int], token: SecretStore
) -> None:
    from desktop.core.inbox.signing import profile_public_key

    from .test_reply_pack_doc import doc_code_block

    namespace: dict[str, Any] = {}
    exec(doc_code_block("import base64"), namespace)  # the receiver's check from docs/REPLY_PACK.md
    delivery_is_signed = namespace["delivery_is_signed"]
    with Receiver() as receiver:
        save_webhook_config(store, WebhookConfig(url=receiver.url, enabled=True))
        deliver_approved(store, token, sleep=lambda s: None)
    public = profile_public_key(store)
    assert public is not None
    pem = public.pem().encode()
    for request in receiver.requests:
        assert request["headers"][FINGERPRINT_HEADER] == public.fingerprint
        assert delivery_is_signed(request["raw"], request["headers"], pem)
        assert not delivery_is_signed(
            request["raw"].replace(b"reply_text", b"reply_texT"), request["headers"], pem
        )
    assert not delivery_is_signed(receiver.requests[0]["raw"], {}, pem)


def test_a_server_failing_twice_then_succeeding_gets_the_same_key_each_time(
    store: Store, approved: list[int], token: SecretStore
) -> None:
    delays: list[float] = []
    with Receiver(failures=2) as receiver:
        save_webhook_config(store, WebhookConfig(url=receiver.url, enabled=True, backoff_seconds=0.5))
        report = deliver_approved(store, token, sleep=delays.append)
        assert (report.delivered, report.failed) == (2, 0)
        assert report.deliveries[0].attempts == 3 and report.deliveries[1].attempts == 1
        keys = [r["headers"]["Idempotency-Key"] for r in receiver.requests]
        assert len(keys) == 4 and keys[0] == keys[1] == keys[2] != keys[3]
    assert delays == [0.5, 1.0]  # exponential backoff between attempts
    log = list(reversed(webhook_log(store)))
    assert [(r["attempt"], r["outcome"], r["status_code"]) for r in log[:3]] == [
        (1, "retrying", 503),
        (2, "retrying", 503),
        (3, "delivered", 200),
    ]
    audit = [r[0] for r in store.db.execute("SELECT action FROM audit_log WHERE action LIKE 'webhook.%'")]
    assert audit == ["webhook.configured", "webhook.delivered", "webhook.delivered"]


def test_retries_are_bounded_and_a_refusal_is_not_retried(
    store: Store, approved: list[int], token: SecretStore
) -> None:
    delays: list[float] = []
    with Receiver(failures=100) as receiver:
        config = WebhookConfig(
            url=receiver.url, enabled=True, max_attempts=3, backoff_seconds=1, max_backoff_seconds=1.5
        )
        report = deliver_approved(store, token, config=config, sleep=delays.append)
        assert (report.delivered, report.failed) == (0, 2) and len(receiver.requests) == 6
        assert "503" in report.deliveries[0].error
    assert delays == [1, 1.5, 1, 1.5]
    with Receiver(status=401) as receiver:
        config = WebhookConfig(url=receiver.url, enabled=True)
        report = deliver_approved(store, token, config=config, sleep=delays.append)
        assert report.failed == 2 and len(receiver.requests) == 2  # one attempt each


def test_an_unreachable_webhook_is_retried_then_logged_as_failed(
    store: Store, approved: list[int], token: SecretStore
) -> None:
    receiver = Receiver()
    url = receiver.url
    receiver.server.server_close()  # nothing listens there now
    config = WebhookConfig(url=url, enabled=True, max_attempts=2, timeout_seconds=2)
    report = deliver_approved(store, token, config=config, sleep=lambda s: None)
    assert report.failed == 2 and "could not reach" in report.deliveries[0].error
    assert {r["outcome"] for r in webhook_log(store)} == {"retrying", "failed"}
