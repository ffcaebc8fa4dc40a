"""The webhook connector's log (``webhook_deliveries``): one row per attempt to POST a reply.

Why here: the log is both the connector's memory (a delivered reply is never sent again) and
what the creator reads; the sender and the Packs page share these queries.
"""

from __future__ import annotations

from typing import Any

from desktop.core.store.connection import Store


def already_delivered(store: Store, idempotency_key: str) -> bool:
    """Whether some attempt delivered the reply with this key."""
    row = store.db.execute(
        "SELECT 1 FROM webhook_deliveries WHERE idempotency_key = ? AND outcome = 'delivered'",
        [idempotency_key],
    ).fetchone()
    return row is not None


def log_attempt(
    store: Store,
    draft_id: int,
    idempotency_key: str,
    url: str,
    attempt: int,
    at: str,
    status_code: int | None,
    outcome: str,
    error: str,
) -> None:
    """Record one attempt (``outcome``: 'delivered', 'retrying' or 'failed')."""
    store.db.execute(
        """INSERT INTO webhook_deliveries
               (draft_id, idempotency_key, url, attempt, at, status_code, outcome, error)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        [draft_id, idempotency_key, url, attempt, at, status_code, outcome, error],
    )


def latest_deliveries(store: Store, limit: int = 200) -> list[dict[str, Any]]:
    """The latest attempts, newest first."""
    return list(store.db.query("SELECT * FROM webhook_deliveries ORDER BY id DESC LIMIT ?", [limit]))
