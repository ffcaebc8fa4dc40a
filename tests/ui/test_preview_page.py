"""The Preview page with the real default models, a real store and a real event loop.

One window (and so one model load) serves most tests of this module; the close-mid-draft test
opens its own. Waits are generous (2 shared cores); nothing asserts wall-clock speed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, QSize, Qt, QThread
from PySide6.QtGui import QEnterEvent, QTextCharFormat
from PySide6.QtWidgets import QApplication

from desktop.core.importers.pipeline import import_archive
from desktop.core.paths import Paths
from desktop.core.store import open_store
from desktop.ui import theme, workers
from desktop.ui.controllers.drafting_controller import DRAFTING, READY, DraftingController
from desktop.ui.main_window import MainWindow
from desktop.ui.widgets import preview_page as preview_module
from desktop.ui.widgets.preview.draft_text import NO_DRAFT_TITLE
from desktop.ui.widgets.preview_page import PreviewPage
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
            controller.state_changed,
            controller.loading_progress,
            controller.draft_started,
            controller.draft_text,
            controller.draft_finished,
            controller.draft_cancelled,
            controller.candidates_loaded,
            controller.regenerating,
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
        lambda: len(page.alternatives.get(message, [])) >= count and page._request is None,
        timeout=DRAFT_TIMEOUT,
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
    qtbot.waitUntil(
        lambda: bool(page.reply_view.toPlainText().strip()) or page._request is None, timeout=DRAFT_TIMEOUT
    )
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
    # The guard's findings on this real draft: each listed, and each placed in the text marked there.
    findings = draft.guard.findings
    assert len(page.findings_list.rows) == len(findings)
    assert sorted(s.cursor.selectedText() for s in page.reply_view.extraSelections()) == sorted(
        draft.text[f.span[0] : f.span[1]] for f in findings if f.span
    )
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
    # A draft brings its alternatives (the other candidates) along; the new draft's chosen one shows.
    shown = page.current_draft()
    assert shown is not None and shown.chosen is not None and page.reply_view.toPlainText() == shown.text
    assert len(page.alternative_group.buttons()) == len(drafts)
    assert shown.chosen.label in page.meta_label.text()
    assert "answers the message" in page.alternative_group.button(page.current_index).toolTip()
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
    assert page.reply_view.extraSelections() == [] and not page.findings_list.isVisible()
    save(window, "red")


def test_all_handlers_ran_in_the_gui_thread(shared, window) -> None:
    _window, spy = shared
    assert spy.threads == {QApplication.instance().thread()}


def test_closing_the_window_mid_draft_exits_cleanly(
    qtbot, styled_app, tmp_path: Path, default_models_dir: Path
) -> None:
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


# --- where the guard's findings show: marks in the draft, the list beside it

FLAGGED_TEXT = "Haha thank you 🥐 the class is $45 and the dough takes 3 weeks, plan ahead! (drafted with AI)"
"""A draft with an emoji before its flagged words: Qt counts the emoji as two positions, Python as one."""


def flagged_draft(
    text: str, findings: list, message: str = "How much is the class, and how long is the dough?"
):
    from desktop.core.generation.drafting import Draft
    from desktop.core.generation.guard import GuardResult
    from desktop.core.generation.triage import Triage

    triage = Triage("green", [], False, [])
    blocked = any(f.severity == "block" for f in findings)
    guard = GuardResult(
        blocked=blocked, findings=findings, canned_reply=None, needs_edit=bool(findings), text=text
    )
    return Draft(text, message, triage, guard, "continuation", "gemma", 1, attempts=1)


def span_of(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return (start, start + len(words))


def marks(editor) -> list[tuple[str, str]]:
    """Each marked range in ``editor``: (its text, its fill colour)."""
    selections = editor.extraSelections()
    return [(s.cursor.selectedText(), s.format.background().color().name()) for s in selections]


def formats_at(editor, position: int) -> list:
    """The extra-selection formats covering Qt position ``position`` (copies: they outlive the list)."""
    selections = editor.extraSelections()
    return [
        QTextCharFormat(s.format)
        for s in selections
        if s.cursor.selectionStart() <= position < s.cursor.selectionEnd()
    ]


def open_page(qtbot) -> PreviewPage:
    """A Preview page of its own (no model: the drafts are made by hand), laid out before it is shown."""
    page = PreviewPage()
    qtbot.addWidget(page)
    page.layout().activate()  # its size limits known before it shows (offscreen warns otherwise)
    page.resize(QSize(1180, 860).expandedTo(page.minimumSizeHint()))
    page.show()
    qtbot.waitExposed(page)
    return page


def show(page: PreviewPage, draft) -> None:
    page.current_message = draft.incoming
    page.alternatives[draft.incoming] = [draft]
    page.select_alternative(0)


def test_flagged_words_are_marked_and_the_findings_list_quotes_the_source(qtbot, styled_app) -> None:
    from desktop.core.generation.guard import Evidence, Finding
    from desktop.ui.widgets.findings_view import HIGHLIGHT_COLORS, utf16_offset

    page = open_page(qtbot)
    text = FLAGGED_TEXT
    price, weeks = span_of(text, "$45"), span_of(text, "3 weeks")
    findings = [
        Finding(
            "unsupported_specific",
            "flag",
            "“$45” is a price you never gave.",
            price,
            Evidence("Classes are announced in my newsletter first!", 0.41, 12, "post"),
            text="$45",
        ),
        Finding(
            "contradiction",
            "block",
            "Says “3 weeks”, but you wrote three days.",
            weeks,
            Evidence("Croissant dough takes three days: mix, laminate, shape.", 0.83, 4, "post"),
        ),
    ]  # the second finding gives no words: its span alone places the mark
    show(page, flagged_draft(text, findings))
    assert page.reply_view.toPlainText() == text

    # The span's characters carry the highlight (red: blocks, amber: check); the text around them none.
    red, amber = HIGHLIGHT_COLORS["block"][0], HIGHLIGHT_COLORS["flag"][0]
    assert sorted(marks(page.reply_view)) == sorted([("$45", amber), ("3 weeks", red)])
    for (start, end), color in ((price, amber), (weeks, red)):
        qt_start, qt_end = utf16_offset(text, start), utf16_offset(text, end)
        for position in range(qt_start, qt_end):
            covering = formats_at(page.reply_view, position)
            assert [f.background().color().name() for f in covering] == [color]
            assert covering[0].underlineStyle() != covering[0].UnderlineStyle.NoUnderline
        assert formats_at(page.reply_view, qt_start - 1) == [] and formats_at(page.reply_view, qt_end) == []
    assert page.reply_view.isReadOnly()  # the Preview's draft stays read-only, as before

    # Beside it, the findings (what blocks first), each with its message and its source quoted.
    texts = page.findings_list.texts()
    assert len(texts) == 2 and page.findings_list.isVisible()
    assert "3 weeks" in texts[0]
    assert "Your post: “Croissant dough takes three days: mix, laminate, shape.”" in texts[0]
    assert "$45" in texts[1] and "Your post: “Classes are announced in my newsletter first!”" in texts[1]
    assert "Blocked" in page.verdict.text() and not page.answer_badge.isVisible()

    # Clicking a finding selects its words in the draft; pointing at one does too.
    qtbot.mouseClick(page.findings_list.rows[1], Qt.MouseButton.LeftButton)
    assert page.reply_view.textCursor().selectedText() == "$45"
    row = page.findings_list.rows[0]
    inside = QPointF(row.rect().center())
    QApplication.sendEvent(row, QEnterEvent(inside, inside, QPointF(row.mapToGlobal(row.rect().center()))))
    assert page.reply_view.textCursor().selectedText() == "3 weeks"
    assert (
        formats_at(page.reply_view, utf16_offset(text, weeks[0]))[0].background().color().name()
        == (
            HIGHLIGHT_COLORS["block"][1]  # the mark pointed at stands out
        )
    )
    if SCREENSHOTS:
        QApplication.processEvents()  # let pending layout requests settle first
        page.grab().save(str(Path(SCREENSHOTS) / "prev_flagged.png"))


def test_a_needs_answer_draft_wears_the_yellow_badge(qtbot, styled_app) -> None:
    from desktop.core.generation.guard import Finding
    from desktop.ui.widgets.findings_view import NEEDS_ANSWER_TEXT

    page = open_page(qtbot)
    reply = "Good question! Let me check and get back to you 🙂"
    finding = Finding("needs_answer", "flag", "Nothing you wrote says at what temperature you bake.")
    show(page, flagged_draft(reply, [finding], "What temperature do you bake your sourdough at?"))
    assert page.answer_badge.isVisible() and page.answer_badge.text() == NEEDS_ANSWER_TEXT
    assert "Needs your answer" in page.verdict.text()
    assert marks(page.reply_view) == []  # nothing to mark: the words are the creator's own
    assert "Nothing you wrote says" in page.findings_list.texts()[0]
    # A draft without that finding takes the badge off again.
    show(page, flagged_draft("Three days! 🥐", [], "How long does the dough take?"))
    assert not page.answer_badge.isVisible() and not page.findings_list.isVisible()
    assert "nothing flagged" in page.verdict.text()
