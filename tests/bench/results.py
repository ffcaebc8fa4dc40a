"""The benchmark table: one row per figure, each a ratio against a reference measured in the same run.

Every benchmark adds its rows to one ``Results`` (the ``bench`` fixture in ``conftest.py``); at
the end of the run ``conftest.py`` writes them to ``bench-results/latest.json`` as a list of
``{"name", "ours", "reference", "ratio", "goal", "unit", "met"}`` and prints ``format_table``.

``ratio`` is always ``ours / reference`` and rows are phrased so that the goal reads on it
(throughput rows in items/s or drafts/s, where higher is better; latency rows in ms, where
lower is better). A goal is ``"ratio >= 0.5"`` (on the ratio), ``"ours < 400"`` (on our
absolute figure, in the row's unit) or ``"report"`` (context only: ``met`` is null).
"""

from __future__ import annotations

import json
import operator
import os
from dataclasses import asdict, dataclass
from pathlib import Path

_OPERATORS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
REPORT = "report"


@dataclass(frozen=True)
class Row:
    name: str
    ours: float | None
    reference: float | None
    ratio: float | None
    goal: str
    unit: str
    met: bool | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def check_goal(goal: str, ours: float | None, ratio: float | None) -> bool | None:
    """Whether ``goal`` (``"ratio >= 0.5"``, ``"ours < 30"`` or ``"report"``) holds; None for a report row."""
    if goal == REPORT:
        return None
    subject, op, threshold = goal.split()
    value = {"ratio": ratio, "ours": ours}[subject]
    if value is None:
        return False
    return bool(_OPERATORS[op](value, float(threshold)))


def make_row(name: str, ours: float | None, reference: float | None, unit: str, goal: str = REPORT) -> Row:
    ratio = ours / reference if ours is not None and reference else None
    rounded = [None if v is None else round(float(v), 4) for v in (ours, reference, ratio)]
    return Row(name, *rounded, goal=goal, unit=unit, met=check_goal(goal, ours, ratio))


class Results:
    """The rows of one run, in the order the benchmarks added them."""

    def __init__(self) -> None:
        self.rows: list[Row] = []

    def add(
        self, name: str, ours: float | None, reference: float | None, unit: str, goal: str = REPORT
    ) -> Row:
        row = make_row(name, ours, reference, unit, goal)
        self.rows.append(row)
        return row

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps([row.as_dict() for row in self.rows], indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def format_table(rows: list[Row]) -> str:
    """The rows as a fixed-width text table, with a verdict column (met / MISSED / blank)."""
    header = ("benchmark", "ours", "reference", "ratio", "unit", "goal", "")
    lines = [
        (
            row.name,
            _number(row.ours),
            _number(row.reference),
            "-" if row.ratio is None else f"{row.ratio:.2f}x",
            row.unit,
            row.goal,
            "" if row.met is None else ("met" if row.met else "MISSED"),
        )
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    right = {1, 2, 3}

    def render(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=False))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([render(header), rule, *(render(cells) for cells in lines)])
