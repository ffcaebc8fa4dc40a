"""Pieces of the Persona page: the slider panel, compact list editors, the boundary and identity
editors, and the versions list.

Editors only show and ask: each emits ``edited(key, value, undo_text)`` with the new value of
one persona field (``apply_field`` sets it on a copy of the persona), and the page turns it
into one undoable step. ``show_persona`` refreshes an editor without emitting anything.
"""

from __future__ import annotations

import copy
import html
from datetime import datetime
from typing import Any

from PySide6.QtCore import QPointF, Qt, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPolygonF,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.persona.model import (
    AI_DISCLOSURE_RULES,
    DEFAULT_DISCLOSURE_REPLY,
    DEFAULT_NO_ANSWER_REPLY,
    DISCLOSURE_POSITIONS,
    PROMISE_KINDS,
    SLIDER_NAMES,
    Persona,
    Product,
)

MARKER_COLOR = "#f59e0b"

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

PROMISE_LABELS = {
    "prices": "Prices", "discounts": "Discounts", "giveaways": "Giveaways", "meetups": "Meetups",
}  # fmt: skip
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def slider_title(name: str) -> str:
    return SLIDER_TEXT.get(name, (name.replace("_", " ").capitalize(), "", "", ""))[0]


def apply_field(persona: Persona, key: str, value: Any) -> Persona:
    """A copy of ``persona`` with the field ``key`` set to ``value`` (as the editors send it).

    Keys are dotted paths (``boundaries.never_say``, ``identity.values``, ``sliders.emoji``,
    ``boundaries.promises.meetups``); two keys take pairs from a two-column editor:
    ``boundaries.avoid_topics`` ((topic, canned reply) pairs) and ``identity.products``
    ((name, link) pairs; a product's description is kept).
    """
    result = copy.deepcopy(persona)
    head, _, rest = key.partition(".")
    if head == "sliders":
        result.sliders[rest] = float(value)
    elif key == "boundaries.avoid_topics":
        bounds = result.boundaries
        old_topics = set(bounds.avoid_topics)
        # Canned replies for topics this editor does not list (escalation topics, say) stay.
        kept = {t: r for t, r in bounds.canned_replies.items() if t not in old_topics}
        bounds.avoid_topics = [topic for topic, _reply in value]
        bounds.canned_replies = {**kept, **{topic: reply for topic, reply in value if reply.strip()}}
    elif key.startswith("boundaries.promises."):
        result.boundaries.promises[key.rsplit(".", 1)[1]] = bool(value)
    elif head == "boundaries":
        setattr(result.boundaries, rest, value)
    elif key == "identity.products":
        described = {p.name: p.description for p in result.identity.products}
        result.identity.products = [Product(name, url, described.get(name, "")) for name, url in value]
    elif head == "identity":
        setattr(result.identity, rest, value)
    else:
        setattr(result, key, value)
    return result


def heading(text: str, tooltip: str = "") -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: 600; color: #111827;")
    if tooltip:
        label.setToolTip(tooltip)
    return label


