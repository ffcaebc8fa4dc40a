"""A safe, read-only view of what the creator handed us: a zip, an extracted folder, or one file.

Importers see relative POSIX paths and open them as binary streams; nothing is ever
extracted to disk and nothing is written next to the archive. Zips are checked before any
entry is read: damaged or truncated files, password protection, zip bombs (by total size
and compression ratio), and entries that try to escape (``..``, absolute paths, symlinks)
are refused or skipped with a warning that names them.
"""

from __future__ import annotations

import io
import lzma
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from desktop.core.errors import KnownError

# Real exports of very active accounts reach tens of GB uncompressed; more is not a data export.
MAX_TOTAL_UNCOMPRESSED = 200 * 1024**3
# JSON and text compress 5-20x; a ratio past this on a sizeable entry is a bomb, not data.
MAX_COMPRESSION_RATIO = 250
RATIO_CHECK_MIN_SIZE = 1024 * 1024
# Files read whole (small JSON and text files) and single lines of chats and CSVs are bounded, so
# a huge or sparse file (a 5 GB file of zeros with a valid first line) is refused in words
# instead of exhausting memory. Real ones stay far below: a message or CSV row is kilobytes;
# the largest whole-read file (X's tweets.js) is hundreds of MB for the busiest accounts.
MAX_WHOLE_FILE = 2 * 1024**3
MAX_LINE = 16 * 1024**2


# What reading a damaged zip entry can raise: bad headers, bad deflate/bzip2/lzma data, a
# stream cut short, or a compression method or zip version this Python cannot read.
ZIP_READ_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    lzma.LZMAError,
    OSError,
)
_TESTZIP_ERRORS: tuple[type[BaseException], ...] = (*ZIP_READ_ERRORS, UnicodeDecodeError)
_OPEN_ZIP_ERRORS: tuple[type[BaseException], ...] = (*ZIP_READ_ERRORS, ValueError)


def _open_member(archive: zipfile.ZipFile, name: str) -> BinaryIO:
    """``archive.open(name)``; a local header whose name flag says UTF-8 but whose bytes are not
    (a damaged entry) is a ``BadZipFile`` like every other damaged header."""
    try:
        return archive.open(name)  # type: ignore[return-value]
    except UnicodeDecodeError as exc:
        raise zipfile.BadZipFile(f"the header of {name!r} is damaged ({exc})") from exc


class ArchiveError(KnownError):
    """The archive cannot be read safely; nothing was imported from it."""


@dataclass
class Archive:
    """Files of one archive by relative path, with the warnings found while opening it."""

    source: Path
    kind: str  # "zip" | "folder" | "file"
    sizes: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    _zip: zipfile.ZipFile | None = None
    bytes_read: int = 0
    """Uncompressed bytes read so far through ``open``: the import's byte progress."""

    @property
    def names(self) -> list[str]:
        return sorted(self.sizes)

    @property
    def total_bytes(self) -> int:
        return sum(self.sizes.values())

    def open(self, name: str, *, max_line: int | None = None) -> BinaryIO:
        """A buffered binary stream of one file that counts what is read; the caller closes it.

        ``max_line`` (for line-based text: chats, CSV, JSONL) raises ``ArchiveError`` as soon as
        more than that many bytes pass without a line break.
        """
        if name not in self.sizes:
            raise KeyError(name)
        if self._zip is not None:
            inner: BinaryIO = _open_member(self._zip, name)
        elif self.kind == "file":
            inner = self.source.open("rb")
        else:
            inner = (self.source / name).open("rb")
        counting = _CountingReader(inner, self, name, max_line)
        return io.BufferedReader(counting, buffer_size=256 * 1024)

    def read_text(self, name: str, encoding: str = "utf-8-sig") -> str:
        """A whole small file as text (BOM removed). Big files should be streamed instead."""
        if self.sizes.get(name, 0) > MAX_WHOLE_FILE:
            raise ArchiveError(
                f"'{name}' in '{self.source.name}' is {self.sizes[name] / 1024**3:.1f} GB, far larger than "
                "any such file in a real export, so it was not read. Nothing was imported.",
                hint="Download the archive again from the platform.",
            )
        with self.open(name) as stream:
            return stream.read().decode(encoding, errors="replace")

    def raise_if_damaged(self) -> None:
        """Check every zip entry's checksum (reads the whole archive: only on a failure path)."""
        if self._zip is None:
            return
        try:
            bad = self._zip.testzip()
        except _TESTZIP_ERRORS as exc:
            bad = str(exc)
        if bad is not None:
            raise ArchiveError(
                f"'{self.source.name}' is damaged ({bad} cannot be read): it may be only partly downloaded.",
                hint="Download the archive again from the platform.",
            )

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _CountingReader(io.RawIOBase):
    """Passes reads through, adds their size to the archive's ``bytes_read``, and bounds line length."""

    def __init__(self, inner: BinaryIO, archive: Archive, name: str, max_line: int | None) -> None:
        self._inner = inner
        self._archive = archive
        self._name = name
        self._max_line = max_line
        self._since_newline = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = self._inner.readinto(buffer)  # type: ignore[attr-defined]
        self._archive.bytes_read += count or 0
        if self._max_line is not None and count:
            last = bytes(memoryview(buffer)[:count]).rfind(b"\n")
            self._since_newline = count - last - 1 if last >= 0 else self._since_newline + count
            if self._since_newline > self._max_line:
                raise ArchiveError(
                    f"'{self._name}' in '{self._archive.source.name}' has a line longer than "
                    f"{self._max_line // 1024**2} MB, so it is not a chat or table Understudy can read. "
                    "Nothing was imported.",
                    hint="Download the archive again from the platform.",
                )
        return count

    def close(self) -> None:
        self._inner.close()
        super().close()


