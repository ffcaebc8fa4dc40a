"""The single source of every location Understudy reads or writes.

Everything lives under one base folder: the platform's data folder by default, or the
folder given by ``--basedir`` or the ``UNDERSTUDY_BASEDIR`` environment variable, so that
tests, benchmarks and a portable install never touch the creator's real home.

Layout under the base::

    settings.ini          app-wide settings (window state, active profile, ...)
    secrets.enc           only without a system keychain: secrets encrypted with the creator's passphrase
    models/               GGUF models: the defaults and any the creator adds
    cache/                derived data that can be rebuilt
    logs/
    profiles/<name>/      one persona each: its own store and derived index
        store.sqlite3
        index/
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import overload

import platformdirs

from desktop import APP_NAME
from desktop.core.errors import KnownError

BASEDIR_ENV = "UNDERSTUDY_BASEDIR"
# Years of private conversations live here: folders are made for the creator's account alone.
PRIVATE_FOLDER = 0o700
DEFAULT_PROFILE = "default"
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")


def default_basedir() -> Path:
    """The base folder when neither ``--basedir`` nor the environment names one."""
    from_env = os.environ.get(BASEDIR_ENV, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


class _Below:
    """A read-only attribute: the path ``name`` below the folder in the owner's attribute ``folder``."""

    def __init__(self, folder: str, name: str) -> None:
        self.folder = folder
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> _Below: ...
    @overload
    def __get__(self, obj: object, owner: type) -> Path: ...
    def __get__(self, obj: object | None, owner: type) -> Path | _Below:
        if obj is None:
            return self
        folder: Path = getattr(obj, self.folder)
        return folder / self.name


@dataclass(frozen=True)
class ProfilePaths:
    """Where one persona's data lives."""

    name: str
    root: Path

    store = _Below("root", "store.sqlite3")
    index_dir = _Below("root", "index")


@dataclass(frozen=True)
class Paths:
    """Every location, derived from one base folder."""

    base: Path

    settings_file = _Below("base", "settings.ini")
    #: The encrypted secrets file, used only where the system has no keychain.
    secrets_file = _Below("base", "secrets.enc")
    models = _Below("base", "models")
    cache = _Below("base", "cache")
    logs = _Below("base", "logs")
    profiles_dir = _Below("base", "profiles")

    @classmethod
    def resolve(cls, basedir: str | os.PathLike[str] | None = None) -> "Paths":
        """Paths under ``basedir``, else the environment's, else the platform default."""
        base = Path(basedir).expanduser() if basedir else default_basedir()
        return cls(base.resolve())

    def ensure(self) -> "Paths":
        """Create the top-level folders, readable by the creator only (0700); safe to call again."""
        for folder in (self.base, self.models, self.cache, self.logs, self.profiles_dir):
            try:
                folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
            except OSError as exc:
                raise KnownError(
                    f"Understudy cannot create its folder {folder}: {exc.strerror or exc}.",
                    hint="Choose another folder with --basedir, or check its permissions.",
                ) from exc
        return self

    def profile(self, name: str = DEFAULT_PROFILE) -> ProfilePaths:
        """The paths of profile ``name`` (not created; see ``create_profile``)."""
        check_profile_name(name)
        return ProfilePaths(name, self.profiles_dir / name)

    def create_profile(self, name: str) -> ProfilePaths:
        profile = self.profile(name)
        profile.root.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
        profile.index_dir.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
        return profile

    def list_profiles(self) -> list[str]:
        """Names of the existing profiles, sorted."""
        if not self.profiles_dir.is_dir():
            return []
        return sorted(
            p.name for p in self.profiles_dir.iterdir() if p.is_dir() and _PROFILE_NAME.match(p.name)
        )


def check_profile_name(name: str) -> str:
    """Refuse names that are not safe as a folder name on every platform."""
    if not _PROFILE_NAME.match(name or "") or name.strip() != name:
        raise KnownError(
            f"'{name}' cannot be a profile name.",
            hint="Use letters, digits, spaces, '.', '_' or '-' (at most 64), starting with a letter or "
            "digit.",
        )
    return name


def resources_dir() -> Path:
    """``resources/``: beside ``desktop/`` in a checkout, under ``sys._MEIPASS`` in the packaged app."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"
