"""The Persona page's status line and row of actions, above the editors.

The status line says what is going on (opening, saving, what is unsaved, which version drafts
use); the row offers a preset to start from, Reset to my style, the unsaved mark, Undo, Redo,
Discard changes and Save. The page decides what each does and when it is possible.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.ui.theme import ERROR_COLOR
from desktop.ui.widgets.common.busy import busy_bar
from desktop.ui.widgets.persona.fields import button, muted

PRESET_PROMPT = "Start from a preset…"


def idle_status(
    loaded: bool, version_id: int | None, calibrated: bool, changes: list[str], dirty: bool
) -> str:
    """The status line when nothing else is to be said: what is unsaved, which version drafts use."""
    if not loaded:
        return "Opening your persona…"
    if version_id is None:
        start = "This persona starts from your own style. " if calibrated else ""
        message = start + "Drafts use the neutral default persona until you save one (Ctrl+S)."
        return f"Unsaved: {_shorten(changes)}. " + message if changes else message
    if dirty:
        return f"Unsaved: {_shorten(changes)}. Drafts still use version {version_id} until you save (Ctrl+S)."
    return f"Version {version_id} is in use. Every change you save becomes a new version."


def _shorten(lines: list[str], most: int = 3) -> str:
    """The first few changes, and how many more."""
    return "; ".join(lines[:most]) + (f"; and {len(lines) - most} more" if len(lines) > most else "")


class ActionBar(QWidget):
    """The status line over the row of actions; ``preset_chosen(preset)`` when one is picked."""

    preset_chosen = Signal(object)

    def __init__(self, undo_stack: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = undo_stack
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        layout.addLayout(self._build_status_row())
        layout.addLayout(self._build_actions_row())

    def _build_status_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(10)
        self.busy = busy_bar(110)
        self.status_label = muted("Opening your persona…", wrap=True)
        self.status_label.setAccessibleName("Persona status")
        row.addWidget(self.busy, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.status_label, 1)
        return row

    def _build_actions_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(8)
        self.preset_combo = QComboBox()
        self.preset_combo.setAccessibleName("Start from a preset")
        self.preset_combo.setToolTip(
            "A starting point for your voice: its sliders replace yours and its boundaries are added to "
            "yours; your name, facts and products stay. Undo (Ctrl+Z) takes it back."
        )
        self.preset_combo.addItem(PRESET_PROMPT, None)
        self.preset_combo.activated.connect(self._on_preset_activated)
        self.reset_button = button(
            "Reset to my style",
            "Put every slider back where your own messages are (the orange marks)",
            "Reset the sliders to your own style",
        )
        self.unsaved_label = QLabel("Unsaved changes")
        self.unsaved_label.setStyleSheet(
            "QLabel { color: #92400e; background: #fef3c7; border: 1px solid #fcd34d; border-radius: 9px;"
            " padding: 2px 9px; font-weight: 600; }"
        )
        self.unsaved_label.setAccessibleName("There are unsaved changes")
        self.unsaved_label.hide()
        self.undo_button = button("Undo", name="Undo", clicked=self.undo_stack.undo)
        self.redo_button = button("Redo", name="Redo", clicked=self.undo_stack.redo)
        self.revert_button = button(
            "Discard changes",
            "Go back to the version in use (Undo brings the changes back)",
            "Discard unsaved changes",
        )
        self.save_button = button(
            "Save",
            "Save as a new version, with what changed as its note (Ctrl+S)",
            "Save the persona as a new version",
        )
        self.save_button.setObjectName("primary")
        row.addWidget(self.preset_combo)
        row.addWidget(self.reset_button)
        row.addStretch(1)
        for widget in (self.unsaved_label, self.undo_button, self.redo_button, self.revert_button):
            row.addWidget(widget)
        row.addWidget(self.save_button)
        return row

    def set_presets(self, presets: list[Any]) -> None:
        """Offer ``presets`` (``desktop.core.persona.presets.Preset``), each with its description."""
        self.preset_combo.clear()
        self.preset_combo.addItem(PRESET_PROMPT, None)
        for preset in presets:
            self.preset_combo.addItem(preset.name, preset)
            last = self.preset_combo.count() - 1
            self.preset_combo.setItemData(last, preset.description, Qt.ItemDataRole.ToolTipRole)

    @Slot(int)
    def _on_preset_activated(self, index: int) -> None:
        preset = self.preset_combo.itemData(index)
        self.preset_combo.setCurrentIndex(0)
        if preset is not None:
            self.preset_chosen.emit(preset)

    def show_status(self, message: str, *, error: bool = False) -> None:
        self.status_label.setText(message)
        self.status_label.setStyleSheet(f"color: {ERROR_COLOR};" if error else "")

    def show_unsaved(self, dirty: bool, *, edited: bool) -> None:
        """The unsaved mark: shown while ``dirty``; "Not saved yet" until something was ``edited``."""
        self.unsaved_label.setText("Unsaved changes" if edited else "Not saved yet")
        self.unsaved_label.setVisible(dirty)

    def show_actions(self, *, can_save: bool, can_discard: bool, can_reset: bool, busy: bool) -> None:
        """Enable what can be done now; Undo and Redo follow the undo stack and say what they undo."""
        self.save_button.setEnabled(can_save)
        self.revert_button.setEnabled(can_discard)
        self.reset_button.setEnabled(can_reset)
        self.undo_button.setEnabled(self.undo_stack.canUndo())
        self.redo_button.setEnabled(self.undo_stack.canRedo())
        undo_text, redo_text = self.undo_stack.undoText(), self.undo_stack.redoText()
        self.undo_button.setToolTip(f"Undo {undo_text.lower()} (Ctrl+Z)" if undo_text else "Nothing to undo")
        redo_tip = f"Redo {redo_text.lower()} (Ctrl+Shift+Z)" if redo_text else "Nothing to redo"
        self.redo_button.setToolTip(redo_tip)
        self.busy.setVisible(busy)