def open_archive(path: str | os.PathLike[str]) -> Archive:
    """Open a zip, folder or single file for reading; raise ArchiveError in plain words."""
    source = Path(path)
    if not source.exists():
        raise ArchiveError(f"'{source}' does not exist.")
    if source.is_dir():
        return _open_folder(source)
    if zipfile.is_zipfile(source):
        return _open_zip(source)
    if source.suffix.lower() == ".zip":
        raise ArchiveError(
            f"'{source.name}' is not a readable zip file: it may be damaged or only partly downloaded.",
            hint="Download the archive again from the platform.",
        )
    return Archive(source, "file", {source.name: source.stat().st_size})


def _unsafe_reason(name: str) -> str | None:
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "a path that points outside the archive"
    return None


def _open_zip(source: Path) -> Archive:
    try:
        handle = zipfile.ZipFile(source)
        infos = handle.infolist()
    except _OPEN_ZIP_ERRORS as exc:
        raise ArchiveError(
            f"'{source.name}' is not a readable zip file: it may be damaged or only partly downloaded.",
            hint="Download the archive again from the platform.",
        ) from exc
    sizes: dict[str, int] = {}
    warnings: list[str] = []
    total = 0
    try:
        for info in infos:
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise ArchiveError(
                    f"'{source.name}' is password-protected, so Understudy cannot read it.",
                    hint="Export your data again without a password, or unzip it yourself and import the "
                    "folder.",
                )
            reason = _unsafe_reason(info.filename)
            if reason is None and stat.S_ISLNK(info.external_attr >> 16):
                reason = "a symbolic link"
            if reason:
                warnings.append(f"Skipped '{info.filename}': it is {reason}.")
                continue
            total += info.file_size
            if (
                info.file_size > RATIO_CHECK_MIN_SIZE
                and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
            ) or total > MAX_TOTAL_UNCOMPRESSED:
                raise ArchiveError(
                    f"'{source.name}' expands to far more data than it holds (a 'zip bomb'), so it was not "
                    "opened.",
                    hint="Real data exports never do this; download the archive again from the platform.",
                )
            sizes[info.filename] = info.file_size
    except ArchiveError:
        handle.close()
        raise
    return Archive(source, "zip", sizes, warnings, handle)


def _open_folder(source: Path) -> Archive:
    sizes: dict[str, int] = {}
    warnings: list[str] = []
    for root, dirs, files in os.walk(source, followlinks=False):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            full = Path(root, name)
            relative = full.relative_to(source).as_posix()
            if full.is_symlink():
                warnings.append(f"Skipped '{relative}': it is a symbolic link.")
                continue
            try:
                relative.encode("utf-8")
            except UnicodeEncodeError:  # bytes that are no text in the file system's names
                shown = relative.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                warnings.append(f"Skipped '{shown}': its name is not valid text. Rename it and import again.")
                continue
            sizes[relative] = full.stat().st_size
    if not sizes:
        skipped = f" {' '.join(warnings[:3])}" if warnings else ""
        raise ArchiveError(f"The folder '{source}' holds no files to import.{skipped}")
    return Archive(source, "folder", sizes, warnings)
