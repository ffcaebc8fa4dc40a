"""Hostile archives, one kind at a time, through the whole import: each refused or skipped in plain words.

For every case: the import ends in a summary or a ``KnownError`` (nothing else), a refusal leaves
the store exactly as it was, the store stays sound, and nothing is written outside the test's
folder (an audit hook sees every file Python opens for writing). Bounded cases also bound time
and memory: they run in a child process that reports its peak memory.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from desktop.core.errors import KnownError
from desktop.core.importers.pipeline import ImportSummary
from desktop.core.store import Store, open_store
from tests.reliability.corpus import Seed, seeds, zip_files
from tests.reliability.harness import assert_store_sound, file_writes, run_import, snapshot, writes_outside

ROOT = Path(__file__).resolve().parents[2]
WHATSAPP = seeds()["whatsapp"]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A store that already holds one import, so "unchanged" means something."""
    opened = open_store(tmp_path / "store" / "store.sqlite3")
    archive = tmp_path / "first.zip"
    archive.write_bytes(seeds()["telegram"].zip_bytes())
    assert isinstance(run_import(opened, archive), ImportSummary)
    yield opened
    opened.close()


def refused(store: Store, path: Path, tmp_path: Path, match: str, me: str | None = None) -> KnownError:
    """Import ``path``; it must be refused with a message matching ``match``, touching nothing."""
    before = snapshot(store)
    with file_writes() as writes:
        outcome = run_import(store, path, me)
    assert isinstance(outcome, KnownError), f"expected a refusal, got {outcome}"
    assert re.search(match, str(outcome)), str(outcome)
    assert snapshot(store) == before
    assert writes_outside(writes, tmp_path) == []
    assert_store_sound(store)
    return outcome


def imported(store: Store, path: Path, tmp_path: Path, me: str | None = None) -> ImportSummary:
    with file_writes() as writes:
        outcome = run_import(store, path, me)
    assert isinstance(outcome, ImportSummary), str(outcome)
    assert writes_outside(writes, tmp_path) == []
    assert_store_sound(store)
    return outcome


# --- zip bombs ------------------------------------------------------------------------------


