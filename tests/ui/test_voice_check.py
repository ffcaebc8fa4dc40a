"""The Persona page's voice check: the real model drafts the golden inbox of a real imported
archive, and the report shows beside the previous one; a save runs a quick check by itself."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from desktop.core.importers.pipeline import import_archive
from desktop.core.paths import Paths
from desktop.core.persona.evaluation import load_reports
from desktop.core.store import open_store
from desktop.ui import theme
from desktop.ui.controllers.drafting_controller import READY
from desktop.ui.main_window import MainWindow
from desktop.ui.widgets.voice_check import AFTER_SAVE_LIMIT, COLUMNS
from tests.core.generation.voice_corpus import write_voice_archive
from tests.ui.conftest import mark_welcome_seen

pytestmark = pytest.mark.slow

PERSONA_INDEX = 1
LOAD_TIMEOUT = 180_000
CHECK_TIMEOUT = 240_000


@pytest.fixture(scope="module")
def window(
    qapp: QApplication, tmp_path_factory: pytest.TempPathFactory, default_models_dir: Path
) -> Iterator[MainWindow]:
    qapp.setStyleSheet(theme.stylesheet())
    base = tmp_path_factory.mktemp("voice")
    paths = Paths.resolve(base / "base").ensure()
    for model in default_models_dir.glob("*.gguf"):
        os.link(model, paths.models / model.name)
    with open_store(paths.create_profile("default").store) as store:
        for _step in import_archive(store, write_voice_archive(base / "instagram.zip")):
            pass
    mark_welcome_seen(paths)
    window = MainWindow(paths, "default", check_models=False)
    window.resize(1280, 900)
    window.show()
    window.show_page(PERSONA_INDEX)
    window.persona_page.preview.live_check.setChecked(False)  # the preview is not under test here
    yield window
    window.close()
    window.deleteLater()
    QApplication.processEvents()


def reports(window: MainWindow) -> list:
    with open_store(window.paths.profile("default").store) as store:
        return load_reports(store)


def table_rows(check) -> dict[str, list[str]]:
    table = check.table
    return {
        table.item(row, 0).text(): [table.item(row, column).text() for column in range(1, len(COLUMNS))]
        for row in range(table.rowCount())
    }


def test_a_check_drafts_the_golden_inbox_and_a_second_shows_beside_the_first(window, qtbot) -> None:
    page = window.persona_page
    check = page.voice_check
    qtbot.waitUntil(lambda: window.drafting.state == READY, timeout=LOAD_TIMEOUT)
    check.run(limit=3)
    assert check.is_running() and not check.run_button.isEnabled()
    qtbot.waitUntil(lambda: not check.is_running(), timeout=CHECK_TIMEOUT)
    assert check.status.text().startswith("Now: ")
    rows = table_rows(check)
    assert rows["drafted"][2] == "3"  # the NOW column
    assert 0.0 <= float(rows["style distance (0 = like you)"][2]) <= 1.0
    assert -1.0 <= float(rows["meaning (cosine to yours)"][2]) <= 1.0
    assert check.table.isColumnHidden(2)  # no "before" the first time
    assert len(reports(window)) == 1

    # After a saved change the page checks by itself, and shows it beside the previous one.
    page.sliders.sliders["emoji"].setValue(95)
    page.save()
    qtbot.waitUntil(check.is_running, timeout=30_000)
    qtbot.waitUntil(lambda: not check.is_running(), timeout=CHECK_TIMEOUT)
    saved = reports(window)
    assert len(saved) == 2 and len(saved[0].cases) == AFTER_SAVE_LIMIT
    assert "Before: " in check.status.text() and not check.table.isColumnHidden(2)
    rows = table_rows(check)
    assert rows["drafted"][1] == "3" and rows["drafted"][2] == "3"  # compared over the shared messages
    assert rows["emoji per reply"][3] in ("closer", "further", "same")


def test_stop_cancels_the_check_and_saves_nothing(window, qtbot) -> None:
    check = window.persona_page.voice_check
    qtbot.waitUntil(lambda: window.drafting.state == READY, timeout=LOAD_TIMEOUT)
    before = len(reports(window))
    check.run()
    qtbot.waitUntil(
        lambda: "drafting" in check.status.text().lower() or "golden" in check.status.text().lower(),
        timeout=30_000,
    )
    check.cancel()
    qtbot.waitUntil(lambda: not check.is_running(), timeout=CHECK_TIMEOUT)
    assert check.status.text() == "Voice check stopped; nothing was saved."
    assert len(reports(window)) == before
    assert check.run_button.isEnabled()
