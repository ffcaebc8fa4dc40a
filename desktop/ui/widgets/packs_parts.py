"""Pieces of the Packs page: the export confirmation, the list of packs, the webhook's delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.inbox.redact import redact_personal
from desktop.ui.controllers.packs_controller import ExportPreview, PackRow
from desktop.ui.theme import ERROR_COLOR, OK_COLOR, plural

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MUTED_COLOR = "#6b7280"
REDACT_TEXT = "Remove fans' email addresses and phone numbers from their messages"
REDACT_HINT = "They become “[email removed]” and “[phone removed]”. Your replies are not changed."


def format_local(stamp: str) -> str:
    """``'2024-11-10T14:02:03.000Z'`` as ``'10 Nov 2024, 15:02'`` in the computer's time zone."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return stamp
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M}"


def shorten(text: str, limit: int = 90) -> str:
    """One line of at most ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def set_message(label: QLabel, text: str, kind: str = "") -> None:
    """Show ``text`` in ``label``: ``kind`` 'ok' (green), 'error' (red) or '' (muted); empty text hides it."""
    color = {"ok": OK_COLOR, "error": ERROR_COLOR}.get(kind, MUTED_COLOR)
    label.setStyleSheet(f"color: {color};")
    label.setProperty("kind", kind)
    label.setText(text)
    label.setVisible(bool(text))


class ExportDialog(QDialog):
    """Shows what an export will hold, with the redaction choice, before the creator picks a file.

    Used for reply packs (with example replies) and for the fine-tuning file (counts only).
    """

    def __init__(
        self,
        title: str,
        heading: str,
        details: list[str],
        *,
        samples: list[dict[str, Any]] | None = None,
        redact: bool = True,
        accept_text: str = "Choose where to save…",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(560)
        self._samples = samples or []
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        self.heading = QLabel(heading)
        self.heading.setObjectName("cardTitle")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        for line in details:
            label = QLabel(line)
            label.setWordWrap(True)
            layout.addWidget(label)
        self.sample_labels: list[QLabel] = []
        if self._samples:
            examples = QFrame()
            examples.setObjectName("card")
            examples_layout = QVBoxLayout(examples)
            examples_layout.setContentsMargins(14, 10, 14, 10)
            examples_layout.setSpacing(8)
            caption = QLabel("The first replies in it:")
            caption.setObjectName("muted")
            examples_layout.addWidget(caption)
            for _sample in self._samples:
                label = QLabel()
                label.setWordWrap(True)
                label.setTextFormat(Qt.TextFormat.PlainText)
                examples_layout.addWidget(label)
                self.sample_labels.append(label)
            layout.addWidget(examples)
        self.redact_box = QCheckBox(REDACT_TEXT)
        self.redact_box.setChecked(redact)
        self.redact_box.setAccessibleName(REDACT_TEXT)
        self.redact_box.toggled.connect(self._show_samples)
        layout.addWidget(self.redact_box)
        hint = QLabel(REDACT_HINT)
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        buttons = QDialogButtonBox()
        self.accept_button = buttons.addButton(accept_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.accept_button.setObjectName("primary")
        self.accept_button.setDefault(True)
        self.cancel_button = buttons.addButton("Not now", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._show_samples()
        # Sized before it is shown (a window that gets its limits only once shown makes some platforms warn).
        layout.activate()
        self.adjustSize()

    def redact(self) -> bool:
        return self.redact_box.isChecked()

    def _show_samples(self) -> None:
        for label, sample in zip(self.sample_labels, self._samples, strict=False):
            original = sample["original_message"]
            if self.redact():
                original = redact_personal(original)
            reply = shorten(sample["reply_text"], 80)
            label.setText(
                f"To {sample['recipient'] or 'a fan'} on {sample['platform']}: “{reply}”\n"
                f"    in reply to “{shorten(original, 80)}”"
            )


def export_summary(preview: ExportPreview) -> tuple[str, list[str]]:
    """The export dialog's heading and detail lines for ``preview``."""
    heading = f"{plural(preview.count, 'approved reply', 'approved replies')} will go into this pack."
    where = ", ".join(f"{name} {count}" for name, count in sorted(preview.platforms.items()))
    details = [f"By platform: {where}." if where else ""]
    if preview.edited:
        details.append(f"Edited by you before approving: {plural(preview.edited, 'reply', 'replies')}.")
    details.append(
        "The pack is a zip with replies.jsonl, replies.csv and a signed manifest. Once it is written, "
        "these replies are marked exported and never go into another pack by accident; "
        "you can write the same pack again from the list below."
    )
    return heading, [line for line in details if line]


