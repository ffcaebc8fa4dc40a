"""Preview: a rehearsal space to see what the understudy would reply.

The page only shows and asks; ``DraftingController`` owns the model thread (loaded the first
time the page is shown) and runs the drafts. Connect the two with ``PreviewPage.attach``.

The drafts made for one message are kept as alternatives (one per seed) so the creator can
compare them (1/2/3 or Alt+Left/Right), each with its own guard result. Nothing is saved.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent, QTextCursor
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui import page_infos
from desktop.ui.controllers.drafting_controller import (
    DRAFTING,
    FAILED,
    LOADING,
    READY,
    DraftingController,
    DraftRequest,
)
from desktop.ui.widgets.findings_view import (
    FindingHighlighter,
    FindingsList,
    has_needs_answer,
    needs_answer_badge,
    shown_findings,
)
from desktop.ui.widgets.page import Page, card
from desktop.ui.widgets.preview_parts import (
    GREEN,
    RED,
    YELLOW,
    BudgetMeter,
    PromptDialog,
    budget_legend,
    score_parts_inline,
    score_parts_text,
)
from desktop.ui.workers import Failure

#: Messages to try when the store has none awaiting a reply (and beside those that do).
SAMPLE_MESSAGES = [
    "Love your videos! What protein do you use?",
    "When is your next tour date?",
    "Are you a bot?",
    "Can I get a discount code?",
    "What's your address? I'd love to send you a gift.",
]
PICK_PROMPT = "Pick a message to try…"
MAX_ALTERNATIVES = 9
NO_DRAFT_TITLE = "No draft: this message needs you"


def show_prompt_dialog(parent: QWidget, prompt: Any) -> None:
    """Open the prompt inspector (a module function so that tests can look without a modal loop)."""
    PromptDialog(prompt, parent).open()


def _banner_style(color: str) -> str:
    # Qt's 8-digit hex colours are #AARRGGBB, so the tints are written as rgba().
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return (
        f"QLabel {{ color: {color}; background: rgba({red}, {green}, {blue}, 20);"
        f" border: 1px solid rgba({red}, {green}, {blue}, 90);"
        " border-radius: 8px; padding: 8px 10px; font-weight: 600; }"
    )


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

        # Status: loading / ready / failed with Retry ------------------------------------------------
        self.status_row = QFrame()
        status = QHBoxLayout(self.status_row)
        status.setContentsMargins(0, 0, 0, 0)
        status.setSpacing(10)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedWidth(120)
        self.busy.setMaximumHeight(8)
        self.busy.setAccessibleName("Working")
        self.status_label = QLabel("The model loads when you first open this page.")
        self.status_label.setObjectName("muted")
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleName("Model status")
        self.retry_button = QPushButton("Retry")
        self.retry_button.setAccessibleName("Try loading the model again")
        self.retry_button.clicked.connect(self._on_retry)
        self.retry_button.hide()
        status.addWidget(self.busy, 0, Qt.AlignmentFlag.AlignVCenter)
        status.addWidget(self.status_label, 1)
        status.addWidget(self.retry_button)
        self.busy.hide()
        self.body.addWidget(self.status_row)

        # The message ------------------------------------------------------------------------------------
        message_card, message_layout = card("Message")
        self.message_edit = QPlainTextEdit()
        self.message_edit.setPlaceholderText("Type a message a fan might send, or pick one below…")
        self.message_edit.setAccessibleName("Message to reply to")
        self.message_edit.setTabChangesFocus(True)
        self.message_edit.setFixedHeight(72)
        self.message_edit.textChanged.connect(self._update_buttons)
        message_layout.addWidget(self.message_edit)
        actions = QHBoxLayout()
        actions.setSpacing(8)
        self.samples = QComboBox()
        self.samples.setAccessibleName("Messages to try")
        self.samples.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.samples.setMinimumContentsLength(28)
        self.samples.activated.connect(self._on_sample_chosen)
        self._fill_samples()
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop writing (Esc)")
        self.stop_button.setAccessibleName("Stop the draft")
        self.stop_button.clicked.connect(self.stop)
        self.regenerate_button = QPushButton("Try another")
        self.regenerate_button.setToolTip("Draft again with a new seed, keeping this one to compare (Ctrl+R)")
        self.regenerate_button.setAccessibleName("Regenerate with a new seed")
        self.regenerate_button.clicked.connect(self.regenerate)
        self.draft_button = QPushButton("Draft reply")
        self.draft_button.setObjectName("primary")
        self.draft_button.setToolTip("Draft a reply (Ctrl+Enter)")
        self.draft_button.setAccessibleName("Draft a reply")
        self.draft_button.clicked.connect(self.draft)
        actions.addWidget(self.samples, 1)
        actions.addStretch(0)
        actions.addWidget(self.stop_button)
        actions.addWidget(self.regenerate_button)
        actions.addWidget(self.draft_button)
        message_layout.addLayout(actions)
        self.body.addWidget(message_card)

        # The draft (left) and what stands behind it (right) -------------------------------------------
        columns = QHBoxLayout()
        columns.setSpacing(14)
        self.draft_card, draft_layout = card()
        header = QHBoxLayout()
        header.setSpacing(6)
        heading = QLabel("Draft")
        heading.setObjectName("cardTitle")
        header.addWidget(heading)
        self.answer_badge = needs_answer_badge()
        header.addWidget(self.answer_badge)
        header.addStretch(1)
        self.alternatives_label = QLabel("")
        self.alternatives_label.setObjectName("muted")
        header.addWidget(self.alternatives_label)
        self.previous_button = QPushButton("‹")
        self.previous_button.setToolTip("Previous alternative (Alt+Left, or 1-9)")
        self.previous_button.setAccessibleName("Previous alternative")
        self.previous_button.setFixedWidth(32)
        self.previous_button.clicked.connect(lambda: self.select_alternative(self.current_index - 1))
        header.addWidget(self.previous_button)
        self.alternative_row = QHBoxLayout()
        self.alternative_row.setSpacing(4)
        header.addLayout(self.alternative_row)
        self.alternative_group = QButtonGroup(self)
        self.alternative_group.setExclusive(True)
        self.alternative_group.idClicked.connect(self.select_alternative)
        self.next_button = QPushButton("›")
        self.next_button.setToolTip("Next alternative (Alt+Right)")
        self.next_button.setAccessibleName("Next alternative")
        self.next_button.setFixedWidth(32)
        self.next_button.clicked.connect(lambda: self.select_alternative(self.current_index + 1))
        header.addWidget(self.next_button)
        draft_layout.addLayout(header)
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        self.verdict.setAccessibleName("Guard verdict")
        self.verdict.hide()
        draft_layout.addWidget(self.verdict)
        self.reply_view = QPlainTextEdit()
        self.reply_view.setReadOnly(True)
        self.reply_view.setAccessibleName("Drafted reply")
        self.reply_view.setPlaceholderText("The reply appears here as it is written.")
        self.reply_view.setMinimumHeight(96)
        self.reply_view.installEventFilter(self)
        # The guard's flagged words are marked in the reply (red: blocks it, amber: check it).
        self.highlighter = FindingHighlighter(self.reply_view)
        draft_layout.addWidget(self.reply_view, 1)
        self.meta_label = QLabel("")
        self.meta_label.setObjectName("muted")
        self.meta_label.setWordWrap(True)
        self.meta_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        draft_layout.addWidget(self.meta_label)
        budget_row = QHBoxLayout()
        budget_row.setSpacing(10)
        budget_caption = QLabel("Prompt")
        budget_caption.setObjectName("muted")
        self.budget_meter = BudgetMeter()
        self.prompt_button = QPushButton("Show prompt…")
        self.prompt_button.setToolTip("See the exact prompt sent to the model")
        self.prompt_button.setAccessibleName("Show the exact prompt")
        self.prompt_button.clicked.connect(self.show_prompt)
        budget_row.addWidget(budget_caption)
        budget_row.addWidget(self.budget_meter, 1)
        budget_row.addWidget(self.prompt_button)
        draft_layout.addLayout(budget_row)
        self.budget_legend = QLabel("")
        self.budget_legend.setObjectName("muted")
        self.budget_legend.setTextFormat(Qt.TextFormat.RichText)
        self.budget_legend.setWordWrap(True)
        draft_layout.addWidget(self.budget_legend)
        columns.addWidget(self.draft_card, 3)

        side = QVBoxLayout()
        side.setSpacing(14)
        guard_card, guard_layout = card("Guard")
        self.guard_label = QLabel("The guard checks every draft before you see it.")
        self.guard_label.setObjectName("muted")
        self.guard_label.setWordWrap(True)
        self.guard_label.setTextFormat(Qt.TextFormat.RichText)
        self.guard_label.setAccessibleName("Guard findings")
        self.guard_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        guard_layout.addWidget(self.guard_label)
        self.findings_list = FindingsList(self.highlighter)
        guard_layout.addWidget(self.findings_list)
        sources_card, sources_layout = card("Sources")
        self.sources_label = QLabel("The past replies and posts a draft drew on appear here.")
        self.sources_label.setObjectName("muted")
        self.sources_label.setWordWrap(True)
        self.sources_label.setTextFormat(Qt.TextFormat.RichText)
        self.sources_label.setAccessibleName("Sources used")
        self.sources_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        sources_layout.addWidget(self.sources_label)
        side.addWidget(guard_card)
        side.addWidget(sources_card)
        side.addStretch(1)
        columns.addLayout(side, 2)
        self.body.addLayout(columns)

        # Shortcuts (GUI thread only, so lambdas are safe here) ------------------------------------------
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self.shortcuts: list[QShortcut] = []
        for keys, slot in (
            ("Ctrl+Return", self.draft),
            ("Ctrl+Enter", self.draft),
            ("Esc", self.stop),
            ("Ctrl+R", self.regenerate),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(context)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)
        self._show_empty()
        self._update_buttons()

    # --- wiring --------------------------------------------------------------------------------------
    def attach(self, controller: DraftingController) -> None:
        """Show what ``controller`` does and send it the creator's requests."""
        self.controller = controller
        controller.state_changed.connect(self._on_state_changed)
        controller.loading_progress.connect(self._on_loading_progress)
        controller.load_failed.connect(self._on_load_failed)
        controller.draft_started.connect(self._on_draft_started)
        controller.draft_text.connect(self._on_draft_text)
        controller.regenerating.connect(self._on_regenerating)
        controller.draft_finished.connect(self._on_draft_finished)
        controller.draft_cancelled.connect(self._on_draft_cancelled)
        controller.draft_failed.connect(self._on_draft_failed)
        controller.candidates_loaded.connect(self._on_candidates_loaded)
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
        return self.message_edit.toPlainText().strip()

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
            self.retry_button.hide()
            self.controller.start()

    @Slot(int)
    def _on_sample_chosen(self, index: int) -> None:
        text = self.samples.itemData(index)
        if isinstance(text, str) and text:
            self.message_edit.setPlainText(text)
            self.message_edit.setFocus()
        self.samples.setCurrentIndex(0)

    def _fill_samples(self) -> None:
        self.samples.clear()
        self.samples.addItem(PICK_PROMPT, None)
        if self._candidates:
            for text in self._candidates:
                self.samples.addItem(f"Awaiting you: {_one_line(text)}", text)
            self.samples.insertSeparator(self.samples.count())
        for text in SAMPLE_MESSAGES:
            self.samples.addItem(f"Sample: {text}", text)

    # --- controller signals ----------------------------------------------------------------------------
    @Slot(str)
    def _on_state_changed(self, state: str) -> None:
        self.busy.setVisible(state in (LOADING, DRAFTING))
        self.retry_button.setVisible(state == FAILED)
        if state == LOADING:
            self.status_label.setText("Loading the model…")
        elif state == READY:
            self.status_label.setText("Ready. Type or pick a message, then draft a reply (Ctrl+Enter).")
            if self.controller is not None and not self._candidates:
                self.controller.load_candidates()
        elif state == DRAFTING:
            self.status_label.setText("Writing a reply… (Esc stops)")
        self._update_buttons()

    @Slot(str)
    def _on_loading_progress(self, text: str) -> None:
        self.status_label.setText(f"Loading the model… {text}")

    @Slot(object)
    def _on_load_failed(self, failure: Failure) -> None:
        self.busy.hide()
        self.status_label.setText(f"The model could not be loaded. {failure.text}")
        self.retry_button.show()
        self._update_buttons()

    @Slot(list)
    def _on_candidates_loaded(self, texts: list) -> None:
        self._candidates = [t for t in texts if isinstance(t, str)]
        self._fill_samples()

    @Slot(object)
    def _on_draft_started(self, request: DraftRequest) -> None:
        self._request = request
        self._streamed = ""
        if request.message != self.current_message:
            self.current_message = request.message
            self.current_index = -1
        self.reply_view.clear()
        self._clear_findings()
        self._set_verdict("")
        self.meta_label.setText(f"Writing (seed {request.seed})…")
        self.guard_label.setText("Checking when the draft is done…")
        self.sources_label.setText("Looking through your past replies and posts…")
        self._refresh_alternative_buttons()
        self._update_buttons()

    @Slot(int, str)
    def _on_draft_text(self, request_id: int, text: str) -> None:
        if self._request is None or request_id != self._request.id:
            return  # a cancelled request's last words
        self._streamed += text
        cursor = self.reply_view.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        self.reply_view.setTextCursor(cursor)

    @Slot(int, object)
    def _on_regenerating(self, request_id: int, regenerating: Any) -> None:
        if self._request is None or request_id != self._request.id:
            return
        self._streamed = ""
        self.reply_view.clear()
        self._clear_findings()
        self._set_verdict(
            f"The guard sent that attempt back ({regenerating.reason}); trying again "
            f"(attempt {regenerating.attempt})…",
            YELLOW,
        )

    @Slot(int, object)
    def _on_draft_finished(self, request_id: int, draft: Any) -> None:
        if self._request is None or request_id != self._request.id:
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
        self._refresh_alternative_buttons()
        self._update_buttons()

    @Slot(int)
    def _on_draft_cancelled(self, request_id: int) -> None:
        if self._request is None or request_id != self._request.id:
            return
        self._request = None
        self.meta_label.setText("Stopped. Nothing was kept from that draft.")
        self.guard_label.setText("Stopped before the guard could check it.")
        self._clear_findings()
        self.sources_label.setText("")
        self._set_verdict("")
        self._refresh_alternative_buttons()
        self._update_buttons()

    @Slot(int, object)
    def _on_draft_failed(self, request_id: int, failure: Failure) -> None:
        if self._request is None or request_id != self._request.id:
            return
        self._request = None
        self.reply_view.clear()
        self._clear_findings()
        self._set_verdict(f"The draft could not be written. {failure.text}", RED)
        self.meta_label.setText("")
        self._refresh_alternative_buttons()
        self._update_buttons()

    # --- showing a draft -------------------------------------------------------------------------------
    def _show_empty(self) -> None:
        self.budget_meter.set_budget(None)
        self.budget_legend.setText("")
        self.meta_label.setText("")

    def _show_draft(self, draft: Any) -> None:
        triage = draft.triage
        guard = draft.guard
        self.reply_view.setPlainText(draft.text if triage.draft_allowed else "")
        findings = shown_findings(guard.findings) if guard is not None and triage.draft_allowed else []
        # The flagged words are marked in the reply; the list beside it says why, and from what source.
        self.findings_list.show_findings(findings, offered=guard.canned_reply if guard is not None else None)
        needs_answer = has_needs_answer(findings)
        self.answer_badge.setVisible(needs_answer)
        reasons = "".join(f"<li>{html.escape(r)}</li>" for r in triage.reasons)
        if not triage.draft_allowed:
            self._set_verdict(
                f"{NO_DRAFT_TITLE}" + (f"<ul style='margin:4px 0 0 -20px'>{reasons}</ul>" if reasons else ""),
                RED,
            )
        elif guard is not None and guard.blocked:
            first = next((f.message for f in guard.findings if f.severity == "block"), "a boundary")
            self._set_verdict(f"Blocked: {html.escape(first.rstrip('.'))}. Write this one yourself.", RED)
        elif needs_answer:
            self._set_verdict(
                "Needs your answer: nothing you wrote answers this, so the draft says you will check. "
                "Add the answer, or send it as it is.",
                YELLOW,
            )
        elif guard is not None and guard.needs_edit:
            self._set_verdict("Needs an edit before it could be sent: see the guard's flags.", YELLOW)
        elif triage.level == "yellow":
            self._set_verdict("Read this one carefully: " + html.escape("; ".join(triage.reasons)), YELLOW)
        else:
            self._set_verdict("Looks fine: nothing flagged.", GREEN)
        self.guard_label.setText(_guard_html(draft))
        self.sources_label.setText(_sources_html(draft.sources))
        prompt = draft.prompt
        budget = getattr(prompt, "budget", None)
        self.budget_meter.set_budget(budget)
        self.budget_legend.setText(budget_legend(budget))
        self.prompt_button.setEnabled(prompt is not None)
        self.meta_label.setText(_meta_text(draft))
        chosen = getattr(draft, "chosen", None)
        self.meta_label.setToolTip(score_parts_text(chosen.parts) if chosen is not None else "")

    def _clear_findings(self) -> None:
        self.findings_list.clear()
        self.answer_badge.hide()

    def _set_verdict(self, text: str, color: str = GREEN) -> None:
        self.verdict.setVisible(bool(text))
        self.verdict.setText(text)
        self.verdict.setStyleSheet(_banner_style(color) if text else "")

    def _refresh_alternative_buttons(self) -> None:
        for button in self.alternative_group.buttons():
            self.alternative_group.removeButton(button)
            self.alternative_row.removeWidget(button)
            button.hide()  # gone at once, not only when the deferred delete runs
            button.deleteLater()
        drafts = self.alternatives.get(self.current_message, [])
        for index, draft in enumerate(drafts):
            button = QPushButton(str(index + 1))
            button.setCheckable(True)
            button.setFixedWidth(34)
            color = (
                RED
                if draft.blocked
                else (YELLOW if draft.guard is not None and draft.guard.needs_edit else GREEN)
            )
            button.setStyleSheet(f"QPushButton {{ border-bottom: 3px solid {color}; }}")
            button.setToolTip(alternative_tooltip(draft, index))
            button.setAccessibleName(f"Alternative {index + 1}")
            button.setChecked(index == self.current_index)
            button.setEnabled(self._request is None)
            self.alternative_group.addButton(button, index)
            self.alternative_row.addWidget(button)
        count = len(drafts)
        self.alternatives_label.setText(
            f"{self.current_index + 1} of {count}" if count > 1 and self.current_index >= 0 else ""
        )
        self.previous_button.setVisible(count > 1)
        self.next_button.setVisible(count > 1)
        self.previous_button.setEnabled(self._request is None and self.current_index > 0)
        self.next_button.setEnabled(self._request is None and self.current_index < count - 1)

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


