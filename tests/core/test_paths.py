from pathlib import Path

import pytest

from desktop.core.errors import KnownError
from desktop.core.paths import BASEDIR_ENV, DEFAULT_PROFILE, Paths


def test_every_location_is_under_the_given_base(tmp_path: Path) -> None:
    paths = Paths.resolve(tmp_path / "portable").ensure()
    for location in (paths.settings_file, paths.models, paths.cache, paths.logs, paths.profiles_dir):
        assert location.is_relative_to(tmp_path / "portable")
    assert paths.models.is_dir() and paths.cache.is_dir() and paths.logs.is_dir()


def test_environment_variable_sets_the_base_when_no_basedir_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BASEDIR_ENV, str(tmp_path / "from-env"))
    assert Paths.resolve().base == (tmp_path / "from-env").resolve()
    assert Paths.resolve(tmp_path / "explicit").base == (tmp_path / "explicit").resolve()


def test_profiles_each_have_their_own_store(paths: Paths) -> None:
    agency = paths.create_profile("Agency client 2")
    default = paths.create_profile(DEFAULT_PROFILE)
    assert agency.store != default.store
    assert agency.store.parent.is_dir() and agency.index_dir.is_dir()
    assert paths.list_profiles() == ["Agency client 2", "default"]


@pytest.mark.parametrize("name", ["", "../escape", "a/b", " lead", "x" * 65, ".hidden"])
def test_unsafe_profile_names_are_refused(paths: Paths, name: str) -> None:
    with pytest.raises(KnownError, match="cannot be a profile name"):
        paths.profile(name)


def test_unwritable_base_is_a_plain_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(KnownError, match="cannot create its folder"):
        Paths.resolve(blocker / "base").ensure()
