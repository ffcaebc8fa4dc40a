"""Preview: a rehearsal space to see what the understudy would reply.

The page only shows and asks; ``DraftingController`` owns the model thread (loaded the first
time the page is shown) and runs the drafts. Connect the two with ``PreviewPage.attach``.

The drafts made for one message are kept as alternatives (one per seed) so the creator can
compare them (1/2/3 or Alt+Left/Right), each with its own guard result. Nothing is saved.
The cards are in ``desktop.ui.widgets.preview``; this module keeps the page's state and wiring.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent, QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from desktop.ui import page_infos
from desktop.ui.controllers.drafting_controller import (
    DRAFTING,
    FAILED,
    LOADING,
    READY,
    DraftingController,
    DraftRequest,
)
from desktop.ui.theme import ERROR_COLOR, WARNING_COLOR
from desktop.ui.widgets.common.wiring import connect_by_name
from desktop.ui.widgets.findings.shown import shown_findings
from desktop.ui.widgets.page import Page
from desktop.ui.widgets.preview.draft_card import DraftCard
from desktop.ui.widgets.preview.draft_text import meta_text, verdict
from desktop.ui.widgets.preview.guard_card import GuardCard, guard_html
from desktop.ui.widgets.preview.message_card import MessageCard
from desktop.ui.widgets.preview.sources_card import SourcesCard, sources_html
from desktop.ui.widgets.preview.status_row import ModelStatusRow
from desktop.ui.widgets.preview_parts import PromptDialog, score_parts_text
from desktop.ui.workers import Failure

MAX_ALTERNATIVES = 9

#: What the page listens to on the DraftingController: each signal goes to its ``_on_<name>`` slot.
CONTROLLER_SIGNALS = (
    "state_changed loading_progress load_failed draft_started draft_text regenerating"
    " draft_finished draft_cancelled draft_failed candidates_loaded"
)


def show_prompt_dialog(parent: QWidget, prompt: Any) -> None:
    """Open the prompt inspector (a module function so that tests can look without a modal loop)."""
    PromptDialog(prompt, parent).open()


class PreviewPage(Page):
    info = page_infos.PREVIEW

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: DraftingController | None = None
        #: Finished drafts per message, in the order they were made (the alternatives).
        self.alternatives: dict[str, list[Any]] = {}
        self.current_message = ""
        self.current_index = -1
        self._request: DraftRequest | None = None  # the request being written
        self._streamed = ""
        self._candidates: list[str] = []

        # The status line, the message, then the draft (left) and what stands behind it (right).
        self.status_row = ModelStatusRow()
        self.message_card = MessageCard()
        self.draft_card = DraftCard()
        self.guard_card = GuardCard(self.draft_card.highlighter, self.draft_card.answer_badge)
        self.sources_card = SourcesCard()
        self.body.addWidget(self.status_row)
        self.body.addWidget(self.message_card)
        columns = QHBoxLayout()
        columns.setSpacing(14)
        columns.addWidget(self.draft_card, 3)
        side = QVBoxLayout()
        side.setSpacing(14)
        side.addWidget(self.guard_card)
        side.addWidget(self.sources_card)
        side.addStretch(1)
        columns.addLayout(side, 2)
        self.body.addLayout(columns)

        # The widgets the page drives, by the names the tests and the window reach for.
        self.busy, self.status_label = self.status_row.busy, self.status_row.label
        self.message_edit, self.samples = self.message_card.message_edit, self.message_card.samples
        self.stop_button, self.draft_button = self.message_card.stop_button, self.message_card.draft_button
        self.regenerate_button = self.message_card.regenerate_button
        card = self.draft_card
        self.answer_badge, self.verdict, self.reply_view = card.answer_badge, card.verdict, card.reply_view
        self.meta_label, self.prompt_button = card.meta_label, card.prompt_button
        self.budget_legend, self.alternative_group = card.budget_legend, card.alternative_group
        self.guard_label, self.findings_list = self.guard_card.label, self.guard_card.findings_list
        self.sources_label = self.sources_card.label

        # GUI thread only (these are widgets of this page), so lambdas are safe here.
        self.status_row.retry_button.clicked.connect(self._on_retry)
        self.message_edit.textChanged.connect(self._update_buttons)
        self.stop_button.clicked.connect(self.stop)
        self.regenerate_button.clicked.connect(self.regenerate)
        self.draft_button.clicked.connect(self.draft)
        card.previous_button.clicked.connect(lambda: self.select_alternative(self.current_index - 1))
        card.next_button.clicked.connect(lambda: self.select_alternative(self.current_index + 1))
        self.alternative_group.idClicked.connect(self.select_alternative)
        self.prompt_button.clicked.connect(self.show_prompt)
        self.reply_view.installEventFilter(self)

        self.shortcuts: list[QShortcut] = []
        for keys, slot in (
            ("Ctrl+Return", self.draft),
            ("Ctrl+Enter", self.draft),
            ("Esc", self.stop),
            ("Ctrl+R", self.regenerate),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)
        self._show_empty()
        self._update_buttons()

    # --- wiring --------------------------------------------------------------------------------------
    def attach(self, controller: DraftingController) -> None:
        """Show what ``controller`` does and send it the creator's requests."""
        self.controller = controller
        connect_by_name(controller, self, CONTROLLER_SIGNALS)
        self._update_buttons()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        # The model loads the first time the page is shown (or a draft is asked for), not at start-up.
        if self.controller is not None and self.controller.state not in (LOADING, READY, DRAFTING):
            if self.controller.state != FAILED:
                self.controller.start()

    def _alternative_key(self, event: QKeyEvent) -> bool:
        """1..9 and Alt+Left/Right pick an alternative; True when the key was one of those."""
        key, modifiers = event.key(), event.modifiers()
        if Qt.Key.Key_1 <= key <= Qt.Key.Key_9 and not modifiers & ~Qt.KeyboardModifier.KeypadModifier:
            self.select_alternative(key - Qt.Key.Key_1)
            return True
        if modifiers == Qt.KeyboardModifier.AltModifier and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.select_alternative(self.current_index + (1 if key == Qt.Key.Key_Right else -1))
            return True
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        # Keys reach here only when the focused widget did not use them (the message box types digits).
        if not self._alternative_key(event):
            super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        # The read-only reply would move its cursor on Alt+Left/Right: those pick alternatives there.
        if watched is self.reply_view and event.type() == QEvent.Type.KeyPress:
            if self._alternative_key(event):  # type: ignore[arg-type]
                return True
        return super().eventFilter(watched, event)

    # --- actions -------------------------------------------------------------------------------------
    def message(self) -> str:
        return self.message_card.message()

    @Slot()
    def draft(self) -> None:
        """Draft a reply to the message box's text (another alternative if it was drafted before)."""
        message = self.message()
        if not message or self.controller is None:
            return
        seed = self._next_seed(message) if message in self.alternatives else 0
        self.controller.request_draft(message, seed)

    @Slot()
    def regenerate(self) -> None:
        """Draft the current message again with a new seed, keeping the others to compare."""
        message = self.current_message or self.message()
        if not message or self.controller is None:
            return
        self.controller.request_draft(message, self._next_seed(message))

    @Slot()
    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    @Slot()
    def show_prompt(self) -> None:
        draft = self.current_draft()
        if draft is not None and draft.prompt is not None:
            show_prompt_dialog(self, draft.prompt)

    def current_draft(self) -> Any | None:
        drafts = self.alternatives.get(self.current_message, [])
        return drafts[self.current_index] if 0 <= self.current_index < len(drafts) else None

    def _next_seed(self, message: str) -> int:
        drafts = self.alternatives.get(message, [])
        used = [getattr(d, "seed", 0) for d in drafts] + [getattr(d, "requested_seed", 0) for d in drafts]
        if self._request is not None and self._request.message == message:
            used.append(self._request.seed)
        return max(used, default=-1) + 1

    @Slot(int)
    def select_alternative(self, index: int) -> None:
        """Show alternative ``index`` (0-based) of the current message's drafts."""
        drafts = self.alternatives.get(self.current_message, [])
        if not drafts or self._request is not None:
            return
        index = max(0, min(index, len(drafts) - 1))
        self.current_index = index
        self._show_draft(drafts[index])
        self._refresh_alternative_buttons()

    @Slot()
    def _on_retry(self) -> None:
        if self.controller is not None:
            self.status_row.retry_button.hide()
            self.controller.start()

    # --- controller signals ----------------------------------------------------------------------------
    @Slot(str)
    def _on_state_changed(self, state: str) -> None:
        self.status_row.show_state(state)
        if state == READY and self.controller is not None and not self._candidates:
            self.controller.load_candidates()
        self._update_buttons()

    @Slot(str)
    def _on_loading_progress(self, text: str) -> None:
        self.status_label.setText(f"Loading the model… {text}")

    @Slot(object)
    def _on_load_failed(self, failure: Failure) -> None:
        self.status_row.show_failed(failure.text)
        self._update_buttons()

    @Slot(list)
    def _on_candidates_loaded(self, texts: list) -> None:
        self._candidates = [t for t in texts if isinstance(t, str)]
        self.message_card.fill_samples(self._candidates)

    @Slot(object)
    def _on_draft_started(self, request: DraftRequest) -> None:
        self._request = request
        self._streamed = ""
        if request.message != self.current_message:
            self.current_message = request.message
            self.current_index = -1
        self.reply_view.clear()
        self._show_notes(
            f"Writing (seed {request.seed})…",
            "Checking when the draft is done…",
            "Looking through your past replies and posts…",
        )

    @Slot(int, str)
    def _on_draft_text(self, request_id: int, text: str) -> None:
        if not self._is_current(request_id):
            return  # a cancelled request's last words
        self._streamed += text
        cursor = self.reply_view.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        self.reply_view.setTextCursor(cursor)

    @Slot(int, object)
    def _on_regenerating(self, request_id: int, regenerating: Any) -> None:
        if not self._is_current(request_id):
            return
        self._streamed = ""
        self.reply_view.clear()
        self.findings_list.clear()
        self.draft_card.set_verdict(
            f"The guard sent that attempt back ({regenerating.reason}); trying again "
            f"(attempt {regenerating.attempt})…",
            WARNING_COLOR,
        )

    @Slot(int, object)
    def _on_draft_finished(self, request_id: int, draft: Any) -> None:
        if not self._is_current(request_id):
            return
        request, self._request = self._request, None
        try:
            draft.requested_seed = request.seed  # what the creator asked for (the seed may advance)
        except AttributeError:
            pass
        drafts = self.alternatives.setdefault(request.message, [])
        first_new = len(drafts)
        views = draft.views() if hasattr(draft, "views") else [draft]  # the chosen one, then its alternatives
        drafts.extend(views)
        del drafts[:-MAX_ALTERNATIVES]
        self.current_message = request.message
        self.current_index = max(0, min(first_new, len(drafts) - len(views)))
        self._show_draft(draft)
        self._refresh_controls()

    @Slot(int)
    def _on_draft_cancelled(self, request_id: int) -> None:
        if not self._is_current(request_id):
            return
        self._request = None
        self._show_notes(
            "Stopped. Nothing was kept from that draft.", "Stopped before the guard could check it.", ""
        )

    @Slot(int, object)
    def _on_draft_failed(self, request_id: int, failure: Failure) -> None:
        if not self._is_current(request_id):
            return
        self._request = None
        self.reply_view.clear()
        self.findings_list.clear()
        self.draft_card.set_verdict(f"The draft could not be written. {failure.text}", ERROR_COLOR)
        self.meta_label.setText("")
        self._refresh_controls()

    # --- showing a draft ---------------------------------------------------------------------------------
    def _show_empty(self) -> None:
        self.draft_card.show_budget(None)
        self.meta_label.setText("")

    def _show_draft(self, draft: Any) -> None:
        triage = draft.triage
        guard = draft.guard
        self.reply_view.setPlainText(draft.text if triage.draft_allowed else "")
        findings = shown_findings(guard.findings) if guard is not None and triage.draft_allowed else []
        # The flagged words are marked in the reply; the list beside it says why, and from what source.
        self.findings_list.show_findings(findings, offered=guard.canned_reply if guard is not None else None)
        self.draft_card.set_verdict(*verdict(draft, findings))
        self.guard_label.setText(guard_html(draft))
        self.sources_label.setText(sources_html(draft.sources))
        prompt = draft.prompt
        self.draft_card.show_budget(getattr(prompt, "budget", None))
        self.prompt_button.setEnabled(prompt is not None)
        self.meta_label.setText(meta_text(draft))
        chosen = getattr(draft, "chosen", None)
        self.meta_label.setToolTip(score_parts_text(chosen.parts) if chosen is not None else "")

    def _show_notes(self, meta: str, guard: str, sources: str) -> None:
        """No draft to show: what is happening instead, under the draft and in the side cards."""
        self.findings_list.clear()
        self.draft_card.set_verdict("")
        self.meta_label.setText(meta)
        self.guard_label.setText(guard)
        self.sources_label.setText(sources)
        self._refresh_controls()

    def _refresh_alternative_buttons(self) -> None:
        drafts = self.alternatives.get(self.current_message, [])
        self.draft_card.show_alternatives(drafts, self.current_index, enabled=self._request is None)

    def _is_current(self, request_id: int) -> bool:
        """Whether ``request_id`` is the draft being written (not a stopped one's late signal)."""
        return self._request is not None and request_id == self._request.id

    def _refresh_controls(self) -> None:
        self._refresh_alternative_buttons()
        self._update_buttons()

    def _update_buttons(self) -> None:
        state = self.controller.state if self.controller is not None else None
        drafting = self._request is not None or state == DRAFTING
        usable = state not in (FAILED,) and self.controller is not None
        self.draft_button.setEnabled(usable and bool(self.message()))
        self.stop_button.setEnabled(drafting)
        self.regenerate_button.setEnabled(usable and bool(self.current_message or self.message()))
        draft = self.current_draft()
        self.prompt_button.setEnabled(
            draft is not None and draft.prompt is not None and self._request is None
        )
