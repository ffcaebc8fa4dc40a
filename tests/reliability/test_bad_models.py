"""Bad models: a plain message for each, checked before llama.cpp sees the file, and the app goes on.

Understudy loads models in its own process (the GUI's model thread), where a native abort in
llama.cpp would take the window down with it. So every file is checked from its header first
(``read_model_facts``, the memory pre-flight), and a file the app has not loaded before is then
loaded by a child process (``models.probe``): a crash there is a signal, turned into a message.
The loads that reach llama.cpp in these tests also run in a child whose exit status is checked.
*Measured* with llama-cpp-python 0.3.36: a header claiming 513 or more layers makes ``Llama()``
abort the process (SIGABRT); the header check now refuses it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from desktop.core.errors import ModelError
from desktop.core.generation.backends.llama_cpp_backend import LlamaCppBackend, LlamaSettings
from desktop.core.generation.preflight import available_ram_bytes
from desktop.core.models.defaults import DEFAULT_CHAT_MODEL
from desktop.core.models.facts import list_models, read_model_facts
from desktop.core.models.manager import ModelManager
from desktop.core.models.probe import ensure_loadable, probe_command, probe_sidecar
from desktop.core.paths import Paths

# The GUI fixtures (a shown main window on a throwaway base folder, closed after the test).
from tests.ui.conftest import open_window, styled_app  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]

LOAD_IN_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from desktop.core.errors import ModelError
    from desktop.core.generation.backends.llama_cpp_backend import LlamaCppBackend, LlamaSettings
    backend = LlamaCppBackend(LlamaSettings(Path(sys.argv[1]), n_ctx=256))
    try:
        backend.load()
    except ModelError as error:
        print("MODEL ERROR:", error)
    else:
        print("LOADED")
    """
)


