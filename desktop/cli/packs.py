"""`understudy packs export|verify|list|reexport|finetune`: the signed reply packs approved replies
leave in, and the approved pairs as fine-tuning data."""

from __future__ import annotations

import argparse
import sys

from desktop.cli._registry import JSON_LIST, arg, command, flag
from desktop.cli._support import open_profile_store, print_json, print_table
from desktop.core.errors import KnownError, SecretsUnavailableError
from desktop.core.inbox import (
    export_finetune_jsonl,
    export_pack,
    list_exports,
    reexport_pack,
    verify_pack,
    waiting_count,
)
from desktop.core.paths import Paths
from desktop.core.secrets import SecretStore

REDACT = flag("--redact", "remove emails and phone numbers from fans' messages")


@command(
    "packs export",
    help="write the approved, not yet exported replies to a signed zip",
    arguments=[
        arg("out", metavar="OUT.zip", help="the pack to write"),
        REDACT,
        flag(
            "--session-key",
            "without a system keychain: sign with a key kept for this run only (the pack cannot be "
            "verified later)",
        ),
    ],
)
def cmd_packs_export(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        try:
            summary = export_pack(
                store,
                args.out,
                secret_store=SecretStore(session_only=args.session_key),
                redact_personal=args.redact,
            )
        except SecretsUnavailableError as error:
            raise KnownError(
                str(error), hint="Add --session-key to sign this pack with a key kept for this run only."
            ) from error
    print(
        f"Wrote {summary.path}: {summary.replies} replies ({summary.edited} edited)"
        + (", fans' emails and phone numbers removed" if summary.redacted else "")
        + f"; pack {summary.export_id}, sha256 {summary.sha256[:16]}…"
    )
    return 0


@command(
    "packs verify",
    help="check a pack's checksums and signature",
    arguments=[arg("pack", metavar="PACK.zip", help="the pack to check")],
)
def cmd_packs_verify(paths: Paths, args: argparse.Namespace) -> int:
    result = verify_pack(args.pack, SecretStore())
    if result.ok:
        print(f"{args.pack}: {result.message}")
        return 0
    print(f"{args.pack}: NOT VERIFIED", file=sys.stderr)
    for problem in result.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


@command("packs list", help="the packs exported so far", arguments=[JSON_LIST])
def cmd_packs_list(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        exports = list_exports(store)
        waiting = waiting_count(store)
    if args.json:
        print_json({"packs": exports, "waiting": waiting})
        return 0
    print_table(
        ["ID", "CREATED (UTC)", "REPLIES", "STATUS", "PATH"],
        [
            [
                str(e["id"]),
                e["created_at"][:16].replace("T", " "),
                str(e["draft_count"]),
                e["status"] + (f" (again: {e['reexport_of']})" if e["reexport_of"] else ""),
                e["path"],
            ]
            for e in exports
        ],
    )
    print(f"{waiting} approved replies wait for the next pack.")
    return 0


@command(
    "packs reexport",
    help="write an earlier pack's replies again (nothing changes state)",
    arguments=[
        arg("id", type=int, help="the pack id shown by `packs list`"),
        arg("out", metavar="OUT.zip", help="the pack to write"),
    ],
)
def cmd_packs_reexport(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        summary = reexport_pack(store, args.id, args.out, secret_store=SecretStore())
    print(
        f"Wrote {summary.path} again: the {summary.replies} replies of pack {args.id} (nothing changed "
        "state)."
    )
    return 0


@command(
    "packs finetune",
    help="write approved (message, reply) pairs as chat-format JSONL for fine-tuning",
    arguments=[arg("out", metavar="OUT.jsonl", help="the file to write"), REDACT],
)
def cmd_packs_finetune(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        count = export_finetune_jsonl(store, args.out, redact_personal=args.redact)
    print(f"Wrote {count} approved (message, reply) pairs to {args.out} as chat-format JSONL.")
    return 0
