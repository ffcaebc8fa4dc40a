"""The headless commands. Each one calls the same core functions the GUI drives.

``understudy [--basedir DIR] [--profile NAME] COMMAND ...``; with no command, the GUI opens.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from desktop import APP_NAME, __version__
from desktop.core.errors import KnownError
from desktop.core.paths import BASEDIR_ENV, DEFAULT_PROFILE, Paths
from desktop.core.tasks import CancelToken, Progress

if TYPE_CHECKING:
    from desktop.core.store import Store


def _common_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    # On sub-commands the defaults are suppressed, so `understudy --basedir X models list`
    # and `understudy models list --basedir X` both work and neither overrides the other.
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--basedir",
        metavar="DIR",
        default=default,
        help=f"keep all data, models and settings under DIR (also: ${BASEDIR_ENV})",
    )
    parser.add_argument(
        "--profile",
        metavar="NAME",
        default=DEFAULT_PROFILE if top_level else argparse.SUPPRESS,
        help="the persona profile to use (default: %(default)s)" if top_level else "the persona profile to use",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="understudy",
        description=f"{APP_NAME}: drafts replies in your voice, on this computer, for you to approve. "
        "With no command, the app window opens.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    _common_options(parser, top_level=True)
    parser.add_argument("--smoke-test", action="store_true", help="open the window, visit every page, and quit")
    common = argparse.ArgumentParser(add_help=False)
    _common_options(common, top_level=False)

    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    models = commands.add_parser("models", help="list and set up the on-device models", parents=[common])
    models_commands = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    models_commands.add_parser(
        "list", help="show the models with size, quantization, architecture, context and template", parents=[common]
    )
    models_commands.add_parser(
        "setup", help="put the bundled default models into the models folder (no network)", parents=[common]
    )

    profiles = commands.add_parser("profiles", help="list or create persona profiles", parents=[common])
    profiles_commands = profiles.add_subparsers(dest="profiles_command", metavar="ACTION", required=True)
    profiles_commands.add_parser("list", help="show the profiles", parents=[common])
    create = profiles_commands.add_parser("create", help="create a profile with its own store", parents=[common])
    create.add_argument("name", help="the new profile's name")

    store = commands.add_parser("store", help="inspect a profile's local store", parents=[common])
    store_commands = store.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    store_commands.add_parser("info", help="schema version, file size and row counts", parents=[common])

    importing = commands.add_parser(
        "import", help="import data-export archives (zip, folder or file); the format is detected", parents=[common]
    )
    importing.add_argument("paths", nargs="+", metavar="PATH", help="archives to import")
    importing.add_argument("--me", metavar="NAME", help="your name in chats whose export does not say (WhatsApp)")
    importing.add_argument("--platform", metavar="ID", help="force the format when detection is ambiguous")
    importing.add_argument("--json", action="store_true", help="print a machine-readable summary")

    sources = commands.add_parser("sources", help="list or remove imported archives", parents=[common])
    sources_commands = sources.add_subparsers(dest="sources_command", metavar="ACTION", required=True)
    sources_list = sources_commands.add_parser("list", help="every import with counts and warnings", parents=[common])
    sources_list.add_argument("--json", action="store_true", help="print a machine-readable list")
    sources_remove = sources_commands.add_parser(
        "remove", help="remove everything that came from one import", parents=[common]
    )
    sources_remove.add_argument("id", type=int, help="the source id shown by `sources list`")

    secrets = commands.add_parser("secrets", help="where secrets such as API keys are kept", parents=[common])
    secrets_commands = secrets.add_subparsers(dest="secrets_command", metavar="ACTION", required=True)
    secrets_commands.add_parser("status", help="say whether a system keychain is available", parents=[common])
    return parser


def _drain(progress: Iterator[Progress]) -> Any:
    """Run a core generator to its end, printing its progress to stderr; return its result."""
    while True:
        try:
            step = next(progress)
        except StopIteration as stop:
            return stop.value
        counter = f" ({step.done}/{step.total})" if step.total else ""
        print(f"{step.message}{counter}", file=sys.stderr, flush=True)


def _format_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def _print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())


def cmd_models_list(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.models import ensure_default_models, list_models

    _drain(ensure_default_models(paths.models, CancelToken()))
    rows = []
    for facts in list_models(paths.models):
        if facts.error:
            rows.append([facts.file_name, "-", _format_size(facts.size_bytes), "-", "-", "-", "-", facts.error])
            continue
        rows.append(
            [
                facts.file_name,
                facts.role,
                _format_size(facts.size_bytes),
                facts.quantization or "?",
                facts.architecture or "?",
                str(facts.context_length or "?"),
                "yes" if facts.has_chat_template else "no",
                "",
            ]
        )
    print(f"Models in {paths.models}:")
    _print_table(["FILE", "ROLE", "SIZE", "QUANT", "ARCH", "CONTEXT", "CHAT TEMPLATE", "PROBLEM"], rows)
    return 0


def cmd_models_setup(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.models import ensure_default_models

    _drain(ensure_default_models(paths.models, CancelToken()))
    print(f"The default models are ready in {paths.models}.")
    return 0


def cmd_profiles_list(paths: Paths, args: argparse.Namespace) -> int:
    names = paths.list_profiles()
    if not names:
        print(f"No profiles yet; '{DEFAULT_PROFILE}' is created when the app first opens one.")
    for name in names:
        print(name)
    return 0


def cmd_profiles_create(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.store import open_store

    if args.name in paths.list_profiles():
        raise KnownError(f"A profile named '{args.name}' already exists.")
    profile = paths.create_profile(args.name)
    open_store(profile.store).close()
    print(f"Created profile '{args.name}' in {profile.root}.")
    return 0


def cmd_store_info(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.store import open_store, store_summary

    profile = paths.profile(args.profile)
    if not profile.store.exists():
        raise KnownError(
            f"Profile '{args.profile}' has no store yet.",
            hint="Create it with `understudy profiles create NAME`, or open the app once.",
        )
    with open_store(profile.store) as store:
        summary = store_summary(store)
    print(f"Store of profile '{args.profile}': {summary['path']}")
    print(f"  schema version: {summary['schema_version']} (this Understudy knows up to {summary['known_schema_version']})")
    print(f"  journal mode: {summary['journal_mode']}")
    print(f"  size: {_format_size(summary['file_size_bytes'])}")
    for table, count in summary["rows"].items():
        print(f"  {table}: {count} rows")
    return 0


def _open_profile_store(paths: Paths, args: argparse.Namespace) -> "Store":
    from desktop.core.store import open_store

    return open_store(paths.create_profile(args.profile).store)


def cmd_import(paths: Paths, args: argparse.Namespace) -> int:
    """Import each archive in turn; one that fails is reported and the others still land."""
    from desktop.core.importers.pipeline import import_archive

    summaries, failures = [], 0
    with _open_profile_store(paths, args) as store:
        for path in args.paths:
            try:
                summary = _drain(import_archive(store, path, me=args.me, platform=args.platform, cancel=CancelToken()))
            except KnownError as error:
                failures += 1
                print(f"{APP_NAME}: {path}: {error}", file=sys.stderr)
                continue
            summaries.append(summary)
            if not args.json:
                print(
                    f"{path}: {summary.label} ({summary.version}) as source {summary.id}: {summary.items} items "
                    f"({summary.new_items} new): {summary.posts} posts, {summary.comments} comments, "
                    f"{summary.messages} messages in {summary.threads} threads; {summary.exchanges} exchanges, "
                    f"{summary.inbox_candidates} awaiting a reply"
                )
                for warning in summary.warnings:
                    print(f"  warning: {warning}")
    if args.json:
        print(json.dumps({"sources": [s.as_dict() for s in summaries]}, ensure_ascii=False, indent=2))
    return 1 if failures else 0


def cmd_sources_list(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.store import list_sources

    with _open_profile_store(paths, args) as store:
        sources = list_sources(store)
    if args.json:
        print(json.dumps({"sources": sources}, ensure_ascii=False, indent=2))
        return 0
    if not sources:
        print("Nothing imported yet: `understudy import PATH`.")
    for source in sources:
        counts = ", ".join(f"{n} {kind}s" for kind, n in source["counts"].items()) or "no items"
        print(f"{source['id']:>4}  {source['platform']:<10} {source['imported_at'][:16]}  {source['filename']}: {counts}")
        for warning in source["warnings"]:
            print(f"      warning: {warning}")
    return 0


def cmd_sources_remove(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.store import delete_source

    with _open_profile_store(paths, args) as store:
        try:
            removed = delete_source(store, args.id)
        except KeyError:
            raise KnownError(f"There is no import with id {args.id}.", hint="See `understudy sources list`.") from None
    print(f"Removed source {args.id} and its {removed} items.")
    return 0


def cmd_secrets_status(paths: Paths, args: argparse.Namespace) -> int:
    from desktop.core.secrets import keyring_status

    status = keyring_status()
    print(status.message)
    print(f"(backend: {status.backend})")
    return 0


COMMANDS = {
    ("models", "list"): cmd_models_list,
    ("models", "setup"): cmd_models_setup,
    ("profiles", "list"): cmd_profiles_list,
    ("profiles", "create"): cmd_profiles_create,
    ("store", "info"): cmd_store_info,
    ("secrets", "status"): cmd_secrets_status,
    ("import", None): cmd_import,
    ("sources", "list"): cmd_sources_list,
    ("sources", "remove"): cmd_sources_remove,
}


def run_command(paths: Paths, args: argparse.Namespace) -> int:
    """Run the parsed sub-command; a KnownError becomes a plain message and exit status 1."""
    action = getattr(args, f"{args.command}_command", None)
    try:
        return COMMANDS[(args.command, action)](paths, args)
    except KnownError as error:
        print(f"{APP_NAME}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{APP_NAME}: cancelled.", file=sys.stderr)
        return 130
