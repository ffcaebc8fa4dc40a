"""The shared widget builders (issue 19): the by-name wiring and the DraftView's banner and choices."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QPushButton

from desktop.ui.widgets.common.wiring import connect_by_name
from desktop.ui.widgets.findings.draft_view import DraftView, banner_style


class Source(QObject):
    draft_started = Signal(int)
    draft_failed = Signal(str)
    draft_cancelled = Signal()


class Target(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[object] = []

    def _on_draft_started(self, number: int) -> None:
        self.seen.append(number)

    def _on_draft_failed(self, text: str) -> None:
        self.seen.append(text)


def test_connect_by_name_sends_each_signal_to_its_on_slot(qtbot) -> None:
    source, target = Source(), Target()
    connect_by_name(source, target, "draft_started draft_failed")
    source.draft_started.emit(7)
    source.draft_failed.emit("no model")
    assert target.seen == [7, "no model"]


def test_connect_by_name_fails_at_once_for_a_slot_that_is_not_there(qtbot) -> None:
    with pytest.raises(AttributeError, match="_on_draft_cancelled"):
        connect_by_name(Source(), Target(), "draft_started draft_cancelled")


def test_draft_view_banner_and_choices(qtbot) -> None:
    view = DraftView("Draft", "Guard verdict", "The reply appears here.", 96, heading_spacing=6)
    qtbot.addWidget(view)  # not shown: visibility is read as "would show with the view"
    view.show_banner("Looks like you.", banner_style("#15803d"), "why")
    assert view.banner.isVisibleTo(view) and view.banner.toolTip() == "why"
    assert "padding: 8px 10px; font-weight: 600;" in view.banner.styleSheet()
    view.show_banner("")
    assert not view.banner.isVisibleTo(view) and view.banner.styleSheet() == ""
    for number in (1, 2):
        button = QPushButton(str(number))
        button.setCheckable(True)
        view.add_choice(button, number)
    view.choice_group.button(2).click()
    assert view.choice_group.checkedId() == 2
    view.clear_choices()
    assert view.choice_group.buttons() == [] and view.choice_row.count() == 0
    assert view.editor.isReadOnly() and view.editor.placeholderText() == "The reply appears here."
