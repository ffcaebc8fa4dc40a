"""The profile's local store: one SQLite file (WAL, foreign keys on) through sqlite-utils.

``open_store(path)`` creates or opens the file, refuses one written by a newer Understudy
(``NewerDatabaseError``, file untouched) and applies pending migrations. The ``Store`` it
returns works only in the thread that opened it: one ``Store`` per thread.

Importers write with ``save_source`` / ``save_person`` / ``save_thread`` / ``save_items`` and
close with ``finish_source``; search reads with ``search_items``; ``store_summary`` feeds
``understudy store info``. For anything else use ``store.db`` (a ``sqlite_utils.Database``)
and group a step in ``with store.db.atomic():``.
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
    finish_source,
    get_item,
    bulk_item_indexing,
    delete_source,
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
