"""The store's schema: append-only migrations and the full-text search set-up, as data.

Rules for changing the schema:

* Never edit or reorder a migration that has shipped; append a new ``@migration`` function.
  Each one gets the next version number, and the framework sets ``PRAGMA user_version`` to
  it in the same transaction, so the integer version and sqlite-utils' ``_sqlite_migrations``
  record can never disagree.
* ``SCHEMA_VERSION`` is the number of migrations: the newest schema this code understands.
  ``open_store`` refuses a file whose ``user_version`` is higher (written by a newer Understudy).
* Full-text search is described by ``FTS_INDEXES``; a migration applies it with ``apply_fts``.
  If you change that description later, add a migration that calls ``apply_fts(db, spec,
  replace=True)``: sqlite-utils then rebuilds the index only when its definition differs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATION_SET = "understudy"
"""Name of our set in sqlite-utils' ``_sqlite_migrations`` table."""

MIGRATIONS = Migrations(MIGRATION_SET)
_VERSIONED: list[str] = []


def migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    """Register ``fn`` as the next migration; it also stamps ``PRAGMA user_version``.

    The registered name is ``NNNN_<function name>``, so the order is visible in the
    ``_sqlite_migrations`` table.
    """
    version = len(_VERSIONED) + 1
    name = f"{version:04d}_{fn.__name__}"

    def run(db: Database) -> None:
        fn(db)
        # Inside the migration's transaction: rolled back together with it on failure.
        db.execute(f"PRAGMA user_version = {version}")

    run.__name__ = name
    MIGRATIONS(name=name)(run)
    _VERSIONED.append(name)
    return fn


@dataclass(frozen=True)
class FtsIndex:
    """One full-text index: which table and columns, and how words are split and stemmed.

    ``tokenize="porter"`` stems English words, so "running" finds "run" and "runs".
    The triggers sqlite-utils creates keep the index in step with inserts, updates and deletes.
    """

    table: str
    columns: tuple[str, ...]
    tokenize: str = "porter"


FTS_INDEXES: tuple[FtsIndex, ...] = (FtsIndex("items", ("text",)),)


def apply_fts(db: Database, spec: FtsIndex, *, replace: bool = False) -> None:
    """Create (or, with ``replace``, update) the FTS5 index described by ``spec``."""
    db.table(spec.table).enable_fts(
        list(spec.columns), fts_version="FTS5", tokenize=spec.tokenize, create_triggers=True, replace=replace
    )


# Every table the app owns, in the order a summary lists them.
TABLES: tuple[str, ...] = (
    "sources",
    "people",
    "threads",
    "items",
    "persona_versions",
    "exports",
    "drafts",
    "draft_history",
    "audit_log",
    "exchanges",
    "profile_settings",
    "embeddings",
    "inbox_entries",
    "draft_alternatives",
    "pending_edits",
    "inbox_actions",
    "webhook_deliveries",
    "golden_cases",
    "persona_evals",
    "item_sources",
    "thread_sources",
    "connections",
    "connection_runs",
    "connection_sends",
)

