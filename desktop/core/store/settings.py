"""A profile's settings: small named values kept in its own store (``profile_settings``).

Why here: a setting belongs to the profile (a creator's drafting choices travel with their
data), and one module owns the table's SQL instead of each feature writing its own upsert.
"""

from __future__ import annotations

from desktop.core.store.connection import Store, translate_sqlite_errors


def read_setting(store: Store, key: str) -> str | None:
    """The stored value of ``key``, or None when it was never set."""
    row = store.db.execute("SELECT value FROM profile_settings WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def write_setting(store: Store, key: str, value: str) -> None:
    """Set ``key`` to ``value`` (replacing any earlier value).

    Committed at once, or inside a caller's ``store.db.atomic()`` block as part of it (a savepoint):
    an import saves the style profile in its own transaction, so a failed import keeps the old one.
    """
    with translate_sqlite_errors(store.path), store.db.atomic():
        store.db.execute(
            "INSERT INTO profile_settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )


def read_int_setting(store: Store, key: str, default: int, low: int, high: int) -> int:
    """An integer setting within ``[low, high]``; ``default`` when unset or unreadable."""
    raw = read_setting(store, key)
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    return min(high, max(low, value))
