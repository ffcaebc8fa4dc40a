"""The ``--smoke-test`` check on the source app: the core pipeline in-process, the app in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import desktop.smoke
from desktop.core.inbox import list_inbox
from desktop.core.paths import Paths
from desktop.core.store import open_store
from desktop.smoke import PACK_NAME, SMOKE_PROFILE, SmokeFailure, SmokeReport, run_smoke_pipeline
from desktop.ui.workers import Failure
from tests.packaging.conftest import ROOT


def _run(paths: Paths) -> SmokeReport:
    steps = run_smoke_pipeline(paths)
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


@pytest.mark.slow
def test_the_pipeline_imports_drafts_exports_and_verifies(paths_with_models: Paths, memory_keyring) -> None:
    report = _run(paths_with_models)
    steps = [line.split()[0] for line in report.lines]
    assert steps == ["imported", "keychain:", "loaded", "drafted", "exported"]
    assert set(report.seconds) == {"import", "keychain", "models", "draft", "pack"}
    with zipfile.ZipFile(paths_with_models.cache / PACK_NAME) as pack:
        manifest = json.loads(pack.read("manifest.json"))
        rows = [json.loads(line) for line in pack.read("replies.jsonl").decode("utf-8").splitlines()]
    assert manifest["counts"]["replies"] == 1 and len(rows) == 1
    assert rows[0]["reply_text"].strip() and rows[0]["platform"] == "instagram"
    with open_store(paths_with_models.profile(SMOKE_PROFILE).store) as store:
        assert [e.state for e in list_inbox(store, state="exported")] == ["exported"]
    # The key was held in memory only, even with a keychain present.
    assert memory_keyring.passwords == {}


def test_a_missing_demo_archive_fails_the_import_step(
    paths: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(desktop.smoke, "resources_dir", lambda: tmp_path)
    with pytest.raises(SmokeFailure, match=r"^import: the demo archive .* is missing"):
        _run(paths)


def test_controller_bugs_are_collected_from_every_controller(qtbot, open_window, paths: Paths) -> None:
    from desktop.ui.gui import controller_bugs

    window = open_window(paths)
    assert controller_bugs(window) == []
    bug = Failure("boom", is_bug=True, details="Traceback: boom")
    window.packs.bugs.append(bug)
    window.models.bugs.append(bug)
    assert sorted(name for name, _ in controller_bugs(window)) == ["ModelsController", "PacksController"]


def test_a_failed_step_makes_the_window_check_exit_1_with_the_reason(
    qtbot, open_window, paths: Paths, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    from desktop.ui.gui import SmokeTest

    def broken_pipeline(_paths: Paths, _cancel: object):
        yield from ()
        raise SmokeFailure("draft: the default model gave no usable draft (no message was drafted).")

    class App:
        code: int | None = None

        def exit(self, code: int) -> None:
            self.code = code

    monkeypatch.setattr(desktop.smoke, "run_smoke_pipeline", broken_pipeline)
    app = App()
    window = open_window(paths)
    smoke = SmokeTest(app, window, paths, pipeline=True)  # type: ignore[arg-type]
    smoke.start()
    qtbot.waitUntil(lambda: app.code is not None, timeout=20_000)
    assert app.code == 1
    err = capfd.readouterr().err
    assert "smoke test: window shown (visible)" in err
    assert "smoke test: FAILED: draft: the default model gave no usable draft" in err
    # The last verdict line (llama.cpp may still log to the same stream while the window loads a model).
    verdicts = [line for line in err.splitlines() if line.startswith("smoke test:")]
    assert verdicts[-1] == "smoke test: failed (1 problem(s))"


@pytest.mark.slow
def test_the_app_smoke_test_passes_from_the_command_line(tmp_path: Path, default_models_dir: Path) -> None:
    base = Paths.resolve(tmp_path / "base").ensure()
    for model in default_models_dir.glob("*.gguf"):
        os.link(model, base.models / model.name)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("UNDERSTUDY_BASEDIR", None)
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "--basedir", str(base.base), "--smoke-test"],
        capture_output=True, text=True, timeout=540, env=env, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith("smoke test:")]
    assert lines[0] == "smoke test: window shown (visible)"
    assert any(line.startswith("smoke test: exported and verified") for line in lines)
    assert lines[-1] == "smoke test: passed"
    for bad in ("QThread: Destroyed", "Traceback", "FAILED"):
        assert bad not in done.stderr
