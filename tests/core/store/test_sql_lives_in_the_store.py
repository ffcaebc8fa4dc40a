"""The store is the only module that speaks SQL (issue 19, item 1).

A query or write belongs in ``desktop/core/store/`` as a named function, grouped by concern
(``embeddings.py``, ``search.py``, ``persona_store.py``, ``voice_eval.py``, ``settings.py``,
``records.py``, ``activity.py``, ...); everything else calls those. This test finds SQL
elsewhere the way a reviewer would, by grepping for the ``sqlite3`` calls that run it.
"""

from __future__ import annotations

import re
from pathlib import Path

DESKTOP = Path(__file__).resolve().parents[3] / "desktop"
STORE = DESKTOP / "core" / "store"

# ``.execute(``, ``.executemany(`` and ``.executescript(``: every way SQL reaches sqlite3 or sqlite-utils.
SQL_CALL = re.compile(r"\.execute(?:many|script)?\(")
# googleapiclient's ``HttpRequest.execute(num_retries=...)`` sends an HTTP request (the YouTube
# connector), not SQL: sqlite3 has no ``num_retries``, so the keyword tells the two apart.
HTTP_CALL = re.compile(r"\.execute\(num_retries=")


def sql_outside_the_store() -> dict[str, int]:
    """``{path relative to the repository: number of SQL calls}`` for every .py file under
    ``desktop/`` outside ``desktop/core/store/`` that runs SQL itself."""
    offenders: dict[str, int] = {}
    for path in sorted(DESKTOP.rglob("*.py")):
        if path.is_relative_to(STORE):
            continue
        text = path.read_text(encoding="utf-8")
        count = len(SQL_CALL.findall(text)) - len(HTTP_CALL.findall(text))
        if count:
            offenders[str(path.relative_to(DESKTOP.parent))] = count
    return offenders


def test_the_scan_finds_the_store_itself() -> None:
    """Guard against a scan that silently looks nowhere (a moved folder, a wrong pattern)."""
    assert STORE.is_dir()
    assert any(SQL_CALL.search(path.read_text(encoding="utf-8")) for path in STORE.glob("*.py"))


def test_no_sql_outside_the_store() -> None:
    offenders = sql_outside_the_store()
    listing = "\n".join(f"  {path}: {count}" for path, count in offenders.items())
    assert not offenders, (
        f"{sum(offenders.values())} SQL call(s) in {len(offenders)} file(s) outside desktop/core/store/; "
        f"move each into a named function in the store:\n{listing}"
    )
