"""`understudy sources list|remove`: the imported archives, and removing one."""

from __future__ import annotations

import argparse

from desktop.cli._registry import JSON_LIST, arg, command
from desktop.cli._support import listed_as_json_or_empty, open_profile_store
from desktop.core.errors import KnownError
from desktop.core.paths import Paths
from desktop.core.store import delete_source, list_sources


@command("sources list", help="every import with counts and warnings", arguments=[JSON_LIST])
def cmd_sources_list(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        sources = list_sources(store)
    empty = "Nothing imported yet: `understudy import PATH`."
    if listed_as_json_or_empty(args, {"sources": sources}, sources, empty):
        return 0
    for source in sources:
        counts = ", ".join(f"{n} {kind}s" for kind, n in source["counts"].items()) or "no items"
        print(
            f"{source['id']:>4}  {source['platform']:<10} {source['imported_at'][:16]}  "
            f"{source['filename']}: {counts}"
        )
        for warning in source["warnings"]:
            print(f"      warning: {warning}")
    return 0


@command(
    "sources remove",
    help="remove one import and the items no other import holds",
    arguments=[arg("id", type=int, help="the source id shown by `sources list`")],
)
def cmd_sources_remove(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        try:
            result = delete_source(store, args.id)
        except KeyError:
            raise KnownError(
                f"There is no import with id {args.id}.", hint="See `understudy sources list`."
            ) from None
    line = (
        f"Removed source {args.id} ({result.filename}) and {_items(result.removed)} that came only from it."
    )
    if result.kept:
        holders = ", ".join(str(n) for n in result.kept_by)
        also = f"source {holders} also has" if len(result.kept_by) == 1 else f"sources {holders} also have"
        line += f" {_items(result.kept)} stay because {also} them."
    print(line)
    return 0


def _items(n: int) -> str:
    # Not theme.plural: that one is Qt's module and groups thousands ("1,204"); this output does not.
    return f"{n} item" if n == 1 else f"{n} items"
