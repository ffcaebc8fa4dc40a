"""The Inbox's filter bar: search (after a pause in typing), state, platform, flagged only, counts."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from desktop.ui.controllers.inbox_jobs import Filters

#: The state filter's choices: (label, state, trashed).
STATE_CHOICES = [
    ("All open", None, False),
    ("New", "new", False),
    ("Drafted", "drafted", False),
    ("Flagged", "flagged", False),
    ("Approved", "approved", False),
    ("Exported", "exported", False),
    ("Trash", None, True),
]
ALL_PLATFORMS = "All platforms"
SEARCH_DELAY_MS = 250


class FilterBar(QWidget):
    """What the list shows; ``changed`` when the creator changes a filter (typing: after a pause)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.changed)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search messages and drafts (Ctrl+F)")
        self.search_edit.setAccessibleName("Search")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(lambda _text: self._search_timer.start())
        self.state_combo = QComboBox()
        self.state_combo.setAccessibleName("Show")
        for label, _state, _trashed in STATE_CHOICES:
            self.state_combo.addItem(label)
        self.state_combo.currentIndexChanged.connect(self.changed)
        self.platform_combo = QComboBox()
        self.platform_combo.setAccessibleName("Platform")
        self.platform_combo.addItem(ALL_PLATFORMS)
        self.platform_combo.currentIndexChanged.connect(self.changed)
        self.flagged_check = QCheckBox("Flagged only")
        self.flagged_check.toggled.connect(self.changed)
        self.counts_label = QLabel("")
        self.counts_label.setObjectName("muted")
        layout.addWidget(self.search_edit, 2)
        layout.addWidget(self.state_combo)
        layout.addWidget(self.platform_combo)
        layout.addWidget(self.flagged_check)
        layout.addWidget(self.counts_label, 1, Qt.AlignmentFlag.AlignRight)

    def filters(self) -> Filters:
        _label, state, trashed = STATE_CHOICES[max(0, self.state_combo.currentIndex())]
        platform = self.platform_combo.currentText()
        return Filters(
            state=state,
            platform=None if platform == ALL_PLATFORMS or not platform else platform,
            flagged=True if self.flagged_check.isChecked() else None,
            search=self.search_edit.text().strip(),
            trashed=trashed,
        )

    def set_platforms(self, platforms: list[str]) -> None:
        """Offer ``platforms`` (keeping the one chosen when it is still there), without a ``changed``."""
        current = self.platform_combo.currentText()
        wanted = [ALL_PLATFORMS, *platforms]
        if [self.platform_combo.itemText(i) for i in range(self.platform_combo.count())] == wanted:
            return
        self.platform_combo.blockSignals(True)
        self.platform_combo.clear()
        self.platform_combo.addItems(wanted)
        self.platform_combo.setCurrentIndex(max(0, wanted.index(current) if current in wanted else 0))
        self.platform_combo.blockSignals(False)

    def show_counts(self, counts: dict[str, int]) -> None:
        parts = [f"{counts[s]} {s}" for s in ("new", "drafted", "flagged", "approved") if counts.get(s)]
        self.counts_label.setText(" · ".join(parts) if parts else "Empty")
