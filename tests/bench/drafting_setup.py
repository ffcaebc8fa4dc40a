"""The profile the drafting benchmarks draft in: an imported archive, a persona, a ready search index.

Built once per run (``drafting_base`` in ``conftest.py``) and copied for each benchmark, so
every one starts from the same state. The persona is a realistic one (style notes, a facts
sheet, boundaries): its header is the prefix that batch drafting reuses.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

from desktop.core.generation.session import DraftingSession
from desktop.core.importers.pipeline import import_archive
from desktop.core.inbox import add_message
from desktop.core.paths import Paths
from desktop.core.persona import Boundaries, Persona
from desktop.core.persona.versions import save_persona
from desktop.core.store import open_store
from tests.bench.import_workload import generate_instagram_archive
from tests.bench.texts import fan_message

ARCHIVE_MESSAGES = 2000
"""Messages in the profile's archive (1,000 past exchanges): enough for real retrieval, quick to embed."""

PERSONA = Persona(
    display_name="Lena",
    style_notes="short, lowercase, friendly, lots of 'haha', talks about training, food and her dog",
    facts=[
        "Lena sells a protein cookbook for $19 at lenacooks.shop",
        "Lena trains at a gym in Berlin, five mornings a week",
        "Lena runs a 10k every sunday and a marathon each spring",
        "Lena has a dog called Pixel",
        "Lena's podcast comes out every thursday",
        "Lena edits her videos herself on a laptop",
    ],
    boundaries=Boundaries(avoid_topics=["politics", "my ex", "my weight"]),
)


def link_models(models_from: Path, paths: Paths) -> None:
    for model in models_from.glob("*.gguf"):
        target = paths.models / model.name
        if not target.exists():
            try:
                os.link(model, target)
            except OSError:
                target.symlink_to(model)


def build_drafting_base(root: Path, models_dir: Path, threads: int) -> Path:
    """``root/base``: the default profile with the archive imported and embedded, and ``PERSONA`` saved."""
    paths = Paths.resolve(root / "base").ensure()
    link_models(models_dir, paths)
    archive = generate_instagram_archive(root / "archive.zip", ARCHIVE_MESSAGES, seed=11)
    with open_store(paths.create_profile("default").store) as store:
        for _ in import_archive(store, archive):
            pass
        save_persona(store, PERSONA)
    with DraftingSession(
        paths, "default", n_threads=threads
    ) as session:  # embeds everything, saves the index
        for _ in session.open():
            pass
    return paths.base


def clone_base(source: Path, target: Path) -> Paths:
    """A copy of a base folder; the model files are hard-linked, not copied."""

    def copy(src: str, dst: str) -> object:
        if src.endswith(".gguf"):
            try:
                os.link(src, dst)
                return dst
            except OSError:
                pass
        return shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=copy)
    return Paths.resolve(target).ensure()


def add_inbox_messages(paths: Paths, count: int, seed: int = 5) -> list[int]:
    """``count`` new fan messages in the inbox, each from its own fan, newest last."""
    rng = random.Random(seed)
    with open_store(paths.profile("default").store) as store:
        return [
            add_message(
                store,
                fan_message(rng),
                sender=f"fan_{n}",
                platform="instagram",
                created_at=f"2025-01-{1 + n // 24 % 28:02d}T{n % 24:02d}:00:00+00:00",
            )
            for n in range(count)
        ]
