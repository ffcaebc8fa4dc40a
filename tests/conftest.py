"""Test-wide set-up: offscreen Qt, a throwaway base folder, no network, real default models.

Tests never touch the creator's real home: the base folder points into pytest's tmp dir
before any desktop module resolves a path.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import tempfile
from pathlib import Path

import pytest

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["UNDERSTUDY_BASEDIR"] = tempfile.mkdtemp(prefix="understudy-test-base-")
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="understudy-test-xdg-"))

from desktop.core.paths import Paths  # noqa: E402  (after the environment is set)


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return isinstance(address, (str, bytes))  # AF_UNIX sockets stay on the machine


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Privacy: any connection off this machine fails the test that made it."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded_connect(self: socket.socket, address: object) -> object:
        if not _is_loopback(address):
            raise AssertionError(f"network access attempted: {address!r}")
        return real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: object) -> object:
        if not _is_loopback(address):
            raise AssertionError(f"network access attempted: {address!r}")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    """A fresh base folder for one test."""
    return Paths.resolve(tmp_path / "base").ensure()


@pytest.fixture(scope="session")
def default_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real default models, set up once per test session (assembled and converted)."""
    from desktop.core.models.defaults import ensure_default_models

    models = tmp_path_factory.mktemp("models")
    for _progress in ensure_default_models(models):
        pass
    return models


@pytest.fixture
def paths_with_models(paths: Paths, default_models_dir: Path) -> Paths:
    """A fresh base folder whose models folder holds the default models (hard links, no copy)."""
    for model in default_models_dir.glob("*.gguf"):
        target = paths.models / model.name
        try:
            os.link(model, target)
        except OSError:
            target.symlink_to(model)
    return paths
