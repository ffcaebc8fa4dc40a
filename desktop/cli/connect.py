"""`understudy connect ...`: live connections to Bluesky, Mastodon and YouTube.

Today's messages in (``fetch``) and approved replies out (``send``), only when asked. Each
command calls ``desktop.core.actions.connections``, as Settings → Connections does.
"""

from __future__ import annotations

import argparse
import sys
import webbrowser
from typing import Any

from desktop.cli._registry import JSON_LIST, arg, command, flag, group
from desktop.cli._support import (
    cli_secret_store,
    ctrl_c_cancels,
    drain,
    listed_as_json_or_empty,
    open_profile_store,
    print_json,
)
from desktop.core.actions import connections as actions
from desktop.core.connectors.registry import connector_class, connector_label, connector_platforms
from desktop.core.errors import KnownError
from desktop.core.paths import Paths
from desktop.core.store import connections as rows
from desktop.core.tasks import CancelToken

group("connect", metavar="ACTION")
PLATFORM = arg("platform", choices=connector_platforms(), help="bluesky, mastodon or youtube")
SOME_PLATFORM = arg(
    "platform", nargs="?", choices=connector_platforms(), help="one platform (default: every connected one)"
)


def _values(pairs: list[str]) -> dict[str, str]:
    """``--set NAME=VALUE`` pairs; ``NAME=-`` reads the value from standard input (for secrets)."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise KnownError(f"'{pair}' is not NAME=VALUE.", hint="For example: --set handle=me.bsky.social")
        values[name.strip()] = sys.stdin.readline().rstrip("\n") if value == "-" else value
    return values


@command(
    "connect add",
    help="connect a platform with your own credentials (kept in the keychain)",
    description="Checks the credentials with the platform before keeping them. Secret values (passwords, "
    "tokens) go to the keychain only; give them as NAME=- to type them on standard input instead of the "
    "command line. `connect add PLATFORM` with no --set prints what the platform needs.",
    arguments=[
        PLATFORM,
        arg("--set", dest="values", action="append", default=[], metavar="NAME=VALUE", help="one setting"),
    ],
)
def cmd_connect_add(paths: Paths, args: argparse.Namespace) -> int:
    cls = connector_class(args.platform)
    if not args.values:
        print(f"{cls.label}: {cls.steps}\n")
        for f in (f for f in cls.setup_fields if not f.advanced):
            needs = "required" if f.required else "optional" + (f", default {f.default}" if f.default else "")
            print(f"  --set {f.name}=…   {f.label} ({'secret, ' if f.secret else ''}{needs})")
        print(f"\nReads: {cls.reads}\nSends: {cls.sends}")
        return 0
    with open_profile_store(paths, args) as store:
        account = actions.connect(
            store, cli_secret_store(paths), args.platform, _values(args.values), open_url=webbrowser.open
        )
    print(
        f"Connected {cls.label} as {account.handle}. Fetch with `understudy connect fetch {args.platform}`."
    )
    return 0


@command(
    "connect test", help="sign in with the kept credentials and say who we speak as", arguments=[PLATFORM]
)
def cmd_connect_test(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        account = actions.check_connection(store, cli_secret_store(paths), args.platform)
    name = f" ({account.display_name})" if account.display_name else ""
    print(f"{connector_class(args.platform).label}: signed in as {account.handle}{name}.")
    return 0


@command(
    "connect list",
    help="the platforms, which are connected, and when they were last fetched",
    arguments=[JSON_LIST],
)
def cmd_connect_list(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        connected = {row["platform"]: row for row in rows.list_connections(store)}
        options = actions.load_options(store)
    if args.json:
        print_json(
            {
                "connections": [
                    {"platform": p, "connected": p in connected, **_public(connected.get(p))}
                    for p in connector_platforms()
                ],
                "fetch_every_minutes": options.fetch_every_minutes,
                "draft_new": options.draft_new,
            }
        )
        return 0
    for platform in connector_platforms():
        row = connected.get(platform)
        label = connector_label(platform)
        if row is None:
            print(f"{label:<9} not connected")
        else:
            fetched = (row["fetched_at"] or "never")[:16]
            print(f"{label:<9} connected as {row['account'] or '?'}; last fetched {fetched}")
    every = (
        f"every {options.fetch_every_minutes} minutes" if options.fetch_every_minutes else "only when asked"
    )
    print(
        f"While the app is open: fetch {every}; "
        f"new messages {'drafted at once' if options.draft_new else 'not drafted'}."
    )
    return 0


def _public(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {}
    return {k: row[k] for k in ("account", "settings", "created_at", "checked_at", "fetched_at")}


def _targets(store: Any, platform: str | None) -> list[str]:
    if platform:
        return [platform]
    connected = actions.connected_platforms(store)
    if not connected:
        raise KnownError("No platform is connected.", hint="Connect one: understudy connect add PLATFORM")
    return connected


@command(
    "connect fetch",
    help="bring new messages from connected platforms into the inbox",
    arguments=[SOME_PLATFORM, flag("--json", "print what each fetch found as JSON")],
)
def cmd_connect_fetch(paths: Paths, args: argparse.Namespace) -> int:
    cancel = CancelToken()
    found = []
    with open_profile_store(paths, args) as store, ctrl_c_cancels(cancel):
        secret_store = cli_secret_store(paths)
        for platform in _targets(store, args.platform):
            outcome = drain(actions.fetch(store, secret_store, platform, cancel=cancel), quiet=args.json)
            found.append(outcome)
            if not args.json:
                print(outcome.sentence(connector_label(platform)))
        draft_new = actions.load_options(store).draft_new and any(o.inbox_added for o in found)
    if draft_new:
        _draft_new(paths, args, cancel)
    if args.json:
        print_json({"fetched": [{k: v for k, v in o.__dict__.items() if k != "changes"} for o in found]})
    return 0


def _draft_new(paths: Paths, args: argparse.Namespace, cancel: CancelToken) -> None:
    """The setting "draft new messages at once": the new entries drafted as `inbox draft-all` would."""
    from desktop.core.generation.session import DraftingSession  # heavy (faiss, the model): drafting only
    from desktop.core.inbox.batch import draft_all, summary_line

    with DraftingSession(paths, args.profile) as session:
        drain(session.open(cancel), quiet=args.json)
        summary = drain(draft_all(session, cancel=cancel), quiet=args.json)
    if not args.json:
        print(summary_line(summary))


@command(
    "connect send",
    help="send approved replies to the platform each message came from (never unapproved ones)",
    description="Sends every approved reply to messages from the platform (or every connected one), as a "
    "reply in the message's thread, oldest approval first. A reply is sent once: a retry after a timeout "
    "first looks for it on the platform. A reply that could not be sent stays approved, with the reason.",
    arguments=[
        SOME_PLATFORM,
        arg("--item", type=int, metavar="ID", help="send only the approved reply to this message"),
        flag("--json", "print each reply's outcome as JSON"),
    ],
)
def cmd_connect_send(paths: Paths, args: argparse.Namespace) -> int:
    cancel = CancelToken()
    reports = []
    with open_profile_store(paths, args) as store, ctrl_c_cancels(cancel):
        secret_store = cli_secret_store(paths)
        targets = [actions.platform_of_item(store, args.item)] if args.item and not args.platform else None
        for platform in targets or _targets(store, args.platform):
            report = drain(
                actions.send(store, secret_store, platform, item_id=args.item, cancel=cancel), quiet=args.json
            )
            reports.append(report)
            if not args.json:
                label = connector_label(platform)
                for result in report.results:
                    if result.error:
                        print(f"  message {result.item_id}: not sent: {result.error}")
                print(report.sentence(label))
    if args.json:
        print_json(
            {
                "sent": [
                    {"platform": r.platform, "stopped": r.stopped, "results": [x.__dict__ for x in r.results]}
                    for r in reports
                ]
            }
        )
    return 1 if any(r.failed for r in reports) else 0


@command(
    "connect log",
    help="the latest fetch and send runs",
    arguments=[SOME_PLATFORM, arg("--limit", type=int, default=20, metavar="N"), JSON_LIST],
)
def cmd_connect_log(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        runs = rows.latest_runs(store, args.platform, args.limit)
    if listed_as_json_or_empty(args, {"runs": runs}, runs, "No fetch or send has run yet."):
        return 0
    for run in runs:
        print(
            f"{run['started_at'][:16]}  {run['platform']:<9} {run['kind']:<5} {run['outcome']:<9} "
            f"{run['message']}"
        )
    return 0


@command(
    "connect remove",
    help="disconnect a platform: its tokens leave the keychain (what it fetched and sent stays)",
    arguments=[PLATFORM],
)
def cmd_connect_remove(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        removed = actions.disconnect(store, cli_secret_store(paths), args.platform)
    label = connector_class(args.platform).label
    print(
        f"Disconnected {label}; its credentials were removed." if removed else f"{label} was not connected."
    )
    return 0


@command(
    "connect options",
    help="fetch on a schedule while the app is open, and draft new messages at once (both off by default)",
    arguments=[
        arg(
            "--fetch-every",
            type=int,
            metavar="MINUTES",
            help=f"one of {', '.join(map(str, actions.FETCH_EVERY_CHOICES))} (0: off)",
        ),
        arg("--draft-new", choices=("on", "off"), help="draft new messages as soon as they are fetched"),
    ],
)
def cmd_connect_options(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        options = actions.load_options(store)
        if args.fetch_every is not None or args.draft_new is not None:
            options = actions.ConnectionOptions(
                options.fetch_every_minutes if args.fetch_every is None else args.fetch_every,
                options.draft_new if args.draft_new is None else args.draft_new == "on",
            )
            actions.save_options(store, options)
    every = f"every {options.fetch_every_minutes} minutes" if options.fetch_every_minutes else "off"
    print(
        f"Fetch while the app is open: {every}. "
        f"Draft new messages at once: {'on' if options.draft_new else 'off'}."
    )
    return 0
