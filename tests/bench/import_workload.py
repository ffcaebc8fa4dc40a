"""The import benchmark's workload: a generated Instagram-style archive, and two ways to load it.

Run as ``python -m tests.bench.import_workload MODE ARCHIVE STORE`` in a fresh process, so the
peak memory it prints belongs to that one import:

* ``ours``: the real pipeline (detect, stream with ijson, repair text, upsert, FTS, exchanges).
* ``reference``: the least work that loads the same messages: ``json.load`` each file and one
  bare ``executemany`` into a plain table, in one transaction (DESIGN.md: the fastest insert).
"""

from __future__ import annotations

import json
import resource
import sqlite3
import sys
import time
import zipfile
from pathlib import Path

OWNER = "Creator Name"
ROOT = "your_instagram_activity/messages/inbox"


def generate_instagram_archive(path: Path, messages: int, per_thread: int = 1000) -> Path:
    """Threads of ``per_thread`` messages, alternating fan and creator, newest first as Meta writes them."""
    threads = max(1, messages // per_thread)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        profile = {"profile_user": [{"string_map_data": {"Name": {"value": OWNER}, "Username": {"value": "creator"}}}]}
        archive.writestr("personal_information/personal_information/personal_information.json", json.dumps(profile))
        start_ms = 1_700_000_000_000
        for thread in range(threads):
            fan = f"Fan {thread}"
            rows = [
                {
                    "sender_name": OWNER if i % 2 else fan,
                    "timestamp_ms": start_ms + thread * 10_000_000 + i * 1000,
                    "content": f"message {i} in thread {thread}: " + ("thanks so much \u00f0\u009f\u0099\u008f" if i % 2 else "love your videos, what camera do you use?"),
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


def run_ours(archive: Path, store_path: Path) -> int:
    from desktop.core.importers.pipeline import import_archive
    from desktop.core.store import open_store

    with open_store(store_path) as store:
        steps = import_archive(store, archive)
        while True:
            try:
                next(steps)
            except StopIteration as stop:
                return stop.value.items


def run_reference(archive: Path, store_path: Path) -> int:
    conn = sqlite3.connect(store_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE items (thread TEXT, author TEXT, text TEXT, created_ms INTEGER)")
    count = 0
    with conn, zipfile.ZipFile(archive) as opened:
        for name in opened.namelist():
            if not name.endswith("message_1.json"):
                continue
            document = json.loads(opened.read(name))
            rows = [(name, m["sender_name"], m["content"], m["timestamp_ms"]) for m in document["messages"]]
            conn.executemany("INSERT INTO items VALUES (?, ?, ?, ?)", rows)
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
    mode, archive, store_path = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    started = time.perf_counter()
    items = (run_ours if mode == "ours" else run_reference)(archive, store_path)
    seconds = time.perf_counter() - started
    peak_mb = _peak_rss_mb()
    print(json.dumps({"mode": mode, "items": items, "seconds": seconds, "peak_mb": peak_mb}))


if __name__ == "__main__":
    main()
