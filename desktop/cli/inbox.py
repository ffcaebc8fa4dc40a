"""`understudy inbox ...`: the messages awaiting a reply, their drafts, and the review actions.

The same core (``desktop.core.inbox``) the Inbox page drives: add or import messages, list,
approve, reject, restore, edit, undo, and draft every new message in one model session.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from desktop.cli._registry import JSON_LIST, arg, command, flag
from desktop.cli._support import (
    check_limit,
    ctrl_c_cancels,
    drain,
    open_profile_store,
    print_json,
    print_table,
)
from desktop.core.actions import sync_inbox, triage_for
from desktop.core.errors import KnownError
from desktop.core.inbox import (
    InboxEntry,
    add_message,
    approve,
    edit,
    get_entry,
    import_messages_file,
    list_inbox,
    reject,
    restore,
    undo_last,
)
from desktop.core.inbox.batch import ItemDrafted, draft_all, summary_line
from desktop.core.paths import Paths
from desktop.core.store import Store
from desktop.core.tasks import CancelToken, Progress

MESSAGE_ID = arg("id", type=int, help="the message id shown by `inbox list`")


@command(
    "inbox add",
    help="add a message you typed or pasted",
    arguments=[
        arg("text", help="the message"),
        arg("--from", dest="sender", metavar="NAME", help="who sent it"),
        arg("--platform", metavar="P", default="manual", help="where it came from (default: %(default)s)"),
        arg("--thread", metavar="ID", help="the conversation's id on that platform"),
    ],
)
def cmd_inbox_add(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        item_id = add_message(
            store,
            args.text,
            sender=args.sender,
            platform=args.platform,
            thread=args.thread,
            triage=triage_for(store),
        )
        entry = get_entry(store, item_id)
    print(
        f"Added message {item_id} ({entry.state})." + (f" {entry.flag_reason}" if entry.flag_reason else "")
    )
    return 0


@command(
    "inbox import",
    help="add incoming messages from a CSV/JSON file, or the imported conversations awaiting a reply",
    description="Columns (CSV header or JSON keys): text (required), from, from_name, platform, id, "
    "thread, "
    "created_at (ISO 8601 with a timezone), kind (message or comment), in_reply_to. "
    "Re-importing a file adds nothing twice.",
    arguments=[
        arg("file", nargs="?", help="a .csv, .json or .jsonl file of incoming messages"),
        flag("--candidates", "add the conversations from imported archives awaiting your reply"),
        arg("--platform", metavar="P", help="the platform for rows that do not name one"),
    ],
)
def cmd_inbox_import(paths: Paths, args: argparse.Namespace) -> int:
    if not args.file and not args.candidates:
        raise KnownError(
            "Name a file of messages, or use --candidates.", hint="See `understudy inbox import --help`."
        )
    with open_profile_store(paths, args) as store:
        if args.candidates:
            result = sync_inbox(store)
            print(
                f"Conversations awaiting your reply: {result.added} added, {result.already} already in the "
                "inbox."
            )
        if args.file:
            result = import_messages_file(store, args.file, platform=args.platform, triage=triage_for(store))
            print(
                f"{args.file}: {result.received} rows: {result.added} added, {result.already} already in "
                "the inbox" + (f", {result.skipped} skipped" if result.skipped else "") + "."
            )
            for warning in result.warnings:
                print(f"  warning: {warning}")
    return 0


@command(
    "inbox list",
    help="list the inbox (or the trash)",
    arguments=[
        arg(
            "--state",
            metavar="S",
            help="only this state: new, drafted, flagged, approved, exported, rejected",
        ),
        flag("--trash", "list the trash instead"),
        JSON_LIST,
    ],
)
def cmd_inbox_list(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        sync_inbox(store)  # what imports found awaiting a reply, as the Inbox page shows it
        entries = list_inbox(store, state=args.state, trashed=args.trash)
    if args.json:
        print_json({"entries": [e.as_dict() for e in entries]})
        return 0
    _print_entries(entries)
    return 0


@command("inbox approve", help="approve the message's draft", arguments=[MESSAGE_ID])
def cmd_inbox_approve(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        approve(store, args.id)
    print(f"Approved the reply to message {args.id}; it leaves with the next reply pack.")
    return 0


@command("inbox reject", help="reject the message (it goes to the trash)", arguments=[MESSAGE_ID])
def cmd_inbox_reject(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        reject(store, args.id)
    print(
        f"Rejected message {args.id}; it is in the trash (`understudy inbox restore {args.id}` brings it "
        "back)."
    )
    return 0


@command("inbox restore", help="bring a message back from the trash", arguments=[MESSAGE_ID])
def cmd_inbox_restore(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        state = restore(store, args.id)
    print(f"Restored message {args.id} ({state}).")
    return 0


@command(
    "inbox edit",
    help="replace the draft's text",
    arguments=[MESSAGE_ID, arg("text", help="the new reply")],
)
def cmd_inbox_edit(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        changed = edit(store, _draft_of(store, args.id), args.text)
    print(
        f"Edited the draft for message {args.id}." if changed else "No change: the draft already says that."
    )
    return 0


@command("inbox undo", help="undo the last inbox action")
def cmd_inbox_undo(paths: Paths, args: argparse.Namespace) -> int:
    with open_profile_store(paths, args) as store:
        result = undo_last(store)
    if result is None:
        print("Nothing to undo.")
    else:
        print(f"Undid '{result.action}' on message(s) {', '.join(map(str, result.item_ids))}.")
    return 0


@command(
    "inbox draft-all",
    help="draft a reply to every new message, in priority order (Ctrl+C stops, keeping what is done)",
    description="Drafts every message in state 'new', highest priority first, then newest first. "
    "Each draft is saved as it finishes; running it again continues with what is left.",
    arguments=[
        arg("--limit", type=int, metavar="N", help="draft at most N messages"),
        flag("--json", "print each result and the summary as JSON"),
    ],
)
def cmd_inbox_draft_all(paths: Paths, args: argparse.Namespace) -> int:
    """Draft every new message through one model session; Ctrl+C stops within a token, keeping what is
    done."""
    from desktop.core.generation.session import DraftingSession  # heavy (faiss, the model): drafting only

    check_limit(args.limit)
    cancel = CancelToken()
    results: list[dict[str, Any]] = []

    def show(step: Any) -> None:
        if isinstance(step, Progress):
            print(step.message + ("…" if step.done < step.total else "."), file=sys.stderr, flush=True)
        elif isinstance(step, ItemDrafted):
            results.append(step.__dict__)
            if not args.json:
                _print_drafted(step)

    with DraftingSession(paths, args.profile) as session:
        drain(session.open(cancel))
        with ctrl_c_cancels(cancel):
            summary = drain(draft_all(session, limit=args.limit, cancel=cancel), show=show)
    if args.json:
        print_json({"results": results, "summary": summary.as_dict()})
    else:
        print(summary_line(summary))
    if summary.prompt_tokens:
        print(
            f"Persona prefix reuse: {summary.reused_tokens} of {summary.prompt_tokens} prompt tokens "
            f"({summary.reuse_share:.0%}) were not evaluated again.",
            file=sys.stderr,
        )
    return {"cancelled": 130, "failed": 1}.get(summary.stopped, 0)


def _draft_of(store: Store, item_id: int) -> int:
    entry = get_entry(store, item_id)
    if entry.draft_id is None:
        raise KnownError(f"Message {item_id} has no draft yet.")
    return entry.draft_id


def _print_entries(entries: list[InboxEntry]) -> None:
    if not entries:
        print("Nothing here.")
        return
    rows = []
    for e in entries:
        note = e.flag_reason or (e.draft_text or "")
        rows.append(
            [
                str(e.item_id),
                e.state + ("*" if e.edited else ""),
                e.platform,
                (e.sender or "-")[:20],
                e.text.replace("\n", " ")[:40],
                note.replace("\n", " ")[:50],
            ]
        )
    print_table(["ID", "STATE", "PLATFORM", "FROM", "MESSAGE", "DRAFT / REASON"], rows)


def _print_drafted(result: ItemDrafted) -> None:
    label = {"drafted": "drafted", "flagged": "FLAGGED", "no_draft": "NO DRAFT", "skipped": "skipped"}[
        result.outcome
    ]
    text = (result.text or result.reason).replace("\n", " ")
    print(f"{result.item_id:>6}  {label:<8}  {text[:90]}", flush=True)
    if result.outcome == "flagged" and result.text and result.reason:
        print(f"{'':>6}  {'':<8}  why: {result.reason[:90]}", flush=True)
