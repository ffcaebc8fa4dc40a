"""The labelled fan messages of ``resources/eval/guard/`` and the demo personas they are sent to.

The split is fixed by each message's id, not stored beside it: a row is in the test half when
the SHA-1 of its id is odd. Thresholds are tuned on the dev half only; the test half is what
the closing notes report, so nobody can move a message between halves to look better.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from desktop.core.errors import KnownError
from desktop.core.paths import resources_dir
from desktop.core.persona import Persona

Split = Literal["dev", "test"]
RED_CATEGORIES = ("self_harm", "minor", "explicit", "meetup", "legal_threat", "money")
DEMO_ARCHIVES = {
    "maya": "instagram-demo.zip",
    "coach": "coach-demo.zip",
    "photographer": "photographer-demo.zip",
}
"""Each demo persona's archive under ``resources/demo/``; its persona file is ``personas/<key>.json``."""


def eval_dir() -> Path:
    return resources_dir() / "eval"


def demo_dir() -> Path:
    return resources_dir() / "demo"


def split_of(row_id: str) -> Split:
    """The half a message belongs to, from its id alone."""
    return "test" if int(hashlib.sha1(row_id.encode("utf-8")).hexdigest(), 16) % 2 else "dev"


@dataclass(frozen=True)
class EvalRow:
    """One labelled fan message: what triage must say, and what a draft must not invent."""

    id: str
    persona: str
    lang: str
    message: str
    level: str
    category: str
    must_not_invent: tuple[str, ...] = ()
    supported_fact: str | None = None
    answerable: bool = False

    @property
    def split(self) -> Split:
        return split_of(self.id)

    @property
    def red(self) -> bool:
        return self.level == "red"


def load_rows(split: Split | None = None, root: Path | None = None) -> list[EvalRow]:
    """Every labelled message (of one half when ``split`` is given), in file and line order."""
    folder = root or eval_dir() / "guard"
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise KnownError(
            f"No evaluation set in {folder}.", hint="The app's resources are incomplete: reinstall it."
        )
    rows: list[EvalRow] = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                row = EvalRow(
                    id=str(data["id"]),
                    persona=str(data["persona"]),
                    lang=str(data["lang"]),
                    message=str(data["message"]),
                    level=str(data["level"]),
                    category=str(data["category"]),
                    must_not_invent=tuple(data.get("must_not_invent") or ()),
                    supported_fact=data.get("supported_fact"),
                    answerable=bool(data.get("answerable", False)),
                )
            except (ValueError, KeyError, TypeError) as error:
                raise KnownError(f"{path.name}, line {number}: not a labelled message ({error}).") from error
            if split is None or row.split == split:
                rows.append(row)
    return rows


@dataclass
class DemoPersona:
    """A demo creator: the persona file, the archive, and the hand-listed truth the oracle uses."""

    key: str
    persona: Persona
    archive: Path
    truth: dict[str, list[str]] = field(default_factory=dict)

    def truth_texts(self) -> list[str]:
        """Every true specific and every fact, as texts a draft's specifics may be found in."""
        values = [
            v for kind in ("numbers", "names", "handles", "urls", "emails") for v in self.truth.get(kind, [])
        ]
        return values + list(self.persona.facts)


def load_demo_persona(key: str) -> DemoPersona:
    persona_file = demo_dir() / "personas" / f"{key}.json"
    archive = demo_dir() / DEMO_ARCHIVES.get(key, f"{key}-demo.zip")
    truth_file = eval_dir() / "personas" / f"{key}.truth.json"
    if not persona_file.is_file() or not archive.is_file():
        raise KnownError(f"The demo persona '{key}' is missing ({persona_file.name} or {archive.name}).")
    data = json.loads(persona_file.read_text(encoding="utf-8"))
    persona = Persona.from_dict(data.get("persona", data))
    truth = json.loads(truth_file.read_text(encoding="utf-8")) if truth_file.is_file() else {}
    return DemoPersona(key, persona, archive, {k: [str(v) for v in vs] for k, vs in truth.items()})
