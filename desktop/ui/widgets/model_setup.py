"""The banner that offers, and then shows, the set-up of the default models."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from desktop.core.tasks import Progress
from desktop.ui.widgets.common.boxes import box_layout

OFFER_TEXT = (
    "Understudy's built-in AI models are not set up yet; it needs them to draft replies. "
    "They came with the app, so setting them up needs no internet and takes about a minute."
)


class ModelSetupBanner(QFrame):
    """States: hidden, ``offer`` (button), ``running`` (progress + Cancel), ``failed`` (retry)."""

    setup_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupBanner")
        self.state = "hidden"
        layout = box_layout(QHBoxLayout, self, margins=(16, 12, 16, 12), spacing=14)
        texts = box_layout(QVBoxLayout, spacing=6)
        self.message = QLabel(OFFER_TEXT)
        self.message.setWordWrap(True)
        self.detail = QLabel("")
        self.detail.setObjectName("muted")
        self.detail.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedHeight(10)
        texts.addWidget(self.message)
        texts.addWidget(self.progress_bar)
        texts.addWidget(self.detail)
        layout.addLayout(texts, 1)

        self.setup_button = QPushButton("Set up models")
        self.setup_button.setObjectName("primary")
        self.setup_button.clicked.connect(self.setup_requested)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        layout.addWidget(self.setup_button)
        layout.addWidget(self.cancel_button)
        # Hidden until a state is shown; no re-polish yet (it costs start-up time, see main_window).
        self.state = "hidden"
        self.setProperty("state", "hidden")
        self.setVisible(False)

    def _show_state(self, state: str) -> None:
        self.state = state
        self.setProperty("state", state)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setVisible(state != "hidden")
        running = state == "running"
        self.progress_bar.setVisible(running)
        self.cancel_button.setVisible(running)
        self.setup_button.setVisible(state in ("offer", "failed"))
        self.setup_button.setText("Try again" if state == "failed" else "Set up models")

    def show_offer(self, missing: list[str], note: str = "") -> None:
        self.message.setText(OFFER_TEXT)
        missing_text = "Missing: " + ", ".join(missing) + "." if missing else ""
        self.detail.setText(f"{note} {missing_text}".strip())
        self.detail.setVisible(bool(self.detail.text()))
        self._show_state("offer")

    def show_running(self) -> None:
        self.message.setText("Setting up the built-in models…")
        self.detail.setText("Starting…")
        self.detail.setVisible(True)
        self.progress_bar.setRange(0, 0)  # busy until the first progress with a total
        self.cancel_button.setEnabled(True)
        self._show_state("running")

    def show_progress(self, progress: Progress) -> None:
        self.detail.setText(progress.message)
        fraction = progress.fraction
        if fraction is None:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(round(fraction * 1000))

    def show_failed(self, text: str) -> None:
        self.message.setText("The built-in models could not be set up.")
        self.detail.setText(text)
        self.detail.setVisible(True)
        self._show_state("failed")

    def hide_banner(self) -> None:
        self._show_state("hidden")

    def _on_cancel_clicked(self) -> None:
        self.cancel_button.setEnabled(False)
        self.detail.setText("Cancelling…")
        self.cancel_requested.emit()
