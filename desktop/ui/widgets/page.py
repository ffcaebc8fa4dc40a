"""What every page has: a title, a plain-words summary of what it is for, and a body."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop.ui.page_infos import PageInfo

PAGE_MARGIN = 32


def _from_info(field: str) -> property:
    """A read-only attribute of the page that is ``field`` of its ``info``."""
    return property(lambda page: getattr(page.info, field))


class Page(QWidget):
    """A page of the main window. Subclasses set ``info`` (``page_infos``) and fill ``body``."""

    info: PageInfo

    # The sidebar and the tests read these off the page; they are the page's ``info``.
    label = _from_info("label")
    icon_name = _from_info("icon_name")
    title = _from_info("title")
    summary = _from_info("summary")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"page_{self.icon_name}")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll)
        content = QWidget()
        content.setObjectName("pageHost")
        scroll.setWidget(content)

        layout, self.title_label, self.summary_label = _heading(content, self.info)
        self.title_label.setAccessibleName(self.title)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addSpacing(12)
        self.body = QVBoxLayout()
        self.body.setSpacing(14)
        layout.addLayout(self.body)
        layout.addStretch(1)


class PendingPage(QWidget):
    """A page's heading and summary alone, laid out as ``Page`` lays them out: what the first paint
    shows of a page whose module is not imported yet (``MainWindow`` swaps in the real page a
    moment later). No scroll area and no selectable text: it is on screen for a fraction of a
    second, and those cost a few milliseconds of every start."""

    def __init__(self, info: PageInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.setObjectName("pageHost")
        layout, _title, _summary = _heading(self, info)
        layout.addStretch(1)


def _heading(host: QWidget, info: PageInfo) -> tuple[QVBoxLayout, QLabel, QLabel]:
    """``host``'s layout with the page's title and summary in it: one place for both ``Page``
    and ``PendingPage``, so the first paint's heading sits exactly where the page's will."""
    layout = QVBoxLayout(host)
    layout.setContentsMargins(PAGE_MARGIN, 28, PAGE_MARGIN, PAGE_MARGIN)
    layout.setSpacing(10)
    title = QLabel(info.title)
    title.setObjectName("pageTitle")
    summary = QLabel(info.summary)
    summary.setObjectName("pageSummary")
    summary.setWordWrap(True)
    layout.addWidget(title)
    layout.addWidget(summary)
    return layout, title, summary


def card_layout(frame: QFrame, title: str = "") -> QVBoxLayout:
    """Make ``frame`` a white rounded panel with an optional heading; returns its layout (a card
    class that is a ``QFrame`` calls this on itself)."""
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(20, 16, 20, 18)
    layout.setSpacing(8)
    if title:
        heading = QLabel(title)
        heading.setObjectName("cardTitle")
        layout.addWidget(heading)
    return layout


def card(title: str = "", parent: QWidget | None = None) -> tuple[QFrame, QVBoxLayout]:
    """A white rounded panel with an optional heading; returns it and its layout."""
    frame = QFrame(parent)
    return frame, card_layout(frame, title)


def coming_soon_card(title: str, points: Iterable[str], note: str) -> QFrame:
    """A card listing what a page will offer, for pages whose features are still being built."""
    frame, layout = card(title)
    for point in points:
        # Bullet and text side by side, so a wrapped line hangs under the text, not the bullet.
        row = QHBoxLayout()
        row.setSpacing(8)
        bullet = QLabel("•")
        bullet.setAlignment(Qt.AlignmentFlag.AlignTop)
        label = QLabel(point)
        label.setWordWrap(True)
        row.addWidget(bullet, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(label, 1)
        layout.addLayout(row)
    if note:
        layout.addSpacing(4)
        soon = QLabel(note)
        soon.setObjectName("comingSoon")
        soon.setWordWrap(True)
        layout.addWidget(soon)
    return frame
