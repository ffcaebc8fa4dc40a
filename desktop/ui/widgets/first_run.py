"""The welcome screen shown on the first start: what Understudy does, and what it never does."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop import APP_NAME
from desktop.ui import theme
from desktop.ui.widgets.common.boxes import box_layout

#: (heading, text) pairs: the promises, in the creator's words.
PROMISES = (
    (
        "Replies in your voice",
        "Understudy drafts replies to your fans and followers, learned from the data you export "
        "from your own accounts.",
    ),
    (
        "You approve every reply",
        "Nothing is ever sent on its own. You read, edit or reject each draft, and you post the "
        "approved ones yourself.",
    ),
    (
        "Everything stays on this computer",
        "Your archives, your persona and the AI model all live here. Nothing is uploaded.",
    ),
    (
        "No account, no cloud",
        "There is nothing to sign up for and no server to trust: Understudy works offline.",
    ),
)


class FirstRunPage(QWidget):
    """Welcome card; ``get_started`` is emitted when the creator is ready."""

    get_started = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRun")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 24, 24, 24)
        outer.addStretch(1)

        welcome = QFrame()
        welcome.setObjectName("welcomeCard")
        welcome.setMaximumWidth(760)
        layout = box_layout(QVBoxLayout, welcome, margins=(40, 32, 40, 32), spacing=10)
        head = box_layout(QHBoxLayout, spacing=14)
        logo = QLabel()
        logo.setPixmap(theme.app_icon().pixmap(48, 48))
        logo.setFixedSize(48, 48)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        self.title = QLabel(f"Welcome to {APP_NAME}")
        self.title.setObjectName("welcomeTitle")
        subtitle = QLabel("Your private understudy for answering fans, running on your own computer.")
        subtitle.setObjectName("welcomeSubtitle")
        subtitle.setWordWrap(True)
        titles.addWidget(self.title)
        titles.addWidget(subtitle)
        head.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        head.addLayout(titles, 1)
        layout.addLayout(head)
        layout.addSpacing(14)

        grid = QGridLayout()
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(18)
        self.promise_labels: list[QLabel] = []
        for index, (heading, text) in enumerate(PROMISES):
            box = QVBoxLayout()
            box.setSpacing(4)
            heading_label = QLabel(heading)
            heading_label.setObjectName("promiseTitle")
            text_label = QLabel(text)
            text_label.setObjectName("promiseText")
            text_label.setWordWrap(True)
            box.addWidget(heading_label)
            box.addWidget(text_label)
            box.addStretch(1)
            self.promise_labels += [heading_label, text_label]
            grid.addLayout(box, index // 2, index % 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        layout.addSpacing(18)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.start_button = QPushButton("Get started")
        self.start_button.setObjectName("primary")
        self.start_button.setDefault(True)
        self.start_button.setAutoDefault(True)
        self.start_button.setMinimumWidth(140)
        self.start_button.clicked.connect(self.get_started)
        buttons.addWidget(self.start_button)
        layout.addLayout(buttons)

        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(welcome, 10)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)

    def text(self) -> str:
        """All the words on the screen, for tests and screen readers."""
        return " ".join([self.title.text()] + [label.text() for label in self.promise_labels])
