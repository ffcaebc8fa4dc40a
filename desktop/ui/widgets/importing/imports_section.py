"""The Import page's list of imports in progress (and finished this session), one row each,
with "Clear finished"."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.widgets.importing.import_row import ImportRow


class ImportsSection(QWidget):
    """``rows`` by job id; hidden while there is none. The page connects each row's buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: dict[int, ImportRow] = {}
        section = QVBoxLayout(self)
        section.setContentsMargins(0, 0, 0, 0)
        section.setSpacing(8)
        header = QHBoxLayout()
        imports_title = QLabel("Imports")
        imports_title.setObjectName("cardTitle")
        self.clear_button = QPushButton("Clear finished")
        self.clear_button.setAccessibleName("Clear the finished imports from the list")
        self.clear_button.clicked.connect(self.clear_finished)
        header.addWidget(imports_title)
        header.addStretch(1)
        header.addWidget(self.clear_button)
        section.addLayout(header)
        self.rows_layout = QVBoxLayout()
        self.rows_layout.setSpacing(8)
        section.addLayout(self.rows_layout)
        self.hide()

    def add_row(self, job_id: int, name: str, path: str) -> ImportRow:
        row = ImportRow(job_id, name, path)
        self.rows[job_id] = row
        self.rows_layout.addWidget(row)
        self.show()
        self.update_clear_button()
        return row

    @Slot(int)
    def remove_row(self, job_id: int) -> None:
        row = self.rows.pop(job_id, None)
        if row is not None:
            self.rows_layout.removeWidget(row)
            row.deleteLater()
        self.setVisible(bool(self.rows))
        self.update_clear_button()

    @Slot()
    def clear_finished(self) -> None:
        for job_id in [job_id for job_id, row in self.rows.items() if not row.is_active()]:
            self.remove_row(job_id)

    def any_running(self) -> bool:
        return any(row.state == "running" for row in self.rows.values())

    def update_clear_button(self) -> None:
        self.clear_button.setVisible(any(not row.is_active() for row in self.rows.values()))

    @Slot()
    def tick(self) -> None:
        for row in self.rows.values():
            row.tick()
