"""Load a new model file once in a child process before the app loads it in its own.

Every header check (``facts``, ``preflight``) runs first, but llama.cpp can still abort the
whole process (``GGML_ASSERT``, a segfault in a kernel this CPU lacks) on a file or machine
those checks cannot judge. In the app's process that would take the window and any unsaved
work with it. So a model file the app has not loaded before is first loaded, and run on one
token, by a short-lived child (``understudy --probe-model FILE``); only a file the child
survived is loaded in-process. A crash becomes a plain ``ModelError``.

The verdict is kept in a hidden sidecar beside the file (``.NAME.probed.json``), keyed by the
file's size and mtime and the llama-cpp-python version, so the probe (about a second for the
default Gemma) is paid once per file and again only after an update. The default models,
checked byte for byte at set-up, are known good and skip it.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from pathlib import Path

from desktop.core.errors import ModelError
from desktop.core.models.defaults import DEFAULT_MODELS, is_verified, matching_record, write_record

PROBE_FLAG = "--probe-model"
PROBE_TIMEOUT_S = 600.0
"""A probe that has not loaded the model and run one token by then is stuck (or swapping)."""
PROBED_OK = "loaded"


def probe_sidecar(model_path: Path) -> Path:
    return model_path.with_name(f".{model_path.name}.probed.json")


def _llama_version() -> str:
    from importlib import metadata  # here, not at the top: 17 ms of every start-up otherwise (app.py)

    try:
        return metadata.version("llama_cpp_python")
    except metadata.PackageNotFoundError:  # a frozen app without the dist-info
        import llama_cpp

        return str(getattr(llama_cpp, "__version__", "unknown"))


def _cached_verdict(model_path: Path) -> dict[str, object] | None:
    return matching_record(model_path, probe_sidecar(model_path), llama_cpp=_llama_version())


def _remember(model_path: Path, verdict: str, message: str = "") -> None:
    """Write the verdict beside the model; a read-only folder just means probing again next time."""
    with contextlib.suppress(OSError):
        write_record(
            model_path,
            probe_sidecar(model_path),
            llama_cpp=_llama_version(),
            verdict=verdict,
            message=message,
        )


def probe_command(model_path: Path) -> list[str]:
    """The child's command line: the frozen app runs itself; a source checkout runs ``-m desktop``."""
    if getattr(sys, "frozen", False):
        return [sys.executable, PROBE_FLAG, str(model_path)]
    return [sys.executable, "-m", "desktop", PROBE_FLAG, str(model_path)]


def _is_known_default(model_path: Path) -> bool:
    return model_path.name in DEFAULT_MODELS and is_verified(model_path)


def ensure_loadable(
    model_path: Path, *, command: list[str] | None = None, timeout: float = PROBE_TIMEOUT_S
) -> None:
    """Return when ``model_path`` is known to load and run in llama.cpp; ``ModelError`` in plain
    words when a child process crashed, failed or hung on it. ``command`` replaces the child's
    command line (tests use it to stand in a child that crashes)."""
    if command is None and _is_known_default(model_path):
        return
    cached = _cached_verdict(model_path)
    if cached is not None and command is None:
        if cached.get("verdict") == PROBED_OK:
            return
        raise _crash_error(model_path, str(cached.get("message", "")))
    import subprocess  # here, not at the top: every start-up imports this module, few probe

    try:
        done = subprocess.run(
            command or probe_command(model_path),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ModelError(
            f"llama.cpp took more than {timeout / 60:.0f} minutes to load {model_path.name} and run it once, "
            "so it was not loaded.",
            hint="The computer may be short of memory for this model: try a smaller quantization.",
        ) from None
    except OSError as exc:
        raise ModelError(f"Understudy could not start a check of {model_path.name} ({exc}).") from exc
    if done.returncode == 0:
        _remember(model_path, PROBED_OK)
        return
    what = f"{model_path.name}, a '{_architecture(model_path)}' model"
    if done.returncode < 0:
        message = f"llama.cpp crashed ({_signal_name(-done.returncode)}) while loading {what}, in a test run"
    else:
        last = [line for line in (done.stderr or "").splitlines() if line.strip()]
        message = f"llama.cpp could not load {what} ({last[-1] if last else 'no reason given'})"
    _remember(model_path, "failed", message)
    raise _crash_error(model_path, message)


def _architecture(model_path: Path) -> str:
    from desktop.core.models.facts import read_model_facts

    try:
        return read_model_facts(model_path).architecture or "unknown"
    except ModelError:
        return "unknown"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _crash_error(model_path: Path, message: str) -> ModelError:
    return ModelError(
        f"{message or f'llama.cpp failed on {model_path.name}'}. The app kept running and did not load it.",
        hint="The file may be damaged, or its architecture is one this version of llama.cpp does not "
        "support: "
        "try another GGUF or update Understudy.",
    )


def run_probe_child(model_path: str) -> int:
    """The child's side: load the model and run it on one token; a crash here is what the parent
    is looking for. Exit 0 when it worked, 1 with the reason on stderr when llama.cpp refused."""
    from desktop.core.models.facts import ROLE_EMBEDDING, read_model_facts

    try:
        role = read_model_facts(Path(model_path)).role
        from llama_cpp import Llama

        embedding = role == ROLE_EMBEDDING
        llm = Llama(
            model_path=model_path,
            n_ctx=64,
            n_batch=64,
            n_ubatch=64,
            n_threads=1,
            n_threads_batch=1,
            n_gpu_layers=0,
            embedding=embedding,
            verbose=False,
        )
        if embedding:
            llm.embed("hello")
        else:
            llm.eval(llm.tokenize(b"Hello", add_bos=True)[:2])
        llm.close()
    except Exception as exc:  # noqa: BLE001 - any refusal is reported to the parent in words
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0
