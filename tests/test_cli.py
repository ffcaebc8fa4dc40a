"""The headless CLI: every command has its own help, and the real commands work end to end."""

import subprocess
import sys
from pathlib import Path

import pytest

from desktop.app import main
from desktop.cli import load_nouns
from desktop.core.paths import Paths

COMMANDS = load_nouns()  # every command, by its words: ("models", "server", "add"), ("draft",)
SUB_COMMANDS = sorted({words[0] for words in COMMANDS})
# Every command and every level above one: `models`, `models server`, `models server add`.
COMMAND_LINES = sorted({words[:n] for words in COMMANDS for n in range(1, len(words) + 1)})


def run_understudy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_help_lists_every_sub_command() -> None:
    done = run_understudy("--help")
    assert done.returncode == 0, done.stderr
    for command in SUB_COMMANDS:
        assert f"    {command}" in done.stdout


@pytest.mark.parametrize("words", COMMAND_LINES, ids=" ".join)
def test_every_sub_command_has_its_own_help(
    words: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*words, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: understudy {' '.join(words)} ")


def test_models_list_shows_both_default_models_with_their_facts(
    paths_with_models: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--basedir", str(paths_with_models.base), "models", "list"]) == 0
    out = capsys.readouterr().out
    gemma = next(line for line in out.splitlines() if line.startswith("gemma-3-270m"))
    minilm = next(line for line in out.splitlines() if "MiniLM" in line)
    assert "generation" in gemma and "Q4_K_M" in gemma and "gemma3" in gemma and "32768" in gemma
    assert gemma.split()[-1] == "no"  # base model: no chat template
    assert "embedding" in minilm and "F16" in minilm and "bert" in minilm and "512" in minilm


def test_profiles_and_store_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = str(tmp_path / "base")
    assert main(["--basedir", base, "profiles", "create", "Client A"]) == 0
    assert main(["--basedir", base, "profiles", "list"]) == 0
    assert "Client A" in capsys.readouterr().out
    assert main(["--basedir", base, "--profile", "Client A", "store", "info"]) == 0
    assert "schema" in capsys.readouterr().out.lower()


def test_known_errors_are_plain_messages_not_tracebacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = str(tmp_path / "base")
    assert main(["--basedir", base, "--profile", "nobody", "store", "info"]) == 1
    err = capsys.readouterr().err
    assert "Profile 'nobody' has no store yet" in err and "Traceback" not in err
    assert main(["--basedir", base, "profiles", "create", "../x"]) == 1
    assert "cannot be a profile name" in capsys.readouterr().err


def test_basedir_after_the_sub_command_works_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles", "create", "solo", "--basedir", str(tmp_path / "b2")]) == 0
    assert (tmp_path / "b2" / "profiles" / "solo" / "store.sqlite3").is_file()


def test_a_store_from_a_newer_version_is_refused_and_left_unchanged(
    paths: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    import hashlib
    import sqlite3

    from desktop.core.store import SCHEMA_VERSION, open_store

    store_path = paths.create_profile("future").store
    open_store(store_path).close()
    with sqlite3.connect(store_path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()

    def folder_state() -> dict[str, str]:
        return {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in store_path.parent.iterdir()
            if p.is_file()
        }

    before = folder_state()
    assert main(["--basedir", str(paths.base), "--profile", "future", "store", "info"]) == 1
    err = capsys.readouterr().err
    assert "newer version of Understudy" in err and "Traceback" not in err
    assert folder_state() == before


def test_models_add_use_remove(
    paths_with_models: Paths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    from desktop.core.models import DEFAULT_CHAT_MODEL

    base = str(paths_with_models.base)
    outside = tmp_path / "my-model.gguf"
    shutil.copy(paths_with_models.models / DEFAULT_CHAT_MODEL, outside)
    assert main(["--basedir", base, "models", "add", str(outside), "--how", "symlink"]) == 0
    assert "Added my-model.gguf: gemma3, Q4_K_M" in capsys.readouterr().out
    assert main(["--basedir", base, "models", "use", "my-model.gguf"]) == 0
    assert main(["--basedir", base, "models", "remove", "my-model.gguf"]) == 0
    capsys.readouterr()
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 10)
    assert main(["--basedir", base, "models", "add", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "broken.gguf" in err and "Traceback" not in err
    assert not (paths_with_models.models / "broken.gguf").exists()
