"""The base of the Persona page's boundary and identity editors: fields that report ``edited``.

An edit reports the field's key, its new value and the undo step's text; the page applies it
(``fields.apply_field``) as one undoable step.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLayout, QLineEdit, QWidget

from desktop.ui.widgets.persona.list_editors import ListEditor, PairListEditor


class FieldEditor(QWidget):
    """Base of the boundary and identity editors: list editors and lines that report ``edited``."""

    edited = Signal(str, object, str)  # key, new value, undo text

    def _lay_out(self, cells: list[tuple[QWidget | QLayout, int, int, int, int]]) -> None:
        """Place ``(widget or layout, row, column, rows, columns)`` cells on two even columns;
        spare height goes below the editors, not between them."""
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 10, 0, 0)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(14)
        for item, row, column, rows, columns in cells:
            if isinstance(item, QLayout):
                grid.addLayout(item, row, column, rows, columns)
            else:
                grid.addWidget(item, row, column, rows, columns)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(max(row + rows for _item, row, _column, rows, _columns in cells), 1)

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

    def _pairs(
        self, key: str, title: str, columns: tuple[str, str], placeholders: tuple[str, str], tooltip: str
    ) -> PairListEditor:
        editor = PairListEditor(title, columns, placeholders, tooltip)
        # GUI thread only: a lambda is safe for a widget's own signal.
        editor.changed.connect(
            lambda pairs, key=key, title=title: self.edited.emit(key, pairs, f"Edit {title.lower()}")
        )
        return editor
