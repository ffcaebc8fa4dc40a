"""The "Drafting" card: how many options each draft is chosen from, and how many requests a server gets.

Both are the active profile's settings (kept in its store by the ``DraftingSettingsController``,
on a worker). A change is written shortly after the last click, so spinning through values
writes once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QSpinBox, QWidget

from desktop.ui.controllers.drafting_settings_controller import DraftingSettings
from desktop.ui.widgets.page import card_layout

SAVE_DELAY_MS = 400
CANDIDATES_TIP = (
    "Each draft is chosen from this many options the model writes at once; the one that best answers "
    "the message, in your voice, with nothing made up, is shown. More options: better drafts more often, "
    "but each draft takes longer (4 options were measured at about 1.7 times the time of 1)."
)
PARALLEL_TIP = (
    "When a model server drafts a whole inbox, this many messages are sent to it at the same time. "
    "A GPU server drafts many at once for little extra time each; too many make a small server slow "
    "or refuse (it then says it is busy and Understudy waits). No effect on this computer's own model."
)


class DraftingCard(QFrame):
    """Two spin boxes bound to the profile's drafting settings (``attach`` a controller)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = card_layout(self, "Drafting")
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.candidates_spin = QSpinBox()
        self.candidates_spin.setRange(1, 8)
        self.candidates_spin.setValue(4)
        self.candidates_spin.setToolTip(CANDIDATES_TIP)
        self.parallel_spin = QSpinBox()
        self.parallel_spin.setRange(1, 32)
        self.parallel_spin.setValue(4)
        self.parallel_spin.setToolTip(PARALLEL_TIP)
        for spin in (self.candidates_spin, self.parallel_spin):
            spin.setMinimumWidth(80)
        candidates_label = QLabel("Options per draft")
        candidates_label.setToolTip(CANDIDATES_TIP)
        parallel_label = QLabel("Requests in flight to a server")
        parallel_label.setToolTip(PARALLEL_TIP)
        form.addRow(candidates_label, self.candidates_spin)
        form.addRow(parallel_label, self.parallel_spin)
        layout.addLayout(form)
        self.note = QLabel(
            "Saved for this profile. Hover over a setting to see what it does and what it costs."
        )
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.note)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self._save)
        self._controller: Any = None
        self._loading = False
        for spin in (self.candidates_spin, self.parallel_spin):
            spin.setEnabled(False)  # until the profile's values have been read
            spin.valueChanged.connect(self._on_changed)

    def attach(self, controller: Any) -> None:
        """Connect to a ``DraftingSettingsController`` and read the profile's values."""
        self._controller = controller
        controller.settings_loaded.connect(self.show_settings)
        controller.settings_saved.connect(self._on_saved)
        controller.settings_failed.connect(self._on_failed)

    @Slot(object)
    def show_settings(self, settings: DraftingSettings) -> None:
        self._loading = True  # values from the store are not a change to write back
        self.candidates_spin.setValue(settings.candidates)
        self.parallel_spin.setValue(settings.server_parallel)
        self._loading = False
        for spin in (self.candidates_spin, self.parallel_spin):
            spin.setEnabled(True)

    def values(self) -> DraftingSettings:
        return DraftingSettings(self.candidates_spin.value(), self.parallel_spin.value())

    def save_now(self) -> None:
        """Write a change still waiting for its delay (closing the window, tests)."""
        if self._save_timer.isActive():
            self._save_timer.stop()
            self._save()

    @Slot()
    def _on_changed(self) -> None:
        if not self._loading:
            self._save_timer.start()

    @Slot()
    def _save(self) -> None:
        if self._controller is not None:
            self._controller.save(self.values())

    @Slot(object)
    def _on_saved(self, settings: DraftingSettings) -> None:
        self.note.setText(
            f"Saved for this profile: {settings.candidates} option"
            f"{'s' if settings.candidates != 1 else ''} per draft, {settings.server_parallel} "
            f"request{'s' if settings.server_parallel != 1 else ''} in flight to a server."
        )

    @Slot(object)
    def _on_failed(self, failure: Any) -> None:
        self.note.setText(f"The drafting settings could not be read or saved. {failure.text}")
