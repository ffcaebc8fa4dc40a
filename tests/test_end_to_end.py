"""A creator's whole day on the real default models, through the command line.

Import two real-looking archives, put their unanswered messages in the inbox, draft them all,
approve some, edit one, reject one, export a pack and verify it: the pack holds exactly the
approved replies, the edited one with the creator's text, and nothing else.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from desktop.app import main
from desktop.core.paths import Paths
from tests.conftest import InMemoryKeyring
from tests.core.importers.fixtures_meta import instagram_2024, write_zip
from tests.core.importers.test_pipeline import x_archive

pytestmark = pytest.mark.slow


def run(base: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    status = main(["--basedir", str(base), *args])
    out = capsys.readouterr()
    assert status == 0, f"understudy {' '.join(args)} exited {status}: {out.err}"
    return out.out


def entries(base: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict]:
    return json.loads(run(base, capsys, "inbox", "list", "--json", *extra))["entries"]


def test_import_draft_review_export_verify(
    paths_with_models: Paths,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: InMemoryKeyring,
) -> None:
    base = paths_with_models.base
    run(base, capsys, "import", str(write_zip(tmp_path / "instagram.zip", instagram_2024())))
    run(base, capsys, "import", str(x_archive(tmp_path / "x.zip", tweet_count=12)))
    run(base, capsys, "inbox", "import", "--candidates")
    run(
        base,
        capsys,
        "inbox",
        "add",
        "What protein do you use after training?",
        "--from",
        "maya",
        "--platform",
        "instagram",
    )
    run(
        base,
        capsys,
        "inbox",
        "add",
        "Do you ever do meetups in Lisbon?",
        "--from",
        "leo",
        "--platform",
        "instagram",
    )
    waiting = entries(base, capsys)
    assert len(waiting) >= 4 and all(e["state"] in ("new", "flagged") for e in waiting)

    summary = json.loads(run(base, capsys, "inbox", "draft-all", "--json"))["summary"]
    assert summary["remaining"] == 0 and summary["drafted"] + summary["flagged"] + summary["no_draft"] >= 4
    listed = entries(base, capsys)
    # The guard flags a draft that states what the creator never did: flagged drafts are drafts
    # too, but only an edit makes them approvable.
    written = [e for e in listed if e["state"] in ("drafted", "flagged") and e["draft_text"]]
    clean = [e for e in written if e["state"] == "drafted"]
    assert len(written) >= 3 and clean, (
        "the real model drafted most of the inbox, some of it approvable as is"
    )

    approve = clean[0]
    edit, reject = [e for e in written if e is not approve][:2]
    edited_text = "Thank you! Unflavoured whey and a banana, every time."
    run(base, capsys, "inbox", "approve", str(approve["item_id"]))
    run(base, capsys, "inbox", "edit", str(edit["item_id"]), edited_text)
    run(base, capsys, "inbox", "approve", str(edit["item_id"]))
    run(base, capsys, "inbox", "reject", str(reject["item_id"]))

    pack = tmp_path / "pack.zip"
    assert "2 replies (1 edited)" in run(base, capsys, "packs", "export", str(pack))
    assert "intact" in run(base, capsys, "packs", "verify", str(pack))
    with zipfile.ZipFile(pack) as archive:
        jsonl = [json.loads(line) for line in archive.read("replies.jsonl").decode("utf-8").splitlines()]
        rows = list(csv.DictReader(io.StringIO(archive.read("replies.csv").decode("utf-8"))))
        manifest = json.loads(archive.read("manifest.json"))
    expected = {approve["draft_text"], edited_text}
    assert {r["reply_text"] for r in jsonl} == expected
    assert {r["reply_text"] for r in rows} == expected
    assert {r["original_message"] for r in jsonl} == {approve["text"], edit["text"]}
    edited_row = next(r for r in jsonl if r["reply_text"] == edited_text)
    assert edited_row["edited"] == "yes"
    assert manifest["counts"]["replies"] == 2
    states = {e["item_id"]: e["state"] for e in entries(base, capsys, "--state", "exported")}
    assert states == {approve["item_id"]: "exported", edit["item_id"]: "exported"}
    assert [e["item_id"] for e in entries(base, capsys, "--trash")] == [reject["item_id"]]
