"""`models catalogue` and `models download` end to end through the CLI, against a loopback Hub."""

from __future__ import annotations

import random
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.app import main
from desktop.core.models import DEFAULT_CHAT_MODEL
from desktop.core.models.catalogue import load_catalogue
from desktop.core.models.download import partial_file
from tests.core.models.hub_stand_in import HubFile, HubStandIn


@pytest.fixture
def hub(tmp_path: Path, default_models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HubStandIn]:
    """The recommended entry's repo and file, served from 127.0.0.1 (a copy of the default Gemma)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    entry = load_catalogue().recommended
    copy = tmp_path / entry.file
    shutil.copyfile(default_models_dir / DEFAULT_CHAT_MODEL, copy)
    stand_in = HubStandIn(files={f"{entry.repo}/{entry.file}": HubFile(copy)}).start()
    monkeypatch.setenv("HF_ENDPOINT", stand_in.base)
    yield stand_in
    stand_in.stop()


def test_catalogue_touches_no_socket_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(*_args: object) -> None:
        raise AssertionError("the catalogue must not open any connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    assert main(["--basedir", str(tmp_path), "models", "catalogue"]) == 0
    out = capsys.readouterr().out
    assert "* gemma-3-1b-it" in out and "TOKENS/S" in out and "DOWNLOADED" in out
    assert any(word in out for word in ("fits", "fits, slow", "does not fit"))


def test_download_cut_at_a_random_byte_ends_verified_in_models_list(
    hub: HubStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = load_catalogue().recommended
    size = next(iter(hub.files.values())).size
    hub.cut_at = random.Random().randrange(1, size - 1)
    base = str(tmp_path / "base")
    assert main(["--basedir", base, "models", "download", entry.id]) == 0
    captured = capsys.readouterr()
    assert "Connection lost" in captured.err and len(hub.ranges_seen) == 1
    assert f"Downloaded and verified {entry.file}" in captured.out
    assert main(["--basedir", base, "models", "list"]) == 0
    assert entry.file in capsys.readouterr().out
    assert main(["--basedir", base, "models", "catalogue"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if entry.id in line)
    assert row.rstrip().endswith("yes")


def test_download_wrong_hash_leaves_nothing(
    hub: HubStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = load_catalogue().recommended
    url = f"{hub.base}/cdn/{entry.file}"  # a direct address: the hash given is the only one
    base = tmp_path / "base"
    assert main(["--basedir", str(base), "models", "download", url, "--sha256", "ab" * 32]) == 1
    err = capsys.readouterr().err
    assert "not the published file" in err and "Traceback" not in err
    assert not (base / "models" / entry.file).exists()
    assert not partial_file(base / "models", entry.file).exists()
