"""The packaged app's default models: found in its own folder, linked (not copied) into the models folder."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.models import (
    DEFAULT_CHAT_MODEL,
    DEFAULT_EMBEDDING_MODEL,
    DEFAULT_MODELS,
    ensure_default_models,
)
from desktop.core.models.bundled import bundled_models_dir, link_bundled_models, link_bundled_models_at_start
from desktop.core.models.facts import ROLE_EMBEDDING, ROLE_GENERATION, list_models
from desktop.core.models.manager import ModelManager
from desktop.core.paths import Paths
from desktop.core.tasks import Progress


@pytest.fixture
def frozen_bundle(
    tmp_path: Path, default_models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A packaged app's folder (``sys._MEIPASS``) holding the default models, read-only."""
    bundle = tmp_path / "app" / "_internal"
    models = bundle / "models"
    models.mkdir(parents=True)
    for name in DEFAULT_MODELS:
        os.link(default_models_dir / name, models / name)
    models.chmod(0o555)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    yield models
    models.chmod(0o755)


def _drain(steps) -> tuple[list[Progress], object]:
    seen = []
    while True:
        try:
            seen.append(next(steps))
        except StopIteration as stop:
            return seen, stop.value


def test_a_source_checkout_has_no_bundled_models() -> None:
    assert not hasattr(sys, "_MEIPASS")
    assert bundled_models_dir() is None
    assert link_bundled_models_at_start(Path("/nonexistent")) == []


def test_an_incomplete_bundle_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / DEFAULT_CHAT_MODEL).write_bytes(b"GGUF")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert bundled_models_dir() is None


def test_the_first_start_links_the_bundled_models(paths: Paths, frozen_bundle: Path) -> None:
    assert bundled_models_dir() == frozen_bundle
    assert link_bundled_models_at_start(paths.models) == []
    for name in DEFAULT_MODELS:
        target = paths.models / name
        assert target.is_symlink() and target.resolve() == (frozen_bundle / name).resolve()
    roles = {facts.file_name: facts.role for facts in list_models(paths.models)}
    assert roles == {DEFAULT_CHAT_MODEL: ROLE_GENERATION, DEFAULT_EMBEDDING_MODEL: ROLE_EMBEDDING}
    manager = ModelManager(paths)
    assert manager.validate(manager.active_path).file_name == DEFAULT_CHAT_MODEL
    # The set-up every drafting session runs finds them in place and copies nothing.
    steps, _ = _drain(ensure_default_models(paths.models))
    assert [s.message for s in steps[:2]] == [f"Model already present: {name}" for name in DEFAULT_MODELS]
    assert all(p.is_symlink() for p in paths.models.glob("*.gguf"))


def test_a_link_to_a_moved_or_removed_app_is_replaced(
    paths: Paths, frozen_bundle: Path, tmp_path: Path
) -> None:
    (paths.models / DEFAULT_CHAT_MODEL).symlink_to(tmp_path / "old-app" / "models" / DEFAULT_CHAT_MODEL)
    steps, _ = _drain(ensure_default_models(paths.models))
    assert [s.message for s in steps[:2]] == [f"Bundled model linked: {name}" for name in DEFAULT_MODELS]
    assert (paths.models / DEFAULT_CHAT_MODEL).resolve() == (frozen_bundle / DEFAULT_CHAT_MODEL).resolve()
    assert sorted(p.name for p in paths.models.iterdir()) == sorted(DEFAULT_MODELS)  # no temp file left


def test_a_removed_default_comes_back_and_the_bundle_is_untouched(paths: Paths, frozen_bundle: Path) -> None:
    link_bundled_models_at_start(paths.models)
    ModelManager(paths).remove(DEFAULT_EMBEDDING_MODEL)
    assert not (paths.models / DEFAULT_EMBEDDING_MODEL).exists()
    assert (frozen_bundle / DEFAULT_EMBEDDING_MODEL).is_file()
    _, outcome = _drain(link_bundled_models(paths.models, frozen_bundle))
    assert outcome == {DEFAULT_CHAT_MODEL: "present", DEFAULT_EMBEDDING_MODEL: "linked"}
    assert (paths.models / DEFAULT_EMBEDDING_MODEL).is_symlink()


def test_without_symbolic_links_a_hard_link_then_a_copy(
    paths: Paths, frozen_bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(Path, "symlink_to", refuse)
    _, outcome = _drain(link_bundled_models(paths.models, frozen_bundle))
    assert set(outcome.values()) == {"hard-linked"}
    gemma = paths.models / DEFAULT_CHAT_MODEL
    assert gemma.stat().st_ino == (frozen_bundle / DEFAULT_CHAT_MODEL).stat().st_ino

    monkeypatch.setattr(os, "link", refuse)
    for name in DEFAULT_MODELS:
        (paths.models / name).unlink()
    # The start-up pass never copies: it reports, and the set-up screen offers the full set-up.
    problems = link_bundled_models_at_start(paths.models)
    assert problems == [f"{name} could not be linked from the app's folder." for name in DEFAULT_MODELS]
    assert list(paths.models.iterdir()) == []
    steps, _ = _drain(ensure_default_models(paths.models))
    assert [s.message for s in steps[:2]] == [f"Bundled model copied: {name}" for name in DEFAULT_MODELS]
    assert not gemma.is_symlink()
    assert gemma.stat().st_size == (frozen_bundle / DEFAULT_CHAT_MODEL).stat().st_size
