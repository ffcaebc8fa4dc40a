"""Quality rows for drafts a creator approves as they are (issue 16), beside the speed rows.

`understudy eval drafts --split test` is the same run with every row listed; this benchmark adds
its headline figures, each with its goal:

- approvable as is (the rubric in desktop/core/evaluation/draft_eval.py) on the test half with
  four candidates per draft (>= 0.5), and with one candidate for reference;
- for messages whose answer the creator gave before, the share whose draft carries the fact (>= 0.8);
- each demo persona's median words per draft on its voice check's golden set (real messages the
  creator answered, held out) against the creator's own replies to them (within 30%).

``--quick`` drafts 6 messages per persona instead of all of them.
"""

from __future__ import annotations

from pathlib import Path

from desktop.core.evaluation.draft_eval import format_report, run_draft_eval
from tests.bench.results import Results


def _run(base: Path, models: Path, candidates: int, limit: int | None):  # type: ignore[no-untyped-def]
    generator = run_draft_eval(base, models, split="test", candidates=candidates, limit=limit)
    try:
        while True:
            next(generator)
    except StopIteration as stop:
        return stop.value


def test_draft_quality_on_the_test_half(
    tmp_path: Path, default_models_dir: Path, quick: bool, bench: Results
) -> None:
    limit = 6 if quick else None
    four = _run(tmp_path / "four", default_models_dir, 4, limit)
    one = _run(tmp_path / "one", default_models_dir, 1, limit)
    print("\n" + format_report(four) + "\n\n" + format_report(one))
    summary, reference = four.to_dict()["all"], one.to_dict()["all"]
    bench.add(
        f"drafts: approvable as is, 4 candidates vs 1 (test, n={summary['drafts']})",
        summary["approvable"],
        reference["approvable"],
        "share",
        "ours >= 0.5",
    )
    bench.add(
        f"drafts: fact carried where you answered before (n={summary['answered_before']})",
        summary["fact_carried_when_answered_before"],
        reference["fact_carried_when_answered_before"],
        "share",
        "ours >= 0.8",
    )
    for key, golden in four.golden_median_words.items():
        ours, own = golden["drafts"], golden["creator"]
        off = abs(ours / own - 1) if ours is not None and own else None
        bench.add(
            f"voice check: median words off the creator's own on the golden set, {key} ({ours} vs {own})",
            off,
            None,
            "share",
            "ours <= 0.3",
        )
