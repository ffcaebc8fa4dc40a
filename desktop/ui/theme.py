"""The look: a light stylesheet and line icons, both shipped inside ``desktop.ui``.

Read through ``importlib.resources`` so that they are found the same way in a source checkout,
an installed wheel and a frozen build (the packaging must include ``*.qss`` and ``icons/*.svg``).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from importlib import resources

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

# The palette the widgets share (Tailwind's grey, indigo, red, amber and green steps), so that a
# colour is named once here rather than written as a hex string in each widget file.
ACCENT = "#4f46e5"
ACCENT_DARK = "#3730a3"
ACCENT_SOFT = "#e0e7ff"
ICON_COLOR = "#4b5563"
ICON_SELECTED_COLOR = ACCENT_DARK
TEXT = "#111827"
TEXT_MUTED = "#6b7280"
ERROR_COLOR = "#b91c1c"
WARNING_COLOR = "#b45309"
WARNING_MARK = "#f59e0b"
OK_COLOR = "#047857"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_local(stamp: str) -> str:
    """``'2024-11-10T14:02:03.000Z'`` as ``'10 Nov 2024, 15:02'`` in the computer's time zone."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return stamp
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M}"


def plural(count: int, one: str, many: str | None = None) -> str:
    """``'1 post'``, ``'1,204 posts'``."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def _resource_text(*parts: str) -> str:
    return resources.files("desktop.ui").joinpath(*parts).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """The application stylesheet (``style.qss``)."""
    return _resource_text("style.qss")


def _render(svg: str, size: int, ratio: float) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    pixels = max(1, round(size * ratio))
    pixmap = QPixmap(pixels, pixels)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def icon(name: str, size: int = 20) -> QIcon:
    """Line icon ``icons/<name>.svg``, grey normally and accent-coloured when selected."""
    template = _resource_text("icons", f"{name}.svg")
    result = QIcon()
    for ratio in (1.0, 2.0):
        result.addPixmap(
            _render(template.replace("currentColor", ICON_COLOR), size, ratio), QIcon.Mode.Normal
        )
        result.addPixmap(
            _render(template.replace("currentColor", ICON_SELECTED_COLOR), size, ratio), QIcon.Mode.Selected
        )
    return result


@lru_cache(maxsize=1)
def app_icon() -> QIcon:
    """The window/application icon (rendered once: the application and the window both use it)."""
    template = _resource_text("icons", "app.svg")
    result = QIcon()
    for size in (16, 32, 64, 128, 256):
        result.addPixmap(_render(template, size, 1.0))
    return result


ICON_SIZE = QSize(20, 20)
