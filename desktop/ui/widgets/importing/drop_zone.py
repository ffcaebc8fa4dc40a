"""The Import page's drop zone: a dashed area that takes dropped archives, with buttons to choose
files or a folder instead."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class DropZone(QFrame):
    """A dashed area that accepts dropped files and folders and reports their local paths."""

    archives_dropped = Signal(list)  # list[str]: local paths
    choose_files_requested = Signal()
    choose_folder_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setMinimumHeight(170)
        self.setProperty("dragActive", False)
        self.setAccessibleName("Drop archives here")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(6)
        layout.addStretch(1)
        title = QLabel("Drop your archives here")
        title.setObjectName("dropTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = QLabel(
            "Zip files, the folders you unpacked them into, or single chat files (.txt, .json, .csv)"
        )
        hint.setObjectName("muted")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.setSpacing(10)
        self.choose_files_button = QPushButton("Choose archives…")
        self.choose_files_button.setObjectName("primary")
        self.choose_files_button.setAccessibleName("Choose archives to import")
        self.choose_files_button.setToolTip("Choose zip or chat files to import (Ctrl+O)")
        self.choose_files_button.clicked.connect(self.choose_files_requested)
        self.choose_folder_button = QPushButton("Choose a folder…")
        self.choose_folder_button.setAccessibleName("Choose an unpacked archive folder to import")
        self.choose_folder_button.setToolTip("Choose a folder you unpacked an archive into")
        self.choose_folder_button.clicked.connect(self.choose_folder_requested)
        buttons.addStretch(1)
        buttons.addWidget(self.choose_files_button)
        buttons.addWidget(self.choose_folder_button)
        buttons.addStretch(1)
        self.status = QLabel("")
        self.status.setObjectName("muted")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setWordWrap(True)
        self.status.hide()
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addSpacing(6)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def _set_drag_active(self, active: bool) -> None:
        self.setProperty("dragActive", active)
        self.style().unpolish(self)
        self.style().polish(self)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls() and all(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
            self._set_drag_active(True)
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802 (Qt API)
        self._set_drag_active(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt API)
        self._set_drag_active(False)
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.show_received(paths)
        self.archives_dropped.emit(paths)

    def show_received(self, paths: list[str]) -> None:
        names = ", ".join(Path(p).name for p in paths[:3]) + (" …" if len(paths) > 3 else "")
        self.status.setText(f"Received: {names}")
        self.status.show()
