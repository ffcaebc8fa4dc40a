"""The import benchmark's workload: a generated Instagram-style archive, and two ways to load it.

Run as ``python -m tests.bench.import_workload MODE ARCHIVE TARGET`` in a fresh process, so the
peak memory it prints belongs to that one import:

* ``ours``: ``understudy --basedir TARGET import ARCHIVE --json``, the real command (detect,
  stream with ijson, repair text, upsert, FTS, exchanges, style profile), in this process.
* ``reference``: the least work that loads the same messages: ``json.loads`` each file with the
  standard library and one bare ``executemany`` per file into a plain table, in one transaction
  (ARCHITECTURE.md, Traps: the fastest insert).
* ``schema``: the reference's parse, with its rows written into Understudy's own ``items`` table:
  its unique key, six indexes, the upsert statement ``save_items`` runs and the FTS5 index built
  once at the end, as an import builds it (text and timestamps as they come; no repair, no
  exchanges, no profile). A report, not a goal: the part of the gap that is the table's own
  cost, which no importer code can remove.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import resource
import sqlite3
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.bench.texts import creator_reply, fan_message

OWNER = "Creator Name"
ROOT = "your_instagram_activity/messages/inbox"
PER_THREAD = 200  # 1,000,000 messages in 5,000 threads, as the issue names them


def meta_encoded(text: str) -> str:
    """Text as Meta's exports write it: UTF-8 bytes as Latin-1 characters (the importer repairs it)."""
    return text.encode("utf-8").decode("latin-1")


def generate_instagram_archive(
    path: Path, messages: int, per_thread: int = PER_THREAD, seed: int = 1
) -> Path:
    """Threads of ``per_thread`` messages, fan and creator in turn, newest first as Meta writes them."""
    rng = random.Random(seed)
    threads = max(1, messages // per_thread)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        profile = {
            "profile_user": [
                {"string_map_data": {"Name": {"value": OWNER}, "Username": {"value": "creator"}}}
            ]
        }
        archive.writestr(
            "personal_information/personal_information/personal_information.json", json.dumps(profile)
        )
        start_ms = 1_700_000_000_000
        for thread in range(threads):
            fan = f"Fan {thread}"
            rows = [
                {
                    "sender_name": OWNER if i % 2 else fan,
                    "timestamp_ms": start_ms + thread * 10_000_000 + i * 1000,
                    "content": meta_encoded(creator_reply(rng) if i % 2 else fan_message(rng)),
                    "is_geoblocked_for_viewer": False,
                }
                for i in range(per_thread)
            ]
            rows.reverse()
            document = {
                "participants": [{"name": fan}, {"name": OWNER}],
                "messages": rows,
                "title": fan,
                "is_still_participant": True,
                "thread_path": f"inbox/fan{thread}_{thread}",
            }
            archive.writestr(f"{ROOT}/fan{thread}_{thread}/message_1.json", json.dumps(document))
    return path


def run_ours(archive: Path, basedir: Path) -> int:
    from desktop.app import main  # imported here: its import time is part of the command's time

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--basedir", str(basedir), "import", str(archive), "--json"])
    if code != 0:
        raise SystemExit(f"understudy import failed with exit code {code}")
    return int(json.loads(out.getvalue())["sources"][0]["items"])


def thread_messages(opened: zipfile.ZipFile) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(file name, messages) of each thread file, read with the standard library's ``json``."""
    for name in opened.namelist():
        if name.endswith("message_1.json"):
            yield name, json.loads(opened.read(name))["messages"]


def run_reference(archive: Path, store_path: Path) -> int:
    conn = sqlite3.connect(store_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE items (thread TEXT, author TEXT, text TEXT, created_ms INTEGER)")
    count = 0
    with conn, zipfile.ZipFile(archive) as opened:
        for name, messages in thread_messages(opened):
            rows = [(name, m["sender_name"], m["content"], m["timestamp_ms"]) for m in messages]
            conn.executemany("INSERT INTO items VALUES (?, ?, ?, ?)", rows)
            count += len(rows)
    conn.close()
    return count


def run_schema(archive: Path, basedir: Path) -> int:
    from desktop.core.store import open_store
    from desktop.core.store.records import _UPSERT_ITEM, bulk_item_indexing

    store = open_store(basedir / "store.sqlite3")
    conn = store.db.conn
    count = 0
    with zipfile.ZipFile(archive) as opened, store.db.atomic():
        source = conn.execute(
            "INSERT INTO sources (platform, path, filename, sha256, imported_at, status)"
            " VALUES ('instagram', ?, ?, '', '', 'done')",
            [str(archive), archive.name],
        ).lastrowid
        people: dict[str, int] = {}
        with bulk_item_indexing(store):
            for name, messages in thread_messages(opened):
                thread = conn.execute(
                    "INSERT INTO threads (platform, external_id, source_id, kind) VALUES ('instagram', ?, "
                    "?, 'dm')",
                    [name, source],
                ).lastrowid
                rows = []
                for index, m in enumerate(messages):
                    sender = m["sender_name"]
                    if sender not in people:
                        people[sender] = conn.execute(
                            "INSERT INTO people (platform, handle, is_owner) VALUES ('instagram', ?, ?)",
                            [sender, int(sender == OWNER)],
                        ).lastrowid
                    rows.append((
                        "instagram", "message", source, thread, people[sender], int(sender == OWNER),
                        m["content"], str(m["timestamp_ms"]), None, f"{name}:{index}", "{}",
                    ))  # fmt: skip
                conn.executemany(_UPSERT_ITEM, rows)
                count += len(rows)
    conn.close()
    return count


def _peak_rss_mb() -> float:
    """This process's peak resident memory. ru_maxrss is not used: Linux carries the parent's
    value across fork+exec, so a child started by a big pytest process reports the parent's."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    mode, archive, target = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    started = time.perf_counter()
    items = {"ours": run_ours, "reference": run_reference, "schema": run_schema}[mode](archive, target)
    seconds = time.perf_counter() - started
    print(json.dumps({"mode": mode, "items": items, "seconds": seconds, "peak_mb": _peak_rss_mb()}))


if __name__ == "__main__":
    main()
