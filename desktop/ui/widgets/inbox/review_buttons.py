"""The Inbox's review buttons under the message: Approve, Edit, Another try, Reject, Undo.

Each names its key; the keys themselves are the page's shortcuts, so the buttons never take the
focus away from the list. ``update`` enables what the selected entry allows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QPushButton

APPROVE_TIP = "Approve this reply (A)"


def action_button(text: str, key: str, tip: str, slot: Callable[[], Any]) -> QPushButton:
    button = QPushButton(f"{text}  ({key})" if len(key) == 1 else text)
    button.setToolTip(tip)
    button.setAccessibleName(text)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys work from the list; focus stays there
    button.clicked.connect(slot)
    return button


class ReviewButtons:
    """The five buttons, added to ``row`` (the message view's action row)."""

    def __init__(
        self,
        row: QBoxLayout,
        *,
        approve: Callable[[], Any],
        edit: Callable[[], Any],
        redraft: Callable[[], Any],
        reject: Callable[[], Any],
        undo: Callable[[], Any],
    ) -> None:
        self.approve = action_button("Approve", "A", APPROVE_TIP, approve)
        self.edit = action_button("Edit", "E", "Edit the reply (E); Esc when done", edit)
        self.redraft = action_button("Another try", "R", "Draft another option (R)", redraft)
        self.reject = action_button("Reject", "X", "Reject: to the trash (X)", reject)
        self.undo = action_button("Undo", "Ctrl+Z", "Undo the last action (Ctrl+Z)", undo)
        self.approve.setObjectName("primary")
        for button in (self.approve, self.edit, self.redraft, self.reject):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.undo)

    def update(self, entry: Any | None, *, streaming: bool, editing: bool, batch_running: bool) -> None:
        """Enable what ``entry`` (the selected message, ``None`` when none is shown) allows now."""
        live = entry is not None and entry.trashed_at is None and not streaming and not editing
        has_draft = entry is not None and entry.draft_id is not None
        reviewable = live and entry.state in ("drafted", "flagged")
        needs_edit = entry is not None and entry.flag_needs_edit
        self.approve.setEnabled(reviewable and has_draft and not needs_edit)
        self.approve.setToolTip("The guard asked for an edit first: press E" if needs_edit else APPROVE_TIP)
        self.edit.setEnabled(live and has_draft and entry.state in ("drafted", "flagged", "approved"))
        self.redraft.setEnabled(
            live
            and entry.state in ("new", "drafted", "flagged")
            and entry.triage_level != "red"
            and not batch_running
        )
        self.reject.setEnabled(live and entry.state in ("new", "drafted", "flagged", "approved"))
        self.undo.setEnabled(not streaming)
