"""The CLI and the GUI give the same inbox after the same import (issue 19, item 2).

Both front ends run the same action (``desktop.core.actions.import_into_profile``): the
archive lands, then the conversations awaiting a reply join the inbox, triaged. The bundled
demo archive (Maya, the baker) is imported into two fresh base folders, one through
``understudy import`` and one through the Import controller, and the inbox is then read
through ``understudy inbox list --json`` and through the Inbox controller, with no other step
in between (before the action, the CLI's inbox stayed empty until ``inbox import --candidates``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desktop.app import main
from desktop.core.paths import Paths
from desktop.smoke import demo_archive_path
from desktop.ui import workers
from desktop.ui.controllers.import_controller import ImportController
from desktop.ui.controllers.inbox_controller import InboxController

#: Every field of an inbox entry but the moment it was added (each run adds at its own time).
NOT_COMPARED = {"added_at"}


def _shown(entry: Any) -> dict[str, Any]:
    data = entry if isinstance(entry, dict) else json.loads(json.dumps(entry.as_dict()))
    return {name: value for name, value in data.items() if name not in NOT_COMPARED}


def _cli_inbox(base: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert main(["--basedir", str(base), "import", str(demo_archive_path())]) == 0
    capsys.readouterr()
    assert main(["--basedir", str(base), "inbox", "list", "--json"]) == 0
    return [_shown(entry) for entry in json.loads(capsys.readouterr().out)["entries"]]


def _gui_inbox(qtbot, paths: Paths) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    imports = ImportController(paths, "default")
    inbox = InboxController(paths, "default")
    try:
        with qtbot.waitSignal(imports.import_finished, timeout=120_000):
            imports.add_paths([str(demo_archive_path())])
        with qtbot.waitSignal(inbox.listed, timeout=60_000) as listed:
            inbox.reload()  # a plain listing: the import itself put the conversations there
        ids = listed.args[0].ids
        with qtbot.waitSignal(inbox.rows_loaded, timeout=60_000) as rows:
            inbox.fetch_rows(ids)
        by_id = rows.args[0]  # item id -> InboxEntry
        return [_shown(by_id[item_id]) for item_id in ids]
    finally:
        imports.shutdown()
        inbox.shutdown()
        qtbot.waitUntil(lambda: workers.live_workers() == 0, timeout=20_000)


def test_the_cli_and_the_gui_show_the_same_inbox_after_the_same_import(
    qtbot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from_cli = _cli_inbox(tmp_path / "cli", capsys)
    from_gui = _gui_inbox(qtbot, Paths.resolve(tmp_path / "gui").ensure())
    assert len(from_cli) == 4  # the demo archive's four conversations awaiting a reply, on both sides
    assert from_gui == from_cli
