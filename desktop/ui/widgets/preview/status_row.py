"""The Preview page's model status line: a busy bar while the model loads or writes, what it is
doing in words, and Retry when loading failed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.ui.controllers.drafting_controller import DRAFTING, FAILED, LOADING, READY
from desktop.ui.widgets.common.busy import busy_bar

STATE_TEXTS = {
    LOADING: "Loading the model…",
    READY: "Ready. Type or pick a message, then draft a reply (Ctrl+Enter).",
    DRAFTING: "Writing a reply… (Esc stops)",
}


class ModelStatusRow(QFrame):
    """Loading / ready / writing / failed with Retry (the page connects ``retry_button``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        status = QHBoxLayout(self)
        status.setContentsMargins(0, 0, 0, 0)
        status.setSpacing(10)
        self.busy = busy_bar(120)
        self.label = QLabel("The model loads when you first open this page.")
        self.label.setObjectName("muted")
        self.label.setWordWrap(True)
        self.label.setAccessibleName("Model status")
        self.retry_button = QPushButton("Retry")
        self.retry_button.setAccessibleName("Try loading the model again")
        self.retry_button.hide()
        status.addWidget(self.busy, 0, Qt.AlignmentFlag.AlignVCenter)
        status.addWidget(self.label, 1)
        status.addWidget(self.retry_button)
        self.busy.hide()

    def show_state(self, state: str) -> None:
        """Show the drafting controller's ``state`` (a failure's words come with ``show_failed``)."""
        self.busy.setVisible(state in (LOADING, DRAFTING))
        self.retry_button.setVisible(state == FAILED)
        if state in STATE_TEXTS:
            self.label.setText(STATE_TEXTS[state])

    def show_failed(self, text: str) -> None:
        self.busy.hide()
        self.label.setText(f"The model could not be loaded. {text}")
        self.retry_button.show()
