"""Approved replies sent to the platform they came from: only approved ones, only when asked, never twice.

For each approved reply to a message from the connection's platform (oldest approval first):

1. A reply the log already holds as ``sent`` is only settled in the inbox (a crash came between).
2. A reply logged ``sending`` went out before with no known outcome (a timeout, a crash): the
   platform is asked first (``find_sent``) and, when it holds the reply, nothing is posted.
3. Otherwise it is logged ``sending`` (committed) and posted; on success the log says ``sent`` with
   the platform's id, the reply is saved as the creator's item in its thread (the conversation no
   longer awaits a reply) and its inbox entry becomes ``exported`` (out of the next pack's queue).
   Every retry after an outage asks the platform first, as in 2.
4. A refusal leaves the reply approved, with the reason in the log; an expired sign-in stops the
   run (every later reply would fail alike) and says how to connect again.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Unpack

from desktop.core.actions.changes import Changes
from desktop.core.connectors.base import Connector, ConnectorError, OutgoingReply, SignInExpired
from desktop.core.connectors.fetching import connection_source, require_connection
from desktop.core.connectors.retrying import RetryPolicy, RunOptions, with_retries
from desktop.core.errors import Cancelled, KnownError
from desktop.core.importers.pipeline import save_records
from desktop.core.importers.records import COMMENT, MESSAGE, ItemRecord
from desktop.core.inbox.inbox import mark_sent
from desktop.core.inbox.packs import reply_id
from desktop.core.store import Store, record_audit, utc_now
from desktop.core.store import connections as rows
from desktop.core.store.connection import translate_sqlite_errors
from desktop.core.tasks import CancelToken, Progress

SENT = "sent"
ALREADY_SENT = "already sent"
FAILED = "failed"


@dataclass(frozen=True)
class SendResult:
    """What happened to one approved reply."""

    item_id: int
    reply_id: str
    outcome: str  # SENT, ALREADY_SENT (found on the platform or in the log) or FAILED
    platform_id: str = ""
    error: str = ""
    stops_run: bool = False  # the sign-in expired: every later reply would fail alike


@dataclass
class SendReport:
    """One send run: every reply's result, and what the front ends must refresh."""

    platform: str
    results: list[SendResult] = field(default_factory=list)
    stopped: str = ""  # why the run stopped early (an expired sign-in), else ""

    @property
    def sent(self) -> int:
        return sum(r.outcome in (SENT, ALREADY_SENT) for r in self.results)

    @property
    def failed(self) -> int:
        return sum(r.outcome == FAILED for r in self.results)

    @property
    def changes(self) -> Changes:
        return Changes(inbox=self.sent > 0, sources=self.sent > 0)

    def sentence(self, label: str) -> str:
        if not self.results:
            return f"No approved replies are waiting to be sent to {label}."
        replies = "reply" if len(self.results) == 1 else "replies"
        text = f"{self.sent} of {len(self.results)} approved {replies} sent to {label}."
        if self.failed:
            text += f" {self.failed} could not be sent and stay approved."
        return text + (f" {self.stopped}" if self.stopped else "")


def send_approved(
    store: Store, connector: Connector, item_id: int | None = None, **options: Unpack[RunOptions]
) -> Generator[Progress, None, SendReport]:
    """Send the approved replies to messages from ``connector``'s platform (or the one to ``item_id``)."""
    cancel, policy = options.get("cancel") or CancelToken(), options.get("policy") or RetryPolicy()
    platform, label = connector.platform, connector.label
    require_connection(store, platform, label)
    waiting = rows.approved_replies(store, platform, item_id)
    if item_id is not None and not waiting:
        raise KnownError(
            f"Message {item_id} has no approved reply waiting to be sent to {label}.",
            hint="Approve its draft first (understudy inbox approve ID); a sent reply is never sent again.",
        )
    report = SendReport(platform)
    run_id = rows.start_run(store, platform, "send", utc_now())
    try:
        for done, row in enumerate(waiting):
            cancel.raise_if_cancelled()
            yield Progress(f"Sending approved replies to {label}", done, len(waiting))
            result = _send_one(store, connector, row, cancel, policy)
            report.results.append(result)
            if result.stops_run:
                report.stopped = result.error
                break
    except Cancelled:
        _log_run(store, run_id, "cancelled", report, label)
        raise
    _log_run(store, run_id, "failed" if report.stopped else "done", report, label)
    yield Progress(report.sentence(label), len(waiting), len(waiting))
    return report


