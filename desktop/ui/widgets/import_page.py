"""Import: where the creator drops the data exports of their own accounts."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from desktop.ui.widgets.page import Page, coming_soon_card


class DropZone(QFrame):
    """A dashed area that accepts dropped files and folders and reports their local paths."""

    archives_dropped = Signal(list)  # list[str]: local paths

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setMinimumHeight(170)
        self.setProperty("dragActive", False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.setSpacing(6)
        layout.addStretch(1)
        title = QLabel("Drop your archives here")
        title.setObjectName("dropTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = QLabel("Zip files, or the folders you unpacked them into")
        hint.setObjectName("muted")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status = QLabel("")
        self.status.setObjectName("muted")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setWordWrap(True)
        self.status.hide()
        for widget in (title, hint, self.status):
            layout.addWidget(widget)
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
        names = ", ".join(Path(p).name for p in paths[:3]) + (" …" if len(paths) > 3 else "")
        self.status.setText(f"Received: {names}")
        self.status.show()
        self.archives_dropped.emit(paths)


class ImportPage(Page):
    label = "Import"
    icon_name = "import"
    title = "Import your data"
    summary = (
        "Drop the 'download your data' zips from Instagram, TikTok, X, YouTube, Facebook or Threads "
        "here. They are read on this computer and never uploaded."
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drop_zone = DropZone()
        self.body.addWidget(self.drop_zone)
        self.body.addWidget(
            coming_soon_card(
                "What happens to your archives",
                [
                    "Understudy reads your own posts, comments and the replies you wrote to fans.",
                    "It learns how you talk from them: nothing else is collected.",
                    "You can import more archives later; nothing is imported twice.",
                ],
                "Importing is being built: soon, dropping an archive here will start it, with progress.",
            )
        )
