"""The results table itself: goals read the right figure, and the JSON has the promised shape."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bench.results import Results, check_goal, format_table


def test_goals_read_the_ratio_or_our_figure() -> None:
    assert check_goal("ratio >= 0.5", ours=10, ratio=0.5) is True
    assert check_goal("ratio >= 0.5", ours=10, ratio=0.49) is False
    assert check_goal("ratio <= 2", ours=10, ratio=2.5) is False
    assert check_goal("ours < 400", ours=399, ratio=9) is True
    assert check_goal("ours < 30", ours=31, ratio=0.1) is False
    assert check_goal("ratio >= 0.9", ours=10, ratio=None) is False  # no reference: not met
    assert check_goal("report", ours=1, ratio=1) is None


def test_rows_are_written_as_the_issue_names_them(tmp_path: Path) -> None:
    results = Results()
    results.add("import 100k: speed", 20_000, 400_000, "items/s", "ratio >= 0.5")
    results.add("generation: retrieval (ours only)", 12.5, None, "ms")
    results.write(tmp_path / "latest.json")
    rows = json.loads((tmp_path / "latest.json").read_text())
    assert [sorted(row) for row in rows] == [
        sorted(["name", "ours", "reference", "ratio", "goal", "unit", "met"])
    ] * 2
    assert rows[0]["ratio"] == 0.05 and rows[0]["met"] is False
    assert rows[1]["ratio"] is None and rows[1]["met"] is None
    table = format_table(results.rows)
    assert "MISSED" in table and "0.05x" in table
