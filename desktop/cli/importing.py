"""`understudy import PATH...`: data-export archives into the profile's store (the format is detected).

Named ``importing`` because ``import`` is a Python keyword.
"""

from __future__ import annotations

import argparse
import sys

from desktop import APP_NAME
from desktop.cli._registry import arg, command, flag
from desktop.cli._support import drain, open_profile_store, print_json
from desktop.core.actions import import_into_profile
from desktop.core.errors import KnownError
from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken


@command(
    "import",
    arguments=[
        arg("paths", nargs="+", metavar="PATH", help="archives to import"),
        arg("--me", metavar="NAME", help="your name in chats whose export does not say (WhatsApp)"),
        arg("--platform", metavar="ID", help="force the format when detection is ambiguous"),
        flag("--json", "print a machine-readable summary"),
    ],
)
def cmd_import(paths: Paths, args: argparse.Namespace) -> int:
    """Import each archive in turn; one that fails is reported and the others still land."""
    summaries, failures = [], 0
    with open_profile_store(paths, args) as store:
        for path in args.paths:
            try:
                summary = drain(
                    import_into_profile(store, path, me=args.me, platform=args.platform, cancel=CancelToken())
                ).summary
            except KnownError as error:
                failures += 1
                print(f"{APP_NAME}: {path}: {error}", file=sys.stderr)
                continue
            summaries.append(summary)
            if not args.json:
                print(
                    f"{path}: {summary.label} ({summary.version}) as source {summary.id}: {summary.items} "
                    "items "
                    f"({summary.new_items} new): {summary.posts} posts, {summary.comments} comments, "
                    f"{summary.messages} messages in {summary.threads} threads; {summary.exchanges} "
                    "exchanges, "
                    f"{summary.inbox_candidates} awaiting a reply"
                )
                for warning in summary.warnings:
                    print(f"  warning: {warning}")
    if args.json:
        print_json({"sources": [s.as_dict() for s in summaries]})
    return 1 if failures else 0
