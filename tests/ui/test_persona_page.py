"""The Persona page with a real store, real imported archives and (for the live preview) the real
default model.

One window on a profile with an X and an Instagram archive serves most tests; the live preview
is paused in the tests that only edit, so that the model is used only where it is the subject.
The empty-profile test opens its own window (no models: the preview says so, nothing crashes).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication, QScrollArea

from desktop.core.importers.pipeline import import_archive
from desktop.core.paths import Paths
from desktop.core.persona.presets import list_presets
from desktop.core.persona.style import calibrated_sliders, compute_style_profile, load_style_profile
from desktop.core.persona.versions import list_versions, load_active_persona
from desktop.core.store import open_store
from desktop.ui import theme
from desktop.ui.controllers.drafting_controller import READY
from desktop.ui.controllers.live_preview import PREVIEW_DELAY_MS, PREVIEW_MAX_TOKENS
from desktop.ui.controllers.persona_controller import UNSAVED_FILE
from desktop.ui.main_window import MainWindow
from desktop.ui.widgets.persona_page import PersonaPage
from tests.core.importers.fixtures_meta import instagram_2024, write_zip
from tests.core.importers.test_pipeline import x_archive
from tests.ui.conftest import mark_welcome_seen

pytestmark = pytest.mark.slow

PERSONA_INDEX = 1
LOAD_TIMEOUT = 180_000
DRAFT_TIMEOUT = 120_000
TIMEOUT = 30_000
SCREENSHOTS = os.environ.get("UNDERSTUDY_SCREENSHOTS")  # a folder: save what the page looked like


def make_profile(base: Path, default_models_dir: Path | None) -> Paths:
    """A profile with an X and an Instagram archive imported through the real pipeline."""
    paths = Paths.resolve(base).ensure()
    if default_models_dir is not None:
        for model in default_models_dir.glob("*.gguf"):
            os.link(model, paths.models / model.name)
    archives = [
        x_archive(base.parent / f"{base.name}-x.zip", tweet_count=6),
        write_zip(base.parent / f"{base.name}-instagram.zip", instagram_2024()),
    ]
    with open_store(paths.create_profile("default").store) as store:
        for archive in archives:
            for _step in import_archive(store, archive):
                pass
    mark_welcome_seen(paths)
    return paths


def store_versions(paths: Paths) -> list:
    with open_store(paths.profile("default").store) as store:
        return list_versions(store)


class GuiThreadSpy:
    """Records the thread every controller and preview signal reaches the page in."""

    def __init__(self, page: PersonaPage) -> None:
        self.threads: set[QThread] = set()
        controller, live = page.controller, page.preview.live
        for signal in (
            controller.loading, controller.loaded, controller.profile_loaded, controller.saved,
            controller.failed,
            live.round_started, live.text_streamed, live.draft_finished, live.status_changed,
        ):  # fmt: skip
            # GUI thread only: the controllers emit everything there (which this records).
            signal.connect(self._note)

    def _note(self, *args: object) -> None:
        self.threads.add(QThread.currentThread())


@pytest.fixture(scope="module")
def shared(qapp: QApplication, tmp_path_factory: pytest.TempPathFactory, default_models_dir: Path):
    qapp.setStyleSheet(theme.stylesheet())
    paths = make_profile(tmp_path_factory.mktemp("persona") / "base", default_models_dir)
    window = MainWindow(paths, "default", check_models=False)
    window.persona_page.voice_check.check_after_save = False  # test_voice_check.py drives it
    spy = GuiThreadSpy(window.persona_page)
    window.resize(1280, 900)
    window.show()
    yield window, paths, spy
    window.close()
    assert not window.drafting._worker  # shut down and joined
    window.deleteLater()
    QApplication.processEvents()


@pytest.fixture
def window(shared, qtbot) -> Iterator[MainWindow]:
    window, _paths, _spy = shared
    if window.stack.currentIndex() != PERSONA_INDEX:
        window.show_page(PERSONA_INDEX)
    page = window.persona_page
    qtbot.waitUntil(lambda: page.loaded, timeout=TIMEOUT)
    yield window
    page.preview.live_check.setChecked(False)
    qtbot.waitUntil(lambda: not page._writes, timeout=TIMEOUT)


def editing(page: PersonaPage) -> PersonaPage:
    """The page with the live preview paused: editing tests need no model."""
    page.preview.live_check.setChecked(False)
    return page


def save(window: MainWindow, name: str) -> None:
    if SCREENSHOTS:
        QApplication.processEvents()
        window.grab().save(str(Path(SCREENSHOTS) / f"persona_{name}.png"))


def drag(qtbot, page: PersonaPage, name: str, *values: int) -> None:
    """A mouse drag of slider ``name`` through ``values`` (pressed, moved, released)."""
    slider = page.sliders.sliders[name]
    slider.setSliderDown(True)
    for value in values:
        slider.setValue(value)
    slider.setSliderDown(False)  # emits sliderReleased


def test_the_charts_show_the_style_of_the_imported_archives(shared, window, qtbot) -> None:
    _window, paths, _spy = shared
    page = window.persona_page
    with open_store(paths.profile("default").store) as store:
        expected = compute_style_profile(store)
        saved = load_style_profile(store)
    assert saved is not None and saved.items == expected.items  # computed off the GUI thread, and kept
    charts = page.style_charts
    assert charts.has_data() and charts.charts.isVisible() and not charts.empty.isVisible()
    assert sum(count for _label, count in charts.length_chart.bars) == expected.overall.items
    assert charts.length_chart.bar_set.count() == len(expected.overall.length_histogram)
    emoji = [label for label, _count in charts.emoji_chart.bars]
    assert "😊" in emoji and emoji == [e for e, _ in expected.overall.top_emoji[: len(emoji)]]
    assert [label for label, _ in charts.hours_chart.bars] == [f"{h}h" for h in range(24)]
    assert [count for _, count in charts.hours_chart.bars] == expected.overall.hours_utc
    platforms = {label for label, _ in charts.platform_chart.bars}
    assert {"Instagram", "X (Twitter)"} <= platforms
    charts.measure_combo.setCurrentIndex(1)  # emoji per message, by platform
    by_label = dict(charts.platform_chart.bars)
    assert by_label["Instagram"] == round(expected.by_platform["instagram"].emoji_per_item, 2)
    charts.split_combo.setCurrentIndex(1)  # DMs, comments, posts
    assert "Direct messages" in dict(charts.platform_chart.bars)
    assert f"{expected.overall.items:,}" in charts.summary_label.text()
    # The orange marks sit where the creator's own messages put each slider.
    calibrated = calibrated_sliders(expected)
    assert page.calibrated == calibrated
    assert {name: s.marker for name, s in page.sliders.sliders.items()} == calibrated
    assert "you" in page.sliders.value_labels["emoji"].text()
    save(window, "charts")


def test_a_drag_is_one_undo_step_and_key_nudges_merge(window, qtbot) -> None:
    page = editing(window.persona_page)
    start = page.persona.sliders["emoji"]
    steps = page.undo_stack.count()
    drag(qtbot, page, "emoji", 20, 40, 60, 85)
    assert page.persona.sliders["emoji"] == 85.0
    assert page.undo_stack.count() == steps + 1
    assert page.action_bar.unsaved_label.isVisible() and "emoji" in page.action_bar.status_label.text()
    page.undo_stack.undo()
    assert page.persona.sliders["emoji"] == start and page.sliders.value("emoji") == round(start)
    page.undo_stack.redo()
    assert page.persona.sliders["emoji"] == 85.0 and page.sliders.value("emoji") == 85
    # Arrow keys on one slider: one step however many presses.
    slider = page.sliders.sliders["warmth"]
    slider.setFocus()
    before = page.persona.sliders["warmth"]
    for _ in range(3):
        qtbot.keyClick(slider, Qt.Key.Key_Left)
    assert page.persona.sliders["warmth"] == before - 3
    assert page.undo_stack.count() == steps + 2
    # Ctrl+Z and Ctrl+Shift+Z work from the page (not only the buttons).
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    page.tabs.setFocus()
    qtbot.keyClick(page.tabs, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert page.persona.sliders["warmth"] == before
    shift_control = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(page.tabs, Qt.Key.Key_Z, shift_control)
    assert page.persona.sliders["warmth"] == before - 3
    # On another page the persona's shortcuts do nothing.
    window.show_page(PERSONA_INDEX + 1)
    qtbot.keyClick(window.preview_page, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert page.persona.sliders["warmth"] == before - 3
    window.show_page(PERSONA_INDEX)


def test_boundary_and_identity_editors_edit_the_working_persona(window, qtbot) -> None:
    page = editing(window.persona_page)
    page.tabs.setCurrentIndex(1)
    never = page.boundaries.never_say
    never.entry.setText("guaranteed results")
    qtbot.keyClick(never.entry, Qt.Key.Key_Return)
    assert "guaranteed results" in page.persona.boundaries.never_say
    avoid = page.boundaries.avoid
    avoid.first.setText("politics")
    avoid.second.setText("I keep politics off my page, sorry!")
    avoid.add_button.click()
    assert "politics" in page.persona.boundaries.avoid_topics
    assert page.persona.boundaries.canned_replies["politics"] == "I keep politics off my page, sorry!"
    page.boundaries.promise_boxes["meetups"].setChecked(True)
    assert page.persona.boundaries.promise_allowed("meetups")
    page.boundaries.disclose.setChecked(True)
    assert page.persona.boundaries.disclose_ai and page.boundaries.label_entry.isEnabled()
    page.tabs.setCurrentIndex(2)
    products = page.identity.products
    products.first.setText("Strength plan")
    products.second.setText("https://example.com/plan")
    products.add_button.click()
    assert "https://example.com/plan" in page.persona.allowed_links()
    page.identity.facts.entry.setText("I live in Lisbon")
    page.identity.facts.add_button.click()
    assert page.persona.facts[-1] == "I live in Lisbon"
    # Removing an entry is an edit too, and undo brings it back.
    page.identity.facts.list.setCurrentRow(page.identity.facts.list.count() - 1)
    page.identity.facts.remove_button.click()
    assert "I live in Lisbon" not in page.persona.facts
    page.undo_stack.undo()
    assert "I live in Lisbon" in page.persona.facts and "I live in Lisbon" in page.identity.facts.items()
    save(window, "identity")


def test_save_makes_a_version_whose_note_is_the_diff(shared, window, qtbot) -> None:
    _window, paths, _spy = shared
    page = editing(window.persona_page)
    if page.version_id is None:  # the first save's note is the diff from the default persona: save that first
        page.save()
        qtbot.waitUntil(lambda: not page._writes and not page.is_dirty(), timeout=TIMEOUT)
        assert store_versions(paths)[0].note.startswith("first version")
    before = len(store_versions(paths))
    old_length = page.persona.sliders["length"]
    drag(qtbot, page, "length", 90)
    page.tabs.setCurrentIndex(1)
    page.boundaries.never_say.entry.setText("trust me")
    page.boundaries.never_say.add_button.click()
    assert page.action_bar.save_button.isEnabled()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    page.tabs.setFocus()
    qtbot.keyClick(page.tabs, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # Ctrl+S
    qtbot.waitUntil(lambda: not page._writes and not page.is_dirty(), timeout=TIMEOUT)
    versions = store_versions(paths)
    assert len(versions) == before + 1
    newest = versions[0]
    assert newest.note == f"length {old_length:g} -> 90; added never-say 'trust me'"
    assert page.version_id == newest.id and newest.persona.sliders["length"] == 90.0
    assert page.versions.version_ids() == [v.id for v in versions]
    assert page.versions.table.item(0, 0).text() == f"{newest.id}  (in use)"
    assert page.versions.table.item(0, 2).text() == newest.note
    assert not page.action_bar.unsaved_label.isVisible() and not page.action_bar.save_button.isEnabled()
    assert f"version {newest.id}" in page.action_bar.status_label.text()
    assert not (paths.profile("default").root / UNSAVED_FILE).exists()  # nothing unsaved to keep
    # Saving again with nothing changed makes no version.
    page.save()
    assert len(store_versions(paths)) == before + 1


def test_restore_makes_an_old_version_active_and_undo_brings_back_the_screen(shared, window, qtbot) -> None:
    _window, paths, _spy = shared
    page = editing(window.persona_page)
    if len(store_versions(paths)) < 1 or page.is_dirty():
        page.save()
        qtbot.waitUntil(lambda: not page._writes and not page.is_dirty(), timeout=TIMEOUT)
    first = store_versions(paths)[-1]
    drag(qtbot, page, "humour", 5)
    page.save()
    qtbot.waitUntil(lambda: not page._writes and not page.is_dirty(), timeout=TIMEOUT)
    drag(qtbot, page, "curiosity", 95)  # an unsaved edit on screen while restoring
    on_screen = page.persona.to_dict()
    page.tabs.setCurrentIndex(3)
    page.versions.select(first.id)
    assert page.versions.restore_button.isEnabled()
    page.versions.restore_button.click()
    qtbot.waitUntil(lambda: not page._writes, timeout=TIMEOUT)
    with open_store(paths.profile("default").store) as store:
        active_id, active = load_active_persona(store)
    assert active.to_dict() == first.persona.to_dict()
    assert page.version_id == active_id and page.persona.to_dict() == first.persona.to_dict()
    assert not page.is_dirty()
    assert f"Version {first.id} is in use again" in page.action_bar.status_label.text()
    assert "restored version" in store_versions(paths)[0].note
    page.undo_stack.undo()  # what was on screen before the restore, unsaved
    assert page.persona.to_dict() == on_screen and page.is_dirty()
    save(window, "versions")
    page.discard_changes()
    assert not page.is_dirty()


def test_presets_apply_as_one_undoable_step_and_reset_to_my_style(window, qtbot) -> None:
    page = editing(window.persona_page)
    preset = next(p for p in list_presets() if p.id == "dry_humour")
    before = page.persona.to_dict()
    index = page.action_bar.preset_combo.findText(preset.name)
    assert index > 0
    page.action_bar.preset_combo.setCurrentIndex(index)
    page.action_bar.preset_combo.activated.emit(index)
    assert page.persona.sliders == preset.persona.sliders
    assert set(preset.persona.boundaries.never_say) <= set(page.persona.boundaries.never_say)
    assert page.action_bar.preset_combo.currentIndex() == 0  # back to the prompt
    assert {n: page.sliders.value(n) for n in page.persona.sliders} == {
        n: round(v) for n, v in preset.persona.sliders.items()
    }
    page.undo_stack.undo()
    assert page.persona.to_dict() == before
    page.action_bar.reset_button.click()
    assert page.persona.sliders == page.calibrated
    assert not page.action_bar.reset_button.isEnabled()
    page.undo_stack.undo()
    assert page.persona.to_dict() == before


def test_the_live_preview_drafts_with_the_real_model_and_a_change_cancels_the_running_draft(
    shared, window, qtbot
) -> None:
    page = window.persona_page
    live, drafting = page.preview.live, window.drafting
    qtbot.waitUntil(lambda: drafting.state == READY, timeout=LOAD_TIMEOUT)
    # The samples come from the creator's own inbox: messages awaiting a reply.
    qtbot.waitUntil(lambda: page.preview.candidates_known, timeout=DRAFT_TIMEOUT)
    assert "and what protein do you use?" in page.preview.sample_messages()
    # Preview jobs are never queued behind each other: count them at every submission.
    alive_at_submit: list[int] = []
    real_submit = drafting.run_session_job

    ended: dict[int, str] = {}

    def counting_submit(job, **replies):  # a spy on the real controller: the real model still drafts
        alive_at_submit.append(len(drafting._session_jobs))
        job_id = 0
        on_done, on_cancelled = replies.get("on_done"), replies.get("on_cancelled")

        def done(result):
            ended.setdefault(job_id, "finished")
            if on_done is not None:
                on_done(result)

        def cancelled():
            ended.setdefault(job_id, "cancelled")
            if on_cancelled is not None:
                on_cancelled()

        job_id = real_submit(job, **{**replies, "on_done": done, "on_cancelled": cancelled})
        return job_id

    drafting.run_session_job = counting_submit
    rounds: list[int] = []
    live.round_started.connect(lambda: rounds.append(1))
    finished: list[tuple[int, int]] = []  # (round, sample)
    live.draft_finished.connect(lambda index, _draft: finished.append((len(rounds), index)))
    live.max_tokens = 40  # the mechanism is under test here, not the length of the replies
    try:
        page.preview.live_check.setChecked(True)  # the re-enabled preview drafts the three samples
        qtbot.waitUntil(lambda: not live.is_busy() and len(finished) == 3, timeout=LOAD_TIMEOUT)
        assert finished == [(1, 0), (1, 1), (1, 2)]
        for pane in page.preview.panes:
            assert "word" in pane.meta_label.text() or "needs you" in pane.reply_label.text()
        save(window, "preview")

        # A change starts a new round only after the pause, and several quick changes make one round.
        submitted = len(live.submitted)
        for value in (10, 20, 30):
            page.sliders.sliders["emoji"].setValue(value)
        assert live.timer.isActive() and live.timer.interval() == PREVIEW_DELAY_MS
        assert len(live.submitted) == submitted  # nothing drafted before the pause
        qtbot.waitUntil(lambda: live._job != 0, timeout=TIMEOUT)
        first = live._job
        assert len(rounds) == 2
        # A second change while that draft is being written cancels it.
        page.sliders.sliders["emoji"].setValue(90)
        qtbot.waitUntil(lambda: first in ended, timeout=DRAFT_TIMEOUT)
        assert ended[first] == "cancelled" and first in live.cancelled
        qtbot.waitUntil(lambda: not live.is_busy(), timeout=LOAD_TIMEOUT)
        assert len(rounds) == 3 and [index for r, index in finished if r == 3] == [0, 1, 2]
        assert not [index for r, index in finished if r == 2]  # the cancelled round showed nothing
        # The new round drafted with the latest persona, and no preview job ever waited behind another.
        assert live.submitted.index(first) < len(live.submitted) - 3
        assert set(alive_at_submit) == {0}
    finally:
        live.max_tokens = PREVIEW_MAX_TOKENS
        drafting.run_session_job = real_submit
        page.preview.live_check.setChecked(False)
        page.discard_changes()


def test_all_handlers_ran_in_the_gui_thread(shared, window) -> None:
    _window, _paths, spy = shared
    assert spy.threads == {QApplication.instance().thread()}


def open_own_window(qtbot, paths: Paths) -> MainWindow:
    """A window of its own (not ``open_window``: that waits for every worker, the shared window's too)."""
    mark_welcome_seen(paths)
    window = MainWindow(paths, "default", check_models=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def close_own_window(window: MainWindow) -> None:
    window.close()  # joins the window's persona and model threads
    assert not window.persona_controller.is_reading() and not window.persona_controller.is_writing()
    assert window.drafting._worker is None


def test_empty_profile_shows_a_friendly_empty_state_and_unsaved_edits_survive_a_restart(
    qtbot, styled_app, paths: Paths
) -> None:
    window = open_own_window(qtbot, paths)
    window.show_page(PERSONA_INDEX)
    page = window.persona_page
    qtbot.waitUntil(lambda: page.loaded, timeout=TIMEOUT)
    charts = page.style_charts
    assert not charts.has_data() and charts.empty.isVisible()
    assert "import" in charts.empty_title.text().lower()
    assert not page.action_bar.reset_button.isEnabled()  # nothing to calibrate from
    assert not paths.profile("default").store.exists()  # looking created no store
    drag(qtbot, page, "emoji", 77)
    page.tabs.setCurrentIndex(1)
    page.boundaries.private.entry.setText("my street")
    page.boundaries.private.add_button.click()
    charts.import_button.click()
    assert window.current_page() is window.import_page
    close_own_window(window)  # keeps the unsaved edits
    assert (paths.profile("default").root / UNSAVED_FILE).exists()

    again = open_own_window(qtbot, paths)
    again.show_page(PERSONA_INDEX)
    page = again.persona_page
    qtbot.waitUntil(lambda: page.loaded, timeout=TIMEOUT)
    assert page.persona.sliders["emoji"] == 77.0 and page.sliders.value("emoji") == 77
    assert page.persona.boundaries.private_facts == ["my street"]
    assert page.is_dirty() and "back" in page.action_bar.status_label.text()
    page.save()
    qtbot.waitUntil(lambda: not page._writes and not page.is_dirty(), timeout=TIMEOUT)
    versions = store_versions(paths)
    assert len(versions) == 1 and versions[0].note.startswith("first version")
    assert versions[0].persona.sliders["emoji"] == 77.0
    qtbot.waitUntil(lambda: not (paths.profile("default").root / UNSAVED_FILE).exists(), timeout=TIMEOUT)
    close_own_window(again)


def test_an_import_refreshes_the_style_and_a_fresh_persona_starts_from_it(
    qtbot, styled_app, paths: Paths, tmp_path: Path
) -> None:
    window = open_own_window(qtbot, paths)
    window.show_page(PERSONA_INDEX)
    page = window.persona_page
    qtbot.waitUntil(lambda: page.loaded, timeout=TIMEOUT)
    assert not page.style_charts.has_data() and page.calibrated is None
    window.imports.add_paths([str(write_zip(tmp_path / "instagram.zip", instagram_2024()))])
    qtbot.waitUntil(lambda: page.style_charts.has_data(), timeout=TIMEOUT)
    with open_store(paths.profile("default").store) as store:
        calibrated = calibrated_sliders(compute_style_profile(store))
    assert page.calibrated == calibrated
    # Nothing was saved or edited yet: the persona starts where the creator's own messages are.
    assert page.persona.sliders == calibrated and not page.undo_stack.count()
    assert "you" in page.sliders.value_labels["length"].text()
    close_own_window(window)


# --- AI honesty: disclosure asks before it goes off; the bot answer and the no-answer reply --------------


def answer_disclosure_dialog(monkeypatch: pytest.MonkeyPatch, turn_off: bool) -> list[tuple[str, str]]:
    """Answer the real confirmation without a modal loop: its ``exec`` reads it and clicks a button."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[tuple[str, str]] = []

    def exec_(box: QMessageBox) -> int:
        shown.append((box.text(), box.informativeText()))
        assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)  # Enter keeps it on
        if turn_off:
            next(b for b in box.buttons() if b.text() == "Turn it off").click()
        else:
            box.button(QMessageBox.StandardButton.Cancel).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return shown


def test_turning_ai_disclosure_off_asks_first_with_what_the_platforms_ask(window, qtbot, monkeypatch) -> None:
    from desktop.core.persona.model import AI_DISCLOSURE_RULES

    page = editing(window.persona_page)
    page.tabs.setCurrentIndex(1)
    box = page.boundaries.disclose
    if not page.persona.boundaries.disclose_ai:
        box.click()  # turning it on asks nothing
    assert page.persona.boundaries.disclose_ai and box.isChecked()
    steps = page.undo_stack.index()

    # Declined (Cancel): disclosure stays on, nothing changes.
    shown = answer_disclosure_dialog(monkeypatch, turn_off=False)
    box.click()
    assert shown == [("Turn AI disclosure off?", AI_DISCLOSURE_RULES)]
    assert box.isChecked() and page.persona.boundaries.disclose_ai
    assert page.undo_stack.index() == steps and page.boundaries.label_entry.isEnabled()

    # Confirmed: off, as one undoable step.
    shown = answer_disclosure_dialog(monkeypatch, turn_off=True)
    box.click()
    assert len(shown) == 1 and shown[0][1] == AI_DISCLOSURE_RULES
    assert not box.isChecked() and not page.persona.boundaries.disclose_ai
    assert page.undo_stack.index() == steps + 1 and not page.boundaries.label_entry.isEnabled()
    # The honest answer to "are you a bot?" stays editable: it is used with or without the label.
    assert page.boundaries.disclosure_reply_entry.isEnabled()
    page.undo_stack.undo()  # back on, and undoing asks nothing
    assert box.isChecked() and page.persona.boundaries.disclose_ai and len(shown) == 1


def test_the_bot_answer_and_the_no_answer_reply_are_saved_and_read_back(shared, window, qtbot) -> None:
    from desktop.core.persona.model import DEFAULT_DISCLOSURE_REPLY, DEFAULT_NO_ANSWER_REPLY

    _window, paths, _spy = shared
    page = editing(window.persona_page)
    page.tabs.setCurrentIndex(1)
    bounds = page.boundaries
    assert bounds.disclosure_reply_entry.text() == page.persona.boundaries.disclosure_reply
    assert bounds.no_answer_entry.text() == page.persona.boundaries.no_answer_reply
    bot_answer = "Honest answer: an AI helps me draft replies, and I read every one 💛"
    no_answer = "Ooh, let me double-check that and get back to you!"
    for entry, text in ((bounds.disclosure_reply_entry, bot_answer), (bounds.no_answer_entry, no_answer)):
        entry.setFocus()
        entry.setPlainText(text)  # (QTest types ASCII only: the emoji is pasted, as it were)
        qtbot.keyClick(entry, Qt.Key.Key_Return)  # committed on Enter (or leaving the field), like the label
        assert "\n" not in entry.text()  # Enter ends the edit; it adds no line
    assert page.persona.boundaries.disclosure_reply == bot_answer
    assert page.persona.boundaries.no_answer_reply == no_answer
    page.save()
    qtbot.waitUntil(lambda: not page._writes and not page.is_dirty(), timeout=TIMEOUT)
    with open_store(paths.profile("default").store) as store:
        version_id, active = load_active_persona(store)
    assert version_id == page.version_id
    assert active.boundaries.disclosure_reply == bot_answer and active.boundaries.no_answer_reply == no_answer
    save(window, "boundaries")

    # Emptied, a reply goes back to the default wording (a draft always has one to offer);
    # undo brings it back.
    bounds.no_answer_entry.setFocus()
    bounds.no_answer_entry.selectAll()
    qtbot.keyClick(bounds.no_answer_entry, Qt.Key.Key_Delete)
    qtbot.keyClick(bounds.no_answer_entry, Qt.Key.Key_Return)
    assert page.persona.boundaries.no_answer_reply == DEFAULT_NO_ANSWER_REPLY
    assert bounds.no_answer_entry.text() == DEFAULT_NO_ANSWER_REPLY
    page.undo_stack.undo()
    assert bounds.no_answer_entry.text() == no_answer and not page.is_dirty()
    assert DEFAULT_DISCLOSURE_REPLY != bot_answer


def test_quick_thanks_and_cheers_are_edited_on_the_boundaries_tab_and_undo(window, qtbot) -> None:
    page = editing(window.persona_page)
    page.tabs.setCurrentIndex(1)
    thanks, cheers = page.boundaries.thanks, page.boundaries.cheers
    assert thanks.items() == page.persona.boundaries.thanks_replies
    assert cheers.items() == page.persona.boundaries.cheer_replies
    thanks.entry.setText("ur the best, thank u")
    qtbot.keyClick(thanks.entry, Qt.Key.Key_Return)
    cheers.entry.setText("LETS GOOO")
    cheers.add_button.click()
    assert page.persona.boundaries.thanks_replies[-1] == "ur the best, thank u"
    assert page.persona.boundaries.cheer_replies[-1] == "LETS GOOO"
    page.undo_stack.undo()
    assert "LETS GOOO" not in page.persona.boundaries.cheer_replies and "LETS GOOO" not in cheers.items()
    area = cheers.parentWidget()
    while area is not None and not isinstance(area, QScrollArea):
        area = area.parentWidget()
    if area is not None:  # the lists are at the foot of the tab: scroll to them for the screenshot
        QApplication.processEvents()
        area.ensureWidgetVisible(cheers)
    save(window, "boundaries_quick")
