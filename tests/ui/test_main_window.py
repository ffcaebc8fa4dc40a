"""The real main window: pages, navigation, welcome screen, remembered geometry, models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSize, Qt, QThread
from PySide6.QtWidgets import QApplication

from desktop import APP_NAME
from desktop.core.paths import Paths
from desktop.ui.main_window import KEY_FIRST_RUN_SEEN, MINIMUM_SIZE, MainWindow, open_settings
from desktop.ui.widgets.page import Page

PAGE_LABELS = ["Import", "Persona", "Preview", "Inbox", "Packs", "Settings"]

#: Words each page's explanation must contain: what will be there, in plain words.
PAGE_PROMISES = {
    "Import": ["Instagram", "TikTok", "never uploaded"],
    "Persona": ["sounds", "never"],
    "Preview": ["fan", "nothing is saved or sent"],
    "Inbox": ["Approve", "nothing is ever sent on its own"],
    "Packs": ["zip", "never posts for you"],
    "Settings": ["on this computer"],
}


def click_sidebar(qtbot, window: MainWindow, row: int) -> None:
    item = window.sidebar.item(row)
    rect = window.sidebar.visualItemRect(item)
    qtbot.mouseClick(window.sidebar.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def assert_page_shown(window: MainWindow, row: int) -> None:
    page = window.pages[row]
    assert window.stack.currentWidget() is page
    assert window.sidebar.currentRow() == row
    assert page.isVisible()
    assert page.title_label.isVisible() and page.summary_label.isVisible()
    for words in PAGE_PROMISES[page.label]:
        assert words in page.summary_label.text(), (page.label, words)


def test_sidebar_lists_the_six_pages(open_window, paths: Paths) -> None:
    window = open_window(paths)
    assert [window.sidebar.item(i).text() for i in range(window.sidebar.count())] == PAGE_LABELS
    assert [page.label for page in window.pages] == PAGE_LABELS
    for row in range(window.sidebar.count()):
        item = window.sidebar.item(row)
        assert not item.icon().isNull()
        assert f"Ctrl+{row + 1}" in item.toolTip()
    assert APP_NAME in window.windowTitle()
    assert window.minimumSize() == MINIMUM_SIZE


def test_walk_every_page_with_the_sidebar(qtbot, open_window, paths: Paths) -> None:
    window = open_window(paths)
    for row in [1, 2, 3, 4, 5, 0]:
        click_sidebar(qtbot, window, row)
        assert_page_shown(window, row)


def test_walk_every_page_with_shortcuts(qtbot, open_window, paths: Paths) -> None:
    window = open_window(paths)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    for row in [5, 4, 3, 2, 1, 0]:
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_1 + row), Qt.KeyboardModifier.ControlModifier)
        assert_page_shown(window, row)


def test_sidebar_is_keyboard_navigable(qtbot, open_window, paths: Paths) -> None:
    window = open_window(paths)
    window.activateWindow()
    window.sidebar.setFocus()
    qtbot.waitUntil(window.sidebar.hasFocus)
    window.show_page(0)
    for row in range(1, len(PAGE_LABELS)):
        qtbot.keyClick(window.sidebar, Qt.Key.Key_Down)
        assert_page_shown(window, row)
    qtbot.keyClick(window.sidebar, Qt.Key.Key_Home)
    assert_page_shown(window, 0)


def test_every_page_is_a_page_with_a_title(open_window, paths: Paths) -> None:
    window = open_window(paths)
    for page in window.pages:
        assert isinstance(page, Page)
        assert page.title and page.summary and page.icon_name
        assert len(page.summary) > 60  # a real explanation, not a placeholder word


def test_welcome_shows_once_until_get_started(qtbot, open_window, paths: Paths) -> None:
    first = open_window(paths, welcome_seen=False)
    assert first.is_first_run_visible()
    words = first.first_run.text()
    for promise in ("your voice", "approve every reply", "sent on its own", "this computer", "No account"):
        assert promise in words
    # Shortcuts do not skip the welcome.
    first.show_page(3)
    assert first.is_first_run_visible()

    qtbot.mouseClick(first.first_run.start_button, Qt.MouseButton.LeftButton)
    assert not first.is_first_run_visible()
    assert first.shell.isVisible()
    first.close()

    settings = open_settings(paths)
    assert settings.value(KEY_FIRST_RUN_SEEN, False, type=bool) is True
    second = open_window(paths, welcome_seen=False)  # same settings file: not shown again
    assert not second.is_first_run_visible()


def test_welcome_shows_again_in_another_base_folder(open_window, tmp_path: Path) -> None:
    window = open_window(Paths.resolve(tmp_path / "elsewhere").ensure(), welcome_seen=False)
    assert window.is_first_run_visible()


def test_settings_live_in_the_base_folder(open_window, paths: Paths) -> None:
    window = open_window(paths)
    window.close()
    assert Path(window.settings.fileName()) == paths.settings_file
    assert paths.settings_file.is_file()
    assert "[window]" in paths.settings_file.read_text(encoding="utf-8")


def test_geometry_and_page_are_restored(qtbot, open_window, paths: Paths) -> None:
    # Within the offscreen platform's 800x800 screen: restoreGeometry fits a window to its screen.
    first = open_window(paths)
    first.resize(QSize(780, 610))
    first.move(QPoint(10, 20))
    first.show_page(4)
    qtbot.waitUntil(lambda: first.size() == QSize(780, 610))
    first.close()

    second = open_window(paths)
    assert second.size() == QSize(780, 610)
    assert second.current_page().label == "Packs"


def test_status_bar_shows_profile(open_window, paths: Paths) -> None:
    window = open_window(paths, profile="night-shift")
    assert window.profile_status.text() == "Profile: night-shift"
    assert "night-shift" in window.windowTitle()


def test_settings_page_shows_real_paths(open_window, paths: Paths) -> None:
    window = open_window(paths, profile="studio")
    page = window.settings_page
    assert page.base_field.text() == str(paths.base)
    assert page.profile_field.text() == "studio"
    assert page.models_folder_field.text() == str(paths.models)
    assert page.settings_field.text() == str(paths.settings_file)


def test_keychain_status_is_shown(qtbot, open_window, paths: Paths) -> None:
    from desktop.core.secrets import keyring_status

    window = open_window(paths, check_models=True)
    expected = keyring_status(paths.secrets_file)
    qtbot.waitUntil(
        lambda: window.settings_page.keychain_label.text().endswith(expected.message), timeout=10_000
    )
    assert expected.backend in window.settings_page.keychain_backend.text()


def test_a_locked_secrets_file_is_named_on_settings_not_a_generic_line(
    qtbot, open_window, paths: Paths, no_keychain: None
) -> None:
    from desktop.core.secret_file import SecretFile

    SecretFile.create(paths.secrets_file, "a long passphrase", scrypt_n=2**10)
    window = open_window(paths, check_models=True)
    qtbot.waitUntil(
        lambda: str(paths.secrets_file) in window.settings_page.keychain_label.text(), timeout=10_000
    )
    assert "needs its passphrase" in window.settings_page.keychain_label.text()
    assert "encrypted file (locked)" in window.settings_page.keychain_backend.text()


@pytest.mark.slow
def test_settings_lists_the_default_models(qtbot, open_window, paths_with_models: Paths) -> None:
    from desktop.core.models import DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL

    window = open_window(paths_with_models, check_models=True)
    page = window.settings_page
    qtbot.waitUntil(
        lambda: page.model_names() == [DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL], timeout=20_000
    )
    table = page.models_table
    cells = {table.item(0, c).text() for c in range(table.columnCount())}
    assert {"Drafting", "Q4_K_M", "gemma3", "No"} <= cells
    assert table.item(1, 1).text() == "Search"
    assert table.item(1, 4).text() == "bert"
    assert "2 models" in page.models_status.text()
    assert window.model_status.text() == f"Model: {DEFAULT_CHAT_MODEL}"
    assert window.setup_banner.state == "hidden" and not window.setup_banner.isVisible()


def test_models_survey_runs_off_the_gui_thread(qtbot, open_window, paths: Paths, monkeypatch) -> None:
    from desktop.core import models as core_models

    gui_thread = QApplication.instance().thread()
    seen: list[QThread] = []
    real_list_models = core_models.list_models

    def spy(models_dir):
        seen.append(QThread.currentThread())
        return real_list_models(models_dir)

    monkeypatch.setattr(core_models, "list_models", spy)
    window = open_window(paths, check_models=True)
    qtbot.waitUntil(lambda: window.setup_banner.state == "offer", timeout=10_000)
    assert seen and all(thread is not gui_thread for thread in seen)


def _leftovers(models_dir: Path) -> list[str]:
    """Files a half-done set-up could leave: temp files, and model files that are not complete."""
    from desktop.core.models import list_models

    names = [p.name for p in models_dir.iterdir() if p.name.endswith((".partial", ".tmp"))]
    names += [f"{m.file_name} ({m.error})" for m in list_models(models_dir) if m.error]
    return names


@pytest.mark.slow
def test_missing_models_offer_setup_which_can_be_cancelled(qtbot, open_window, paths: Paths) -> None:
    window = open_window(paths, check_models=True)
    banner = window.setup_banner
    qtbot.waitUntil(lambda: banner.state == "offer", timeout=10_000)
    assert banner.isVisible() and banner.setup_button.isVisible()
    assert "gemma" in banner.detail.text()
    assert window.model_status.text() == "No model set up"

    qtbot.mouseClick(banner.setup_button, Qt.MouseButton.LeftButton)
    assert banner.state == "running"
    assert banner.progress_bar.isVisible() and banner.cancel_button.isVisible()
    qtbot.mouseClick(banner.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: not window.models.is_setting_up() and not window.models.is_surveying(), timeout=60_000
    )
    assert banner.state == "offer"
    assert "cancelled" in banner.detail.text()
    assert _leftovers(paths.models) == []


@pytest.mark.slow
def test_missing_models_are_set_up_with_progress(qtbot, open_window, paths: Paths) -> None:
    from desktop.core.models import DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL

    window = open_window(paths, check_models=True)
    banner = window.setup_banner
    qtbot.waitUntil(lambda: banner.state == "offer", timeout=10_000)
    messages: list[str] = []
    window.models.setup_progress.connect(lambda progress: messages.append(progress.message))
    qtbot.mouseClick(banner.setup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: banner.state == "hidden", timeout=180_000)
    assert messages and messages[-1] == "The default models are ready"
    assert window.settings_page.model_names() == [DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL]
    assert window.model_status.text() == f"Model: {DEFAULT_CHAT_MODEL}"
    assert _leftovers(paths.models) == []


@pytest.mark.slow
def test_closing_during_setup_joins_the_thread_and_keeps_nothing_half_written(
    qtbot, open_window, paths: Paths
) -> None:
    from desktop.ui import workers

    window = open_window(paths, check_models=False)
    window.models.start_setup()
    qtbot.waitUntil(
        lambda: "Setting up" in window.setup_banner.detail.text() or not window.models.is_setting_up()
    )
    window.close()  # cancels and joins before the window goes
    assert all(not w._runner.isRunning() for w in list(workers._LIVE))
    assert _leftovers(paths.models) == []


def test_run_gui_smoke_test_exits_cleanly(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from desktop.core.paths import Paths\n"
        "from desktop.ui.gui import run_gui\n"
        "sys.exit(run_gui(Paths.resolve(sys.argv[1]).ensure(), 'default', smoke_test=True))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "base")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "showed " + ", ".join(PAGE_LABELS) in proc.stderr
    for bad in ("QThread: Destroyed", "Traceback", "qt.", "Warning"):
        assert bad not in proc.stderr, proc.stderr[-3000:]
    # The smoke test does not mark the welcome as seen.
    settings = open_settings(Paths.resolve(tmp_path / "base"))
    assert settings.value(KEY_FIRST_RUN_SEEN, False, type=bool) is False


def test_import_drop_zone_reports_dropped_archives(qtbot, open_window, paths: Paths, tmp_path: Path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    window = open_window(paths)
    zone = window.import_page.drop_zone
    archive = tmp_path / "instagram-export.zip"
    archive.write_bytes(b"PK")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(archive))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(zone.archives_dropped) as blocker:  # emitted in the GUI thread
        zone.dropEvent(event)
    assert blocker.args == [[str(archive)]]
    assert "instagram-export.zip" in zone.status.text()
