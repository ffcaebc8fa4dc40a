"""Opening what the creator hands us, safely: zips, folders, single files and hostile zips."""

import stat
import zipfile
from pathlib import Path

import pytest

from desktop.core.importers.archive import ArchiveError, open_archive


def make_zip(path: Path, files: dict[str, bytes], **kwargs: object) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, **kwargs) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def test_zip_folder_and_single_file_present_the_same_view(tmp_path: Path) -> None:
    files = {"data/tweets.js": b"window.YTD.tweets.part0 = []", "data/account.js": b"[]"}
    zipped = make_zip(tmp_path / "x.zip", files)
    folder = tmp_path / "extracted"
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    with open_archive(zipped) as from_zip, open_archive(folder) as from_folder:
        assert from_zip.names == from_folder.names == ["data/account.js", "data/tweets.js"]
        assert from_zip.read_text("data/tweets.js") == from_folder.read_text("data/tweets.js")
        assert from_zip.total_bytes == from_folder.total_bytes == sum(map(len, files.values()))
    with open_archive(folder / "data" / "tweets.js") as single:
        assert single.kind == "file" and single.names == ["tweets.js"]
        assert single.read_text("tweets.js").startswith("window.YTD")


def test_truncated_zip_is_a_plain_error(tmp_path: Path) -> None:
    whole = make_zip(tmp_path / "whole.zip", {"a.json": b"{}" * 5000}).read_bytes()
    truncated = tmp_path / "export.zip"
    truncated.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ArchiveError, match="damaged or only partly downloaded"):
        open_archive(truncated)


def test_password_protected_zip_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "locked.zip", {"a.json": b"{}"})
    raw = bytearray(path.read_bytes())
    # Set the "encrypted" flag bit in the local and central headers, as zip tools do.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = raw.find(signature)
        raw[at + offset] |= 0x1
    path.write_bytes(bytes(raw))
    with pytest.raises(ArchiveError, match="password-protected"):
        open_archive(path)


def test_zip_bomb_is_refused_before_reading(tmp_path: Path) -> None:
    bomb = make_zip(tmp_path / "bomb.zip", {"big.json": b"0" * (64 * 1024 * 1024)})
    assert bomb.stat().st_size < 200_000
    with pytest.raises(ArchiveError, match="zip bomb"):
        open_archive(bomb)


def test_escaping_entries_and_symlinks_are_skipped_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../etc/evil.json", b"{}")
        archive.writestr("/abs.json", b"{}")
        link = zipfile.ZipInfo("link.json")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("ok.json", b"{}")
    with open_archive(path) as opened:
        assert opened.names == ["ok.json"]
        assert len(opened.warnings) == 3
        assert any("outside the archive" in w for w in opened.warnings)
        assert any("absolute path" in w for w in opened.warnings)
        assert any("symbolic link" in w for w in opened.warnings)


def test_folder_symlinks_are_not_followed(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "real.json").write_text("{}")
    (folder / "secret").symlink_to("/etc/hostname")
    with open_archive(folder) as opened:
        assert opened.names == ["real.json"]
        assert "symbolic link" in opened.warnings[0]


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="does not exist"):
        open_archive(tmp_path / "nope.zip")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ArchiveError, match="holds no files"):
        open_archive(tmp_path / "empty")
