"""The voice regression's SQL: the golden inbox (``golden_cases``) and saved reports (``persona_evals``).

Why here: the store is the only module that speaks SQL. ``desktop.core.persona.evaluation``
chooses the golden inbox, drafts it and compares reports; these functions only read and write
the rows. Retrieval's side of the rule (golden exchanges are never shown as examples) is in
``search.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from desktop.core.store.connection import Store, iter_rows, translate_sqlite_errors

# --- the golden inbox -----------------------------------------------------------------------------

_GOLDEN = """
SELECT g.incoming_item_id, g.reply_item_id, incoming.platform, incoming.text, reply.text, incoming.created_at
FROM golden_cases AS g
JOIN items AS incoming ON incoming.id = g.incoming_item_id
JOIN items AS reply ON reply.id = g.reply_item_id
ORDER BY g.id
"""


def golden_case_rows(store: Store) -> list[tuple[Any, ...]]:
    """The golden inbox in the order it was chosen: ``(incoming id, reply id, platform, incoming
    text, reply text, incoming created_at)`` per case."""
    return store.db.execute(_GOLDEN).fetchall()


def add_golden_cases(store: Store, pairs: Iterable[tuple[int, int]], chosen_at: str) -> None:
    """Add ``(incoming item id, reply item id)`` pairs to the golden inbox in one transaction."""
    with translate_sqlite_errors(store.path), store.db.atomic():
        for incoming_item_id, reply_item_id in pairs:
            store.db.execute(
                "INSERT INTO golden_cases (incoming_item_id, reply_item_id, chosen_at) VALUES (?, ?, ?)",
                [incoming_item_id, reply_item_id, chosen_at],
            )


_CANDIDATES = """
SELECT incoming.platform, x.incoming_item_id, x.reply_item_id, incoming.text, reply.text
FROM exchanges AS x
JOIN items AS incoming ON incoming.id = x.incoming_item_id
JOIN items AS reply ON reply.id = x.reply_item_id
WHERE incoming.is_owner = 0 AND reply.is_owner = 1
ORDER BY incoming.platform, incoming.created_at, incoming.id, reply.created_at, reply.id
"""


def iter_golden_candidate_rows(store: Store) -> Iterator[tuple[Any, ...]]:
    """Every exchange of a fan's message and the creator's reply, per platform in time order:
    ``(platform, incoming id, reply id, incoming text, reply text)``, fetched in batches."""
    return iter_rows(store.db, _CANDIDATES)


# --- saved reports --------------------------------------------------------------------------------


def insert_persona_eval(
    store: Store, created_at: str, persona_version_id: int | None, model: str, report_json: str
) -> int:
    """Keep one report (its JSON) with the persona version and model it drafted with; returns its id."""
    with translate_sqlite_errors(store.path):
        cursor = store.db.execute(
            "INSERT INTO persona_evals (created_at, persona_version_id, model, report) VALUES (?, ?, ?, ?)",
            [created_at, persona_version_id, model, report_json],
        )
    return int(cursor.lastrowid or 0)


def persona_eval_rows(store: Store, limit: int | None) -> list[tuple[int, str]]:
    """``(id, report JSON)`` of the saved reports, newest first (``limit`` None: all of them)."""
    return store.db.execute(
        "SELECT id, report FROM persona_evals ORDER BY id DESC LIMIT ?", [-1 if limit is None else limit]
    ).fetchall()
