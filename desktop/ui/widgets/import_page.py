"""Import: where the creator drops the data exports of their own accounts.

The page only shows and asks; ``ImportController`` runs the imports (one after another, on
workers) and reads the store. Connect the two with ``ImportPage.attach(controller)``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QDialog, QFileDialog, QLabel, QWidget

from desktop.core.tasks import Progress
from desktop.ui import page_infos
from desktop.ui.controllers.import_controller import ImportController
from desktop.ui.controllers.import_jobs import OwnerNeeded, PageData
from desktop.ui.theme import plural
from desktop.ui.widgets.activity_chart import ActivityChart
from desktop.ui.widgets.common.dialogs import Role, choose
from desktop.ui.widgets.common.wiring import connect_by_name
from desktop.ui.widgets.importing.drop_zone import DropZone
from desktop.ui.widgets.importing.import_row import ImportRow
from desktop.ui.widgets.importing.imports_section import ImportsSection
from desktop.ui.widgets.importing.owner_dialog import OwnerDialog
from desktop.ui.widgets.importing.source_card import SourceCard
from desktop.ui.widgets.importing.sources_section import SourcesSection
from desktop.ui.widgets.page import Page, card
from desktop.ui.workers import Failure

ARCHIVE_FILTER = "Data exports (*.zip *.json *.js *.txt *.csv *.jsonl);;All files (*)"

#: What the page listens to on the ImportController: each signal goes to its ``_on_<name>`` slot.
CONTROLLER_SIGNALS = (
    "import_queued import_started import_progress import_finished import_failed import_cancelled"
    " owner_needed data_loading data_loaded data_failed source_removed remove_failed"
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
    chosen = choose(
        parent,
        "Remove this archive?",
        f"Remove the {overview.label} archive “{overview.filename}”?",
        "Everything that came only from it leaves this profile: posts, comments and messages. "
        "The file itself is not touched, so you can import it again later.",
        (("Remove", Role.DestructiveRole), ("Keep", Role.RejectRole)),
        default=1,
    )
    return chosen == 0


class ImportPage(Page):
    info = page_infos.IMPORT

    #: Emitted with the paths the creator dropped or chose (also handed to the controller).
    archives_chosen = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: ImportController | None = None
        self.data: PageData | None = None
        self.owner_dialog: OwnerDialog | None = None
        self._loaded_once = False

        self.drop_zone = DropZone()
        self.drop_zone.archives_dropped.connect(self._on_archives_dropped)
        self.drop_zone.choose_files_requested.connect(self.choose_files)
        self.drop_zone.choose_folder_requested.connect(self.choose_folder)
        self.body.addWidget(self.drop_zone)

        # Imports in progress (and finished this session), then the imported archives ---------------
        self.imports_section = ImportsSection()
        self.clear_button = self.imports_section.clear_button
        self.body.addWidget(self.imports_section)
        self.sources_section = SourcesSection()
        self.sources_status = self.sources_section.sources_status
        self.empty_label = self.sources_section.empty_label
        self.notice_label = self.sources_section.notice_label
        self.body.addSpacing(6)
        self.body.addWidget(self.sources_section)

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
        self._ticker.timeout.connect(self.imports_section.tick)

    @property
    def rows(self) -> dict[int, ImportRow]:
        """The import rows by job id."""
        return self.imports_section.rows

    @property
    def cards(self) -> list[SourceCard]:
        """The imported archives' cards, in the store's order."""
        return self.sources_section.cards

    # --- wiring -------------------------------------------------------------------------------------
    def attach(self, controller: ImportController) -> None:
        """Show and drive ``controller``'s imports (its signals arrive in the GUI thread)."""
        self.controller = controller
        connect_by_name(controller, self, CONTROLLER_SIGNALS)
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
        row = self.imports_section.add_row(job_id, Path(path).name or path, path)
        row.cancel_requested.connect(self._on_row_cancel)
        row.dismiss_requested.connect(self.imports_section.remove_row)

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
        if not self.imports_section.any_running():
            self._ticker.stop()
        self.imports_section.update_clear_button()

    @Slot(int)
    def _on_row_cancel(self, job_id: int) -> None:
        if self.controller is not None:
            self.controller.cancel(job_id)

    @Slot()
    def clear_finished(self) -> None:
        self.imports_section.clear_finished()

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
        dialog, self.owner_dialog = self.owner_dialog, None
        if dialog is None:
            return
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
            self.sources_section.show_loading()

    @Slot(object)
    def _on_data_loaded(self, data: PageData) -> None:
        self.data = data
        for source_card in self.sources_section.show_sources(data.sources):
            source_card.remove_requested.connect(self._on_remove_requested)
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
        self.sources_section.show_failed(text)

    def card_for(self, source_id: int) -> SourceCard | None:
        return self.sources_section.card_for(source_id)

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
        self.sources_section.notice(text, error=error)
