"""Conversations as the store holds them: which ones await a reply, what came before a message,
and the creator's past answers (``exchanges``) derived from them.

Why here: "awaiting a reply" is one rule that the import summary, the Import page's card, the
inbox and the drafting preview all show a number or a list for; written once, they cannot
disagree. Everything here runs inside the caller's transaction when one is open.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from desktop.core.store.connection import Store

# The one definition of "awaiting a reply": the newest item of a conversation (a thread) is a
# message or comment written by someone else. ``{scope}`` narrows the threads looked at.
_AWAITING_REPLY = """
SELECT id, created_at FROM (
    SELECT id, is_owner, kind, created_at,
           row_number() OVER (PARTITION BY thread_id ORDER BY created_at DESC, id DESC) AS position
    FROM items WHERE thread_id IS NOT NULL {scope}
) WHERE position = 1 AND is_owner = 0 AND kind IN ('message', 'comment')
"""

_IN_THREADS = "AND thread_id IN (SELECT value FROM json_each(?))"
_IN_SOURCE = """AND thread_id IN (
    SELECT i.thread_id FROM item_sources AS m JOIN items AS i ON i.id = m.item_id
    WHERE m.source_id = ? AND i.thread_id IS NOT NULL
)"""


def _awaiting_sql(thread_ids: Iterable[int] | None, source_id: int | None) -> tuple[str, list[Any]]:
    if thread_ids is not None and source_id is not None:
        raise ValueError("narrow by thread_ids or by source_id, not both")
    if thread_ids is not None:
        return _AWAITING_REPLY.format(scope=_IN_THREADS), [json.dumps(sorted(int(t) for t in thread_ids))]
    if source_id is not None:
        return _AWAITING_REPLY.format(scope=_IN_SOURCE), [int(source_id)]
    return _AWAITING_REPLY.format(scope=""), []


def awaiting_reply_ids(
    store: Store,
    *,
    thread_ids: Iterable[int] | None = None,
    source_id: int | None = None,
    limit: int | None = None,
) -> list[int]:
    """Items awaiting the creator's reply, newest first: the newest item of each conversation,
    when it is a message or comment someone else wrote (a conversation whose newest item is the
    creator's, or a post, waits on nobody).

    ``thread_ids`` or ``source_id`` (the conversations one archive holds) narrow the look.
    """
    sql, args = _awaiting_sql(thread_ids, source_id)
    sql = f"SELECT id FROM ({sql}) ORDER BY created_at DESC, id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [int(row[0]) for row in store.db.execute(sql, args).fetchall()]


def count_awaiting_reply(
    store: Store, *, thread_ids: Iterable[int] | None = None, source_id: int | None = None
) -> int:
    """How many conversations await the creator's reply (see ``awaiting_reply_ids``)."""
    sql, args = _awaiting_sql(thread_ids, source_id)
    return int(store.db.execute(f"SELECT count(*) FROM ({sql})", args).fetchone()[0])


def awaiting_reply_texts(store: Store, limit: int) -> list[str]:
    """The texts of the newest ``limit`` items awaiting a reply (blank ones left out), newest first:
    sample messages to draft for, e.g. the drafting preview's suggestions."""
    sql, args = _awaiting_sql(None, None)
    rows = store.db.execute(
        f"SELECT i.text FROM ({sql}) AS a JOIN items AS i ON i.id = a.id WHERE trim(i.text) != '' "
        "ORDER BY a.created_at DESC, a.id DESC LIMIT ?",
        [*args, int(limit)],
    ).fetchall()
    return [str(row[0]) for row in rows]


def messages_before(
    store: Store, item_id: int, limit: int
) -> list[tuple[int, bool, str | None, str, str | None]]:
    """The conversation's last ``limit`` non-blank items before ``item_id``, newest first:
    ``(id, is_owner, sender, text, created_at)`` (the context a review and a prompt show)."""
    rows = store.db.execute(
        """SELECT i.id, i.is_owner, coalesce(p.display_name, p.handle), i.text, i.created_at
           FROM items AS i JOIN items AS m ON m.id = ? AND i.thread_id = m.thread_id
           LEFT JOIN people AS p ON p.id = i.author_id
           WHERE i.id != m.id AND trim(i.text) != ''
             AND (coalesce(i.created_at, '') < coalesce(m.created_at, '')
                  OR (coalesce(i.created_at, '') = coalesce(m.created_at, '') AND i.id < m.id))
           ORDER BY i.created_at DESC, i.id DESC LIMIT ?""",
        [item_id, int(limit)],
    ).fetchall()
    return [(int(i), bool(owner), sender, str(text), created) for i, owner, sender, text, created in rows]


# --- exchanges: an incoming item and the creator's direct answer ------------------------------

_DERIVE_THREAD_EXCHANGES = """
INSERT OR IGNORE INTO exchanges (incoming_item_id, reply_item_id, thread_id)
SELECT id, next_id, thread_id FROM (
    SELECT id, thread_id, is_owner,
           lead(id) OVER w AS next_id, lead(is_owner) OVER w AS next_is_owner
    FROM items WHERE thread_id IN (SELECT value FROM json_each(?))
    WINDOW w AS (PARTITION BY thread_id ORDER BY created_at, id)
) WHERE is_owner = 0 AND next_is_owner = 1
"""

_DERIVE_REPLY_EXCHANGES = """
INSERT OR IGNORE INTO exchanges (incoming_item_id, reply_item_id, thread_id)
SELECT parent.id, reply.id, reply.thread_id
FROM item_sources AS held JOIN items AS reply ON reply.id = held.item_id
JOIN items AS parent ON parent.id = reply.reply_to
WHERE held.source_id = ? AND reply.is_owner = 1 AND parent.is_owner = 0
"""

_COUNT_EXCHANGES = """
SELECT count(*) FROM exchanges AS e JOIN items AS reply ON reply.id = e.reply_item_id
WHERE reply.id IN (SELECT item_id FROM item_sources WHERE source_id = ?)
   OR reply.thread_id IN (SELECT value FROM json_each(?))
"""


def derive_exchanges(store: Store, source_id: int, thread_ids: Iterable[int]) -> None:
    """Pair each incoming item with the creator's direct answer (the next item in its thread, or
    an own item replying to it) for what one import touched; pairs already known are kept."""
    threads_json = json.dumps(sorted(int(t) for t in thread_ids))
    conn = store.db.conn
    conn.execute(_DERIVE_THREAD_EXCHANGES, [threads_json])
    conn.execute(_DERIVE_REPLY_EXCHANGES, [source_id])


def count_exchanges(store: Store, source_id: int, thread_ids: Iterable[int]) -> int:
    """Exchanges whose answer one import holds (by its source or the threads it touched)."""
    threads_json = json.dumps(sorted(int(t) for t in thread_ids))
    return int(store.db.conn.execute(_COUNT_EXCHANGES, [source_id, threads_json]).fetchone()[0])