_INITIAL_SQL = """
-- One row per imported archive (a platform's data export, zip or folder).
CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    path        TEXT NOT NULL,               -- where it was imported from
    filename    TEXT NOT NULL,
    sha256      TEXT NOT NULL UNIQUE,        -- the same archive imported twice is one source
    size_bytes  INTEGER,
    imported_at TEXT NOT NULL,               -- ISO 8601 UTC
    item_count  INTEGER NOT NULL DEFAULT 0,
    counts      TEXT NOT NULL DEFAULT '{}',  -- JSON: items per kind, e.g. {"message": 120}
    warnings    TEXT NOT NULL DEFAULT '[]',  -- JSON list of plain-word warnings
    status      TEXT NOT NULL DEFAULT 'importing'
                CHECK (status IN ('importing', 'done', 'failed', 'cancelled'))
);

-- Everyone who appears in an archive, the creator included (is_owner = 1).
CREATE TABLE people (
    id           INTEGER PRIMARY KEY,
    platform     TEXT NOT NULL,
    handle       TEXT NOT NULL,
    display_name TEXT,
    is_owner     INTEGER NOT NULL DEFAULT 0 CHECK (is_owner IN (0, 1)),
    UNIQUE (platform, handle)
);

-- A conversation (DM thread, comment thread under a post, ...).
CREATE TABLE threads (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    external_id TEXT NOT NULL,               -- the platform's own id for the conversation
    source_id   INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    title       TEXT,
    kind        TEXT NOT NULL DEFAULT 'dm',
    UNIQUE (platform, external_id)
);
CREATE INDEX threads_source ON threads(source_id);

-- Messages, posts and comments in one normalized table. INTEGER PRIMARY KEY keeps rowids
-- stable across VACUUM, which the FTS index (keyed by rowid) relies on.
CREATE TABLE items (
    id                   INTEGER PRIMARY KEY,
    platform             TEXT NOT NULL,
    kind                 TEXT NOT NULL,      -- 'message' | 'post' | 'comment' | ...
    source_id            INTEGER REFERENCES sources(id) ON DELETE CASCADE,
    thread_id            INTEGER REFERENCES threads(id) ON DELETE CASCADE,
    author_id            INTEGER REFERENCES people(id) ON DELETE SET NULL,
    is_owner             INTEGER NOT NULL DEFAULT 0 CHECK (is_owner IN (0, 1)),
    text                 TEXT NOT NULL DEFAULT '',
    created_at           TEXT,               -- ISO 8601 UTC, fixed width, so text order = time order
    reply_to             INTEGER REFERENCES items(id) ON DELETE SET NULL,
    reply_to_external_id TEXT,               -- kept until the parent arrives, then resolved
    external_id          TEXT NOT NULL,      -- platform id, or a content hash when there is none
    meta                 TEXT NOT NULL DEFAULT '{}',  -- JSON: anything platform-specific
    UNIQUE (platform, external_id)           -- re-importing is an idempotent upsert
);
CREATE INDEX items_thread_time ON items(thread_id, created_at);
CREATE INDEX items_owner_time ON items(is_owner, created_at);
CREATE INDEX items_source ON items(source_id);
CREATE INDEX items_author ON items(author_id);
CREATE INDEX items_reply_to ON items(reply_to);
CREATE INDEX items_unresolved_reply ON items(platform, reply_to_external_id)
    WHERE reply_to IS NULL AND reply_to_external_id IS NOT NULL;

-- Every saved state of the persona (sliders, boundaries, style profile); drafts point at one.
CREATE TABLE persona_versions (
    id         INTEGER PRIMARY KEY,
    settings   TEXT NOT NULL,                -- JSON
    created_at TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT ''
);

-- Reply packs handed to the creator's posting tool.
CREATE TABLE exports (
    id          INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL,
    path        TEXT NOT NULL,
    draft_count INTEGER NOT NULL DEFAULT 0,
    format      TEXT NOT NULL
);

-- A drafted reply awaiting (or past) the creator's decision. The inbox owns the state machine.
CREATE TABLE drafts (
    id                 INTEGER PRIMARY KEY,
    incoming_item_id   INTEGER REFERENCES items(id) ON DELETE SET NULL,
    text               TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'pending',  -- 'pending' | 'approved' | 'rejected' | ...
    persona_version_id INTEGER REFERENCES persona_versions(id),
    model              TEXT NOT NULL DEFAULT '',
    provenance         TEXT NOT NULL DEFAULT '{}',       -- JSON: retrieved sources, guard findings, ...
    export_id          INTEGER REFERENCES exports(id) ON DELETE SET NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX drafts_status ON drafts(status, created_at);
CREATE INDEX drafts_incoming ON drafts(incoming_item_id);
CREATE INDEX drafts_persona ON drafts(persona_version_id);
CREATE INDEX drafts_export ON drafts(export_id);

-- Every change to a draft, human or model: the provenance of what was finally sent.
CREATE TABLE draft_history (
    id       INTEGER PRIMARY KEY,
    draft_id INTEGER NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
    at       TEXT NOT NULL,
    action   TEXT NOT NULL,                  -- 'created' | 'edited' | 'approved' | 'rejected' | ...
    old_text TEXT,
    new_text TEXT,
    actor    TEXT NOT NULL DEFAULT 'creator' -- 'creator' | 'model' | 'system'
);
CREATE INDEX draft_history_draft ON draft_history(draft_id, at);

-- What the app did with the creator's data, in their words and ours.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '{}'       -- JSON
);
CREATE INDEX audit_log_at ON audit_log(at);
"""


