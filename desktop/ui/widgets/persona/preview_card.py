"""The Persona page's live preview card: sample messages re-drafted with the working persona.

The card shows what ``LivePreview`` (on the ``DraftingController``'s model thread) writes: one
``PreviewPane`` a sample, streamed as it is drafted. The samples start as a few made-up
messages and become the creator's own waiting messages once the model has read them (unless
the creator typed their own). The page tells the card when it is shown or hidden and when the
working persona changes (through ``live``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QCheckBox, QFrame, QHBoxLayout, QLabel, QWidget

from desktop.ui.controllers.drafting_controller import DRAFTING, FAILED, LOADING, READY, DraftingController
from desktop.ui.controllers.live_preview import LivePreview
from desktop.ui.widgets.page import card_layout
from desktop.ui.widgets.persona.fields import button, muted
from desktop.ui.widgets.persona.preview_pane import PreviewPane
from desktop.ui.workers import Failure

#: The preview's messages until the creator's own inbox offers some.
SAMPLE_MESSAGES = [
    "Love your videos! What protein do you use?",
    "When is your next tour date?",
    "Can I get a discount code?",
]


class PreviewCard(QFrame):
    """Live preview: a header (redraft as I edit, Redraft), the model's status, and the samples.

    ``redraft_requested`` when the creator presses Redraft (the page decides whether it can).
    """

    redraft_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drafting: DraftingController | None = None
        self.live: LivePreview | None = None
        self.candidates_known = False  # the samples are settled: the inbox's, or the creator's own
        layout = card_layout(self)
        layout.addLayout(self._build_header())
        layout.addLayout(self._build_status())
        layout.addWidget(
            muted(
                "Drafted with the settings on screen, saved or not; nothing here is sent.",
                wrap=True,
                small=True,
            )
        )
        self.panes: list[PreviewPane] = []
        for number, text in enumerate(SAMPLE_MESSAGES, start=1):
            if number > 1:
                line = QFrame()
                line.setFrameShape(QFrame.Shape.HLine)
                line.setStyleSheet("color: #eef0f4;")
                layout.addWidget(line)
            pane = PreviewPane(number)
            pane.set_message(text)
            pane.message_edited.connect(self._on_sample_edited)
            layout.addWidget(pane)
            self.panes.append(pane)
        layout.addStretch(1)

    def _build_header(self) -> QHBoxLayout:
        header = QHBoxLayout()
        header.setSpacing(8)
        title = QLabel("Live preview")
        title.setObjectName("cardTitle")
        self.live_check = QCheckBox("Redraft as I edit")
        self.live_check.setChecked(True)
        self.live_check.setToolTip("Draft the samples again a moment after you stop changing something")
        self.live_check.toggled.connect(self._on_live_toggled)
        self.redraft_button = button(
            "Redraft",
            "Draft the samples again now (F5)",
            "Draft the sample replies again",
            self.redraft_requested,
        )
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.live_check)
        header.addWidget(self.redraft_button)
        return header

    def _build_status(self) -> QHBoxLayout:
        self.preview_status = muted("The model loads when you first open this page.", wrap=True)
        self.preview_status.setAccessibleName("Live preview status")
        self.retry_button = button("Retry", name="Try loading the model again", clicked=self._on_retry)
        self.retry_button.hide()
        status = QHBoxLayout()
        status.addWidget(self.preview_status, 1)
        status.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignTop)
        return status

    # --- wiring -----------------------------------------------------------------------------------------
    def attach(self, drafting: DraftingController) -> None:
        """Draft the samples on ``drafting``'s model thread (``live``); ``follow_model`` comes next."""
        self.drafting = drafting
        self.live = LivePreview(drafting, self)
        self.live.outdated.connect(self._on_outdated)
        self.live.round_started.connect(self._on_round_started)
        for signal, show in (
            (self.live.draft_started, PreviewPane.start),
            (self.live.text_streamed, PreviewPane.append),
            (self.live.attempt_restarted, PreviewPane.restart_attempt),
            (self.live.draft_finished, PreviewPane.finish),
            (self.live.draft_failed, PreviewPane.fail),
        ):
            # GUI thread only: LivePreview emits from the GUI thread, so a partial is safe here.
            signal.connect(partial(self._show_in_pane, show))
        self.live.status_changed.connect(self.preview_status.setText)

    def follow_model(self, drafting: DraftingController) -> None:
        """Show the model's loading and failures, and read the waiting messages once it is ready.

        Separate from ``attach`` so that the page can connect the voice check in between: a model
        that turns ready serves the preview's round, then the voice check, then this card.
        """
        drafting.state_changed.connect(self._on_drafting_state)
        drafting.loading_progress.connect(self._on_model_loading)
        drafting.load_failed.connect(self._on_model_failed)
        drafting.candidates_loaded.connect(self._on_candidates_loaded)
        if drafting.is_ready():
            self._on_drafting_state(drafting.state)

    def page_shown(self) -> None:
        """The page is shown: preview again, and load the model the first time (not at start-up)."""
        if self.live is not None:
            self.live.set_active(True)
        if self.drafting is not None and self.drafting.state not in (LOADING, READY, FAILED, DRAFTING):
            self.drafting.start()
        elif self.drafting is not None and self.drafting.is_ready() and not self.candidates_known:
            self.drafting.load_candidates()

    def page_hidden(self) -> None:
        if self.live is not None:
            self.live.set_active(False)  # no drafts for a page nobody looks at

    def sample_messages(self) -> list[str]:
        return [pane.message() for pane in self.panes]

    def redraft(self) -> None:
        """Draft the samples again now (F5)."""
        if self.live is not None:
            self.live.set_messages(self.sample_messages())
            self.live.redraft_now()

    # --- the creator's actions --------------------------------------------------------------------------
    @Slot(bool)
    def _on_live_toggled(self, on: bool) -> None:
        if self.live is not None:
            self.live.set_enabled(on)

    @Slot()
    def _on_retry(self) -> None:
        if self.drafting is not None:
            self.retry_button.hide()
            self.drafting.start()

    @Slot()
    def _on_sample_edited(self) -> None:
        if self.live is not None:
            self.candidates_known = True  # the creator's own words win over the inbox's
            self.live.set_messages(self.sample_messages())

    # --- the model --------------------------------------------------------------------------------------
    @Slot(str)
    def _on_drafting_state(self, state: str) -> None:
        self.retry_button.setVisible(state == FAILED)
        if state == LOADING:
            self.preview_status.setText("Loading the model for the live preview…")
        elif state == READY and self.drafting is not None and not self.candidates_known:
            self.preview_status.setText("Looking for messages awaiting your reply…")
            self.drafting.load_candidates()

    @Slot(str)
    def _on_model_loading(self, text: str) -> None:
        self.preview_status.setText(f"Loading the model… {text}")

    @Slot(object)
    def _on_model_failed(self, failure: Failure) -> None:
        self.preview_status.setText(f"The model could not be loaded, so there is no preview. {failure.text}")
        self.retry_button.show()

    @Slot(list)
    def _on_candidates_loaded(self, texts: list) -> None:
        if self.candidates_known:
            return
        self.candidates_known = True
        waiting = [t for t in texts if isinstance(t, str) and t.strip()]
        for pane, text in zip([p for p in self.panes if not p.edited_by_creator], waiting, strict=False):
            pane.set_message(" ".join(text.split()))
        if self.live is not None:
            self.live.set_messages(self.sample_messages())

    # --- the preview's drafts (``int``: the sample's index) -----------------------------------------------
    @Slot()
    def _on_outdated(self) -> None:
        for pane in self.panes:
            if pane.text:
                pane.set_stale()

    @Slot()
    def _on_round_started(self) -> None:
        for pane in self.panes:
            pane.begin()

    def _show_in_pane(self, show: Callable[..., None], index: int, *args: Any) -> None:
        """``show(pane, *args)`` for the sample ``index`` reports on (if it is one)."""
        if 0 <= index < len(self.panes):
            show(self.panes[index], *args)