def test_zip_bomb_by_ratio_is_refused_before_reading(store: Store, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("result.json", b"{" + b" " * (200 * 1024 * 1024))  # 200 MB in about 200 KB
    assert bomb.stat().st_size < 1024 * 1024
    refused(store, bomb, tmp_path, "zip bomb")


def test_zip_bomb_by_total_size_is_refused(store: Store, tmp_path: Path) -> None:
    """Sixty entries that each claim 4 GB at a harmless ratio: 240 GB in all, far past any export."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for number in range(60):
            archive.writestr(f"messages/part{number}.json", b"x")
    raw = bytearray(buffer.getvalue())
    at = 0
    while (at := raw.find(b"PK\x01\x02", at)) >= 0:  # each central directory entry: both sizes lie
        struct.pack_into("<II", raw, at + 20, 0xFFFFFFF0, 0xFFFFFFF0)
        at += 4
    bomb = tmp_path / "export.zip"
    bomb.write_bytes(bytes(raw))
    refused(store, bomb, tmp_path, "zip bomb")


@pytest.mark.slow
def test_a_5_gb_zip_entry_is_never_read_whole(tmp_path: Path) -> None:
    """A Telegram ``result.json`` that starts well and goes on with 5 GB of zeros (about 23 MB zipped,
    a ratio real data can have): streamed, it stops at the first zero with a warning, in little memory."""
    big = tmp_path / "export.zip"
    zeros = bytes(1024 * 1024)
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as archive:
        with archive.open("result.json", "w", force_zip64=True) as entry:
            entry.write(b'{"name": "A", "type": "personal_chat", "id": 2, "messages": [')
            for _ in range(5 * 1024):
                entry.write(zeros)
    assert big.stat().st_size < 50 * 1024 * 1024
    outcome = import_in_child(big, tmp_path / "store.sqlite3", "Ben")
    assert outcome["peak_mb"] < 400, outcome
    assert outcome.get("items") == 0 and any("not valid JSON" in w for w in outcome["warnings"]), outcome


# --- entries that try to escape --------------------------------------------------------------


def test_escaping_entries_are_skipped_with_warnings_and_nothing_lands_outside(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "in" / "WhatsApp Chat with Anna.zip"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in WHATSAPP.files.items():
            archive.writestr(name, data)
        archive.writestr("../../evil.txt", b"12/01/2020, 09:16 - Eve: planted\n")
        archive.writestr("/etc/cron.d/evil", b"* * * * * root rm -rf /\n")
        archive.writestr("C:/Windows/evil.txt", b"x")
        link = zipfile.ZipInfo("WhatsApp Chat with Eve.txt")
        link.external_attr = (0o120777) << 16  # a symbolic link to a secret
        archive.writestr(link, "/etc/shadow")
    summary = imported(store, path, tmp_path, me=WHATSAPP.me)
    skipped = "\n".join(summary.warnings)
    for name in ("../../evil.txt", "/etc/cron.d/evil", "C:/Windows/evil.txt", "WhatsApp Chat with Eve.txt"):
        assert f"'{name}'" in skipped, name
    texts = [row[0] for row in store.db.execute("SELECT text FROM items")]
    assert not any("planted" in text or "/etc/shadow" in text for text in texts)
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path.parent / "evil.txt").exists()


def test_a_folder_with_a_symlink_out_is_not_followed(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    for name, data in WHATSAPP.files.items():
        (folder / name).write_bytes(data)
    secret = tmp_path / "secret.txt"
    secret.write_text("12/01/2020, 09:16 - Ben: my bank password is hunter2\n")
    (folder / "WhatsApp Chat with Bank.txt").symlink_to(secret)
    summary = imported(store, folder, tmp_path, me=WHATSAPP.me)
    assert any("symbolic link" in warning for warning in summary.warnings)
    assert store.db.execute("SELECT count(*) FROM items WHERE text LIKE '%hunter2%'").fetchone()[0] == 0


# --- nesting, counts, sizes --------------------------------------------------------------------


def _nest(data: bytes, depth: int) -> bytes:
    for level in range(depth):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as outer:
            outer.writestr(f"level{level}.zip", data)
        data = buffer.getvalue()
    return data


@pytest.mark.parametrize("depth", [1, 2, 50])
def test_deeply_nested_zips_are_refused_plainly(store: Store, tmp_path: Path, depth: int) -> None:
    """Understudy does not unpack zips inside zips: a nested export is refused, quickly, in words."""
    path = tmp_path / "export.zip"
    path.write_bytes(_nest(seeds()["instagram"].zip_bytes(), depth))
    refused(store, path, tmp_path, "does not recognise")


CHILD = textwrap.dedent(
    """
    import json, sys, time
    from desktop.core.errors import KnownError
    from desktop.core.importers.pipeline import import_archive
    from desktop.core.store import open_store
    started = time.monotonic()
    store = open_store(sys.argv[2])
    try:
        steps = import_archive(store, sys.argv[1], me=sys.argv[3] or None)
        while True:
            next(steps)
    except StopIteration as stop:
        outcome = {"items": stop.value.items, "warnings": stop.value.warnings[:5]}
    except KnownError as error:
        outcome = {"error": str(error)}
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    outcome.update(seconds=time.monotonic() - started, peak_mb=peak / 1024)
    print(json.dumps(outcome))
    """
)


def import_in_child(path: Path, store_path: Path, me: str | None = None) -> dict:
    """Import in a fresh process; its outcome with wall time and peak memory (VmHWM)."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(store_path), me or ""],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_100k_tiny_files_import_in_bounded_time_and_memory(tmp_path: Path) -> None:
    """A chat among 100,000 tiny media files (as a real export's attachments): read, not choked on."""
    path = tmp_path / "WhatsApp Chat with Anna.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in WHATSAPP.files.items():
            archive.writestr(name, data)
        for number in range(100_000):
            archive.writestr(f"IMG-2020{number:06d}-WA0001.jpg", b"\xff\xd8\xff")
    outcome = import_in_child(path, tmp_path / "store.sqlite3", WHATSAPP.me)
    assert outcome.get("items") == 5, outcome
    assert outcome["seconds"] < 180 and outcome["peak_mb"] < 600, outcome


@pytest.mark.slow
def test_100k_tiny_junk_files_are_refused_in_bounded_time_and_memory(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for number in range(100_000):
            archive.writestr(f"junk/{number % 100}/{number}.json", b"{}")
    outcome = import_in_child(path, tmp_path / "store.sqlite3")
    assert "does not recognise" in outcome.get("error", ""), outcome
    assert outcome["seconds"] < 180 and outcome["peak_mb"] < 600, outcome


def _sparse(path: Path, head: bytes, size: int = 5 * 1024**3) -> None:
    """A file of ``size`` bytes that takes no disk: ``head``, then a hole of zeros."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(size)


SPARSE_CASES = {
    "whatsapp chat": (
        "WhatsApp Chat with Anna.txt",
        b"12/01/2020, 09:16 - Anna: Hi\n12/01/2020, 09:17 - Ben: x",
        "Ben",
        "line longer than",
    ),
    "generic csv": (
        "messages.csv",
        b'text,author,timestamp,is_owner\nhi,Ben,2024-05-01T10:00:00Z,yes\n"',
        None,
        "line longer than",
    ),
    "generic jsonl": (
        "messages.jsonl",
        b'{"text": "hi", "author": "Ben", "timestamp": "2024-05-01", "is_owner": true}\n{',
        None,
        "line longer than",
    ),
    "x tweets.js (streamed)": (
        "data/tweets.js",
        b'window.YTD.tweets.part0 = [{"tweet": {"id_str": "1", "full_text": "',
        None,
        None,
    ),
    "x account.js (read whole)": (
        "data/account.js",
        b'window.YTD.account.part0 = [{"account": {"accountId": "',
        None,
        "far larger than",
    ),
    "telegram result.json": (
        "result.json",
        b'{"name": "A", "type": "personal_chat", "id": 2, "messages": [',
        "Ben",
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(SPARSE_CASES))
def test_a_5_gb_sparse_file_is_refused_or_skipped_without_reading_it_into_memory(
    tmp_path: Path, case: str
) -> None:
    """A valid start, then 5 GB of zeros: never read whole into memory (the child's peak stays small)."""
    name, head, me, match = SPARSE_CASES[case]
    folder = tmp_path / "export"
    _sparse(folder / name, head)
    if case.startswith("x tweets.js"):
        (folder / "data" / "account.js").write_bytes(seeds()["twitter"].files["data/account.js"])
    elif case.startswith("x account.js"):
        (folder / "data" / "tweets.js").write_bytes(seeds()["twitter"].files["data/tweets.js"])
    outcome = import_in_child(folder, tmp_path / "store.sqlite3", me)
    assert outcome["peak_mb"] < 400, outcome
    if match is None:  # streamed: stops at the first byte that is not JSON, and says so
        assert outcome.get("items") == 0 and any("not valid" in w for w in outcome["warnings"]), outcome
    else:
        assert match in outcome.get("error", ""), outcome


# --- names and contents ----------------------------------------------------------------------


def test_non_utf8_file_names_in_a_folder_are_skipped_by_name(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    for name, data in WHATSAPP.files.items():
        (folder / name).write_bytes(data)
    (folder / os.fsdecode(b"WhatsApp Chat with Jos\xe9.txt")).write_bytes(b"12/01/2020, 09:16 - Jos: hola\n")
    summary = imported(store, folder, tmp_path, me=WHATSAPP.me)
    assert any("not valid text" in w and "WhatsApp Chat with Jos" in w for w in summary.warnings), (
        summary.warnings
    )
    assert summary.items == 5


def test_a_folder_of_only_unreadable_names_says_why(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / os.fsdecode(b"caf\xe9.json")).write_bytes(b"{}")
    refused(store, folder, tmp_path, "holds no files to import.*not valid text")


def test_zip_names_that_are_not_text_are_refused_plainly(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("result.json", b"{}")
    raw = bytearray(path.read_bytes())
    for signature, flags_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        at = raw.find(signature)
        raw[at + flags_at + 1] |= 0x08  # bit 11: "the name is UTF-8"
        raw[at + name_at] = 0xFF  # ...but it is not
    path.write_bytes(bytes(raw))
    refused(store, path, tmp_path, "not a readable zip file")


def test_a_damaged_local_header_name_is_a_damaged_archive(store: Store, tmp_path: Path) -> None:
    """The central directory is sound, but one entry's own header claims a UTF-8 name that is
    not (found by the fuzz run in CI: zipfile raised UnicodeDecodeError from ``testzip``)."""
    path = tmp_path / "export.zip"
    path.write_bytes(seeds()["telegram"].zip_bytes())
    raw = bytearray(path.read_bytes())
    raw[7] |= 0x08  # the first local header: bit 11, "the name is UTF-8"
    raw[30] = 0xBD  # ...but it is not
    path.write_bytes(bytes(raw))
    refused(store, path, tmp_path, "damaged")


def _depth_cuts(data: bytes, deepest: int = 5) -> dict[int, int]:
    """For each JSON nesting depth up to ``deepest``: the offset just after it is first entered."""
    cuts: dict[int, int] = {}
    depth, in_string, escaped = 0, False, False
    for offset, byte in enumerate(data):
        char = chr(byte)
        if in_string:
            escaped, in_string = (False, in_string) if escaped else (char == "\\", char != '"')
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth <= deepest:
                cuts.setdefault(depth, offset + 1)
        elif char in "]}":
            depth -= 1
    return cuts


def _json_members(seed: Seed) -> list[str]:
    return [name for name in seed.files if name.endswith((".json", ".js"))]


@pytest.mark.parametrize("platform", [p for p, s in sorted(seeds().items()) if _json_members(s)])
def test_invalid_json_at_every_depth_is_refused_or_skipped_by_name(tmp_path: Path, platform: str) -> None:
    """Each JSON file of the seed, cut off at nesting depths 1 to 5: the import is refused in words,
    or goes on with a warning naming the file, or (a file it does not need) loses nothing."""
    seed = seeds()[platform]
    with open_store(tmp_path / "reference.sqlite3") as reference:
        archive = tmp_path / "seed.zip"
        archive.write_bytes(seed.zip_bytes())
        whole = run_import(reference, archive, seed.me)
        assert isinstance(whole, ImportSummary)
    checked = 0
    for name in _json_members(seed):
        safe_name = re.sub(r"\W", "_", name)
        for depth, offset in _depth_cuts(seed.files[name]).items():
            case = tmp_path / f"{safe_name}-{depth}"
            case.mkdir()
            path = case / seed.zip_name
            path.write_bytes(zip_files({**seed.files, name: seed.files[name][:offset] + b' "cut here'}))
            with open_store(case / "store.sqlite3") as store:
                before = snapshot(store)
                with file_writes() as writes:
                    outcome = run_import(store, path, seed.me)
                assert writes_outside(writes, case) == []
                if isinstance(outcome, KnownError):
                    assert snapshot(store) == before, (name, depth)
                elif outcome.items != whole.items:
                    named = [w for w in outcome.warnings if f"'{name}'" in w]
                    assert named, f"{name} cut at depth {depth} lost items without a word: {outcome.warnings}"
                assert_store_sound(store)
            checked += 1
    assert checked >= len(_json_members(seed))