@migration
def initial(db: Database) -> None:
    """Every table, index and the items full-text index of the first release."""
    db.executescript(_INITIAL_SQL)
    for spec in FTS_INDEXES:
        apply_fts(db, spec)


@migration
def exchanges_and_profile_settings(db: Database) -> None:
    """Derived (incoming -> creator's reply) pairs, and small per-profile facts to remember."""
    db.executescript(
        """
        -- An incoming message or comment and the creator's direct answer to it: what
        -- generation learns from. Derived from items at import; rebuilt if items change.
        CREATE TABLE exchanges (
            id               INTEGER PRIMARY KEY,
            incoming_item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            reply_item_id    INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            thread_id        INTEGER REFERENCES threads(id) ON DELETE CASCADE,
            UNIQUE (incoming_item_id, reply_item_id)
        );
        CREATE INDEX exchanges_thread ON exchanges(thread_id);
        CREATE INDEX exchanges_reply ON exchanges(reply_item_id);

        -- Facts the creator told us once, e.g. which WhatsApp participant they are.
        CREATE TABLE profile_settings (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """
    )


@migration
def embeddings(db: Database) -> None:
    """One vector per item and embedding model: the source the faiss index is rebuilt from."""
    db.executescript(
        """
        -- The embedding of an item's text by one model, as little-endian float32 bytes
        -- (dim * 4 of them). The faiss index under the profile's index/ folder is only a cache
        -- built from these rows. AUTOINCREMENT: ids are never reused, so "rows with an id above
        -- the last one indexed" is exactly what an index has not seen yet.
        CREATE TABLE embeddings (
            id      INTEGER PRIMARY KEY AUTOINCREMENT,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            model   TEXT NOT NULL,               -- which model made it (its file name)
            dim     INTEGER NOT NULL,
            vector  BLOB NOT NULL,
            UNIQUE (item_id, model)
        );
        CREATE INDEX embeddings_model ON embeddings(model, id);

        -- An item whose text changes (a re-import with an edit) loses its now-wrong vectors;
        -- the background embedding job embeds it again.
        CREATE TRIGGER items_text_changed_drop_embeddings AFTER UPDATE OF text ON items
        WHEN old.text IS NOT new.text
        BEGIN
            DELETE FROM embeddings WHERE item_id = old.id;
        END;
        """
    )


