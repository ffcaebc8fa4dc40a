"""The dialog that asks, once per chat app, which participant of a chat export is the creator."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QListWidget, QVBoxLayout, QWidget

from desktop.ui.controllers.import_jobs import OwnerNeeded


class OwnerDialog(QDialog):
    """Asks once which participant of a chat export is the creator: a list, or their name typed."""

    def __init__(self, archive_name: str, need: OwnerNeeded, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Which one is you?")
        self.setAccessibleName("Which participant is you?")
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        intro = QLabel(
            f"{need.message} Understudy needs to know which messages in “{archive_name}” are yours, "
            "so it learns from your replies and not from anyone else's. It will remember your answer "
            "for later imports from the same app."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.candidates = QListWidget(self)  # parented now: sizing a parentless widget sizes a window
        self.candidates.setAccessibleName("Participants in the chat")
        self.candidates.addItems(need.candidates)
        self.candidates.setVisible(bool(need.candidates))
        rows = max(2, min(len(need.candidates), 8))
        self.candidates.setFixedHeight(rows * (self.candidates.fontMetrics().height() + 6) + 8)
        # No participant is preselected: the creator must pick one (a wrong guess mislabels every message).
        self.candidates.setCurrentRow(-1)
        self.candidates.itemSelectionChanged.connect(self._on_candidate_chosen)
        self.candidates.itemDoubleClicked.connect(self.accept)
        layout.addWidget(self.candidates)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Or type your name exactly as it appears in the chat")
        self.name_edit.setAccessibleName("Your name in the chat")
        self.name_edit.textChanged.connect(self._on_text_changed)
        layout.addWidget(self.name_edit)
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton("This is me", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setAccessibleName("Import with this name as me")
        self.skip_button = self.buttons.addButton("Skip this archive", QDialogButtonBox.ButtonRole.RejectRole)
        self.skip_button.setAccessibleName("Skip importing this archive")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.ok_button.setEnabled(False)
        self.name_edit.setFocus()
        # Size the dialog before it is shown: a window that gets its size limits only once shown
        # makes some platforms (the offscreen one among them) warn about size hints.
        layout.activate()
        self.adjustSize()

    def name(self) -> str:
        return self.name_edit.text().strip()

    def choose(self, name: str) -> None:
        """Pick ``name`` (a listed participant or any text), as the creator would."""
        matches = self.candidates.findItems(name, Qt.MatchFlag.MatchExactly)
        if matches:
            matches[0].setSelected(True)
        self.name_edit.setText(name)

    def _on_candidate_chosen(self) -> None:
        selected = self.candidates.selectedItems()
        if selected:
            self.name_edit.setText(selected[0].text())

    def _on_text_changed(self, text: str) -> None:
        self.ok_button.setEnabled(bool(text.strip()))

    def accept(self) -> None:
        if self.name():
            super().accept()
