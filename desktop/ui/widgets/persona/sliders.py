"""The Persona page's nine voice sliders, each with its ends in words and a marker at the
creator's own style (where their imported messages put it).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPolygonF
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QVBoxLayout,
    QWidget,
)

from desktop.core.persona.model import SLIDER_NAMES
from desktop.ui.theme import WARNING_MARK
from desktop.ui.widgets.persona.fields import heading, muted

#: name -> (title, the low end in words, the high end in words, what it changes).
SLIDER_TEXT: dict[str, tuple[str, str, str, str]] = {
    "length": ("Length", "one-liners", "a paragraph", "How long replies are."),
    "warmth": ("Warmth", "cool and brief", "warm and effusive", "Thanks, kind words and hearts."),
    "formality": ("Formality", "casual", "polished", "Slang and lower case, or full sentences and capitals."),
    "humour": ("Humour", "straight", "playful", "Jokes, “haha” and laughing emoji."),
    "energy": ("Energy", "calm", "excited!", "Exclamation marks and enthusiasm."),
    "emoji": ("Emoji", "none", "plenty", "How many emoji a reply carries."),
    "directness": ("Directness", "hedged", "blunt", "“Maybe”, “I think”, or straight to the point."),
    "curiosity": ("Curiosity", "answers only", "asks back", "Whether replies ask the fan a question back."),
    "self_promotion": (
        "Self-promotion", "never mentions my stuff", "links my stuff",
        "Mentions of your products and links (only the links you list under About you).",
    ),
}  # fmt: skip


def slider_title(name: str) -> str:
    return SLIDER_TEXT.get(name, (name.replace("_", " ").capitalize(), "", "", ""))[0]


def slider_step(name: str, value: float) -> str:
    """The undo step's text for moving slider ``name`` to ``value``."""
    return f"Set {slider_title(name).lower()} to {value:g}"


class MarkedSlider(QSlider):
    """A 0-100 slider with a small marker under the groove: where the creator's own style is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setRange(0, 100)
        self.setPageStep(10)
        self.setSingleStep(1)
        self.marker: float | None = None
        self.setMinimumHeight(26)

    def set_marker(self, value: float | None) -> None:
        self.marker = value
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        super().paintEvent(event)
        if self.marker is None:
            return
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        style = self.style()
        slider = QStyle.ComplexControl.CC_Slider
        groove = style.subControlRect(slider, option, QStyle.SubControl.SC_SliderGroove, self)
        handle = style.subControlRect(slider, option, QStyle.SubControl.SC_SliderHandle, self)
        span = max(1, groove.width() - handle.width())
        offset = style.sliderPositionFromValue(0, 100, round(self.marker), span)
        x = groove.left() + handle.width() / 2 + offset
        y = self.height() - 1
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(WARNING_MARK))
        painter.drawPolygon(QPolygonF([QPointF(x, y - 6), QPointF(x - 5, y), QPointF(x + 5, y)]))
        painter.end()


class SliderPanel(QWidget):
    """The nine sliders, each with its ends in plain words and a marker at the creator's own style.

    ``slider_moved(name, value, dragging)`` on every change (``dragging`` while the mouse holds
    the handle); ``slider_released(name)`` when a drag ends (the page makes the whole drag one step).
    """

    slider_moved = Signal(str, float, bool)
    slider_released = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sliders: dict[str, MarkedSlider] = {}
        self.value_labels: dict[str, QLabel] = {}
        self.calibrated: dict[str, float] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(0)
        grid.setColumnStretch(1, 1)
        for row, name in enumerate(SLIDER_NAMES):
            self._add_row(grid, row, name)
        grid.setColumnMinimumWidth(0, 116)

    def _add_row(self, grid: QGridLayout, row: int, name: str) -> None:
        """The slider ``name``: its title and value on the left, the slider over its two ends."""
        title, low, high, about = SLIDER_TEXT.get(name, (name, "", "", ""))
        names = QVBoxLayout()
        names.setSpacing(0)
        title_label = heading(title)
        value_label = muted("")
        names.addWidget(title_label)
        names.addWidget(value_label)
        slider = MarkedSlider()
        slider.setAccessibleName(f"{title}: {low} to {high}")
        slider.setToolTip(
            f"{about}\nFrom “{low}” (0) to “{high}” (100). Arrow keys move it by 1, Page Up/Down by 10."
        )
        # GUI thread only: lambdas are safe for these widget signals.
        slider.valueChanged.connect(lambda value, name=name: self._on_value_changed(name, value))
        slider.sliderReleased.connect(lambda name=name: self.slider_released.emit(name))
        ends = QHBoxLayout()
        ends.setContentsMargins(0, 0, 0, 0)
        ends.addWidget(muted(low, small=True))
        ends.addStretch(1)
        ends.addWidget(muted(high, small=True))
        column = QVBoxLayout()
        column.setSpacing(0)
        column.addWidget(slider)
        column.addLayout(ends)
        grid.addLayout(names, row, 0, Qt.AlignmentFlag.AlignTop)
        grid.addLayout(column, row, 1)
        grid.setRowMinimumHeight(row, 50)
        title_label.setBuddy(slider)
        self.sliders[name] = slider
        self.value_labels[name] = value_label

    def set_values(self, sliders: dict[str, float]) -> None:
        """Show ``sliders`` (no signals)."""
        for name, slider in self.sliders.items():
            value = round(float(sliders.get(name, slider.value())))
            if slider.value() != value and not slider.isSliderDown():
                slider.blockSignals(True)
                slider.setValue(value)
                slider.blockSignals(False)
            self._show_value(name)

    def set_calibrated(self, calibrated: dict[str, float] | None) -> None:
        """Mark where the creator's own messages put each slider (``None``: nothing imported)."""
        self.calibrated = dict(calibrated or {})
        for name, slider in self.sliders.items():
            slider.set_marker(self.calibrated.get(name))
            self._show_value(name)

    def value(self, name: str) -> int:
        return self.sliders[name].value()

    def _on_value_changed(self, name: str, value: int) -> None:
        self._show_value(name)
        self.slider_moved.emit(name, float(value), self.sliders[name].isSliderDown())

    def _show_value(self, name: str) -> None:
        value = self.sliders[name].value()
        own = self.calibrated.get(name)
        label = self.value_labels[name]
        label.setText(f"{value}" + (f" · you {own:g}" if own is not None else ""))
        label.setToolTip(
            f"Your own messages put this at {own:g} (the orange mark)."
            if own is not None
            else "Import an archive to see where your own messages put this."
        )