@migration
def inbox_workflow(db: Database) -> None:
    """The draft inbox: entries and their states, alternatives, autosaved edits, undo, packs, webhook log."""
    db.executescript(
        """
        -- One row per incoming message in the inbox. ``state`` is the workflow state
        -- (desktop/core/inbox/states.py); drafts.status mirrors it for the entry's current draft.
        CREATE TABLE inbox_entries (
            item_id         INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
            state           TEXT NOT NULL DEFAULT 'new'
                            CHECK (state IN ('new', 'drafted', 'approved', 'exported', 'rejected', 'flagged')),
            priority        INTEGER NOT NULL DEFAULT 0,   -- higher first (batch drafting order)
            triage_level    TEXT CHECK (triage_level IN ('green', 'yellow', 'red')),
            triage_reasons  TEXT NOT NULL DEFAULT '[]',   -- JSON list of plain-word reasons
            flag_reason     TEXT,                         -- why the entry is flagged, in plain words
            flag_needs_edit INTEGER NOT NULL DEFAULT 0 CHECK (flag_needs_edit IN (0, 1)),
            draft_id        INTEGER REFERENCES drafts(id) ON DELETE SET NULL,  -- the current draft
            source          TEXT NOT NULL CHECK (source IN ('import', 'typed', 'file')),
            added_at        TEXT NOT NULL,
            trashed_at      TEXT,                         -- set: in the trash (restorable)
            restore_state   TEXT                          -- the state a restore returns a rejected entry to
        );
        CREATE INDEX inbox_entries_state ON inbox_entries(state, priority, added_at);
        CREATE INDEX inbox_entries_draft ON inbox_entries(draft_id);

        -- The options of one draft (1..3); drafts.text holds the chosen one (maybe edited).
        CREATE TABLE draft_alternatives (
            id         INTEGER PRIMARY KEY,
            draft_id   INTEGER NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
            position   INTEGER NOT NULL CHECK (position BETWEEN 1 AND 3),
            text       TEXT NOT NULL,
            provenance TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            UNIQUE (draft_id, position)
        );

        -- An edit as it is typed, saved on every keystroke batch: a crash loses nothing.
        CREATE TABLE pending_edits (
            draft_id  INTEGER PRIMARY KEY REFERENCES drafts(id) ON DELETE CASCADE,
            text      TEXT NOT NULL,
            base_text TEXT NOT NULL,                     -- the draft's text when typing started
            saved_at  TEXT NOT NULL
        );

        -- The creator's inbox actions, newest last, with before/after snapshots: the undo stack.
        CREATE TABLE inbox_actions (
            id         INTEGER PRIMARY KEY,
            at         TEXT NOT NULL,
            action     TEXT NOT NULL,
            item_id    INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            draft_id   INTEGER REFERENCES drafts(id) ON DELETE CASCADE,
            batch      TEXT NOT NULL,                    -- one undo step (a bulk action is one batch)
            before     TEXT NOT NULL,                    -- JSON snapshot
            after      TEXT NOT NULL,                    -- JSON snapshot
            undone_at  TEXT
        );
        CREATE INDEX inbox_actions_open ON inbox_actions(undone_at, id);

        -- Every attempt of the optional webhook connector: its visible log.
        CREATE TABLE webhook_deliveries (
            id              INTEGER PRIMARY KEY,
            draft_id        INTEGER REFERENCES drafts(id) ON DELETE SET NULL,
            idempotency_key TEXT NOT NULL,
            url             TEXT NOT NULL,
            attempt         INTEGER NOT NULL,
            at              TEXT NOT NULL,
            status_code     INTEGER,
            outcome         TEXT NOT NULL CHECK (outcome IN ('delivered', 'retrying', 'failed')),
            error           TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX webhook_deliveries_key ON webhook_deliveries(idempotency_key, outcome);

        -- Learning from edits: retrieval reads example_weight (HIGH for edited-then-approved).
        ALTER TABLE drafts ADD COLUMN edited INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE drafts ADD COLUMN approved_at TEXT;
        ALTER TABLE drafts ADD COLUMN example_weight REAL NOT NULL DEFAULT 1.0;
        ALTER TABLE drafts ADD COLUMN chosen_position INTEGER NOT NULL DEFAULT 1;

        -- Reply packs: a pack is 'writing' until its zip is in place, then 'complete'.
        ALTER TABLE exports ADD COLUMN uid TEXT;
        ALTER TABLE exports ADD COLUMN status TEXT NOT NULL DEFAULT 'complete';
        ALTER TABLE exports ADD COLUMN sha256 TEXT;
        ALTER TABLE exports ADD COLUMN redacted INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE exports ADD COLUMN reexport_of INTEGER REFERENCES exports(id) ON DELETE SET NULL;

        -- Approved replies as examples for future drafts, edited-then-approved ones weighted higher.
        CREATE VIEW approved_reply_examples AS
            SELECT d.id AS draft_id, d.incoming_item_id, i.text AS incoming, d.text AS reply,
                   d.edited, d.example_weight AS weight, d.approved_at, i.platform, i.thread_id
            FROM drafts AS d JOIN items AS i ON i.id = d.incoming_item_id
            WHERE d.status IN ('approved', 'exported');
        """  # noqa: E501 (shipped migration SQL: SQLite keeps this text; it stays byte for byte)
    )


