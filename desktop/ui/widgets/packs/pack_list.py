"""The "Packs you exported" card: the list of packs, and Verify, Re-export, Show in folder, Check a file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHBoxLayout, QTableWidgetItem, QWidget

from desktop.ui.controllers.packs_jobs import PackRow
from desktop.ui.theme import ERROR_COLOR, format_local, plural
from desktop.ui.widgets.common.buttons import button
from desktop.ui.widgets.common.labels import message_label, muted_label
from desktop.ui.widgets.packs import dialogs
from desktop.ui.widgets.packs.common import ListTable, set_message
from desktop.ui.widgets.packs.export_card import ExportCard
from desktop.ui.widgets.page import card_layout
from desktop.ui.workers import Failure

if TYPE_CHECKING:
    from desktop.ui.widgets.packs_page import PacksPage

EMPTY_PACKS = "No packs yet. Each pack you export is listed here, so you can check it or write it again."


class PacksTable(ListTable):
    """The packs exported so far, newest first: when, replies, the file, whether it is still there."""

    COLUMNS = ("Pack", "Made", "Replies", "File", "Still there?", "Notes")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.COLUMNS, "Packs exported so far", stretch=3, most=8, parent=parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.packs: list[PackRow] = []

    def set_packs(self, packs: list[PackRow]) -> None:
        """Show ``packs``, keeping the selected pack selected when it is still listed."""
        selected = self.selected_pack()
        self.packs = list(packs)
        self.set_row_count(len(self.packs))
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


class PackListCard(QFrame):
    """Packs you exported: check one (its files and signature), write it again, or open its folder.

    A re-export reports through ``report`` (the export card's message line), like an export does.
    """

    def __init__(self, page: PacksPage, report: ExportCard) -> None:
        super().__init__()
        self.page = page
        self.report = report
        layout = card_layout(self, "Packs you exported")
        self.packs_empty = muted_label(EMPTY_PACKS)
        layout.addWidget(self.packs_empty)
        self.table = PacksTable()
        self.table.itemSelectionChanged.connect(self.update_buttons)
        self.table.activated.connect(self.verify_selected)  # Enter or double-click checks the pack
        self.table.hide()
        layout.addWidget(self.table)
        self.verify_button = button(
            "Verify", "Check the pack's files and signature (Ctrl+Shift+V)", self.verify_selected
        )
        self.reexport_button = button(
            "Re-export…",
            "Write the same pack again, e.g. when the file was lost (Ctrl+R)",
            self.reexport_selected,
        )
        self.folder_button = button(
            "Show in folder", "Open the folder holding the pack (Ctrl+Shift+O)", self.show_selected_in_folder
        )
        self.check_file_button = button(
            "Check a pack file…", "Verify any reply pack on this computer (Ctrl+O)", self.verify_file
        )
        buttons = QHBoxLayout()
        for push in (self.verify_button, self.reexport_button, self.folder_button):
            buttons.addWidget(push)
        buttons.addStretch(1)
        buttons.addWidget(self.check_file_button)
        layout.addLayout(buttons)
        self.verify_message = message_label("verifyMessage")
        layout.addWidget(self.verify_message)

    def show_packs(self, packs: list[PackRow]) -> None:
        self.table.set_packs(packs)
        self.table.setVisible(bool(packs))
        self.packs_empty.setVisible(not packs)

    def update_buttons(self) -> None:
        pack = self.table.selected_pack()
        self.verify_button.setEnabled(pack is not None and pack.file_exists)
        self.folder_button.setEnabled(pack is not None and pack.file_exists)
        self.reexport_button.setEnabled(pack is not None)

    # --- verifying -----------------------------------------------------------------------------------------
    @Slot()
    def verify_selected(self) -> None:
        """Verify (Ctrl+Shift+V, Enter in the list): check the selected pack's files and signature."""
        pack = self.table.selected_pack()
        if pack is None or self.page.controller is None:
            return
        if not pack.file_exists:
            set_message(
                self.verify_message,
                f"{pack.name} is not in {Path(pack.path).parent} any more, so it cannot be checked. "
                "Re-export writes the same replies again.",
                "error",
            )
            return
        set_message(self.verify_message, f"Checking {pack.name}…")
        self.page.controller.verify(pack.path)

    @Slot()
    def verify_file(self) -> None:
        """Check a pack file… (Ctrl+O): any reply pack on this computer."""
        if self.page.controller is None:
            return
        path = dialogs.choose_pack_file(self.page, self.page.last_folder)
        if path:
            set_message(self.verify_message, f"Checking {Path(path).name}…")
            self.page.controller.verify(path)

    @Slot(str, object)
    def on_verified(self, path: str, result: Any) -> None:
        name = Path(path).name
        if result.ok and not getattr(
            result, "trusted", True
        ):  # intact, but signed by a key not this profile's
            set_message(self.verify_message, f"⚠ {name}: {result.message}", "error")
        elif result.ok:
            set_message(self.verify_message, f"✓ Signature valid: {name}. {result.message}", "ok")
        else:
            problems = "\n".join(f"• {problem}" for problem in result.problems)
            set_message(
                self.verify_message,
                f"✗ {name} did not pass the check. Do not post from it; re-export the pack instead."
                f"\n{problems}",
                "error",
            )

    def on_verify_failed(self, failure: Failure) -> None:
        set_message(self.verify_message, failure.text, "error")

    # --- writing a pack again ------------------------------------------------------------------------
    @Slot()
    def reexport_selected(self) -> None:
        """Re-export… (Ctrl+R): write the selected pack's replies again, after saying what that means."""
        page = self.page
        pack = self.table.selected_pack()
        if pack is None or page.controller is None or not dialogs.confirm_reexport(page, pack):
            return
        folder = Path(pack.path).parent if Path(pack.path).parent.is_dir() else page.last_folder
        suggested = folder / f"{Path(pack.path).stem}-again.zip"
        path = dialogs.choose_save_path(page, "Save the pack again", suggested, dialogs.PACK_FILTER)
        if not path:
            return
        path = page.remember_folder(path, ".zip")
        self.report.say(f"Writing pack {pack.id} again…")
        controller, pack_id = page.controller, pack.id
        page.retry["reexport"] = lambda: controller.reexport(pack_id, path, overwrite=Path(path).is_file())
        controller.reexport(pack_id, path, overwrite=Path(path).is_file())

    @Slot(object)
    def on_reexported(self, summary: Any) -> None:
        self.report.say(
            f"✓ Wrote pack {summary.reexport_of} again to {summary.path}: the same "
            f"{plural(summary.replies, 'reply', 'replies')}, nothing new, and no reply changed state "
            f"(listed as pack {summary.export_id}).",
            "ok",
        )
        self.report.show_written_path(str(summary.path))

    @Slot()
    def show_selected_in_folder(self) -> None:
        """Show in folder (Ctrl+Shift+O)."""
        pack = self.table.selected_pack()
        if pack is not None and pack.file_exists:
            dialogs.show_in_folder(pack.path)
