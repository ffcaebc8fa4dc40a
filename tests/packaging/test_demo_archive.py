"""The demo archive in resources/: small, rebuilt by its script, and imported by the real pipeline."""

from __future__ import annotations

import zipfile
from pathlib import Path
from types import ModuleType

from desktop.core.importers.pipeline import import_archive
from desktop.core.inbox import add_import_candidates, list_inbox
from desktop.core.paths import Paths
from desktop.core.store import open_store
from desktop.smoke import demo_archive_path


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_committed_archive_is_what_its_script_writes(demo_script: ModuleType, tmp_path: Path) -> None:
    committed = demo_archive_path()
    assert committed == demo_script.DEMO_ARCHIVE
    rebuilt = demo_script.write_demo_archive(tmp_path / "demo.zip")
    assert _members(rebuilt) == _members(committed)
    assert committed.stat().st_size < 50_000


def test_it_is_written_the_way_meta_writes_exports(demo_script: ModuleType) -> None:
    members = _members(demo_archive_path())
    assert "personal_information/personal_information/personal_information.json" in members
    for data in members.values():
        data.decode("ascii")  # non-ASCII text only as \\u00XX escapes of its UTF-8 bytes
    assert any(b"\\u00f0\\u009f" in data for data in members.values())  # an emoji's first UTF-8 bytes


def test_it_imports_through_the_real_pipeline_with_conversations_to_answer(
    paths: Paths, demo_script: ModuleType
) -> None:
    waiting = [lines for _, lines in demo_script.CONVERSATIONS if lines[-1][0] == "fan"]
    with open_store(paths.create_profile("demo").store) as store:
        progress = import_archive(store, demo_archive_path())
        while True:
            try:
                next(progress)
            except StopIteration as stop:
                summary = stop.value
                break
        assert (summary.platform, summary.version) == ("instagram", "json-2024")
        assert summary.warnings == []
        assert summary.posts == len(demo_script.POSTS)
        assert summary.comments == len(demo_script.COMMENTS)
        assert summary.threads == len(demo_script.CONVERSATIONS)
        assert summary.exchanges >= 10  # the creator's answered questions: the voice examples
        assert summary.inbox_candidates == len(waiting) == 4
        added = add_import_candidates(store)
        entries = list_inbox(store)
    assert added.added == 4
    assert sorted(entry.text for entry in entries) == sorted(lines[-1][1] for lines in waiting)
    assert {entry.sender for entry in entries} <= {fan for fan, _ in demo_script.CONVERSATIONS}
    assert all(entry.state == "new" for entry in entries)