@migration
def golden_inbox_and_persona_evals(db: Database) -> None:
    """The voice regression: held-out real exchanges, and the reports of drafting them."""
    db.executescript(
        """
        -- The golden inbox: real incoming messages with the reply the creator actually wrote,
        -- chosen once and kept, so every evaluation drafts the same messages. Retrieval never
        -- uses these as examples or snippets: the clone must not copy the answer it is graded on.
        CREATE TABLE golden_cases (
            id               INTEGER PRIMARY KEY,            -- order of choice
            incoming_item_id INTEGER NOT NULL UNIQUE REFERENCES items(id) ON DELETE CASCADE,
            reply_item_id    INTEGER NOT NULL UNIQUE REFERENCES items(id) ON DELETE CASCADE,
            chosen_at        TEXT NOT NULL
        );

        -- One voice-regression run: the golden inbox drafted with one persona and model.
        CREATE TABLE persona_evals (
            id                 INTEGER PRIMARY KEY,
            created_at         TEXT NOT NULL,
            persona_version_id INTEGER REFERENCES persona_versions(id) ON DELETE SET NULL,
            model              TEXT NOT NULL,
            report             TEXT NOT NULL                 -- JSON: EvalReport.to_dict()
        );
        CREATE INDEX persona_evals_persona ON persona_evals(persona_version_id);
        """
    )


# The membership table of ``table``'s rows in sources, and the triggers that keep it complete.
_MEMBERS_TABLE = """CREATE TABLE {members} (
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    {key:<9} INTEGER NOT NULL REFERENCES {table}(id) ON DELETE CASCADE,
    PRIMARY KEY (source_id, {key})
) WITHOUT ROWID;
CREATE INDEX {members}_{row} ON {members}({key});
"""
_MEMBERS_TRIGGERS = """CREATE TRIGGER {table}_source_held AFTER INSERT ON {table} WHEN new.source_id IS NOT NULL
BEGIN
    INSERT INTO {members} (source_id, {key}) VALUES (new.source_id, new.id);
END;
CREATE TRIGGER {table}_source_moved AFTER UPDATE OF source_id ON {table} WHEN new.source_id IS NOT NULL
BEGIN
    INSERT INTO {members} (source_id, {key}) SELECT new.source_id, new.id
    WHERE NOT EXISTS (SELECT 1 FROM {members} WHERE source_id = new.source_id AND {key} = new.id);
END;
"""  # noqa: E501 (shipped migration SQL, pinned by hash in tests/core/store)
_ITEMS = {"table": "items", "members": "item_sources", "key": "item_id", "row": "item"}
_THREADS = {"table": "threads", "members": "thread_sources", "key": "thread_id", "row": "thread"}

# Run by migration 0006 (item_and_thread_sources), which has shipped: the text it yields, and so
# the schema SQLite keeps, must stay exactly as it is (tests/core/store pins it).
_SOURCES_SQL = (
    "\n"
    "-- Which imports hold each item: an item belongs to every source whose archive holds it (the same\n"
    "-- export zipped twice, or a second download that repeats the first, are two sources over the\n"
    "-- same rows). Removing a source removes only the items no other source holds.\n"
    "-- items.source_id stays as the source that last wrote the row; these rows are the membership.\n"
    + _MEMBERS_TABLE.format(**_ITEMS)
    + "\n"
    "-- The same for conversations: a thread stays while any source holds it or any item is in it.\n"
    + _MEMBERS_TABLE.format(**_THREADS)
    + "\n"
    "-- Every writer records membership by setting source_id (save_items' upsert moves it to the\n"
    "-- importing source), so triggers keep the join tables complete whoever writes the row.\n"
    "-- NOT EXISTS rather than INSERT OR IGNORE: inside a trigger fired by an upsert the outer\n"
    "-- statement's conflict policy wins, and a duplicate would abort the import.\n"
    "-- A new row has no membership yet (a deleted item's rows went with it, even if its id comes back).\n"
    + _MEMBERS_TRIGGERS.format(**_ITEMS)
    + _MEMBERS_TRIGGERS.format(**_THREADS)
)

# A source's import held its items from ``first_at`` to ``last_at`` (its audit record). Importers
# give UTC times, so the span is exact; a span written with another offset may be off by the
# widest gap between two offsets (the summary took min/max of the texts), and is widened by it.
_OFFSET_MARGIN = timedelta(hours=26)

