"""`understudy draft MESSAGE`: one reply in the creator's voice, with what it was grounded in."""

from __future__ import annotations

import argparse

from desktop.cli._registry import arg, command, flag
from desktop.cli._support import drain, print_json
from desktop.core.errors import KnownError
from desktop.core.generation.session import DraftingSession
from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken


@command(
    "draft",
    arguments=[
        arg("message", help="the incoming message, in quotes"),
        arg("--platform", metavar="ID", help="where the message came from (e.g. instagram)"),
        arg("--seed", type=int, default=0, help="another seed gives another draft"),
        flag("--json", "print the draft with its sources, guard and timings"),
        arg(
            "--candidates",
            type=int,
            metavar="N",
            help="choose among N model drafts (default: the profile's setting, 4)",
        ),
    ],
)
def cmd_draft(paths: Paths, args: argparse.Namespace) -> int:
    """Draft one reply with the creator's active persona, grounded in their imported archives."""
    with DraftingSession(paths, args.profile) as session:
        drain(session.open(CancelToken()))
        if args.candidates is not None and not 1 <= args.candidates <= 8:
            raise KnownError("--candidates must be between 1 and 8.")
        draft = drain(
            session.draft(args.message, seed=args.seed, platform=args.platform, candidates=args.candidates),
            quiet=True,
        )
    if args.json:
        print_json(draft.to_json_dict())
        return 0
    if not draft.triage.draft_allowed:
        print("No draft: this message needs you, not the clone.")
        for reason in draft.triage.reasons:
            print(f"  - {reason}")
        return 0
    print(draft.text)
    state = (
        "BLOCKED" if draft.blocked else "needs an edit" if draft.guard and draft.guard.needs_edit else "ok"
    )
    print(
        f"\n[guard: {state}; {draft.attempts} attempt(s); model {draft.model}; persona version "
        f"{draft.persona_version}]"
    )
    for finding in draft.guard.findings if draft.guard else []:
        print(f"  {finding.severity}: {finding.message}")
    if draft.guard and draft.guard.canned_reply:
        print(f"  your reply for this topic: {draft.guard.canned_reply}")
    if draft.chosen is not None:
        print(
            f"  chosen: {draft.chosen.label}, score {draft.chosen.score:.2f} ({_parts(draft.chosen.parts)})"
        )
    for number, other in enumerate(draft.alternatives, 1):
        print(f"  alternative {number}: {other.label}, score {other.score:.2f}: {other.text[:100]}")
    for source in draft.sources:
        print(f"  source ({source.role}, {source.score:.2f}): {source.text[:100]}")
    return 0


def _parts(parts: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:+.2f}" for name, value in parts.items() if value)
