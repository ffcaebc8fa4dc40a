"""The model manager: add (copy/link) after validation, remove, choose the active model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop.core.errors import ModelError
from desktop.core.models import DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL
from desktop.core.models.manager import COPY, HARDLINK, SYMLINK, ModelManager
from desktop.core.models.probe import ensure_loadable, probe_sidecar
from desktop.core.paths import Paths


@pytest.mark.parametrize("how", [COPY, HARDLINK, SYMLINK])
def test_add_validates_and_keeps_the_file(paths: Paths, default_models_dir: Path, how: str) -> None:
    manager = ModelManager(paths)
    facts = manager.add(default_models_dir / DEFAULT_EMBEDDING_MODEL, how=how, name="my-embedder")
    assert facts.file_name == "my-embedder.gguf" and facts.ok and facts.architecture == "bert"
    target = paths.models / "my-embedder.gguf"
    assert target.is_symlink() == (how == SYMLINK)
    if how == HARDLINK:
        assert os.stat(target).st_ino == os.stat(default_models_dir / DEFAULT_EMBEDDING_MODEL).st_ino
    assert [m.file_name for m in manager.list()] == ["my-embedder.gguf"]
    assert not list(paths.models.glob(".*partial"))
    with pytest.raises(ModelError, match="already in the models folder"):
        manager.add(default_models_dir / DEFAULT_EMBEDDING_MODEL, how=how, name="my-embedder")


def test_truncated_and_random_files_are_refused_and_leave_nothing(
    paths: Paths, default_models_dir: Path, tmp_path: Path
) -> None:
    manager = ModelManager(paths)
    cut = tmp_path / "cut.gguf"
    cut.write_bytes((default_models_dir / DEFAULT_EMBEDDING_MODEL).read_bytes()[:3_000_000])
    noise = tmp_path / "noise.gguf"
    noise.write_bytes(os.urandom(10_000))
    with pytest.raises(ModelError, match="cut short"):
        manager.add(cut)
    with pytest.raises(ModelError, match="not in the GGUF format"):
        manager.add(noise)
    with pytest.raises(ModelError, match="does not exist"):
        manager.add(tmp_path / "missing.gguf")
    assert list(paths.models.iterdir()) == []


def test_active_model_defaults_to_gemma_and_can_be_chosen(paths_with_models: Paths) -> None:
    manager = ModelManager(paths_with_models)
    assert manager.active_name == DEFAULT_CHAT_MODEL
    assert manager.active_path == paths_with_models.models / DEFAULT_CHAT_MODEL
    manager.add(paths_with_models.models / DEFAULT_CHAT_MODEL, how=HARDLINK, name="gemma-copy")
    manager.set_active("gemma-copy.gguf")
    assert ModelManager(paths_with_models).active_name == "gemma-copy.gguf"  # persisted
    with pytest.raises(ModelError, match="embedding model"):
        manager.set_active(DEFAULT_EMBEDDING_MODEL)
    with pytest.raises(ModelError, match="does not exist"):
        manager.set_active("nowhere.gguf")
    manager.settings_file.write_text("{ not json", encoding="utf-8")
    assert manager.active_name == DEFAULT_CHAT_MODEL  # a damaged settings file means the default


def test_remove(paths_with_models: Paths) -> None:
    manager = ModelManager(paths_with_models)
    manager.add(paths_with_models.models / DEFAULT_CHAT_MODEL, how=HARDLINK, name="other")
    manager.set_active("other.gguf")
    ensure_loadable(paths_with_models.models / "other.gguf")  # a new file: probed in a child, verdict kept
    assert probe_sidecar(paths_with_models.models / "other.gguf").exists()
    with pytest.raises(ModelError, match="running now"):
        manager.remove("other.gguf", running=str(paths_with_models.models / "other.gguf"))
    manager.remove("other.gguf", running=str(paths_with_models.models / DEFAULT_CHAT_MODEL))
    assert manager.active_name == DEFAULT_CHAT_MODEL  # the removed one was active: back to the default
    assert not probe_sidecar(paths_with_models.models / "other.gguf").exists()  # nothing left of it
    manager.remove(DEFAULT_EMBEDDING_MODEL)  # a default can go; ensure_default_models sets it up again
    assert [m.file_name for m in manager.list()] == [DEFAULT_CHAT_MODEL]
    with pytest.raises(ModelError, match="no model named"):
        manager.remove("other.gguf")
    with pytest.raises(ModelError, match="no model named"):
        manager.remove("../settings.ini")


def test_gpu_layers_default_to_auto_and_follow_the_build(paths: Paths) -> None:
    from desktop.core.generation.preflight import gpu_offload_supported

    manager = ModelManager(paths)
    assert manager.gpu_layers_setting() == "auto"
    assert manager.gpu_layers() == (-1 if gpu_offload_supported() else 0)
    assert manager.set_gpu_layers(" 20 ") == "20" and manager.gpu_layers() == 20
    with pytest.raises(ModelError, match="not a number of layers"):
        manager.set_gpu_layers("lots")
    assert manager.gpu_layers_setting() == "20"  # a refused value changes nothing
    manager.set_gpu_layers("auto")
    assert ModelManager(paths).gpu_layers_setting() == "auto"
