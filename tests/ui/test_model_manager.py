"""The Settings page's model manager: add, choose and remove models, the file work on workers.

Every dialog is replaced by a fixed answer (monkeypatched): nothing modal is ever shown.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QFileDialog

from desktop.core.models.manager import ModelManager
from desktop.core.paths import Paths
from desktop.ui.main_window import MainWindow
from desktop.ui.widgets.settings import models_card as settings_page
from desktop.ui.widgets.settings_page import IN_USE_COLUMN, IN_USE_TEXT

pytestmark = pytest.mark.slow


def _chat_model() -> str:
    from desktop.core.models import DEFAULT_CHAT_MODEL

    return DEFAULT_CHAT_MODEL


def _open_listed(qtbot, open_window, paths: Paths) -> MainWindow:
    window = open_window(paths, check_models=True)
    window.show_page(window.pages.index(window.settings_page))
    qtbot.waitUntil(lambda: _chat_model() in window.settings_page.model_names(), timeout=20_000)
    _wait_idle(qtbot, window)
    return window


def _wait_idle(qtbot, window: MainWindow) -> None:
    models, page = window.models, window.settings_page
    qtbot.waitUntil(
        lambda: not models.is_changing() and not models.is_surveying() and not page.is_busy(), timeout=60_000
    )


def _choose_file(monkeypatch, path: Path, how: str | None = "copy") -> list[str]:
    asked: list[str] = []
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), "GGUF models (*.gguf)")
    )

    def fake_ask(parent, file_name):
        asked.append(file_name)
        return how

    monkeypatch.setattr(settings_page, "ask_add_how", fake_ask)
    return asked


def _confirm(monkeypatch, answer: bool) -> list[tuple[str, str]]:
    asked: list[tuple[str, str]] = []

    def fake_confirm(parent, file_name, size_text, is_link):
        asked.append((file_name, size_text))
        return answer

    monkeypatch.setattr(settings_page, "confirm_remove", fake_confirm)
    return asked


def _leftovers(models_dir: Path) -> list[str]:
    return [p.name for p in models_dir.iterdir() if p.name.endswith((".partial", ".tmp"))]


def test_active_model_is_marked_and_buttons_follow_the_selection(
    qtbot, open_window, paths_with_models: Paths
) -> None:
    window = _open_listed(qtbot, open_window, paths_with_models)
    page = window.settings_page
    chat = _chat_model()
    assert page.active_model_name() == chat
    row = page.model_names().index(chat)
    assert page.models_table.item(row, IN_USE_COLUMN).text() == IN_USE_TEXT
    assert page.models_table.item(row, 0).font().bold()
    assert page.add_button.isEnabled()
    assert not page.use_button.isEnabled() and not page.remove_button.isEnabled()  # nothing selected
    page.select_model(chat)
    assert not page.use_button.isEnabled()  # already in use
    assert page.remove_button.isEnabled()
    embedding = next(name for name in page.model_names() if name != chat)
    page.select_model(embedding)
    assert not page.use_button.isEnabled()  # an embedding model cannot draft


def test_add_a_copy_lists_it_off_the_gui_thread(
    qtbot, open_window, paths_with_models: Paths, tmp_path: Path, monkeypatch
) -> None:
    source = tmp_path / "my-gemma.gguf"
    shutil.copyfile(paths_with_models.models / _chat_model(), source)
    asked = _choose_file(monkeypatch, source, "copy")
    gui_thread = QApplication.instance().thread()
    seen: list[QThread] = []
    real_add = ModelManager.add

    def spy_add(self, *args, **kwargs):
        seen.append(QThread.currentThread())
        return real_add(self, *args, **kwargs)

    monkeypatch.setattr(ModelManager, "add", spy_add)
    window = _open_listed(qtbot, open_window, paths_with_models)
    page = window.settings_page
    page.add_button.click()
    assert asked == ["my-gemma.gguf"]
    qtbot.waitUntil(lambda: "my-gemma.gguf" in page.model_names(), timeout=60_000)
    _wait_idle(qtbot, window)
    added = paths_with_models.models / "my-gemma.gguf"
    assert added.is_file() and not added.is_symlink()
    assert seen and all(thread is not gui_thread for thread in seen)
    assert "my-gemma.gguf" in page.message_text() and page.models_message.property("error") is False
    assert source.is_file()  # the original stays
    assert _leftovers(paths_with_models.models) == []
    assert window.models.bugs == []


def test_adding_a_truncated_file_shows_a_plain_error(
    qtbot, open_window, paths_with_models: Paths, tmp_path: Path, monkeypatch
) -> None:
    source = tmp_path / "broken.gguf"
    source.write_bytes((paths_with_models.models / _chat_model()).read_bytes()[:1000])
    _choose_file(monkeypatch, source, "copy")
    window = _open_listed(qtbot, open_window, paths_with_models)
    page = window.settings_page
    before = sorted(p.name for p in paths_with_models.models.iterdir())
    page.add_button.click()
    qtbot.waitUntil(lambda: page.models_message.property("error") is True, timeout=30_000)
    _wait_idle(qtbot, window)
    text = page.message_text()
    assert text.startswith("broken.gguf is not a usable model file") and "cut short" in text, text
    assert "Traceback" not in text and "bug" not in text
    assert window.models.bugs == []
    assert sorted(p.name for p in paths_with_models.models.iterdir()) == before
    assert "broken.gguf" not in page.model_names()
    assert page.add_button.isEnabled()  # no longer busy


def test_cancelling_the_file_dialog_adds_nothing(
    qtbot, open_window, paths_with_models: Paths, monkeypatch
) -> None:
    asked = _choose_file(monkeypatch, Path(""), "copy")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: ("", ""))
    window = _open_listed(qtbot, open_window, paths_with_models)
    page = window.settings_page
    page.add_button.click()
    assert asked == [] and not window.models.is_changing() and not page.is_busy()


def test_use_for_drafting_changes_the_active_model(qtbot, open_window, paths_with_models: Paths) -> None:
    ModelManager(paths_with_models).add(
        paths_with_models.models / _chat_model(), how="hardlink", name="other.gguf"
    )
    window = _open_listed(qtbot, open_window, paths_with_models)
    page = window.settings_page
    assert window.model_status.text() == f"Model: {_chat_model()}"
    assert page.select_model("other.gguf")
    assert page.use_button.isEnabled()
    page.use_button.click()
    qtbot.waitUntil(lambda: page.active_model_name() == "other.gguf", timeout=30_000)
    _wait_idle(qtbot, window)
    assert ModelManager(paths_with_models).active_name == "other.gguf"
    assert window.model_status.text() == "Model: other.gguf"
    row = page.model_names().index("other.gguf")
    assert page.models_table.item(row, IN_USE_COLUMN).text() == IN_USE_TEXT
    assert page.selected_model_name() == "other.gguf" and not page.use_button.isEnabled()


def test_remove_an_added_model_deletes_its_file(
    qtbot, open_window, paths_with_models: Paths, monkeypatch
) -> None:
    ModelManager(paths_with_models).add(
        paths_with_models.models / _chat_model(), how="hardlink", name="extra.gguf"
    )
    asked = _confirm(monkeypatch, True)
    window = _open_listed(qtbot, open_window, paths_with_models)
    page = window.settings_page
    assert page.select_model("extra.gguf")
    page.remove_button.click()
    assert asked and asked[0][0] == "extra.gguf" and "MB" in asked[0][1]
    qtbot.waitUntil(lambda: "extra.gguf" not in page.model_names(), timeout=30_000)
    _wait_idle(qtbot, window)
    assert not (paths_with_models.models / "extra.gguf").exists()
    assert (paths_with_models.models / _chat_model()).is_file()
    assert "removed" in page.message_text()


def test_remove_needs_confirmation(qtbot, open_window, paths_with_models: Paths, monkeypatch) -> None:
    ModelManager(paths_with_models).add(
        paths_with_models.models / _chat_model(), how="hardlink", name="extra.gguf"
    )
    asked = _confirm(monkeypatch, False)
    window = _open_listed(qtbot, open_window, paths_with_models)
    page = window.settings_page
    page.select_model("extra.gguf")
    page.remove_button.click()
    assert asked and not window.models.is_changing()
    assert (paths_with_models.models / "extra.gguf").is_file()


def test_removing_the_active_model_is_refused(
    qtbot, open_window, paths_with_models: Paths, monkeypatch
) -> None:
    asked = _confirm(monkeypatch, True)
    window = _open_listed(qtbot, open_window, paths_with_models)
    page = window.settings_page
    chat = _chat_model()
    page.select_model(chat)
    page.remove_button.click()
    assert asked == []  # refused before any question
    assert not window.models.is_changing()
    assert "cannot be removed" in page.message_text() and page.models_message.property("error") is True
    assert (paths_with_models.models / chat).is_file()
    assert chat in page.model_names()