_RECOVER_MOVED_ITEMS = """
INSERT INTO item_sources (source_id, item_id)
SELECT :source, i.id FROM items AS i JOIN sources AS later ON later.id = i.source_id
WHERE i.platform = :platform
  AND (later.imported_at > :imported_at OR (later.imported_at = :imported_at AND later.id > :source))
  AND (:first IS NULL OR i.created_at IS NULL OR i.created_at BETWEEN :first AND :last)
  AND NOT EXISTS (SELECT 1 FROM item_sources AS m WHERE m.source_id = :source AND m.item_id = i.id)
"""


@migration
def item_and_thread_sources(db: Database) -> None:
    """Membership of items and threads in every source that holds them (issue 18).

    Until now an item had one ``source_id``, moved to whichever import wrote it last, so an
    older source over the same data owned nothing and removing the newer one deleted items the
    older still listed. The rows each source owns now become its members; an older source whose
    recorded counts exceed what it owns lost items to a later import, and gets back the later
    imports' items of the same platform within its own time span. That can attribute items too
    many (kept on a later removal), never one too few (lost). Items an earlier removal already
    deleted cannot come back: the source gets a warning that says so.
    """
    db.executescript(_SOURCES_SQL)
    db.execute(
        "INSERT INTO item_sources (source_id, item_id)"
        " SELECT source_id, id FROM items WHERE source_id IS NOT NULL"
    )
    recovered: dict[str, int] = {}
    missing: dict[str, int] = {}
    sources = db.execute(
        "SELECT id, platform, imported_at, counts FROM sources ORDER BY imported_at, id"
    ).fetchall()
    for source_id, platform, imported_at, counts_json in sources:
        counts = _decoded(counts_json)
        held = dict(
            db.execute(
                "SELECT i.kind, count(*) FROM item_sources AS m JOIN items AS i ON i.id = m.item_id"
                " WHERE m.source_id = ? GROUP BY i.kind",
                [source_id],
            ).fetchall()
        )
        if not any(isinstance(n, int) and n > held.get(kind, 0) for kind, n in counts.items()):
            continue  # it owns all it counted: no later import took any of its items
        first, last = _import_span(db, source_id)
        # Every kind, not only the short ones: a later importer may have filed an item under
        # another kind, and missing it would lose it.
        db.execute(
            _RECOVER_MOVED_ITEMS,
            {
                "source": source_id,
                "platform": platform,
                "imported_at": imported_at,
                "first": first,
                "last": last,
            },
        )
        now = dict(
            db.execute(
                "SELECT i.kind, count(*) FROM item_sources AS m JOIN items AS i ON i.id = m.item_id"
                " WHERE m.source_id = ? GROUP BY i.kind",
                [source_id],
            ).fetchall()
        )
        if sum(now.values()) > sum(held.values()):
            recovered[str(source_id)] = sum(now.values()) - sum(held.values())
        lost = sum(max(0, n - now.get(kind, 0)) for kind, n in counts.items() if isinstance(n, int))
        if lost:
            missing[str(source_id)] = lost
    for source_id, lost in missing.items():
        _add_warning(
            db, int(source_id),
            f"{lost} item{'s' if lost != 1 else ''} this archive held had already been removed together with "
            "another import (a fault fixed since); import this archive again to bring them back.",
        )  # fmt: skip
    db.execute(
        """
        INSERT INTO thread_sources (source_id, thread_id)
        SELECT source_id, id FROM threads WHERE source_id IS NOT NULL
        UNION
        SELECT m.source_id, i.thread_id FROM item_sources AS m JOIN items AS i ON i.id = m.item_id
        WHERE i.thread_id IS NOT NULL
        """
    )
    if recovered or missing:
        db.execute(
            "INSERT INTO audit_log (at, action, subject, details) VALUES (?, 'migrate', 'item_sources', ?)",
            [_utc_now(), json.dumps({"recovered": recovered, "missing": missing}, sort_keys=True)],
        )


def _decoded(counts_json: str | None) -> dict[str, object]:
    try:
        counts = json.loads(counts_json or "{}")
    except ValueError:
        return {}
    return counts if isinstance(counts, dict) else {}