class PacksTable(QTableWidget):
    """The packs exported so far, newest first: when, replies, the file, whether it is still there."""

    COLUMNS = ("Pack", "Made", "Replies", "File", "Still there?", "Notes")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.setHorizontalHeaderLabels(self.COLUMNS)
        self.setAccessibleName("Packs exported so far")
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)  # Tab leaves the table for the buttons below it
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.packs: list[PackRow] = []
        fit_rows(self, 0, most=8)

    def set_packs(self, packs: list[PackRow]) -> None:
        """Show ``packs``, keeping the selected pack selected when it is still listed."""
        selected = self.selected_pack()
        self.packs = list(packs)
        self.setRowCount(len(self.packs))
        for row, pack in enumerate(self.packs):
            notes = []
            if pack.reexport_of is not None:
                notes.append(f"copy of pack {pack.reexport_of}")
            if pack.redacted:
                notes.append("emails and phones removed")
            cells = [
                f"{pack.id}",
                format_local(pack.created_at),
                f"{pack.replies:,}",
                pack.name,
                "Yes" if pack.file_exists else "Missing",
                ", ".join(notes),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 3:
                    item.setToolTip(pack.path)
                if column == 4 and not pack.file_exists:
                    item.setForeground(QColor(ERROR_COLOR))
                    item.setToolTip("The file was moved or deleted. Re-export writes the same replies again.")
                if column in (0, 2):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.setItem(row, column, item)
        fit_rows(self, len(self.packs), most=8)
        if selected is not None:
            self.select_pack(selected.id)
        if self.currentRow() < 0 and self.packs:
            self.selectRow(0)

    def selected_pack(self) -> PackRow | None:
        row = self.currentRow()
        return self.packs[row] if 0 <= row < len(self.packs) else None

    def select_pack(self, pack_id: int) -> bool:
        for row, pack in enumerate(self.packs):
            if pack.id == pack_id:
                self.selectRow(row)
                return True
        return False


def fit_rows(table: QTableWidget, rows: int, *, least: int = 3, most: int = 8) -> None:
    """Make ``table`` as tall as its rows (``least`` to ``most``): no blank box under a short list."""
    shown = max(least, min(rows, most))
    rows_height = shown * table.verticalHeader().defaultSectionSize()
    header_height = table.horizontalHeader().sizeHint().height()
    table.setFixedHeight(header_height + rows_height + 2 * table.frameWidth() + 2)


def delivery_result(entry: dict[str, Any], *, full: bool = False) -> str:
    """One attempt of the webhook in a few words ("Will retry (503)"); ``full`` adds the whole error."""
    code = entry.get("status_code")
    short = f"({code})" if code else "(not reachable)"
    words = {"delivered": "Delivered", "retrying": "Will retry", "failed": "Failed"}[entry["outcome"]]
    if full and entry["error"]:
        return f"{words}: {entry['error']}"
    return f"{words} {short}"


class DeliveryLog(QTableWidget):
    """The webhook's attempts, newest first: when, which reply, which try, what happened."""

    COLUMNS = ("When", "Reply", "Try", "Result")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.setHorizontalHeaderLabels(self.COLUMNS)
        self.setAccessibleName("Webhook delivery log")
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        fit_rows(self, 0, most=6)

    def set_log(self, entries: list[dict[str, Any]]) -> None:
        self.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            cells = [
                format_local(entry["at"]),
                shorten(entry.get("reply") or f"reply {entry.get('draft_id')}", 70),
                str(entry["attempt"]),
                delivery_result(entry),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 1:
                    item.setToolTip(entry.get("reply") or "")
                if column == 3:
                    item.setToolTip(
                        f"{delivery_result(entry, full=True)}\nTo {entry['url']}\n"
                        f"Idempotency key {entry['idempotency_key']}"
                    )
                    if entry["outcome"] == "failed":
                        item.setForeground(QColor(ERROR_COLOR))
                    elif entry["outcome"] == "delivered":
                        item.setForeground(QColor(OK_COLOR))
                self.setItem(row, column, item)
        fit_rows(self, len(entries), most=6)
