"""The "Model catalogue" card: curated models, whether each fits this computer, and downloads.

The verdicts and speeds come from the core (``catalogue_rows``: the memory pre-flight and a
bandwidth probe), read on the ``CatalogueController``'s worker; a download runs there too and
only reports here. Nothing on this card touches the network until Download is clicked.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.ui.widgets.common.buttons import button
from desktop.ui.widgets.common.labels import message_label, muted_label
from desktop.ui.widgets.common.tables import setup_row_table
from desktop.ui.widgets.common.wiring import connect_by_name
from desktop.ui.widgets.page import card_layout
from desktop.ui.widgets.settings.models_card import human_size

COLUMNS = ("Model", "On this computer", "Speed here", "Size", "Licence", "Downloaded")
VERDICT_COLUMN, LICENCE_COLUMN, DOWNLOADED_COLUMN = 1, 4, 5
RECOMMENDED_MARK = "★ recommended"
VERDICT_COLOURS = {"fits": "#15803d", "fits, slow": "#b45309", "does not fit": "#b91c1c"}
VERDICT_TIPS = {
    "fits": "Fits in this computer's free memory and drafts faster than you read.",
    "fits, slow": "Fits, but drafts would appear more slowly than you read (or with a shorter context).",
    "does not fit": "Not enough free memory: loading it would be refused.",
}
SPEED_TIP = (
    "Estimated word pieces (tokens) per second at best, from this computer's measured memory speed: "
    "each generated token reads the whole model once. Real drafting is somewhat slower."
)


def progress_words(progress: Any) -> str:
    """A download step in words: what, how far, how fast, how long still."""
    parts = [str(progress.message)]
    speed = getattr(progress, "bytes_per_s", 0.0) or 0.0
    if speed > 0:
        parts.append(f"{speed / 1e6:.1f} MB/s")
    left = getattr(progress, "seconds_left", None)
    if left is not None:
        parts.append(
            f"{int(left // 60)} min {int(left % 60):02d} s left" if left >= 60 else f"{left:.0f} s left"
        )
    return " · ".join(parts)


#: What the card listens to on the CatalogueController: each signal goes to its ``_on_<name>`` slot.
CONTROLLER_SIGNALS = (
    "catalogue_loading catalogue_failed download_started download_finished download_failed download_cancelled"
)


class CatalogueCard(QFrame):
    """The catalogue's table, Download / Cancel, and the download's progress (``attach`` a controller)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = card_layout(self, "Model catalogue")
        self.status = muted_label("Reading the catalogue and measuring this computer's memory speed…")
        layout.addWidget(self.status)
        self.table = QTableWidget()
        setup_row_table(self.table, COLUMNS)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.hide()
        layout.addWidget(self.table)
        self.download_button = button(
            "Download",
            "Download the selected model into the models folder (checked before use).",
            self._on_download_clicked,
            "primary",
        )
        self.cancel_button = button(
            "Cancel",
            "Stop the download. What arrived is kept: Download again continues from there.",
            self._on_cancel_clicked,
        )
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.hide()
        row = QHBoxLayout()
        row.addWidget(self.download_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.progress, 1)
        self._idle_stretch = QWidget()  # keeps the buttons their own size while no bar is shown
        row.addWidget(self._idle_stretch, 1)
        layout.addLayout(row)
        self.message = message_label("catalogueMessage")
        layout.addWidget(self.message)
        self._controller: Any = None
        self._view: Any = None
        self._downloading: str | None = None
        self._update_buttons()

    # --- the controller ---------------------------------------------------------------------------
    def attach(self, controller: Any) -> None:
        """Connect to a ``CatalogueController`` (GUI-thread signals only)."""
        self._controller = controller
        controller.catalogue_loaded.connect(self.show_catalogue)
        controller.download_progress.connect(self.show_progress)
        connect_by_name(controller, self, CONTROLLER_SIGNALS)
        self._update_buttons()

    # --- the table --------------------------------------------------------------------------------
    @Slot()
    def _on_catalogue_loading(self) -> None:
        if self._view is None:
            self.status.setText("Reading the catalogue and measuring this computer's memory speed…")

    @Slot(object)
    def show_catalogue(self, view: Any) -> None:
        """Fill the table from a ``CatalogueView``; the selection survives a refresh."""
        selected = self.selected_id()
        self._view = view
        rows = view.rows
        fitting = sum(row.verdict.verdict != "does not fit" for row in rows)
        self.status.setText(
            f"{len(rows)} models picked for replying in your voice; {fitting} fit this computer. "
            "Downloads start only when you click Download."
        )
        self.status.setToolTip(view.note)
        table = self.table
        table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            self._fill_row(index, row, view.partial.get(row.entry.id))
        table.resizeColumnsToContents()
        table.setFixedHeight(
            table.horizontalHeader().sizeHint().height()
            + sum(table.rowHeight(r) for r in range(len(rows)))
            + table.horizontalScrollBar().sizeHint().height()
            + 4
        )
        table.show()
        wanted = selected or next((row.entry.id for row in rows if row.entry.recommended), None)
        if wanted:
            self.select(wanted)
        self._update_buttons()

    def _fill_row(self, index: int, row: Any, partial: int | None) -> None:
        entry, verdict = row.entry, row.verdict
        name = entry.name + (f"   {RECOMMENDED_MARK}" if entry.recommended else "")
        if row.downloaded:
            downloaded = "✓ downloaded"
        elif partial:
            downloaded = f"{human_size(partial)} so far"
        else:
            downloaded = ""
        cells = [
            name,
            verdict.verdict,
            f"≈ {verdict.tokens_per_s:.0f} tokens/s",
            human_size(entry.size_bytes),
            "",
            downloaded,
        ]
        tips = [
            f"{entry.notes}\n{entry.repo} / {entry.file} ({entry.quantization}, "
            f"context {entry.context_length:,} tokens)".strip(),
            verdict.reason or VERDICT_TIPS.get(verdict.verdict, ""),
            SPEED_TIP,
            "Approximate: the exact size is read from the Hub when the download starts.",
            "",
            "In the models folder."
            if row.downloaded
            else ("Part of it is here: Download continues from there." if partial else ""),
        ]
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(tips[column])
            item.setData(Qt.ItemDataRole.UserRole, entry.id)
            if column == 0 and entry.recommended:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            if column == VERDICT_COLUMN:
                item.setForeground(QColor(VERDICT_COLOURS.get(verdict.verdict, "#111827")))
            self.table.setItem(index, column, item)
        licence = entry.licence
        link = QLabel(
            f'<a href="{html.escape(licence.url)}">{html.escape(licence.name)}</a>'
            + (" (accept on the Hub)" if licence.gated else "")
        )
        link.setOpenExternalLinks(True)
        link.setToolTip(f"Read the licence: {licence.url}")
        link.setContentsMargins(6, 0, 6, 0)
        self.table.setCellWidget(index, LICENCE_COLUMN, link)

    @Slot(object)
    def _on_catalogue_failed(self, failure: Any) -> None:
        self.status.setText(f"The catalogue could not be read. {failure.text}")

    def row_ids(self) -> list[str]:
        """Model ids in table order (for tests and accessibility checks)."""
        return [self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(self.table.rowCount())]

    def cell_text(self, model_id: str, column: int) -> str:
        row = self.row_ids().index(model_id)
        return self.table.item(row, column).text()

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole) if rows else None

    def select(self, model_id: str) -> bool:
        if model_id not in self.row_ids():
            return False
        self.table.selectRow(self.row_ids().index(model_id))
        return True

    def _row_of(self, model_id: str | None) -> Any:
        rows = self._view.rows if self._view is not None else []
        return next((row for row in rows if row.entry.id == model_id), None)

    # --- downloading --------------------------------------------------------------------------------
    @Slot()
    def _update_buttons(self) -> None:
        model_id = self.selected_id()
        row = self._row_of(model_id)
        partial = self._view.partial.get(model_id) if self._view is not None and model_id else None
        idle = self._controller is not None and self._downloading is None
        fits = row is not None and row.verdict.verdict != "does not fit"
        self.download_button.setText("Continue download" if partial else "Download")
        self.download_button.setEnabled(idle and fits and not row.downloaded)
        if row is not None and not fits:
            self.download_button.setToolTip(
                f"{row.entry.name} does not fit this computer. {row.verdict.reason}"
            )
        elif row is not None and row.downloaded:
            self.download_button.setToolTip(f"{row.entry.name} is already in the models folder.")
        else:
            self.download_button.setToolTip(
                "Download the selected model into the models folder (checked before use)."
            )
        self.cancel_button.setEnabled(self._downloading is not None)
        self.cancel_button.setVisible(self._downloading is not None)

    @Slot()
    def _on_download_clicked(self) -> None:
        model_id = self.selected_id()
        if self._controller is not None and model_id and self._downloading is None:
            self._controller.download(model_id)

    @Slot()
    def _on_cancel_clicked(self) -> None:
        if self._controller is not None:
            self._controller.cancel_download()
            self.cancel_button.setEnabled(False)

    @Slot(str)
    def _on_download_started(self, model_id: str) -> None:
        self._downloading = model_id
        row = self._row_of(model_id)
        self.progress.setRange(0, 0)
        self.progress.show()
        self._idle_stretch.hide()
        self._show_message(f"Starting the download of {row.entry.name if row else model_id}…")
        self._update_buttons()

    @Slot(object)
    def show_progress(self, progress: Any) -> None:
        fraction = progress.fraction
        if fraction is None:
            self.progress.setRange(0, 0)  # busy: asking the server, checking, test-loading
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(fraction * 1000))
        self._show_message(progress_words(progress))

    @Slot(object)
    def _on_download_finished(self, facts: Any) -> None:
        self._end_download(
            f"{facts.file_name} is downloaded, verified and in the models folder. "
            "Choose it with “Use for drafting” above."
        )

    @Slot(object)
    def _on_download_failed(self, failure: Any) -> None:
        self._end_download(failure.text, error=True)

    @Slot(str)
    def _on_download_cancelled(self, model_id: str) -> None:
        self._end_download("Download stopped. What arrived is kept: Continue download picks up from there.")

    def _end_download(self, text: str, *, error: bool = False) -> None:
        self._downloading = None
        self.progress.hide()
        self._idle_stretch.show()
        self._show_message(text, error=error)
        self._update_buttons()

    def is_downloading(self) -> bool:
        return self._downloading is not None

    def message_text(self) -> str:
        return self.message.text() if not self.message.isHidden() else ""

    def _show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setProperty("error", error)
        self.message.setText(text)
        self.message.setVisible(bool(text))