def alternative_tooltip(draft: Any, index: int) -> str:
    """What the numbered button says on hover: where the text came from and why it ranks there."""
    chosen = getattr(draft, "chosen", None)
    if chosen is None:
        return f"Alternative {index + 1} (seed {draft.seed}); press {index + 1} to show it"
    return (
        f"{index + 1}: {chosen.label}, score {chosen.score:+.2f}\n{score_parts_text(chosen.parts)}\n"
        f"Press {index + 1} to show it"
    )


def _one_line(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def _meta_text(draft: Any) -> str:
    timings = draft.timings or {}
    parts = []
    if "first_token_ms" in timings:
        parts.append(f"first word after {_ms(timings['first_token_ms'])}")
    if "total_ms" in timings:
        parts.append(f"{_ms(timings['total_ms'])} in all")
    if "tokens" in timings:
        parts.append(f"{int(timings['tokens'])} tokens")
    if "retrieve_ms" in timings:
        parts.append(f"search {_ms(timings['retrieve_ms'])}")
    if draft.attempts > 1:
        parts.append(f"{draft.attempts} attempts")
    version = f"persona v{draft.persona_version}" if draft.persona_version else "default persona"
    parts += [f"model {draft.model}", version, f"seed {draft.seed}"]
    line = " · ".join(parts).capitalize()
    chosen = getattr(draft, "chosen", None)
    return (
        f"{chosen.label}, {score_parts_inline(chosen.score, chosen.parts)}\n{line}"
        if chosen is not None
        else line
    )


def _guard_html(draft: Any) -> str:
    triage = draft.triage
    level_color = {"green": GREEN, "yellow": YELLOW, "red": RED}.get(triage.level, GREEN)
    rows = [
        f"<p style='margin:0'><b style='color:{level_color}'>Triage: {html.escape(triage.level)}</b>"
        + (f" — {html.escape('; '.join(triage.reasons))}" if triage.reasons else "")
        + "</p>"
    ]
    guard = draft.guard
    if not triage.draft_allowed:
        rows.append(f"<p style='color:{RED}'><b>{NO_DRAFT_TITLE}.</b> Answer it yourself.</p>")
        safe = getattr(draft, "safe_reply", None)
        if safe:
            rows.append(f"<p><b>A reply you could send:</b> {html.escape(safe)}</p>")
    elif guard is not None:
        if guard.blocked:
            attempts = f"{draft.attempts} attempt{'s' if draft.attempts != 1 else ''}"
            rows.append(f"<p style='color:{RED}'><b>Blocked</b> after {attempts}.</p>")
        elif guard.needs_edit:
            rows.append(f"<p style='color:{YELLOW}'><b>Needs an edit</b> before it could be approved.</p>")
        # The findings themselves are listed below this summary (``FindingsList``), linked to the marks.
        if not guard.findings:
            rows.append(f"<p style='color:{GREEN}'>No findings: nothing unsupported or off-limits.</p>")
    return "".join(rows)


def _sources_html(sources: list[Any]) -> str:
    if not sources:
        return "<span style='color:#6b7280'>No sources: nothing you wrote matched this message.</span>"
    items = []
    for source in sources:
        kind = "past reply" if source.role == "example" else "your post"
        items.append(
            f"<li><span style='color:#6b7280'>{kind} · {source.score:.2f}</span><br>"
            f"{html.escape(_one_line(source.text, 160))}</li>"
        )
    return "<ol style='margin:0 0 0 -20px'>" + "".join(items) + "</ol>"