def _import_span(db: Database, source_id: int) -> tuple[str | None, str | None]:
    """The time span of a source's items as its last import summary recorded it, widened; else no limit."""
    row = db.execute(
        "SELECT details FROM audit_log WHERE action = 'import' AND subject = ? ORDER BY id DESC LIMIT 1",
        [f"source:{source_id}"],
    ).fetchone()
    try:
        details = json.loads(row[0]) if row else {}
        first = datetime.fromisoformat(details["first_at"])
        last = datetime.fromisoformat(details["last_at"])
    except (TypeError, ValueError, KeyError):
        return None, None
    if first.utcoffset() is None or last.utcoffset() is None:
        return None, None
    if first.utcoffset() or last.utcoffset():
        first, last = first - _OFFSET_MARGIN, last + _OFFSET_MARGIN
    return _utc_text(first), _utc_text(last)  # milliseconds cut as items.created_at cuts them


def _utc_text(value: datetime) -> str:
    """The store's fixed-width UTC form (``records.to_utc_iso``), so text comparison is time order."""
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _utc_now() -> str:
    return _utc_text(datetime.now(timezone.utc))


def _add_warning(db: Database, source_id: int, warning: str) -> None:
    row = db.execute("SELECT warnings FROM sources WHERE id = ?", [source_id]).fetchone()
    try:
        warnings = json.loads(row[0]) if row else []
    except ValueError:
        warnings = []
    warnings = [*warnings, warning] if isinstance(warnings, list) else [warning]
    db.execute(
        "UPDATE sources SET warnings = ? WHERE id = ?", [json.dumps(warnings, ensure_ascii=False), source_id]
    )


@migration
def live_connections(db: Database) -> None:
    """Live connections to platforms (issue 21): their settings, runs, and every reply sent.

    Secrets are not here: tokens and passwords live in the keychain (``ConnectionSecrets``).
    ``connection_sends`` is what makes sending idempotent: a reply is recorded as ``sending``
    before it leaves, ``sent`` with the platform's id after, so a retry after a crash or a
    timeout first looks for the reply on the platform instead of posting it twice.
    """
    db.executescript(
        """
        CREATE TABLE connections (
            platform     TEXT PRIMARY KEY,
            settings     TEXT NOT NULL DEFAULT '{}',     -- JSON, nothing secret
            account      TEXT,                           -- the handle the last check answered with
            cursor       TEXT,                           -- where the next fetch starts (the connector's)
            source_id    INTEGER REFERENCES sources(id) ON DELETE SET NULL,
            created_at   TEXT NOT NULL,
            checked_at   TEXT,
            fetched_at   TEXT
        );

        -- One fetch or send run: the connection's visible log.
        CREATE TABLE connection_runs (
            id           INTEGER PRIMARY KEY,
            platform     TEXT NOT NULL,
            kind         TEXT NOT NULL CHECK (kind IN ('fetch', 'send')),
            started_at   TEXT NOT NULL,
            finished_at  TEXT,
            outcome      TEXT NOT NULL DEFAULT 'running'
                         CHECK (outcome IN ('running', 'done', 'failed', 'cancelled')),
            fetched      INTEGER NOT NULL DEFAULT 0,
            new_items    INTEGER NOT NULL DEFAULT 0,
            sent         INTEGER NOT NULL DEFAULT 0,
            failed       INTEGER NOT NULL DEFAULT 0,
            message      TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX connection_runs_platform ON connection_runs(platform, id);

        -- Each approved reply sent (or being sent) to its platform.
        CREATE TABLE connection_sends (
            id           INTEGER PRIMARY KEY,
            reply_id     TEXT NOT NULL UNIQUE,           -- the idempotency key (as in reply packs)
            draft_id     INTEGER NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
            item_id      INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            platform     TEXT NOT NULL,
            status       TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
            platform_id  TEXT,                           -- the posted reply's id on the platform
            attempts     INTEGER NOT NULL DEFAULT 0,
            error        TEXT NOT NULL DEFAULT '',
            updated_at   TEXT NOT NULL
        );
        """
    )


SCHEMA_VERSION: int = len(_VERSIONED)
"""The newest schema version this code knows (one per migration)."""

MIGRATION_NAMES: tuple[str, ...] = tuple(_VERSIONED)
