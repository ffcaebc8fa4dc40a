"""The reads hybrid search makes: keyword candidates from FTS5, then exchanges and own items by id.

Why here: the store is the only module that speaks SQL. ``desktop.core.retrieval.search``
ranks and fuses; these functions only fetch. Every read leaves out the golden inbox
(``golden_cases``, the voice regression's held-out exchanges), so the clone is never shown the
answers it is graded on; the table is read by each query, so a golden inbox chosen while a
session is open counts at once.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from desktop.core.store.connection import Store

_ID_CHUNK = 500  # ids per ``IN (...)``: well below SQLite's bound-variable limit

_MATCHES_UP_TO = "SELECT count(*) FROM (SELECT 1 FROM items_fts WHERE items_fts MATCH ? LIMIT ?)"


def count_fts_matches_up_to(db: Database, query: str, cap: int) -> int:
    """How many items the FTS5 ``query`` matches, counting no further than ``cap``.

    Stopping early makes a common word cost a fraction of a millisecond to recognise. Takes the
    ``Database`` (``store.db``), as ``retrieval.search.distinctive_words`` does.
    """
    return int(db.execute(_MATCHES_UP_TO, [query, cap]).fetchone()[0])


_FTS_BOTH = """
SELECT best.rowid, items.is_owner,
       EXISTS (SELECT 1 FROM exchanges AS x WHERE x.incoming_item_id = best.rowid) AS is_incoming
FROM (SELECT rowid, rank FROM items_fts WHERE items_fts MATCH :query ORDER BY rank LIMIT :limit) AS best
JOIN items ON items.id = best.rowid
ORDER BY best.rank
"""


def keyword_candidates(store: Store, query: str, limit: int) -> list[tuple[int, int, int]]:
    """The ``limit`` best BM25 matches of the FTS5 ``query``, best first, as
    ``(item id, is_owner, is the incoming side of an exchange)``: one pass ranks both partitions."""
    return store.db.execute(_FTS_BOTH, {"query": query, "limit": limit}).fetchall()


_EXCHANGES = """
SELECT x.incoming_item_id AS id, incoming.text AS incoming, reply.id AS reply_id, reply.text AS reply,
       reply.platform AS platform, reply.created_at AS created_at
FROM exchanges AS x
JOIN items AS incoming ON incoming.id = x.incoming_item_id
JOIN items AS reply ON reply.id = x.reply_item_id
WHERE x.incoming_item_id IN ({{marks}}) AND trim(reply.text) != ''
  AND x.incoming_item_id NOT IN (SELECT incoming_item_id FROM golden_cases)
  AND x.reply_item_id NOT IN (SELECT reply_item_id FROM golden_cases)
ORDER BY reply.created_at {order}, reply.id {order}
"""
_EXCHANGE_ROWS = _EXCHANGES.format(order="ASC")
_PAST_ANSWER_ROWS = _EXCHANGES.format(order="DESC")

# "+is_owner": looked up by id, never through the is_owner index, which SQLite would otherwise
# choose and scan every owner row with (3.5 ms instead of 0.01 ms at 100k items).
_OWN_ROWS = """
SELECT id, text, kind FROM items
WHERE id IN ({marks}) AND +is_owner = 1 AND trim(text) != ''
  AND id NOT IN (SELECT reply_item_id FROM golden_cases)
"""


def exchanges_by_incoming_id(
    store: Store, ids: list[int], *, newest_first: bool = False
) -> dict[int, dict[str, Any]]:
    """Past exchanges with a non-empty reply, keyed by incoming item id: ``incoming``, ``reply_id``,
    ``reply``, ``platform``, ``created_at``. When the creator answered one message twice, the first
    reply wins, or with ``newest_first`` the latest (the creator's latest word on it)."""
    return _rows_by_id(store, _PAST_ANSWER_ROWS if newest_first else _EXCHANGE_ROWS, ids)


def own_items_by_id(store: Store, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The creator's own non-empty items among ``ids`` (``id``, ``text``, ``kind``), keyed by id."""
    return _rows_by_id(store, _OWN_ROWS, ids)


def _rows_by_id(store: Store, sql: str, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Rows of ``sql`` (with ``{marks}`` for the id list) keyed by their ``id``; the first row per id wins."""
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = ids[start : start + _ID_CHUNK]
        for row in store.db.query(sql.format(marks=",".join("?" * len(chunk))), chunk):
            found.setdefault(row["id"], row)
    return found
