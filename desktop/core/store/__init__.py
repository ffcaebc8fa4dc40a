"""The profile's local store: one SQLite file (WAL, foreign keys on) through sqlite-utils.

``open_store(path)`` creates or opens the file, refuses one written by a newer Understudy
(``NewerDatabaseError``, file untouched) and applies pending migrations. The ``Store`` it
returns works only in the thread that opened it: one ``Store`` per thread.

This package is the only one that speaks SQL: every query and write is a named function here,
grouped by concern, and the rest of Understudy calls those (a test,
``tests/core/store/test_sql_lives_in_the_store.py``, fails on ``.execute(`` anywhere else under
``desktop/``). A new query goes into the module of its concern, or a new one; a step of several
writes is grouped by its caller in ``with store.db.atomic():``.

* ``connection``: opening, the version check, ``iter_rows``, SQLite errors in plain words.
* ``schema``: tables, FTS indexes and migrations.
* ``records``: what imports write (``save_source`` / ``save_person`` / ``save_thread`` /
  ``save_items``, closed by ``finish_source``), sources and their removal, ``search_items``,
  persona versions saved, the audit log, ``store_summary`` for ``understudy store info``.
* ``activity``: the Import page's per-source overview and activity per month.
* ``settings``: the profile's named settings (``read_setting`` / ``write_setting``), the one
  accessor of ``profile_settings``.
* ``embeddings``: item vectors and the items still to embed (``retrieval.vectors``, ``indexing``).
* ``search``: hybrid search's reads: FTS5 keyword candidates, exchanges and own items by id.
* ``persona_store``: persona versions read back, and the own items the style profile reads.
* ``voice_eval``: the voice regression's golden inbox and saved reports.
* ``conversations``: the one rule of "awaiting a reply" (``awaiting_reply_ids``,
  ``count_awaiting_reply``), messages before an item, the derived exchanges.
* ``inbox_entries``, ``inbox_actions``: the inbox's entries and states, its undo journal.
* ``drafts``: drafts, their options, autosaved edits, history and the approvals learnt from.
* ``reply_packs``, ``webhook_deliveries``: what an export reads and records, the webhook's log.
"""

from desktop.core.store.connection import (
    Store,
    iter_rows,
    open_store,
    sqlite_error_to_known,
    translate_sqlite_errors,
)
from desktop.core.store.records import (
    NewItem,
    RemovalResult,
    SaveResult,
    bulk_item_indexing,
    delete_source,
    finish_source,
    get_item,
    list_sources,
    record_audit,
    save_items,
    save_person,
    save_persona_version,
    save_source,
    save_thread,
    search_items,
    store_summary,
    to_utc_iso,
    utc_now,
)
from desktop.core.store.schema import FTS_INDEXES, SCHEMA_VERSION, TABLES, FtsIndex

__all__ = [
    "FTS_INDEXES",
    "SCHEMA_VERSION",
    "TABLES",
    "FtsIndex",
    "NewItem",
    "RemovalResult",
    "iter_rows",
    "SaveResult",
    "Store",
    "finish_source",
    "get_item",
    "bulk_item_indexing",
    "delete_source",
    "list_sources",
    "open_store",
    "record_audit",
    "save_items",
    "save_person",
    "save_persona_version",
    "save_source",
    "save_thread",
    "search_items",
    "sqlite_error_to_known",
    "store_summary",
    "to_utc_iso",
    "translate_sqlite_errors",
    "utc_now",
]
