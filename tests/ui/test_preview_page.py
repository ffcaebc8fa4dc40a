"""The Preview page with the real default models, a real store and a real event loop.

One window (and so one model load) serves most tests of this module; the close-mid-draft test
opens its own. Waits are generous (2 shared cores); nothing asserts wall-clock speed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication

from desktop.core.importers.pipeline import import_archive
from desktop.core.paths import Paths
from desktop.core.store import open_store
from desktop.ui import theme, workers
from desktop.ui.controllers.drafting_controller import DRAFTING, READY, DraftingController
from desktop.ui.main_window import MainWindow
from desktop.ui.widgets import preview_page as preview_module
from desktop.ui.widgets.preview_page import NO_DRAFT_TITLE, PreviewPage
from tests.core.importers.test_pipeline import x_archive
from tests.ui.conftest import mark_welcome_seen

pytestmark = pytest.mark.slow

LOAD_TIMEOUT = 180_000
DRAFT_TIMEOUT = 120_000
PREVIEW_INDEX = 2
MESSAGE = "love your videos! what protein do you use?"
RED_MESSAGE = "I want to kill myself"
SCREENSHOTS = os.environ.get("UNDERSTUDY_SCREENSHOTS")  # a folder: save what the page looked like


def make_profile(base: Path, default_models_dir: Path) -> Paths:
    paths = Paths.resolve(base).ensure()
    for model in default_models_dir.glob("*.gguf"):
        os.link(model, paths.models / model.name)
    archive = x_archive(base.parent / f"{base.name}-twitter.zip")
    with open_store(paths.create_profile("default").store) as store:
        for _step in import_archive(store, archive):
            pass
    mark_welcome_seen(paths)
    return paths


class GuiThreadSpy:
    """Records the thread every controller signal reaches the page in."""

    def __init__(self, controller: DraftingController) -> None:
        self.threads: set[QThread] = set()
        for signal in (
            controller.state_changed, controller.loading_progress, controller.draft_started,
            controller.draft_text, controller.draft_finished, controller.draft_cancelled,
            controller.candidates_loaded, controller.regenerating,
        ):
            # GUI thread only: the controller emits everything there (which this records).
            signal.connect(self._note)

    def _note(self, *args: object) -> None:
        self.threads.add(QThread.currentThread())


@pytest.fixture(scope="module")
def shared(qapp: QApplication, tmp_path_factory: pytest.TempPathFactory, default_models_dir: Path):
    qapp.setStyleSheet(theme.stylesheet())
    paths = make_profile(tmp_path_factory.mktemp("preview") / "base", default_models_dir)
    window = MainWindow(paths, "default", check_models=False)
    spy = GuiThreadSpy(window.drafting)
    window.resize(1180, 860)
    window.show()
    yield window, spy
    window.close()
    assert not window.drafting._worker  # shut down and joined
    window.deleteLater()
    QApplication.processEvents()


@pytest.fixture
def window(shared, qtbot) -> Iterator[MainWindow]:
    window, _spy = shared
    if window.stack.currentIndex() != PREVIEW_INDEX:
        window.show_page(PREVIEW_INDEX)
    qtbot.waitUntil(lambda: window.drafting.state == READY, timeout=LOAD_TIMEOUT)
    yield window
    window.drafting.stop()
    qtbot.waitUntil(lambda: window.drafting.state == READY, timeout=DRAFT_TIMEOUT)


def page_of(window: MainWindow) -> PreviewPage:
    return window.preview_page


def ask(qtbot, page: PreviewPage, message: str) -> None:
    page.message_edit.setPlainText(message)
    qtbot.waitUntil(page.draft_button.isEnabled)
    page.draft_button.click()


def wait_finished(qtbot, page: PreviewPage, message: str, count: int) -> None:
    qtbot.waitUntil(
        lambda: len(page.alternatives.get(message, [])) >= count and page._request is None, timeout=DRAFT_TIMEOUT
    )


def save(window: MainWindow, name: str) -> None:
    if SCREENSHOTS:
        QApplication.processEvents()  # let pending layout requests settle first
        window.grab().save(str(Path(SCREENSHOTS) / f"prev_{name}.png"))


def test_the_model_loads_off_the_gui_thread_when_the_page_is_first_shown(shared, qtbot) -> None:
    window, _spy = shared
    assert window.drafting.state == "idle"  # nothing loads at start-up
    window.show_page(PREVIEW_INDEX)
    qtbot.waitUntil(lambda: window.drafting.state != "idle", timeout=5000)
    assert window.drafting.state in ("loading", READY)
    worker = window.drafting._worker
    assert worker is not None and worker._runner.isRunning()
    qtbot.waitUntil(lambda: window.drafting.state == READY, timeout=LOAD_TIMEOUT)
    page = page_of(window)
    assert page.busy.isHidden() and "Ready" in page.status_label.text()
    # The store's message awaiting a reply is offered, read on the model thread.
    qtbot.waitUntil(lambda: page._candidates == ["and what protein do you use?"], timeout=DRAFT_TIMEOUT)
    labels = [page.samples.itemText(i) for i in range(page.samples.count())]
    assert any("and what protein do you use?" in label for label in labels)


def test_a_draft_streams_in_and_the_guard_and_sources_fill(window, qtbot) -> None:
    page = page_of(window)
    streamed: list[str] = []
    window.drafting.draft_text.connect(lambda _rid, text: streamed.append(text))
    ask(qtbot, page, MESSAGE)
    qtbot.waitUntil(lambda: bool(page.reply_view.toPlainText().strip()) or page._request is None, timeout=DRAFT_TIMEOUT)
    wait_finished(qtbot, page, MESSAGE, 1)
    draft = page.current_draft()
    assert draft is not None and draft.triage.level == "green"
    assert streamed, "text pieces were streamed before the draft finished"
    assert page.reply_view.toPlainText() == draft.text and draft.text.strip()
    assert "Triage: green" in page.guard_label.text()
    assert "past reply" in page.sources_label.text() or "your post" in page.sources_label.text()
    assert "Model gemma" in page.meta_label.text() or "model" in page.meta_label.text().lower()
    assert "tokens" in page.meta_label.text()
    assert page.verdict.isVisible()
    assert page.budget_legend.text() and "message" in page.budget_legend.text()
    save(window, "draft")


def test_the_prompt_inspector_shows_the_exact_prompt(window, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    page = page_of(window)
    if not page.alternatives.get(MESSAGE):
        ask(qtbot, page, MESSAGE)
        wait_finished(qtbot, page, MESSAGE, 1)
    draft = page.current_draft()
    opened = []
    real = preview_module.show_prompt_dialog

    def capture(parent, prompt):
        dialog = preview_module.PromptDialog(prompt, parent)
        opened.append(dialog)
        dialog.show()

    monkeypatch.setattr(preview_module, "show_prompt_dialog", capture)
    assert real is not capture
    page.prompt_button.click()
    assert len(opened) == 1
    dialog = opened[0]
    assert dialog.text.toPlainText() == draft.prompt.text
    assert MESSAGE in dialog.text.toPlainText()
    assert "tokens" in dialog.legend.text()
    if SCREENSHOTS:
        dialog.grab().save(str(Path(SCREENSHOTS) / "prev_prompt.png"))
    dialog.close()
    dialog.deleteLater()


def test_regenerate_gives_an_alternative_and_switching_works(window, qtbot) -> None:
    page = page_of(window)
    if not page.alternatives.get(MESSAGE):
        ask(qtbot, page, MESSAGE)
        wait_finished(qtbot, page, MESSAGE, 1)
    before = len(page.alternatives[MESSAGE])
    page.regenerate_button.click()
    wait_finished(qtbot, page, MESSAGE, before + 1)
    drafts = page.alternatives[MESSAGE]
    assert len({d.seed for d in drafts}) == len(drafts)  # each alternative has its own seed
    assert page.current_index == len(drafts) - 1
    assert len(page.alternative_group.buttons()) == len(drafts)
    page.select_alternative(0)
    assert page.reply_view.toPlainText() == drafts[0].text
    assert page.alternative_group.button(0).isChecked()
    window.activateWindow()
    qtbot.waitActive(window)
    page.reply_view.setFocus()  # in the draft card: 1/2/3 pick an alternative there
    qtbot.keyClick(page.reply_view, "2")
    assert page.current_index == 1 and page.reply_view.toPlainText() == drafts[1].text
    qtbot.keyClick(page.reply_view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert page.current_index == 0
    save(window, "alternatives")


def test_stop_cancels_and_the_next_draft_works(window, qtbot) -> None:
    page = page_of(window)
    controller = window.drafting
    cancelled: list[int] = []
    controller.draft_cancelled.connect(cancelled.append)
    message = "What do you eat before a long run, and how early?"
    ask(qtbot, page, message)
    qtbot.waitUntil(lambda: controller.state == DRAFTING, timeout=5000)
    assert page.stop_button.isEnabled()
    page.stop_button.click()
    qtbot.waitUntil(lambda: controller.state == READY, timeout=DRAFT_TIMEOUT)
    if cancelled:  # the draft may have been finished before the click reached it
        assert page.alternatives.get(message, []) == []
        assert "Stopped" in page.meta_label.text()
    ask(qtbot, page, message)
    wait_finished(qtbot, page, message, 1)
    assert page.current_draft().text.strip()


def test_a_new_request_while_drafting_cancels_the_previous_one(window, qtbot) -> None:
    page = page_of(window)
    controller = window.drafting
    cancelled: list[int] = []
    controller.draft_cancelled.connect(cancelled.append)
    first = controller.request_draft("Tell me everything about your training plan for the marathon", seed=11)
    qtbot.waitUntil(lambda: controller.state == DRAFTING, timeout=5000)
    second_message = "When is your next tour date?"
    second = controller.request_draft(second_message, seed=0)
    wait_finished(qtbot, page, second_message, 1)
    qtbot.waitUntil(lambda: controller.state == READY, timeout=DRAFT_TIMEOUT)
    assert first not in (second,)
    # The first one never reaches the page: cancelled (or, if it had just finished, dropped as stale).
    assert page.alternatives.get("Tell me everything about your training plan for the marathon") is None
    assert page.current_message == second_message
    assert first in cancelled or not controller.is_drafting()


def test_a_red_message_shows_no_draft_and_the_reasons(window, qtbot) -> None:
    page = page_of(window)
    ask(qtbot, page, RED_MESSAGE)
    wait_finished(qtbot, page, RED_MESSAGE, 1)
    draft = page.current_draft()
    assert draft.triage.level == "red" and draft.blocked
    assert page.reply_view.toPlainText() == ""
    assert NO_DRAFT_TITLE in page.verdict.text()
    assert "self-harm" in page.verdict.text()
    assert "Triage: red" in page.guard_label.text()
    save(window, "red")


def test_all_handlers_ran_in_the_gui_thread(shared, window) -> None:
    _window, spy = shared
    assert spy.threads == {QApplication.instance().thread()}


def test_closing_the_window_mid_draft_exits_cleanly(qtbot, styled_app, tmp_path: Path, default_models_dir: Path) -> None:
    paths = make_profile(tmp_path / "base", default_models_dir)
    window = MainWindow(paths, "default", check_models=False)
    qtbot.addWidget(window)
    window.show()
    window.show_page(PREVIEW_INDEX)
    controller = window.drafting
    qtbot.waitUntil(lambda: controller.state == READY, timeout=LOAD_TIMEOUT)
    page = page_of(window)
    controller.max_tokens = 400  # long enough to still be writing when the window closes
    ask(qtbot, page, "Tell me a long story about your first ever show on tour, every detail please")
    qtbot.waitUntil(lambda: controller.state == DRAFTING, timeout=5000)
    worker = controller._worker
    runner = worker._runner
    window.close()  # closeEvent: cancel, unload on the model thread, join
    assert not runner.isRunning() and runner.isFinished()
    assert controller._worker is None and not worker.is_running()
    assert worker not in workers._LIVE  # (the module's shared window still holds its own)
    # A late request after shutdown is refused, not run.
    assert controller.request_draft("hello?") == 0
