"""`understudy packs export|verify|key|list|reexport|finetune`: the signed reply packs approved replies
leave in, the profile's public key that anyone can check them with, and the approved pairs as
fine-tuning data."""

from __future__ import annotations

import argparse
import sys

from desktop.cli._registry import JSON_LIST, arg, command, flag
from desktop.cli._support import cli_secret_store, open_profile_store, print_json, print_table
from desktop.core.errors import KnownError, SecretsUnavailableError
from desktop.core.inbox import (
    export_finetune_jsonl,
    export_pack,
    list_exports,
    reexport_pack,
    verify_pack,
    waiting_count,
)
from desktop.core.inbox.signing import (
    PublicKey,
    parse_fingerprint,
    profile_public_key,
    read_public_key_file,
    show_fingerprint,
    signing_key,
)
from desktop.core.paths import Paths
from desktop.core.store import open_store

PACK_OUT = arg("out", metavar="OUT.zip", help="the pack to write")
REDACT = flag("--redact", "remove emails and phone numbers from fans' messages")


@command(
    "packs export",
    help="write the approved, not yet exported replies to a signed zip",
    arguments=[
        PACK_OUT,
        REDACT,
        flag(
            "--session-key",
            "without a system keychain: sign with a key made for this run only (not the profile's: "
            "the pack verifies as signed by an unknown key)",
        ),
    ],
)
def cmd_packs_export(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        try:
            summary = export_pack(
                store,
                args.out,
                secret_store=cli_secret_store(paths, session_only=args.session_key),
                redact_personal=args.redact,
            )
        except SecretsUnavailableError as error:
            raise KnownError(
                str(error),
                hint="Run `understudy secrets passphrase` to keep the signing key in an encrypted file, or "
                "add --session-key to sign this pack with a key made for this run only.",
            ) from error
    print(
        f"Wrote {summary.path}: {summary.replies} replies ({summary.edited} edited)"
        + (", fans' emails and phone numbers removed" if summary.redacted else "")
        + f"; pack {summary.export_id}, sha256 {summary.sha256[:16]}…"
    )
    return 0


def _expected_key(text: str | None) -> PublicKey | str | None:
    if text is None:
        return None
    fingerprint = parse_fingerprint(text)
    if fingerprint is not None:
        return fingerprint
    return read_public_key_file(text)


def _own_public_key(paths: Paths, args: argparse.Namespace) -> PublicKey | None:
    store_path = paths.profile(args.profile).store
    if not store_path.exists():
        return None  # verifying makes no profile
    with open_store(store_path) as store:
        return profile_public_key(store)


@command(
    "packs verify",
    help="check a pack's checksums and signature (exit status 0: verified; 1: not; 3: intact but signed "
    "by a key that is not this profile's and none was given)",
    arguments=[
        arg("pack", metavar="PACK.zip", help="the pack to check"),
        arg(
            "--key",
            metavar="FILE|FINGERPRINT",
            help="the creator's public key (a file from `packs key --export`) or its fingerprint: the pack "
            "must be signed by it",
        ),
    ],
)
def cmd_packs_verify(paths: Paths, args: argparse.Namespace) -> int:
    expected = _expected_key(args.key)
    result = verify_pack(
        args.pack,
        cli_secret_store(paths, ask=False),  # only a format 1 pack needs it
        expected=expected,
        own_key=None if expected is not None else _own_public_key(paths, args),
    )
    if result.ok:
        print(f"{args.pack}: {result.message}")
        return 0 if result.trusted else 3
    print(f"{args.pack}: NOT VERIFIED", file=sys.stderr)
    for problem in result.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


@command(
    "packs key",
    help="print the fingerprint of this profile's signing key (made if new) and write its public key",
    arguments=[
        arg("--export", metavar="FILE", help="write the public key (PEM) to FILE for whoever verifies")
    ],
)
def cmd_packs_key(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        public = profile_public_key(store)
        if public is None:
            try:
                public = signing_key(store, cli_secret_store(paths)).public
            except SecretsUnavailableError as error:
                raise KnownError(
                    str(error),
                    hint="Run `understudy secrets passphrase` to keep the key in an encrypted file.",
                ) from error
    print(f"Fingerprint: {show_fingerprint(public.fingerprint)}")
    print(f"Public key (Ed25519, base64): {public.base64}")
    if args.export:
        try:
            with open(args.export, "x", encoding="ascii") as out:
                out.write(public.pem())
        except FileExistsError as exc:
            raise KnownError(f"{args.export} already exists; choose another name.") from exc
        except OSError as exc:
            raise KnownError(f"{args.export} could not be written: {exc.strerror or exc}.") from exc
        print(f"Wrote the public key to {args.export}: `understudy packs verify PACK --key {args.export}`.")
    return 0


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
        PACK_OUT,
    ],
)
def cmd_packs_reexport(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        summary = reexport_pack(store, args.id, args.out, secret_store=cli_secret_store(paths))
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