def _log_run(store: Store, run_id: int, outcome: str, report: SendReport, label: str) -> None:
    rows.finish_run(
        store, run_id, utc_now(), outcome, report.sentence(label), sent=report.sent, failed=report.failed
    )


def _send_one(
    store: Store, connector: Connector, row: dict[str, object], cancel: CancelToken, policy: RetryPolicy
) -> SendResult:
    item_id, draft_id = int(str(row["item_id"])), int(str(row["draft_id"]))
    key = reply_id(draft_id, str(row["draft_created_at"]))
    reply = OutgoingReply(
        reply_id=key,
        in_reply_to=str(row["external_id"]),
        thread=None if row["thread"] is None else str(row["thread"]),
        text=str(row["text"]),
        kind=str(row["kind"]),
        meta=json.loads(str(row["meta"] or "{}")),
    )
    logged = rows.send_record(store, key)
    if logged is not None and logged["status"] == "sent":
        _settle(store, connector, reply, item_id, draft_id, str(logged["platform_id"]))
        return SendResult(item_id, key, ALREADY_SENT, str(logged["platform_id"]))
    try:
        if logged is not None and logged["status"] == "sending":
            found = connector.find_sent(reply)  # the last try's outcome is unknown: look first
            if found is not None:
                _settle(store, connector, reply, item_id, draft_id, found)
                return SendResult(item_id, key, ALREADY_SENT, found)
        rows.mark_sending(store, key, draft_id, item_id, connector.platform, utc_now())
        platform_id = with_retries(
            lambda: connector.send(reply), policy, cancel, before_retry=lambda: connector.find_sent(reply)
        )
    except SignInExpired as exc:
        rows.settle_send(store, key, utc_now(), error=exc.message)
        error = f"{exc.message} {exc.hint}".strip()
        return SendResult(item_id, key, FAILED, error=error, stops_run=True)
    except ConnectorError as exc:
        rows.settle_send(store, key, utc_now(), error=exc.message)
        record_audit(
            store,
            "connect.send_failed",
            f"item:{item_id}",
            {"platform": connector.platform, "error": exc.message},
        )
        return SendResult(item_id, key, FAILED, error=exc.message)
    _settle(store, connector, reply, item_id, draft_id, platform_id)
    return SendResult(item_id, key, SENT, platform_id)


def _settle(
    store: Store, connector: Connector, reply: OutgoingReply, item_id: int, draft_id: int, platform_id: str
) -> None:
    """Record the sent reply: the log, the creator's item in the thread, the inbox entry exported."""
    platform = connector.platform
    own = ItemRecord(
        external_id=platform_id,
        kind=MESSAGE if reply.kind == MESSAGE else COMMENT,
        text=reply.text,
        created_at=datetime.now(timezone.utc),
        author=_own_handle(store, platform),
        is_owner=True,
        thread_key=reply.thread,
        reply_to=reply.in_reply_to,
        extra={"sent_by": "understudy", "reply_id": reply.reply_id},
    )
    with translate_sqlite_errors(store.path), store.db.atomic():
        rows.settle_send(store, reply.reply_id, utc_now(), platform_id=platform_id)
        summary = connection_source(store, connector)
        for _ in save_records(store, summary, [own], CancelToken(), lambda: (1, 1)):
            pass
        mark_sent(store, item_id, draft_id, {"platform": platform, "platform_id": platform_id})


def _own_handle(store: Store, platform: str) -> str:
    connection = rows.get_connection(store, platform)
    return str((connection or {}).get("account") or "me")
