"""Bluesky repository export (``repo.car``): real CAR files with real CIDs, built by
``bluesky_car`` (libipld blocks, an MST laid out by the atproto rules, CAR framing by hand).
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import libipld
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.importers import registry
from desktop.core.importers.archive import open_archive
from desktop.core.importers.platforms.bluesky import IMPORTER

from .bluesky_car import DID, LINK, OTHER, POST, Repo, build_repo, cid_of, post, varint
from .fixtures_generic import FOREIGN, detect, make_zip, run
from .test_pipeline import drain


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


EXPECTED = [
    (
        f"at://{DID}/{POST}/3jzfcijpj2z2a",
        "post",
        "First post! Hello Bluesky 👋",
        utc(2023, 4, 26, 7, 9, 58),
        None,
    ),
    (
        f"at://{DID}/{POST}/3jzfcijpj2z2b",
        "post",
        f"Trail notes 🥾 {LINK} and more",
        utc(2023, 5, 1, 10),
        None,
    ),
    (
        f"at://{DID}/{POST}/3jzfcijpj2z2c",
        "comment",
        "@fan.bsky.social thanks, glad it helped!",
        utc(2023, 5, 2, 12, 30, 0, 500000),
        f"at://{OTHER}/{POST}/3jaaaaaaaaaab",
    ),
    (
        f"at://{DID}/{POST}/3jzfcijpj2z2d",
        "post",
        "and a follow-up to my own post",
        utc(2023, 5, 3, 8),
        f"at://{DID}/{POST}/3jzfcijpj2z2a",
    ),
    (f"at://{DID}/{POST}/3jzfcijpj2z2f", "post", "spaced\nout", utc(2023, 5, 5, 8), None),
]


def got(items: list) -> list[tuple]:
    return [(i.external_id, i.kind, i.text, i.created_at, i.reply_to) for i in items]


def test_the_fixture_is_a_real_repository() -> None:
    """The CAR decodes with libipld, and the tree really has subtrees to walk."""
    data, stale = build_repo()
    header, blocks = libipld.decode_car(data)
    assert header["version"] == 1 and len(header["roots"]) == 1
    commit = blocks[header["roots"][0]]
    assert commit["did"] == DID and libipld.encode_cid(commit["data"]).startswith("bafyrei")
    assert cid_of(stale) in blocks
    nodes = [b for b in blocks.values() if isinstance(b, dict) and set(b) == {"l", "e"}]
    assert len(nodes) > 3 and any(e["t"] for n in nodes for e in n["e"])


@pytest.mark.parametrize("layout", ["file", "zip", "renamed"])
def test_posts_and_replies_from_the_repository(tmp_path: Path, layout: str) -> None:
    data, _ = build_repo()
    if layout == "file":
        path = tmp_path / "repo.car"
        path.write_bytes(data)
    elif layout == "zip":
        path = make_zip(tmp_path / "bluesky.zip", {"backup/repo.car": data, "readme.txt": "x"})
    else:  # saved without its extension
        path = tmp_path / "bluesky-export"
        path.write_bytes(data)
    found = detect(IMPORTER, path)
    assert (found.platform, found.version, found.confidence) == ("bluesky", "repo-v3", 0.95)
    threads, items, warnings = run(IMPORTER, path)
    assert threads == [] and warnings == []
    assert got(items) == EXPECTED
    assert {(i.author, i.is_owner) for i in items} == {("Trail Runner", True)}
    first = libipld.encode_dag_cbor(post("First post! Hello Bluesky 👋", "2023-04-26T00:09:58-07:00"))
    assert items[0].extra == {"langs": ["en"], "cid": libipld.encode_cid(cid_of(first))}


def test_registered_and_detected_among_all_importers(tmp_path: Path) -> None:
    data, _ = build_repo(version=2)
    path = tmp_path / "repo.car"
    path.write_bytes(data)
    assert "bluesky" in registry.importers()
    with open_archive(path) as archive:
        importer, detection = registry.detect(archive)
    assert (importer.platform, detection.version) == ("bluesky", "repo-v2")


def test_author_is_me_when_given_and_did_without_profile(tmp_path: Path) -> None:
    repo = Repo()
    root = repo.mst({f"{POST}/3k2a": repo.put(post("only one", "2024-01-01T00:00:00Z"))})
    commit = repo.put(
        {"did": DID, "version": 3, "data": root, "rev": "3k", "prev": None, "sig": b"\x01" * 64}
    )
    path = tmp_path / "repo.car"
    path.write_bytes(repo.car(commit))
    _, items, _ = run(IMPORTER, path)
    assert [(i.text, i.author) for i in items] == [("only one", DID)]
    _, items, _ = run(IMPORTER, path, me="trail.bsky.social")
    assert [(i.text, i.author) for i in items] == [("only one", "trail.bsky.social")]


def tid(micros: int, clock: int = 7) -> str:
    """A record key as the apps make them: microseconds since 1970 and a clock id, base32-sortable."""
    number, out = (micros << 10) | clock, ""
    for _ in range(13):
        out = "234567abcdefghijklmnopqrstuvwxyz"[number & 31] + out
        number >>= 5
    return out


def test_unreadable_created_at_falls_back_to_the_record_key(tmp_path: Path) -> None:
    repo = Repo()
    key = tid(1_700_000_000_123_456)
    root = repo.mst(
        {
            f"{POST}/{key}": repo.put(post("time from the key", "yesterday-ish")),
            f"{POST}/not-a-tid": repo.put(post("no time at all", "??")),
        }
    )
    commit = repo.put(
        {"did": DID, "version": 3, "data": root, "rev": "3k", "prev": None, "sig": b"\x01" * 64}
    )
    path = tmp_path / "repo.car"
    path.write_bytes(repo.car(commit))
    _, items, _ = run(IMPORTER, path)
    assert [(i.text, i.created_at) for i in items] == [
        ("time from the key", utc(2023, 11, 14, 22, 13, 20, 123456))
    ]


def test_truncated_download_keeps_what_was_read_and_warns(tmp_path: Path) -> None:
    """A CAR cut short: every complete block is still read, and the warning says how much was lost."""
    data, _ = build_repo()
    path = tmp_path / "repo.car"
    # Cut in the last keys (reposts, follows) and the stale block: every post survives.
    path.write_bytes(data[: len(data) - 200])
    _, items, warnings = run(IMPORTER, path)
    assert got(items) == EXPECTED
    assert warnings == [
        f"'repo.car' is damaged from byte 42,889 of {len(data) - 200:,}: 166 blocks were read, and the file "
        "is "
        "cut off before its end; every post its tree lists was read."
    ]
    # Cut inside the fourth post: the three before it are kept, the posts after it are reported missing.
    cut = data.index(b"and a follow-up to my own post")
    path.write_bytes(data[:cut])
    _, items, warnings = run(IMPORTER, path)
    assert got(items) == EXPECTED[:3]
    assert len(warnings) == 1 and re.fullmatch(
        rf"'repo.car' is damaged from byte [\d,]+ of {cut:,}: \d+ blocks were read, and the file is cut off "
        r"before "
        r"its end; [3-9] of the posts and tree nodes it refers to are missing, so what they held was not "
        r"imported\.",
        warnings[0],
    ), warnings[0]


def test_a_damaged_block_is_skipped_and_the_rest_read(tmp_path: Path) -> None:
    """One block whose bytes are not DAG-CBOR (its length intact): only that block is lost."""
    data, stale = build_repo()
    at = data.index(stale)
    broken = data[:at] + b"\xff" * len(stale)  # the stale block is the last one; break it in place
    path = tmp_path / "repo.car"
    path.write_bytes(broken)
    _, items, warnings = run(IMPORTER, path)
    assert got(items) == EXPECTED
    frame_start = at - 36 - len(varint(36 + len(stale)))  # the length, the 36-byte CID, the block
    assert warnings == [
        f"'repo.car' is damaged from byte {frame_start:,} of {len(broken):,}: 167 blocks were read, 1 could "
        "not be "
        "decoded; every post its tree lists was read."
    ]


def test_a_damaged_file_is_skipped_with_a_warning(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "x.zip", {"repo.car": b"\x0a" + libipld.encode_dag_cbor({"version": 1, "roots": []})}
    )
    _, items, warnings = run(IMPORTER, path)
    assert items == [] and len(warnings) == 1 and "repo.car" in warnings[0]


def test_detection_does_not_claim_other_exports(tmp_path: Path) -> None:
    for name, foreign in FOREIGN.items():
        assert detect(IMPORTER, make_zip(tmp_path / f"{name}.zip", foreign)) is None, name
    not_car = tmp_path / "notes.car"
    not_car.write_bytes(b"\x05hello world")
    assert detect(IMPORTER, not_car) is None
    # A CAR that is not a repository (an IPFS file, say): its root block is no signed commit.
    repo = Repo()
    block = repo.put({"hello": "world"})
    ipfs = tmp_path / "ipfs.car"
    ipfs.write_bytes(repo.car(block))
    assert detect(IMPORTER, ipfs) is None
    with zipfile.ZipFile(tmp_path / "empty.zip", "w") as archive:
        archive.writestr("repo.car", b"")
    assert detect(IMPORTER, tmp_path / "empty.zip") is None


FUZZ_CAR = build_repo()[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cut=st.integers(min_value=0, max_value=50_000),
    flips=st.lists(st.tuples(st.integers(0, 50_000), st.integers(0, 255)), max_size=4),
)
def test_damaged_repositories_never_crash_the_reader(
    tmp_path: Path, cut: int, flips: list[tuple[int, int]]
) -> None:
    """Cut short or with bytes changed anywhere, a CAR gives what it still holds and warnings, never an
    error."""
    data = bytearray(FUZZ_CAR[: max(1, len(FUZZ_CAR) - cut)])
    for at, value in flips:
        data[at % len(data)] = value
    path = tmp_path / "repo.car"
    path.write_bytes(bytes(data))
    detect(IMPORTER, path)
    _, items, _ = run(IMPORTER, path)
    assert len(items) <= len(EXPECTED)
    assert all(i.is_owner and i.external_id.startswith("at://") for i in items)


def test_imported_into_the_store_with_replies_linked_to_parents_in_it(tmp_path: Path) -> None:
    """Through the real pipeline: the self-reply is linked to its parent post; the reply to
    someone else keeps the parent's URI until that post is ever imported."""
    from desktop.core.importers.pipeline import import_archive
    from desktop.core.store import open_store

    data, _ = build_repo()
    path = tmp_path / "repo.car"
    path.write_bytes(data)
    with open_store(tmp_path / "store.sqlite3") as store:
        summary, _ = drain(import_archive(store, path))
        assert (summary.platform, summary.items, summary.posts, summary.comments, summary.messages) == (
            "bluesky",
            5,
            4,
            1,
            0,
        )
        rows = store.db.execute(
            "SELECT item.external_id, item.kind, parent.external_id, item.reply_to_external_id FROM items "
            "AS item "
            "LEFT JOIN items AS parent ON parent.id = item.reply_to ORDER BY item.external_id"
        ).fetchall()
    base = f"at://{DID}/{POST}/"
    assert rows == [
        (base + "3jzfcijpj2z2a", "post", None, None),
        (base + "3jzfcijpj2z2b", "post", None, None),
        (base + "3jzfcijpj2z2c", "comment", None, f"at://{OTHER}/{POST}/3jaaaaaaaaaab"),
        (base + "3jzfcijpj2z2d", "post", base + "3jzfcijpj2z2a", base + "3jzfcijpj2z2a"),
        (base + "3jzfcijpj2z2f", "post", None, None),
    ]
