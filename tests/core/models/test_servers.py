"""Model servers beside the local models: one settings file, keys only in the keychain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.app import main
from desktop.core.errors import ModelError, SecretsUnavailableError
from desktop.core.models.manager import ModelManager
from desktop.core.models.servers import SERVER, normalize_url, server_key_secret
from desktop.core.paths import Paths
from desktop.core.secrets import SERVICE
from tests.conftest import InMemoryKeyring

KEY = "sk-test-0123456789abcdef"


def _files_holding(base: Path, text: str) -> list[Path]:
    return [p for p in base.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


def test_a_server_is_kept_beside_the_local_models(paths: Paths, memory_keyring: InMemoryKeyring) -> None:
    manager = ModelManager(paths)
    entry = manager.add_server("gpu-box", "http://10.0.0.5:8000", "qwen3-4b", api_key=KEY)
    assert entry.url == "http://10.0.0.5:8000/v1" and entry.has_key and entry.mode == "chat"
    assert memory_keyring.passwords[(SERVICE, server_key_secret("gpu-box"))] == KEY
    saved = json.loads(manager.settings_file.read_text(encoding="utf-8"))
    assert saved["servers"]["gpu-box"]["model"] == "qwen3-4b" and "api_key" not in json.dumps(saved)
    assert _files_holding(paths.base, KEY) == []  # the key is in no file under the base folder

    choice = manager.use("gpu-box")
    assert choice.kind == SERVER and choice.server == entry
    assert (
        ModelManager(paths).choice().describe()
        == "the server 'gpu-box' (qwen3-4b at http://10.0.0.5:8000/v1)"
    )

    again = manager.add_server(
        "gpu-box", "http://10.0.0.5:8000/v1", "qwen3-8b"
    )  # no new key: the old one stays
    assert again.has_key and again.model == "qwen3-8b"
    manager.remove_server("gpu-box")
    assert (SERVICE, server_key_secret("gpu-box")) not in memory_keyring.passwords
    assert manager.servers() == [] and not manager.choice().is_server  # back to the local model


def test_names_and_addresses_are_checked(paths: Paths) -> None:
    manager = ModelManager(paths)
    for name in ("model.gguf", "../x", "", "a b"):
        with pytest.raises(ModelError, match="cannot be a server name"):
            manager.add_server(name, "http://127.0.0.1:8080/v1", "m")
    with pytest.raises(ModelError, match="is not a server address"):
        manager.add_server("box", "127.0.0.1:8080", "m")
    with pytest.raises(ModelError, match="no model server named 'nope'"):
        manager.server("nope")
    with pytest.raises(ModelError, match="no model file or server named 'nope'"):
        manager.use("nope")
    assert normalize_url("https://h.example/api/v1/") == "https://h.example/api/v1"


def test_without_a_keychain_nothing_is_saved(paths: Paths, no_keychain: None) -> None:
    manager = ModelManager(paths)
    with pytest.raises(SecretsUnavailableError, match="No system keychain"):
        manager.add_server("box", "http://127.0.0.1:8080/v1", "m", api_key=KEY)
    assert manager.servers() == [] and _files_holding(paths.base, KEY) == []


def test_the_cli_adds_lists_uses_and_removes_a_server(
    paths: Paths,
    memory_keyring: InMemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = str(paths.base)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": KEY)
    assert (
        main(
            [
                "--basedir",
                base,
                "models",
                "server",
                "add",
                "box",
                "--url",
                "http://127.0.0.1:9/v1",
                "--model",
                "llama-3.1-8b",
                "--api-key-prompt",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert (
        "Added the model server 'box': llama-3.1-8b at http://127.0.0.1:9/v1 (chat mode, its API key is in "
        "the keychain)" in out
    )
    assert KEY not in out and _files_holding(paths.base, KEY) == []
    assert main(["--basedir", base, "models", "use", "box"]) == 0
    assert (
        "Drafts will use the server 'box' (llama-3.1-8b at http://127.0.0.1:9/v1) from now on."
        in capsys.readouterr().out
    )
    assert main(["--basedir", base, "models", "server", "test", "box"]) == 1  # nothing listens on port 9
    assert "could not reach the model server at http://127.0.0.1:9/v1" in capsys.readouterr().err
    assert main(["--basedir", base, "models", "server", "remove", "box"]) == 0
    assert "Removed the model server 'box'; drafts use" in capsys.readouterr().out
    assert main(["--basedir", base, "models", "server", "remove", "box"]) == 1
    assert "no model server named 'box'" in capsys.readouterr().err
