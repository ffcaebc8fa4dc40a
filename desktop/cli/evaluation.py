"""`understudy eval guard|drafts|tune-triage`: measurements on the labelled fan messages shipped
with the app, run in throw-away profiles (the creator's own are not touched).

Named ``evaluation`` so it does not shadow the built-in ``eval``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop.cli._registry import arg, command, flag, group
from desktop.cli._support import check_limit, drain, print_json
from desktop.core.errors import KnownError
from desktop.core.evaluation.dataset import load_demo_persona, load_rows
from desktop.core.evaluation.draft_eval import format_report as format_draft_report
from desktop.core.evaluation.draft_eval import run_draft_eval
from desktop.core.evaluation.guard_eval import format_report as format_guard_report
from desktop.core.evaluation.guard_eval import run_guard_eval, temporary_base
from desktop.core.evaluation.triage_tuning import (
    held_out_recall,
    held_out_scores,
    report,
    score_rows,
    tune_ai_threshold,
    tune_from_bank,
)
from desktop.core.generation.triage_classifier import TriageClassifier
from desktop.core.models import ensure_default_models
from desktop.core.models.manager import ModelManager
from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken

# The options every run over the labelled set takes: output, half, size, persona.
LABELLED_SET = (
    flag("--json", "print the tables and every row as JSON"),
    arg("--split", choices=("dev", "test"), help="one half of the set (default: both)"),
    arg("--limit", type=int, metavar="N", help="draft at most N messages per persona"),
    arg("--persona", choices=("maya", "coach", "photographer"), help="one demo persona only"),
)

group("eval", metavar="WHAT")


@command(
    "eval guard",
    help="triage every labelled message and check the guard on real drafts of the active model",
    description="Runs triage on every labelled fan message (resources/eval/guard) and the guard on real "
    "drafts of the active model for the demo personas, in throw-away profiles. Prints, per category and "
    "language: red recall and precision, ordinary messages triaged red, invented specifics that passed "
    "unflagged, contradictions missed, false flags on fine drafts, AI-honesty misses.",
    arguments=[
        *LABELLED_SET,
        flag("--triage-only", "skip the drafts (triage alone takes seconds)"),
    ],
)
def cmd_eval_guard(paths: Paths, args: argparse.Namespace) -> int:
    """Triage and the guard on the labelled set; the creator's own profiles are not touched."""
    return _run_on_labelled_set(
        paths, args, run_guard_eval, format_guard_report, limit=args.limit, drafts=not args.triage_only
    )


@command(
    "eval drafts",
    help="draft the labelled messages and count how many could be approved as they are",
    description="Drafts the non-red labelled fan messages (resources/eval/guard) for the three demo "
    "personas with "
    "the active model, as the app drafts them (candidates, your past answers, the guard), and applies "
    "the "
    "rubric in desktop/core/evaluation/draft_eval.py: approvable as is, past answer chosen, needs an "
    "edit, "
    "and the fact carried where you answered before.",
    arguments=[
        *LABELLED_SET,
        arg("--candidates", type=int, default=4, metavar="N", help="model candidates per draft (default 4)"),
    ],
)
def cmd_eval_drafts(paths: Paths, args: argparse.Namespace) -> int:
    """The approval rubric on real drafts; the creator's own profiles are not touched."""
    if not 1 <= args.candidates <= 8:
        raise KnownError("--candidates must be between 1 and 8.")
    return _run_on_labelled_set(
        paths, args, run_draft_eval, format_draft_report, candidates=args.candidates, limit=args.limit
    )


@command(
    "eval tune-triage",
    help="choose the triage classifier's thresholds on the development half (prints them)",
    description="Scores the development half's English messages with the rules and the classifier, and "
    "prints the thresholds the documented procedure chooses (desktop/core/evaluation/triage_tuning.py), "
    "with the recall they give on that half. The test half is not read.",
)
def cmd_eval_tune_triage(paths: Paths, args: argparse.Namespace) -> int:
    """Print the thresholds the tuning procedure picks on the development half."""
    from desktop.core.retrieval.embedder import load_embedder  # heavy (faiss): this command only

    paths.ensure()
    drain(ensure_default_models(paths.models))
    personas = {key: load_demo_persona(key).persona for key in ("maya", "coach", "photographer")}
    with load_embedder(paths.models) as embedder:
        classifier = TriageClassifier.load(embedder, paths.cache)
        rows = [row for row in load_rows("dev") if row.lang == "en"]
        scored = score_rows(rows, classifier, personas.get)
        bank_scores = held_out_scores(classifier)
        thresholds = tune_from_bank(scored, bank_scores, classifier.labels)
        held_out = held_out_recall(classifier, thresholds, held_out=bank_scores)
    ai_threshold = tune_ai_threshold(scored)
    print("\n".join(report(scored, thresholds, ai_threshold)))
    print("\nThe classifier alone on the bank's held-out rows (5 folds) at these thresholds:")
    for category, (recall, harmless) in held_out.items():
        print(f"  {category:<13} recall {recall:.3f}, harmless rows red {harmless:.3f}")
    print("\nRED_THRESHOLDS = {" + ", ".join(f"{c.upper()}: {t}" for c, t in thresholds.items()) + "}")
    print(f"AI_QUESTION_THRESHOLD = {ai_threshold}")
    return 0


def _run_on_labelled_set(
    paths: Paths,
    args: argparse.Namespace,
    run: Callable[..., Any],
    format_report: Callable[[Any], str],
    **options: Any,
) -> int:
    """One eval run over the labelled set (its shared options: half, size, persona, --json), in a
    throw-away base folder, with the model drafts use (a local file or a server)."""
    check_limit(args.limit)
    paths.ensure()
    model = ModelManager(paths).choice()
    rows = [row for row in load_rows(args.split) if args.persona in (None, row.persona)]
    with temporary_base() as base:
        result = drain(
            run(
                Path(base) / "eval",
                paths.models,
                split=args.split,
                choice=model,
                rows=rows,
                cancel=CancelToken(),
                **options,
            ),
            quiet=args.json,
        )
    if args.json:
        print_json(result.to_dict())
    else:
        print(format_report(result))
    return 0
