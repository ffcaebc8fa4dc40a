"""The main window's fixed parts, built before any page: the sidebar panel (brand, page list,
version) and the column that holds the model set-up banner above the pages, and the watch that
tells the window it has painted once (its cue to build the pages)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from desktop import APP_NAME, __version__
from desktop.ui import theme
from desktop.ui.page_infos import PageInfo
from desktop.ui.widgets.page import PAGE_MARGIN

SIDEBAR_WIDTH = 200
_Box = TypeVar("_Box", QHBoxLayout, QVBoxLayout)


def sidebar_list(pages: Sequence[PageInfo]) -> QListWidget:
    """The list of pages, an icon and a label each (Ctrl+1..n in the tooltips)."""
    sidebar = QListWidget()
    sidebar.setObjectName("sidebar")
    sidebar.setAccessibleName("Pages")
    sidebar.setIconSize(theme.ICON_SIZE)
    sidebar.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    sidebar.setFrameShape(QFrame.Shape.NoFrame)
    sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    for number, page in enumerate(pages, start=1):
        item = QListWidgetItem(theme.icon(page.icon_name), page.label)
        item.setToolTip(f"{page.title}  (Ctrl+{number})")
        item.setSizeHint(QSize(0, 40))
        sidebar.addItem(item)
    return sidebar


def sidebar_panel(sidebar: QListWidget) -> QWidget:
    """The left column: the app's name, ``sidebar`` and the version."""
    panel = QWidget()
    panel.setObjectName("sidebarPanel")
    panel.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    panel.setFixedWidth(SIDEBAR_WIDTH)
    side = QVBoxLayout(panel)
    side.setContentsMargins(12, 18, 12, 8)
    side.setSpacing(4)
    brand = QLabel(APP_NAME)
    brand.setObjectName("brand")
    side.addWidget(brand)
    side.addWidget(sidebar, 1)
    footer = QLabel(f"Version {__version__} · works offline")
    footer.setObjectName("sidebarFooter")
    footer.setWordWrap(True)
    side.addWidget(footer)
    return panel


def _host(name: str, layout_type: type[_Box]) -> tuple[QWidget, _Box]:
    """A widget named ``name`` with a box layout that has no margins or spacing of its own."""
    widget = QWidget()
    widget.setObjectName(name)
    layout = layout_type(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    return widget, layout


def page_column(banner: QWidget, pages: QWidget) -> QWidget:
    """The right column: ``banner`` (the model set-up) above ``pages``."""
    content, content_layout = _host("pageHost", QVBoxLayout)
    banner_row = QHBoxLayout()
    banner_row.setContentsMargins(PAGE_MARGIN, 16, PAGE_MARGIN, 0)
    banner_row.addWidget(banner)
    content_layout.addLayout(banner_row)
    content_layout.addWidget(pages, 1)
    return content


def shell(left: QWidget, right: QWidget) -> QWidget:
    """The two columns side by side (what the first-run welcome covers)."""
    widget, layout = _host("shell", QHBoxLayout)
    layout.addWidget(left)
    layout.addWidget(right, 1)
    return widget


class FirstPaintWatch(QObject):
    """Calls ``then`` once, just after ``window`` has painted for the first time."""

    def __init__(self, window: QWidget, then: Callable[[], None]) -> None:
        super().__init__(window)
        self.window = window
        self.then = then
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self.window and event.type() == QEvent.Type.Paint:
            self.window.removeEventFilter(self)
            self.then()
        return False