def load_in_child(path: Path) -> str:
    """Load ``path`` as the app does, in a child process; its one-line verdict (a crash fails the test)."""
    done = subprocess.run(
        [sys.executable, "-c", LOAD_IN_CHILD, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, (
        f"loading {path.name} crashed the process (exit {done.returncode}): {done.stderr[-2000:]}"
    )
    return done.stdout.strip().splitlines()[-1]


def write_gguf(
    path: Path, architecture: str, *, layers: int = 2, width: int = 16, tensor_bytes: int | None = None
) -> Path:
    """A small, well-formed GGUF; ``tensor_bytes`` declares one big F32 tensor instead (a sparse file)."""
    import gguf

    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_name(f"test {architecture}")
    writer.add_block_count(layers)
    writer.add_context_length(2048)
    writer.add_embedding_length(width)
    writer.add_feed_forward_length(width * 4)
    writer.add_head_count(4)
    writer.add_head_count_kv(4)
    writer.add_file_type(0)
    if tensor_bytes is None:
        writer.add_tensor("token_embd.weight", np.zeros((32, width), dtype=np.float32))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        return path
    rows = tensor_bytes // (4 * width)
    writer.add_tensor_info("token_embd.weight", (rows, width), np.dtype(np.float32), rows * width * 4)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    writer.close()
    header = path.stat().st_size
    with path.open("r+b") as handle:  # the weights as a hole: the size is real, the disk use is not
        handle.truncate(-(-header // 32) * 32 + rows * width * 4)
    return path


@pytest.fixture
def gemma(default_models_dir: Path) -> Path:
    return default_models_dir / DEFAULT_CHAT_MODEL


def test_a_truncated_gguf_is_refused_before_loading(tmp_path: Path, gemma: Path) -> None:
    truncated = tmp_path / "gemma-truncated.gguf"
    with gemma.open("rb") as source:
        truncated.write_bytes(source.read(gemma.stat().st_size // 2))
    with pytest.raises(ModelError, match="cut short"):
        read_model_facts(truncated)
    paths = Paths.resolve(tmp_path / "base").ensure()
    with pytest.raises(ModelError, match="cut short"):
        ModelManager(paths).add(truncated)
    assert list(paths.models.iterdir()) == []  # nothing half-copied under the model's name
    with pytest.raises(ModelError, match="cut short"):
        LlamaCppBackend(LlamaSettings(truncated)).load()


def test_random_bytes_named_gguf_are_refused(tmp_path: Path) -> None:
    fake = tmp_path / "llama-3-8b-instruct.Q4_K_M.gguf"
    fake.write_bytes(os.urandom(1024 * 1024))
    with pytest.raises(ModelError, match="not in the GGUF format"):
        LlamaCppBackend(LlamaSettings(fake)).load()
    [listed] = list_models(tmp_path)
    assert listed.error and "not in the GGUF format" in listed.error  # listed with its problem, not hidden


def test_a_valid_gguf_of_an_unknown_architecture_gets_a_plain_message(tmp_path: Path) -> None:
    model = write_gguf(tmp_path / "future-model.gguf", "understudy-future-arch")
    facts = read_model_facts(model)
    assert facts.architecture == "understudy-future-arch"  # the header is fine: only llama.cpp can tell
    verdict = load_in_child(model)
    assert verdict.startswith("MODEL ERROR:") and "'understudy-future-arch' model" in verdict, verdict
    assert "does not support" in verdict


def test_a_header_claiming_more_layers_than_llama_cpp_allows_is_refused_not_aborted(
    tmp_path: Path, gemma: Path
) -> None:
    model = write_gguf(tmp_path / "deep.gguf", "llama", layers=513)
    with pytest.raises(ModelError, match="513 layers"):
        read_model_facts(model)
    verdict = load_in_child(model)
    assert verdict.startswith("MODEL ERROR:") and "513 layers" in verdict, verdict


def test_a_model_larger_than_free_memory_is_refused_with_the_numbers(tmp_path: Path) -> None:
    free = available_ram_bytes()
    model = write_gguf(
        tmp_path / "huge-70b.gguf", "llama", layers=80, width=8192, tensor_bytes=free + 8 * 1024**3
    )
    facts = read_model_facts(model)
    assert facts.size_bytes > free and model.stat().st_blocks * 512 < 1024**2  # sparse: no disk used
    with pytest.raises(ModelError, match=r"needs about .* of memory.*this computer has .* free"):
        LlamaCppBackend(LlamaSettings(model)).load()


def test_the_app_keeps_running_when_the_chosen_model_is_broken(
    tmp_path: Path,
    gemma: Path,
    qtbot,
    styled_app,  # noqa: F811 - the fixtures imported above
    open_window,  # noqa: F811
) -> None:
    """The active model was cut short after it was chosen: the Preview page says so and the window goes on."""
    from desktop.ui.controllers.drafting_controller import FAILED

    paths = Paths.resolve(tmp_path / "base").ensure()
    for model in gemma.parent.glob("*.gguf"):
        os.link(model, paths.models / model.name)
    broken = paths.models / "chosen.gguf"
    with gemma.open("rb") as source:
        broken.write_bytes(source.read(10 * 1024 * 1024))
    (paths.base / "models.json").write_text(json.dumps({"active": broken.name}), encoding="utf-8")
    window = open_window(paths)
    window.show_page(2)  # Preview: the model loads when the page is first shown
    qtbot.waitUntil(lambda: window.drafting.state == FAILED, timeout=120_000)
    status = window.preview_page.status_label.text()
    assert "could not be loaded" in status and "chosen.gguf" in status and "cut short" in status
    for index in range(window.stack.count()):  # every page still opens
        window.show_page(index)
        assert window.stack.currentIndex() == index


# --- the child-process probe: a native crash on a new model file cannot take the app down -------------


def test_a_new_model_file_is_probed_in_a_child_once_and_the_verdict_kept(
    tmp_path: Path, gemma: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = tmp_path / "my-gemma.gguf"  # not a default model's name: never checked before
    os.link(gemma, model)
    ensure_loadable(model)  # a real child loads it and runs one token
    record = json.loads(probe_sidecar(model).read_text(encoding="utf-8"))
    assert record["verdict"] == "loaded" and record["size"] == model.stat().st_size

    def no_child(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file with a kept verdict must not be probed again")

    monkeypatch.setattr(subprocess, "run", no_child)
    ensure_loadable(model)
    backend = LlamaCppBackend(LlamaSettings(model, n_ctx=256))
    backend.load()  # in-process, after the kept verdict
    backend.unload()
    os.utime(model, ns=(model.stat().st_atime_ns, model.stat().st_mtime_ns + 1))  # the file changed
    with pytest.raises(AssertionError, match="must not be probed again"):
        ensure_loadable(model)


@pytest.mark.parametrize(
    ("child", "expected"),
    [
        ("import os; os.abort()", r"crashed \(SIGABRT\) while loading odd\.gguf, a 'llama' model"),
        ("import ctypes; ctypes.string_at(0)", r"crashed \(SIGSEGV\)"),
        (
            "import sys; print('ValueError: Failed to load model', file=sys.stderr); sys.exit(1)",
            r"could not load odd\.gguf, a 'llama' model \(ValueError: Failed to load model\)",
        ),
    ],
)
def test_a_child_that_crashes_or_fails_on_a_model_becomes_a_plain_message(
    tmp_path: Path, child: str, expected: str
) -> None:
    """No GGUF known today crashes this llama.cpp once the header checks pass (the 513-layer one
    did), so real children that die the ways llama.cpp dies stand in for one."""
    model = write_gguf(tmp_path / "odd.gguf", "llama")
    with pytest.raises(ModelError, match=expected) as raised:
        ensure_loadable(model, command=[sys.executable, "-c", child])
    assert "The app kept running" in str(raised.value)
    record = json.loads(probe_sidecar(model).read_text(encoding="utf-8"))
    assert record["verdict"] == "failed"
    with pytest.raises(ModelError, match=expected):  # the kept verdict: refused without a new child
        ensure_loadable(model)


def test_the_probe_child_is_the_app_itself(tmp_path: Path, gemma: Path) -> None:
    """`python -m desktop --probe-model FILE`: what a source checkout runs (the frozen app runs itself)."""
    done = subprocess.run(
        probe_command(gemma), capture_output=True, text=True, cwd=ROOT, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"GGUF" + os.urandom(4096))
    done = subprocess.run(
        probe_command(fake), capture_output=True, text=True, cwd=ROOT, timeout=300, check=False
    )
    assert done.returncode == 1 and "ModelError" in done.stderr
