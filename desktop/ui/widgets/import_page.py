"""Import: where the creator drops the data exports of their own accounts.

The page only shows and asks; ``ImportController`` runs the imports (one after another, on
workers) and reads the store. Connect the two with ``ImportPage.attach(controller)``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.tasks import Progress
from desktop.ui import page_infos
from desktop.ui.controllers.import_controller import ImportController, OwnerNeeded, PageData
from desktop.ui.theme import ERROR_COLOR, plural
from desktop.ui.widgets.activity_chart import ActivityChart
from desktop.ui.widgets.import_cards import ImportRow, SourceCard
from desktop.ui.widgets.page import Page, card
from desktop.ui.workers import Failure

ARCHIVE_FILTER = "Data exports (*.zip *.json *.js *.txt *.csv *.jsonl);;All files (*)"
EMPTY_SOURCES_TEXT = (
    'No archives imported yet. Request the "download your data" export from each platform, '
    "then drop the zip here."
)


# Dialogs, as module functions so that tests can answer them.
def choose_archive_files(parent: QWidget) -> list[str]:
    """Ask for archive files; returns their paths (empty when the creator cancels)."""
    files, _ = QFileDialog.getOpenFileNames(
        parent, "Choose archives to import", str(Path.home()), ARCHIVE_FILTER
    )
    return list(files)


def choose_archive_folder(parent: QWidget) -> str:
    """Ask for an unpacked archive folder; returns its path (empty when the creator cancels)."""
    return QFileDialog.getExistingDirectory(parent, "Choose an unpacked archive folder", str(Path.home()))


def confirm_remove(parent: QWidget, card: SourceCard) -> bool:
    """Ask before removing an archive's data from the profile."""
    overview = card.overview
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Remove this archive?")
    box.setText(f"Remove the {overview.label} archive “{overview.filename}”?")
    box.setInformativeText(
        "Everything that came only from it leaves this profile: posts, comments and messages. "
        "The file itself is not touched, so you can import it again later."
    )
    remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("Keep", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.exec()
    return box.clickedButton() is remove


class DropZone(QFrame):
    """A dashed area that accepts dropped files and folders and reports their local paths."""

    archives_dropped = Signal(list)  # list[str]: local paths
    choose_files_requested = Signal()
    choose_folder_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setMinimumHeight(170)
        self.setProperty("dragActive", False)
        self.setAccessibleName("Drop archives here")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(6)
        layout.addStretch(1)
        title = QLabel("Drop your archives here")
        title.setObjectName("dropTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = QLabel(
            "Zip files, the folders you unpacked them into, or single chat files (.txt, .json, .csv)"
        )
        hint.setObjectName("muted")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.setSpacing(10)
        self.choose_files_button = QPushButton("Choose archives…")
        self.choose_files_button.setObjectName("primary")
        self.choose_files_button.setAccessibleName("Choose archives to import")
        self.choose_files_button.setToolTip("Choose zip or chat files to import (Ctrl+O)")
        self.choose_files_button.clicked.connect(self.choose_files_requested)
        self.choose_folder_button = QPushButton("Choose a folder…")
        self.choose_folder_button.setAccessibleName("Choose an unpacked archive folder to import")
        self.choose_folder_button.setToolTip("Choose a folder you unpacked an archive into")
        self.choose_folder_button.clicked.connect(self.choose_folder_requested)
        buttons.addStretch(1)
        buttons.addWidget(self.choose_files_button)
        buttons.addWidget(self.choose_folder_button)
        buttons.addStretch(1)
        self.status = QLabel("")
        self.status.setObjectName("muted")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setWordWrap(True)
        self.status.hide()
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addSpacing(6)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def _set_drag_active(self, active: bool) -> None:
        self.setProperty("dragActive", active)
        self.style().unpolish(self)
        self.style().polish(self)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls() and all(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
            self._set_drag_active(True)
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802 (Qt API)
        self._set_drag_active(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt API)
        self._set_drag_active(False)
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.show_received(paths)
        self.archives_dropped.emit(paths)

    def show_received(self, paths: list[str]) -> None:
        names = ", ".join(Path(p).name for p in paths[:3]) + (" …" if len(paths) > 3 else "")
        self.status.setText(f"Received: {names}")
        self.status.show()


class OwnerDialog(QDialog):
    """Asks once which participant of a chat export is the creator: a list, or their name typed."""

    def __init__(self, archive_name: str, need: OwnerNeeded, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Which one is you?")
        self.setAccessibleName("Which participant is you?")
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        intro = QLabel(
            f"{need.message} Understudy needs to know which messages in “{archive_name}” are yours, "
            "so it learns from your replies and not from anyone else's. It will remember your answer "
            "for later imports from the same app."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.candidates = QListWidget(self)  # parented now: sizing a parentless widget sizes a window
        self.candidates.setAccessibleName("Participants in the chat")
        self.candidates.addItems(need.candidates)
        self.candidates.setVisible(bool(need.candidates))
        rows = max(2, min(len(need.candidates), 8))
        self.candidates.setFixedHeight(rows * (self.candidates.fontMetrics().height() + 6) + 8)
        # No participant is preselected: the creator must pick one (a wrong guess mislabels every message).
        self.candidates.setCurrentRow(-1)
        self.candidates.itemSelectionChanged.connect(self._on_candidate_chosen)
        self.candidates.itemDoubleClicked.connect(self.accept)
        layout.addWidget(self.candidates)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Or type your name exactly as it appears in the chat")
        self.name_edit.setAccessibleName("Your name in the chat")
        self.name_edit.textChanged.connect(self._on_text_changed)
        layout.addWidget(self.name_edit)
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton("This is me", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setAccessibleName("Import with this name as me")
        self.skip_button = self.buttons.addButton("Skip this archive", QDialogButtonBox.ButtonRole.RejectRole)
        self.skip_button.setAccessibleName("Skip importing this archive")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.ok_button.setEnabled(False)
        self.name_edit.setFocus()
        # Size the dialog before it is shown: a window that gets its size limits only once shown
        # makes some platforms (the offscreen one among them) warn about size hints.
        layout.activate()
        self.adjustSize()

    def name(self) -> str:
        return self.name_edit.text().strip()

    def choose(self, name: str) -> None:
        """Pick ``name`` (a listed participant or any text), as the creator would."""
        matches = self.candidates.findItems(name, Qt.MatchFlag.MatchExactly)
        if matches:
            matches[0].setSelected(True)
        self.name_edit.setText(name)

    def _on_candidate_chosen(self) -> None:
        selected = self.candidates.selectedItems()
        if selected:
            self.name_edit.setText(selected[0].text())

    def _on_text_changed(self, text: str) -> None:
        self.ok_button.setEnabled(bool(text.strip()))

    def accept(self) -> None:
        if self.name():
            super().accept()


class ImportPage(Page):
    info = page_infos.IMPORT

    #: Emitted with the paths the creator dropped or chose (also handed to the controller).
    archives_chosen = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: ImportController | None = None
        self.rows: dict[int, ImportRow] = {}
        self.cards: list[SourceCard] = []
        self.data: PageData | None = None
        self.owner_dialog: OwnerDialog | None = None
        self._loaded_once = False

        self.drop_zone = DropZone()
        self.drop_zone.archives_dropped.connect(self._on_archives_dropped)
        self.drop_zone.choose_files_requested.connect(self.choose_files)
        self.drop_zone.choose_folder_requested.connect(self.choose_folder)
        self.body.addWidget(self.drop_zone)

        # Imports in progress (and finished this session) ------------------------------------------
        self.imports_section = QWidget()
        section = QVBoxLayout(self.imports_section)
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
        self.imports_section.hide()
        self.body.addWidget(self.imports_section)

        # Imported archives -------------------------------------------------------------------------
        sources_header = QHBoxLayout()
        sources_title = QLabel("Your archives")
        sources_title.setObjectName("cardTitle")
        self.sources_status = QLabel("")
        self.sources_status.setObjectName("muted")
        self.sources_status.setWordWrap(True)
        self.sources_status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        sources_header.addWidget(sources_title)
        sources_header.addWidget(self.sources_status, 1)
        self.body.addSpacing(6)
        self.body.addLayout(sources_header)
        self.empty_label = QLabel("Loading your archives…")
        self.empty_label.setObjectName("muted")
        self.empty_label.setWordWrap(True)
        self.body.addWidget(self.empty_label)
        self.notice_label = QLabel("")
        self.notice_label.setObjectName("muted")
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        self.body.addWidget(self.notice_label)
        self.cards_layout = QVBoxLayout()
        self.cards_layout.setSpacing(10)
        self.body.addLayout(self.cards_layout)

        # Activity chart --------------------------------------------------------------------------------
        chart_card, chart_layout = card("Your activity over time")
        self.chart_card = chart_card
        chart_caption = QLabel("Items per month: what you wrote, and what others sent or wrote to you.")
        chart_caption.setObjectName("muted")
        chart_caption.setWordWrap(True)
        self.chart_caption = chart_caption
        chart_caption.hide()  # until there is something to explain
        self.chart = ActivityChart()
        chart_layout.addWidget(chart_caption)
        chart_layout.addWidget(self.chart)
        self.body.addSpacing(6)
        self.body.addWidget(chart_card)

        # Keyboard: Ctrl+O picks files, Esc cancels the running import (only while this page shows).
        self.open_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Open), self)
        self.open_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.open_shortcut.activated.connect(self.choose_files)
        self.cancel_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self.cancel_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.cancel_shortcut.activated.connect(self.cancel_running)

        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)

    # --- wiring -------------------------------------------------------------------------------------
    def attach(self, controller: ImportController) -> None:
        """Show and drive ``controller``'s imports (its signals arrive in the GUI thread)."""
        self.controller = controller
        controller.import_queued.connect(self._on_import_queued)
        controller.import_started.connect(self._on_import_started)
        controller.import_progress.connect(self._on_import_progress)
        controller.import_finished.connect(self._on_import_finished)
        controller.import_failed.connect(self._on_import_failed)
        controller.import_cancelled.connect(self._on_import_cancelled)
        controller.owner_needed.connect(self._on_owner_needed)
        controller.data_loading.connect(self._on_data_loading)
        controller.data_loaded.connect(self._on_data_loaded)
        controller.data_failed.connect(self._on_data_failed)
        controller.source_removed.connect(self._on_source_removed)
        controller.remove_failed.connect(self._on_remove_failed)
        if self.isVisible():
            self._load_once()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self._load_once()

    def _load_once(self) -> None:
        if self.controller is not None and not self._loaded_once:
            self._loaded_once = True
            self.controller.refresh()

    # --- choosing archives --------------------------------------------------------------------------
    @Slot()
    def choose_files(self) -> None:
        files = choose_archive_files(self)
        if files:
            self.add_archives(files)

    @Slot()
    def choose_folder(self) -> None:
        folder = choose_archive_folder(self)
        if folder:
            self.add_archives([folder])

    @Slot(list)
    def _on_archives_dropped(self, paths: list[str]) -> None:
        self.add_archives(paths)

    def add_archives(self, paths: list[str]) -> None:
        """Queue ``paths`` for import (one after another)."""
        self.archives_chosen.emit(list(paths))
        if self.controller is not None:
            self.controller.add_paths(list(paths))

    @Slot()
    def cancel_running(self) -> None:
        if self.controller is not None:
            self.controller.cancel_running()

    # --- import rows ------------------------------------------------------------------------------------
    @Slot(int, str)
    def _on_import_queued(self, job_id: int, path: str) -> None:
        row = ImportRow(job_id, Path(path).name or path, path)
        row.cancel_requested.connect(self._on_row_cancel)
        row.dismiss_requested.connect(self._on_row_dismiss)
        self.rows[job_id] = row
        self.rows_layout.addWidget(row)
        self.imports_section.show()
        self._update_clear_button()

    @Slot(int)
    def _on_import_started(self, job_id: int) -> None:
        if row := self.rows.get(job_id):
            row.show_running()
        if not self._ticker.isActive():
            self._ticker.start()

    @Slot(int, object)
    def _on_import_progress(self, job_id: int, progress: Progress) -> None:
        row = self.rows.get(job_id)
        if row is not None and self.controller is not None:
            row.show_progress(progress, self.controller.jobs[job_id].items)

    @Slot(int, object)
    def _on_import_finished(self, job_id: int, summary: object) -> None:
        if row := self.rows.get(job_id):
            row.show_done(summary)
        self._after_row_ended()

    @Slot(int, object)
    def _on_import_failed(self, job_id: int, failure: Failure) -> None:
        if row := self.rows.get(job_id):
            row.show_failed(failure)
        self._after_row_ended()

    @Slot(int)
    def _on_import_cancelled(self, job_id: int) -> None:
        if row := self.rows.get(job_id):
            job = self.controller.jobs.get(job_id) if self.controller else None
            if job is not None and job.asked and not job.me:
                row.show_cancelled(
                    "Skipped: Understudy needs to know which participant you are. Nothing was imported."
                )
            else:
                row.show_cancelled()
        if self.owner_dialog is not None and getattr(self.owner_dialog, "job_id", None) == job_id:
            self._close_owner_dialog()
        self._after_row_ended()

    def _after_row_ended(self) -> None:
        if not any(row.state == "running" for row in self.rows.values()):
            self._ticker.stop()
        self._update_clear_button()

    @Slot(int)
    def _on_row_cancel(self, job_id: int) -> None:
        if self.controller is not None:
            self.controller.cancel(job_id)

    @Slot(int)
    def _on_row_dismiss(self, job_id: int) -> None:
        self._remove_row(job_id)

    def _remove_row(self, job_id: int) -> None:
        row = self.rows.pop(job_id, None)
        if row is not None:
            self.rows_layout.removeWidget(row)
            row.deleteLater()
        self.imports_section.setVisible(bool(self.rows))
        self._update_clear_button()

    @Slot()
    def clear_finished(self) -> None:
        for job_id in [job_id for job_id, row in self.rows.items() if not row.is_active()]:
            self._remove_row(job_id)

    def _update_clear_button(self) -> None:
        self.clear_button.setVisible(any(not row.is_active() for row in self.rows.values()))

    @Slot()
    def _tick(self) -> None:
        for row in self.rows.values():
            row.tick()

    # --- asking who the creator is ------------------------------------------------------------------------
    @Slot(int, object)
    def _on_owner_needed(self, job_id: int, need: OwnerNeeded) -> None:
        row = self.rows.get(job_id)
        if row is not None:
            row.show_asking()
        self._close_owner_dialog()
        dialog = OwnerDialog(row.name if row else "this archive", need, self)
        dialog.job_id = job_id  # type: ignore[attr-defined]
        dialog.finished.connect(self._on_owner_dialog_finished)
        self.owner_dialog = dialog
        dialog.open()  # window-modal, without a nested event loop

    @Slot(int)
    def _on_owner_dialog_finished(self, result: int) -> None:
        dialog = self.owner_dialog
        if dialog is None:
            return
        self.owner_dialog = None
        job_id = dialog.job_id  # type: ignore[attr-defined]
        name = dialog.name() if result == QDialog.DialogCode.Accepted else None
        dialog.deleteLater()
        if self.controller is not None:
            self.controller.answer_owner(job_id, name)

    def _close_owner_dialog(self) -> None:
        dialog, self.owner_dialog = self.owner_dialog, None
        if dialog is not None:
            dialog.finished.disconnect(self._on_owner_dialog_finished)
            dialog.reject()
            dialog.deleteLater()

    # --- cards and chart ------------------------------------------------------------------------------------
    @Slot()
    def _on_data_loading(self) -> None:
        if self.data is None:
            self.empty_label.setText("Loading your archives…")
            self.empty_label.show()

    @Slot(object)
    def _on_data_loaded(self, data: PageData) -> None:
        self.data = data
        for old in self.cards:
            self.cards_layout.removeWidget(old)
            old.deleteLater()
        self.cards = []
        for overview in data.sources:
            source_card = SourceCard(overview)
            source_card.remove_requested.connect(self._on_remove_requested)
            self.cards_layout.addWidget(source_card)
            self.cards.append(source_card)
        self.empty_label.setText(EMPTY_SOURCES_TEXT)
        self.empty_label.setStyleSheet("")
        self.empty_label.setVisible(not self.cards)
        if self.cards:
            total = sum(int(getattr(o, "items", 0)) for o in data.sources)
            self.sources_status.setText(f"{plural(len(self.cards), 'archive')} · {plural(total, 'item')}")
        else:
            self.sources_status.setText("")
        self.chart.set_activity(data.activity)
        self.chart_caption.setVisible(bool(data.activity))
        self.chart_caption.setText(
            f"Items per {self.chart.unit}: what you wrote, and what others sent or wrote to you."
        )

    @Slot(object)
    def _on_data_failed(self, failure: Failure) -> None:
        text = (
            "Something went wrong while reading your archives; the details were written to the log."
            if failure.is_bug
            else failure.text
        )
        self.empty_label.setText(text)
        self.empty_label.setStyleSheet(f"color: {ERROR_COLOR};")
        self.empty_label.show()

    def card_for(self, source_id: int) -> SourceCard | None:
        return next((c for c in self.cards if c.source_id == source_id), None)

    @Slot(int)
    def _on_remove_requested(self, source_id: int) -> None:
        source_card = self.card_for(source_id)
        if source_card is None or self.controller is None:
            return
        if not confirm_remove(self, source_card):
            return
        source_card.set_removing()
        if self.controller.is_importing():
            self._notice("It will be removed when the running import ends…")
        self.controller.remove_source(source_id)

    @Slot(int, int, int)
    def _on_source_removed(self, source_id: int, removed: int, kept: int) -> None:
        source_card = self.card_for(source_id)
        name = getattr(source_card.overview, "filename", "the archive") if source_card else "the archive"
        text = f"Removed {name} and {plural(removed, 'item')} that came only from it."
        if kept:
            also = (
                "stays: another imported archive also has it"
                if kept == 1
                else "stay: another imported archive also has them"
            )
            text += f" {plural(kept, 'item')} {also}."
        self._notice(text)

    @Slot(int, object)
    def _on_remove_failed(self, source_id: int, failure: Failure) -> None:
        text = (
            "Something went wrong while removing it; the details were written to the log."
            if failure.is_bug
            else failure.text
        )
        self._notice(text, error=True)

    def _notice(self, text: str, *, error: bool = False) -> None:
        self.notice_label.setText(text)
        self.notice_label.setStyleSheet(f"color: {ERROR_COLOR};" if error else "")
        self.notice_label.setVisible(bool(text))