# --- sliders ----------------------------------------------------------------------------------------


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
        painter.setBrush(QColor(MARKER_COLOR))
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
        for index, name in enumerate(SLIDER_NAMES):
            title, low, high, about = SLIDER_TEXT.get(name, (name, "", "", ""))
            names = QVBoxLayout()
            names.setSpacing(0)
            title_label = QLabel(title)
            title_label.setStyleSheet("font-weight: 600; color: #111827;")
            value_label = QLabel("")
            value_label.setObjectName("muted")
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
            low_label, high_label = QLabel(low), QLabel(high)
            for label in (low_label, high_label):
                label.setObjectName("muted")
                label.setStyleSheet("font-size: 8.5pt;")
            ends.addWidget(low_label)
            ends.addStretch(1)
            ends.addWidget(high_label)
            column = QVBoxLayout()
            column.setSpacing(0)
            column.addWidget(slider)
            column.addLayout(ends)
            row = index
            grid.addLayout(names, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addLayout(column, row, 1)
            grid.setRowMinimumHeight(row, 50)
            title_label.setBuddy(slider)
            self.sliders[name] = slider
            self.value_labels[name] = value_label
        grid.setColumnMinimumWidth(0, 116)

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


# --- list editors ------------------------------------------------------------------------------------


class ListEditor(QWidget):
    """A short list of texts: add (Enter), edit in place (double-click), remove (Delete)."""

    changed = Signal(list)

    def __init__(
        self, title: str, placeholder: str, tooltip: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.title = title
        layout.addWidget(heading(title, tooltip))
        self.list = QListWidget()
        self.list.setAccessibleName(title)
        self.list.setToolTip((tooltip + "\n" if tooltip else "") + "Double-click to edit; Delete removes.")
        self.list.setMinimumHeight(54)
        self.list.setMaximumHeight(80)
        self.list.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.entry = QLineEdit()
        self.entry.setPlaceholderText(placeholder)
        self.entry.setAccessibleName(f"New entry for {title}")
        self.entry.returnPressed.connect(self.add)
        self.entry.textChanged.connect(self._update_buttons)
        self.add_button = QPushButton("Add")
        self.add_button.setToolTip(f"Add to {title.lower()} (Enter)")
        self.add_button.clicked.connect(self.add)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected entry (Delete)")
        self.remove_button.clicked.connect(self.remove_selected)
        row.addWidget(self.entry, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.remove_selected)
        self._update_buttons()

    def items(self) -> list[str]:
        texts = (self.list.item(row).text().strip() for row in range(self.list.count()))
        return [text for text in texts if text]

    def set_items(self, items: list[str]) -> None:
        """Show ``items`` (no signal)."""
        if items == self.items():
            return
        self.list.blockSignals(True)
        self.list.clear()
        for text in items:
            self._append(text)
        self.list.blockSignals(False)
        self._update_buttons()

    @Slot()
    def add(self) -> None:
        text = self.entry.text().strip()
        if not text:
            return
        self.entry.clear()
        if text in self.items():
            return
        self.list.blockSignals(True)
        self._append(text)
        self.list.blockSignals(False)
        self.changed.emit(self.items())

    @Slot()
    def remove_selected(self) -> None:
        rows = sorted((self.list.row(item) for item in self.list.selectedItems()), reverse=True)
        if not rows:
            return
        self.list.blockSignals(True)
        for row in rows:
            self.list.takeItem(row)
        self.list.blockSignals(False)
        self.changed.emit(self.items())

    def _append(self, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        item.setToolTip(text)
        self.list.addItem(item)

    @Slot(QListWidgetItem)
    def _on_item_changed(self, _item: QListWidgetItem) -> None:
        self.changed.emit(self.items())

    @Slot()
    def _update_buttons(self) -> None:
        self.add_button.setEnabled(bool(self.entry.text().strip()))
        self.remove_button.setEnabled(bool(self.list.selectedItems()))


class PairListEditor(QWidget):
    """Rows of two texts (a topic and its canned reply, a product and its link)."""

    changed = Signal(list)

    def __init__(
        self,
        title: str,
        columns: tuple[str, str],
        placeholders: tuple[str, str],
        tooltip: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.title = title
        layout.addWidget(heading(title, tooltip))
        self.table = QTableWidget(0, 2)
        self.table.setAccessibleName(title)
        self.table.setHorizontalHeaderLabels(list(columns))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setMinimumSectionSize(90)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setToolTip(
            (tooltip + "\n" if tooltip else "") + "Double-click a cell to edit it; Delete removes the row."
        )
        self.table.setMinimumHeight(76)
        self.table.setMaximumHeight(120)
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.first = QLineEdit()
        self.first.setPlaceholderText(placeholders[0])
        self.first.setAccessibleName(f"New {columns[0].lower()}")
        self.second = QLineEdit()
        self.second.setPlaceholderText(placeholders[1])
        self.second.setAccessibleName(f"New {columns[1].lower()}")
        for entry in (self.first, self.second):
            entry.returnPressed.connect(self.add)
            entry.textChanged.connect(self._update_buttons)
        self.add_button = QPushButton("Add")
        self.add_button.setToolTip(f"Add to {title.lower()} (Enter)")
        self.add_button.clicked.connect(self.add)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected row (Delete)")
        self.remove_button.clicked.connect(self.remove_selected)
        row.addWidget(self.first, 2)
        row.addWidget(self.second, 3)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.remove_selected)
        self._update_buttons()

    def pairs(self) -> list[tuple[str, str]]:
        rows = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, column) for column in (0, 1)]
            first, second = ((cell.text().strip() if cell is not None else "") for cell in cells)
            if first:
                rows.append((first, second))
        return rows

    def set_pairs(self, pairs: list[tuple[str, str]]) -> None:
        """Show ``pairs`` (no signal)."""
        if pairs == self.pairs():
            return
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for first, second in pairs:
            self._append(first, second)
        self.table.blockSignals(False)
        self._update_buttons()

    @Slot()
    def add(self) -> None:
        first, second = self.first.text().strip(), self.second.text().strip()
        if not first:
            self.first.setFocus()
            return
        self.first.clear()
        self.second.clear()
        self.first.setFocus()
        if first in [f for f, _ in self.pairs()]:
            return
        self.table.blockSignals(True)
        self._append(first, second)
        self.table.blockSignals(False)
        self.changed.emit(self.pairs())

    @Slot()
    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        if not rows:
            return
        self.table.blockSignals(True)
        for row in rows:
            self.table.removeRow(row)
        self.table.blockSignals(False)
        self.changed.emit(self.pairs())

    def _append(self, first: str, second: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, text in enumerate((first, second)):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            self.table.setItem(row, column, item)

    @Slot(QTableWidgetItem)
    def _on_item_changed(self, _item: QTableWidgetItem) -> None:
        self.changed.emit(self.pairs())

    @Slot()
    def _update_buttons(self) -> None:
        self.add_button.setEnabled(bool(self.first.text().strip()))
        self.remove_button.setEnabled(bool(self.table.selectedIndexes()))


class _Editor(QWidget):
    """Base of the boundary and identity editors: list editors that report ``edited``."""

    edited = Signal(str, object, str)  # key, new value, undo text

    def _list(self, key: str, title: str, placeholder: str, tooltip: str = "") -> ListEditor:
        editor = ListEditor(title, placeholder, tooltip)
        # GUI thread only: a lambda is safe for a widget's own signal.
        editor.changed.connect(
            lambda items, key=key, title=title: self.edited.emit(key, items, f"Edit {title.lower()}")
        )
        return editor

    def _line(self, key: str, title: str, placeholder: str, tooltip: str = "") -> QLineEdit:
        entry = QLineEdit()
        entry.setPlaceholderText(placeholder)
        entry.setAccessibleName(title)
        entry.setToolTip(tooltip)

        def commit() -> None:  # on Enter or leaving the field, not on every key
            self.edited.emit(key, entry.text(), f"Edit {title.lower()}")

        entry.editingFinished.connect(commit)
        return entry


def disclosure_off_box(parent: QWidget | None) -> tuple[QMessageBox, QPushButton]:
    """The confirmation asked before AI disclosure is turned off, and its "Turn it off" button.

    It says what the platforms' own rules ask of AI replies (``AI_DISCLOSURE_RULES``); Cancel
    (the default, and Esc) keeps disclosure on.
    """
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Turn AI disclosure off?")
    box.setText("Turn AI disclosure off?")
    box.setInformativeText(AI_DISCLOSURE_RULES)
    turn_off = box.addButton("Turn it off", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    return box, turn_off


def confirm_disclosure_off(parent: QWidget | None) -> bool:
    """Ask before turning AI disclosure off; True only when the creator confirms (a module
    function, so that tests can answer it)."""
    box, turn_off = disclosure_off_box(parent)
    box.exec()
    return box.clickedButton() is turn_off


def _set_line(entry: QLineEdit, text: str) -> None:
    if entry.text() != text:
        entry.blockSignals(True)
        entry.setText(text)
        entry.setCursorPosition(0)
        entry.blockSignals(False)


class ReplyEdit(QPlainTextEdit):
    """A short reply in the creator's words, wrapped over a few lines so all of it shows.

    Like a line edit, it reports ``editing_finished`` on Enter (Shift+Enter too: a reply is one
    paragraph) and when it loses the focus; Tab moves on.
    """

    editing_finished = Signal()
    LINES = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        margins = self.contentsMargins()
        line = self.fontMetrics().lineSpacing()
        frame = 2 * self.frameWidth() + margins.top() + margins.bottom()
        self.setFixedHeight(self.LINES * line + int(2 * self.document().documentMargin()) + frame + 10)

    def text(self) -> str:
        return self.toPlainText()

    def set_text(self, text: str) -> None:
        """Show ``text`` without reporting an edit."""
        if self.toPlainText() != text:
            self.blockSignals(True)
            self.setPlainText(text)
            self.blockSignals(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.editing_finished.emit()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt API)
        super().focusOutEvent(event)
        self.editing_finished.emit()


class BoundariesEditor(_Editor):
    """What the clone must never do: topics, phrases, promises, private facts, escalations, disclosure."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 10, 0, 0)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(14)
        self.avoid = PairListEditor(
            "Topics to avoid",
            ("Topic", "Canned reply (optional)"),
            ("A topic, e.g. politics", "What to say instead, in your words"),
            "A message on one of these gets no draft from the model; your canned reply is offered instead.",
        )
        self.avoid.changed.connect(
            lambda pairs: self.edited.emit("boundaries.avoid_topics", pairs, "Edit topics to avoid")
        )
        self.never_say = self._list(
            "boundaries.never_say",
            "Never say",
            "A phrase, or re: a pattern",
            "Phrases that must never appear in a draft. Start with re: for a regular expression.",
        )
        self.private = self._list(
            "boundaries.private_facts",
            "Private facts",
            "e.g. my home address",
            "Things about you a draft must never reveal; the guard checks every draft for them.",
        )
        self.escalate = self._list(
            "boundaries.escalation_topics",
            "Answer these yourself",
            "e.g. injuries",
            "Messages about these get no draft, only a flag for you to answer personally.",
        )
        promises = QWidget()
        promise_layout = QVBoxLayout(promises)
        promise_layout.setContentsMargins(0, 0, 0, 0)
        promise_layout.setSpacing(4)
        promise_layout.addWidget(
            heading("It may promise", "Unticked: a draft that promises this is blocked and left to you.")
        )
        self.promise_boxes: dict[str, QCheckBox] = {}
        boxes = QGridLayout()
        boxes.setHorizontalSpacing(12)
        for index, kind in enumerate(PROMISE_KINDS):
            box = QCheckBox(PROMISE_LABELS.get(kind, kind.title()))
            box.setToolTip(f"Whether a draft may promise {kind} (unticked: blocked).")
            box.toggled.connect(
                lambda on, kind=kind: self.edited.emit(
                    f"boundaries.promises.{kind}", on, f"{'Allow' if on else 'Forbid'} promising {kind}"
                )
            )
            boxes.addWidget(box, index // 2, index % 2)
            self.promise_boxes[kind] = box
        promise_layout.addLayout(boxes)
        self.personal = QCheckBox("Personal details (family, where I live)")
        self.personal.setToolTip("Whether a draft may mention your address, phone, family and other details.")
        self.personal.toggled.connect(
            lambda on: self.edited.emit("boundaries.allow_personal_details", on, "Change personal details")
        )
        promise_layout.addWidget(self.personal)
        promise_layout.addStretch(1)

        disclosure = QWidget()
        disclosure_layout = QVBoxLayout(disclosure)
        disclosure_layout.setContentsMargins(0, 0, 0, 0)
        disclosure_layout.setSpacing(4)
        disclosure_layout.addWidget(heading("AI disclosure", "A label added to every draft, so fans know."))
        self.disclose = QCheckBox("Add a label to every draft")
        self.disclose.setToolTip(
            "Platforms ask that replies written with AI say so; turning this off asks first."
        )
        self.disclose.toggled.connect(self._on_disclose_toggled)
        self.label_entry = self._line(
            "boundaries.disclosure_label",
            "Disclosure label",
            "(drafted with AI, reviewed by me)",
            "The words added to each draft.",
        )
        self.position = QComboBox()
        self.position.setAccessibleName("Where the label goes")
        for position in DISCLOSURE_POSITIONS:
            self.position.addItem(f"at the {position}", position)
        self.position.activated.connect(
            lambda _index: self.edited.emit(
                "boundaries.disclosure_position", self.position.currentData(), "Move the disclosure label"
            )
        )
        label_row = QHBoxLayout()
        label_row.setSpacing(6)
        label_row.addWidget(self.label_entry, 1)
        label_row.addWidget(self.position)
        disclosure_layout.addWidget(self.disclose)
        disclosure_layout.addLayout(label_row)
        disclosure_layout.addSpacing(8)
        # Replies the guard offers in the creator's own words (used whether the label is on or off).
        self.disclosure_reply_entry = self._reply_line(
            "boundaries.disclosure_reply",
            "Answer to “are you a bot?”",
            DEFAULT_DISCLOSURE_REPLY,
            "Offered instead of a draft that dodges a fan's question about being a person or an AI.",
        )
        self.no_answer_entry = self._reply_line(
            "boundaries.no_answer_reply",
            "When you have no answer",
            DEFAULT_NO_ANSWER_REPLY,
            "The draft when a fan asks for a fact (a price, a date, a place) that neither your facts nor "
            "anything you wrote answers: never an invented one. Marked “needs your answer”.",
        )
        replies = QGridLayout()
        replies.setHorizontalSpacing(18)
        replies.setVerticalSpacing(4)
        for column, (title, entry) in enumerate(
            (
                ("Answer to “are you a bot?”", self.disclosure_reply_entry),
                ("When you have no answer", self.no_answer_entry),
            )
        ):
            label = heading(title, entry.toolTip())
            label.setBuddy(entry)
            replies.addWidget(label, 0, column)
            replies.addWidget(entry, 1, column)
            replies.setColumnStretch(column, 1)
        disclosure_layout.addLayout(replies)
        disclosure_layout.addStretch(1)

        grid.addWidget(self.avoid, 0, 0, 1, 2)
        grid.addWidget(self.never_say, 1, 0)
        grid.addWidget(self.private, 1, 1)
        grid.addWidget(self.escalate, 2, 0)
        grid.addWidget(promises, 2, 1)
        grid.addWidget(disclosure, 3, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(4, 1)  # spare height goes below the editors, not between them

    def _reply_line(self, key: str, title: str, default: str, tooltip: str) -> ReplyEdit:
        """A reply in the creator's words; left empty, it goes back to the default wording."""
        entry = ReplyEdit()
        entry.setPlaceholderText(default)
        entry.setAccessibleName(title)
        entry.setToolTip(tooltip)

        def commit() -> None:  # on Enter or leaving the field, not on every key
            text = entry.text().strip() or default
            if entry.text() != text:
                entry.set_text(text)
            self.edited.emit(key, text, f"Edit {title.lower()}")

        # GUI thread only: the entry is this editor's own widget.
        entry.editing_finished.connect(commit)
        return entry

    @Slot(bool)
    def _on_disclose_toggled(self, on: bool) -> None:
        # Turning disclosure off is asked first, with what the platforms ask of AI replies;
        # Cancel leaves it on (and nothing changes in the persona).
        if not on and not confirm_disclosure_off(self.window()):
            _set_checked(self.disclose, True)
            return
        self.edited.emit("boundaries.disclose_ai", on, "Change AI disclosure")

    def show_persona(self, persona: Persona) -> None:
        bounds = persona.boundaries
        self.avoid.set_pairs([(t, bounds.canned_replies.get(t, "")) for t in bounds.avoid_topics])
        self.never_say.set_items(bounds.never_say)
        self.private.set_items(bounds.private_facts)
        self.escalate.set_items(bounds.escalation_topics)
        for kind, box in self.promise_boxes.items():
            _set_checked(box, bounds.promise_allowed(kind))
        _set_checked(self.personal, bounds.allow_personal_details)
        _set_checked(self.disclose, bounds.disclose_ai)
        _set_line(self.label_entry, bounds.disclosure_label)
        self.disclosure_reply_entry.set_text(bounds.disclosure_reply)
        self.no_answer_entry.set_text(bounds.no_answer_reply)
        self.label_entry.setEnabled(bounds.disclose_ai)
        self.position.setEnabled(bounds.disclose_ai)
        index = self.position.findData(bounds.disclosure_position)
        if index >= 0 and index != self.position.currentIndex():
            self.position.setCurrentIndex(index)


class IdentityEditor(_Editor):
    """Who the creator is: name and voice notes, values, goals, projects, products, links, facts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 10, 0, 0)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(14)
        names = QGridLayout()
        names.setHorizontalSpacing(8)
        names.setVerticalSpacing(6)
        self.name_entry = self._line(
            "display_name", "Your name", "How you sign, e.g. Zoë", "The name your understudy goes by."
        )
        self.notes_entry = self._line(
            "style_notes",
            "Notes on your voice",
            "e.g. short, lower case, lots of “haha”",
            "Your own words about how you write; models that follow instructions read them.",
        )
        names.addWidget(heading("Your name"), 0, 0)
        names.addWidget(self.name_entry, 0, 1)
        names.addWidget(heading("Your voice"), 1, 0)
        names.addWidget(self.notes_entry, 1, 1)
        names.setColumnStretch(1, 1)
        self.values = self._list("identity.values", "What you stand for", "e.g. progress over perfection")
        self.goals = self._list("identity.goals", "Goals", "e.g. help people build habits that last")
        self.projects = self._list("identity.projects", "Current projects", "e.g. the spring tour")
        self.links = self._list(
            "identity.links",
            "Links",
            "https://…",
            "Besides your products' links, the only links a draft may contain.",
        )
        self.products = PairListEditor(
            "Products",
            ("Name", "Link"),
            ("e.g. 12-week plan", "https://…"),
            "What you sell or promote; their links are ones a draft may contain.",
        )
        self.products.changed.connect(
            lambda pairs: self.edited.emit("identity.products", pairs, "Edit products")
        )
        self.facts = self._list(
            "facts",
            "Facts it may state",
            "e.g. I live in Lisbon",
            "True things about you a draft may say; the guard counts them as support for a claim.",
        )
        grid.addLayout(names, 0, 0, 1, 2)
        grid.addWidget(self.values, 1, 0)
        grid.addWidget(self.goals, 1, 1)
        grid.addWidget(self.products, 2, 0, 1, 2)
        grid.addWidget(self.projects, 3, 0)
        grid.addWidget(self.links, 3, 1)
        grid.addWidget(self.facts, 4, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(5, 1)

    def show_persona(self, persona: Persona) -> None:
        ident = persona.identity
        _set_line(self.name_entry, persona.display_name)
        _set_line(self.notes_entry, persona.style_notes)
        self.values.set_items(ident.values)
        self.goals.set_items(ident.goals)
        self.projects.set_items(ident.projects)
        self.links.set_items(ident.links)
        self.products.set_pairs([(p.name, p.url) for p in ident.products])
        self.facts.set_items(persona.facts)


def _set_checked(box: QCheckBox, on: bool) -> None:
    if box.isChecked() != on:
        box.blockSignals(True)
        box.setChecked(on)
        box.blockSignals(False)


# --- versions ---------------------------------------------------------------------------------------


def format_saved_at(stamp: str) -> str:
    """``'2024-11-10T14:02:03.000Z'`` as ``'10 Nov 2024, 14:02'`` in local time."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return stamp
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M}"


class VersionsList(QWidget):
    """Every saved version with its note, newest first; Restore makes an old one active again."""

    restore_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.active_id: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.setSpacing(8)
        self.table = QTableWidget(0, 3)
        self.table.setAccessibleName("Saved versions")
        self.table.setHorizontalHeaderLabels(["Version", "Saved", "What changed"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setMinimumHeight(160)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemActivated.connect(lambda _item: self.restore_selected())
        self.empty_label = QLabel("No version saved yet. Save (Ctrl+S) makes the first one.")
        self.empty_label.setObjectName("muted")
        row = QHBoxLayout()
        note = QLabel(
            "Restoring saves a copy of that version as the newest. "
            "Undo (Ctrl+Z) brings back what was on screen."
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        self.restore_button = QPushButton("Restore")
        self.restore_button.setToolTip("Make the selected version the one in use again (Enter)")
        self.restore_button.setAccessibleName("Restore the selected version")
        self.restore_button.clicked.connect(self.restore_selected)
        row.addWidget(note, 1)
        row.addWidget(self.restore_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self._update_buttons()

    def set_versions(self, versions: list[Any], active_id: int | None) -> None:
        self.active_id = active_id
        selected = self.selected_id()
        self.table.setRowCount(0)
        for version in versions:
            row = self.table.rowCount()
            self.table.insertRow(row)
            active = version.id == active_id
            cells = [
                f"{version.id}  (in use)" if active else str(version.id),
                format_saved_at(version.created_at),
                version.note,
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, version.id)
                item.setToolTip(version.note)
                if active and column == 0:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                    item.setForeground(QColor("#047857"))
                self.table.setItem(row, column, item)
            if version.id == selected:
                self.table.selectRow(row)
        self.table.resizeRowsToContents()
        self.empty_label.setVisible(not versions)
        self.table.setVisible(bool(versions))
        self._update_buttons()

    def version_ids(self) -> list[int]:
        rows = range(self.table.rowCount())
        return [int(self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)) for row in rows]

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return int(self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole))

    def select(self, version_id: int) -> None:
        if version_id in self.version_ids():
            self.table.selectRow(self.version_ids().index(version_id))

    @Slot()
    def restore_selected(self) -> None:
        version_id = self.selected_id()
        if version_id is not None and version_id != self.active_id:
            self.restore_requested.emit(version_id)

    @Slot()
    def _update_buttons(self) -> None:
        version_id = self.selected_id()
        self.restore_button.setEnabled(version_id is not None and version_id != self.active_id)


# --- live preview ------------------------------------------------------------------------------------


class PreviewPane(QWidget):
    """One sample message (editable) and the reply the working persona drafts for it."""

    message_edited = Signal()

    def __init__(self, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number = number
        self.edited_by_creator = False
        self.text = ""
        self.complete = False  # the reply shown is a finished draft (not a cut-off one)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.message_entry = QLineEdit()
        self.message_entry.setAccessibleName(f"Sample message {number}")
        self.message_entry.setPlaceholderText("A message a fan might send…")
        self.message_entry.setToolTip(
            "Edit the message; the reply is drafted again when you press Enter or leave the field."
        )
        self.message_entry.editingFinished.connect(self._on_edited)
        self.reply_label = QLabel("")
        self.reply_label.setObjectName("previewReply")
        self.reply_label.setWordWrap(True)
        self.reply_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reply_label.setAccessibleName(f"Drafted reply {number}")
        self.reply_label.setMinimumHeight(44)
        self.reply_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.meta_label = QLabel("")
        self.meta_label.setObjectName("muted")
        self.meta_label.setStyleSheet("font-size: 8.5pt;")
        self.meta_label.setWordWrap(True)
        self.meta_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.message_entry)
        layout.addWidget(self.reply_label)
        layout.addWidget(self.meta_label)
        self._style_reply(stale=False)
        self.reply_label.setText("")

    def message(self) -> str:
        return self.message_entry.text().strip()

    def set_message(self, text: str) -> None:
        _set_line(self.message_entry, text)

    def _on_edited(self) -> None:
        self.edited_by_creator = True
        self.message_edited.emit()

    def _style_reply(self, *, stale: bool) -> None:
        color = "#9ca3af" if stale else "#111827"
        self.reply_label.setStyleSheet(
            f"QLabel#previewReply {{ color: {color}; background: #f5f7ff; border: 1px solid #e0e7ff;"
            " border-radius: 8px; padding: 7px 9px; }"
        )

    def set_stale(self, note: str = "updating…") -> None:
        """The persona changed since this reply was drafted: grey it out until the new one comes."""
        self._style_reply(stale=True)
        self.meta_label.setText(note)

    def begin(self) -> None:
        self.text = ""
        if not self.complete:
            self.reply_label.setText("")  # half a cancelled draft says nothing worth keeping
        self._style_reply(stale=True)
        self.meta_label.setText("waiting for its turn…")

    def start(self) -> None:
        self.meta_label.setText("writing…")

    def append(self, piece: str) -> None:
        if not self.text:
            self._style_reply(stale=False)
            self.meta_label.setText("writing…")
        self.complete = False
        self.text += piece
        self.reply_label.setText(self.text.strip())

    def restart_attempt(self, reason: str) -> None:
        self.text = ""
        self.reply_label.setText("")
        self.meta_label.setText(html.escape(f"the guard sent that attempt back ({reason}); trying again…"))

    def finish(self, draft: Any) -> None:
        from desktop.core.persona.style import style_features

        self._style_reply(stale=False)
        self.complete = True
        if not draft.triage.draft_allowed:
            self.text = ""
            self.reply_label.setText("No draft: this message needs you.")
            self.meta_label.setText(html.escape("; ".join(draft.triage.reasons) or "left for you to answer"))
            return
        self.text = draft.text
        self.reply_label.setText(draft.text.strip() or "(an empty reply)")
        features = style_features(draft.text)
        parts = [_count(features.words, "word"), _count(features.emoji, "emoji", "emoji")]
        if features.questions:
            parts.append(_count(features.questions, "question"))
        if features.exclamations:
            parts.append(_count(features.exclamations, "“!”", "“!”"))
        guard = draft.guard
        findings = [f"{f.severity}: {f.message}" for f in guard.findings] if guard is not None else []
        self.meta_label.setToolTip("\n".join(findings) or "The guard found nothing to flag.")
        if guard is not None and guard.blocked:
            first = next((f.message for f in guard.findings if f.severity == "block"), "a boundary")
            parts.append(f"<span style='color:#b91c1c'>blocked: {html.escape(first)}</span>")
        elif guard is not None and any(f.kind == "needs_answer" for f in guard.findings):
            parts.append("<span style='color:#b45309'>needs your answer</span>")
        elif guard is not None and guard.needs_edit:
            parts.append("<span style='color:#b45309'>would need an edit</span>")
        else:
            parts.append("<span style='color:#047857'>looks fine</span>")
        self.meta_label.setText(" · ".join(parts))

    def fail(self, message: str) -> None:
        self._style_reply(stale=False)
        self.complete = True
        self.text = ""
        self.reply_label.setText("")
        self.meta_label.setText(f"<span style='color:#b91c1c'>Could not draft: {html.escape(message)}</span>")


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else (many or one + 's')}"
