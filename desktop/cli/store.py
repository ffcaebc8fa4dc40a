"""`understudy store info`: a look inside a profile's local store (schema, size, row counts)."""

from __future__ import annotations

import argparse

from desktop.cli._registry import command
from desktop.cli._support import format_size
from desktop.core.errors import KnownError
from desktop.core.paths import Paths
from desktop.core.store import open_store, store_summary


@command("store info", help="schema version, file size and row counts")
def cmd_store_info(paths: Paths, args: argparse.Namespace) -> int:
    profile = paths.profile(args.profile)
    if not profile.store.exists():
        raise KnownError(
            f"Profile '{args.profile}' has no store yet.",
            hint="Create it with `understudy profiles create NAME`, or open the app once.",
        )
    with open_store(profile.store) as store:
        summary = store_summary(store)
    print(f"Store of profile '{args.profile}': {summary['path']}")
    print(
        f"  schema version: {summary['schema_version']} (this Understudy knows up to "
        f"{summary['known_schema_version']})"
    )
    print(f"  journal mode: {summary['journal_mode']}")
    print(f"  size: {format_size(summary['file_size_bytes'])}")
    for table, count in summary["rows"].items():
        print(f"  {table}: {count} rows")
    return 0
