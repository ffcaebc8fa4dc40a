"""Inbox: review drafted replies at speed, keyboard first; nothing leaves without the creator's approval.

Left, the list (a model over ids, rows fetched as they are shown; filters and search run in
SQL on the store thread). Right, the selected message with its conversation, the draft, its
options, the guard's findings and the sources. Above, "Draft all" with progress, pause and
cancel, and the share of drafts approved without edits. Each part is a widget under
``widgets/inbox/``; the page puts them together and keeps the list and the message in step.

Keys (while the list has the focus; the editor and the search box keep their own keys):
J/K next/previous, A approve, E edit (Esc or Ctrl+Enter ends; autosaved as you type),
R another try (kept as option 2/3), 1/2/3 pick an option, X reject, Ctrl+Z undo the last
action, Ctrl+F search.

The page only shows and asks; ``InboxController`` does every store and model call off the GUI
thread. Connect the two with ``InboxPage.attach``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from desktop.ui import page_infos
from desktop.ui.controllers.inbox_batch import BATCH_WAITING
from desktop.ui.controllers.inbox_controller import InboxController
from desktop.ui.controllers.inbox_jobs import Filters, Listing
from desktop.ui.theme import ERROR_COLOR
from desktop.ui.widgets.inbox.batch_card import BatchCard
from desktop.ui.widgets.inbox.dialogs import confirm_approve_all
from desktop.ui.widgets.inbox.filter_bar import FilterBar
from desktop.ui.widgets.inbox.list_pane import InboxTable
from desktop.ui.widgets.inbox.message_pane import MessagePane
from desktop.ui.widgets.inbox_fidelity import FidelityChart
from desktop.ui.widgets.inbox_model import InboxModel
from desktop.ui.widgets.page import Page, card

NOTHING_WAITS = (
    "Nothing waits for you. Import an archive (the conversations awaiting your reply come here), "
    "or add messages with `understudy inbox import`."
)


class InboxPage(Page):
    info = page_infos.INBOX

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: InboxController | None = None
        self.model = InboxModel(self)
        self._loaded = False
        # The page fills the window (no growing past it): the list and the draft scroll on their own.
        host = self.body.parentWidget()
        outer = host.layout() if host is not None else None
        if outer is not None:
            outer.setStretch(outer.count() - 1, 0)
            outer.setStretchFactor(self.body, 1)

        # Draft all, and the fidelity
        top = QHBoxLayout()
        top.setSpacing(14)
        self.batch = BatchCard()
        self.batch.approve_all_button.clicked.connect(self.ask_approve_all)
        top.addWidget(self.batch, 3)
        fidelity_card, fidelity_layout = card()
        fidelity_layout.setContentsMargins(14, 8, 14, 6)
        self.fidelity = FidelityChart()
        fidelity_layout.addWidget(self.fidelity)
        fidelity_card.setFixedHeight(148)
        self.batch.setFixedHeight(148)
        top.addWidget(fidelity_card, 2)
        self.body.addLayout(top)

        self.filter_bar = FilterBar()
        self.filter_bar.changed.connect(self._apply_filters)
        self.filter_bar.search_edit.installEventFilter(self)
        self.body.addWidget(self.filter_bar)

        # The list and the message
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.table = InboxTable(self.model)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.empty_label = QLabel("")
        self.empty_label.setObjectName("muted")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        list_host = QWidget()
        list_layout = QVBoxLayout(list_host)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.table, 1)
        list_layout.addWidget(self.empty_label)
        self.splitter.addWidget(list_host)
        self.message = MessagePane(self.model, say=self._say, back_to_list=self.table.setFocus)
        self.splitter.addWidget(self.message)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setMinimumHeight(360)
        self.body.addWidget(self.splitter, 1)

        self.status_label = QLabel("")
        self.status_label.setObjectName("muted")
        self.status_label.setAccessibleName("Inbox status")
        self.status_label.setWordWrap(True)
        self.body.addWidget(self.status_label)
        self._make_shortcuts()
        self.message.update_actions()

    def _make_shortcuts(self) -> None:
        # GUI thread only (shortcuts fire there), so lambdas are safe here. Single-letter keys do not
        # fire while the editor or the search box has the focus: those widgets claim text keys first.
        message = self.message
        bindings: list[tuple[str, Any]] = [
            ("J", lambda: self.move(1)),
            ("K", lambda: self.move(-1)),
            ("A", message.approve),
            ("E", message.edit),
            ("R", message.redraft),
            ("X", message.reject),
            ("Ctrl+Z", message.undo),
            ("Ctrl+F", self.focus_search),
        ]
        bindings += [(str(n), lambda n=n: message.choose_option(n)) for n in (1, 2, 3)]
        self.shortcuts: list[QShortcut] = []
        for keys, slot in bindings:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

    # --- wiring ------------------------------------------------------------------------------------------
    def attach(self, controller: InboxController) -> None:
        """Show what ``controller`` reports and send it the creator's actions."""
        self.controller = controller
        self.message.controller = controller
        self.batch.draft_all_button.clicked.connect(controller.draft_all)
        self.batch.pause_button.clicked.connect(controller.pause_batch)
        self.batch.cancel_button.clicked.connect(controller.cancel_batch)
        self.model.rows_wanted.connect(controller.fetch_rows)
        controller.listed.connect(self._on_listed)
        controller.rows_loaded.connect(self.model.set_rows)
        controller.rows_loaded.connect(self._on_rows_loaded)
        controller.counts_loaded.connect(self._show_counts)
        controller.detail_loaded.connect(self.message.on_detail_loaded)
        controller.acted.connect(self._on_acted)
        controller.action_failed.connect(self._on_action_failed)
        controller.unflagged_counted.connect(self._on_unflagged_counted)
        controller.fidelity_loaded.connect(self.fidelity.set_weeks)
        controller.batch_state_changed.connect(self.batch.show_state)
        controller.batch_state_changed.connect(self.message.update_actions)
        controller.batch_progress.connect(self.batch.show_progress)
        controller.batch_item.connect(self._on_batch_item)
        controller.batch_ended.connect(self.batch.show_ended)
        controller.redraft_text.connect(self.message.on_redraft_text)
        controller.redraft_ended.connect(self.message.on_redraft_ended)
        controller.model_status.connect(self._on_model_status)
        controller.closing.connect(self.message.on_closing)
        self.message.update_actions()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if not self._loaded:
            # The reply's buttons never cut off: the message side is kept as wide as its content
            # needs (measured once styled, on the first show), the list gives way instead.
            bar = self.message.verticalScrollBar().sizeHint().width()
            self.message.setMinimumWidth(self.message.detail.minimumSizeHint().width() + bar)
            width = max(800, self.splitter.width())
            detail = max(width * 11 // 20, self.message.minimumWidth())
            self.splitter.setSizes([width - detail, detail])  # room for the message column
        if self.controller is not None and not self._loaded:
            self._loaded = True
            self.controller.load()
        self.table.setFocus()

    # --- selection ---------------------------------------------------------------------------------------
    def select_row(self, row: int) -> None:
        self.table.select_row(row)

    @Slot()
    def move(self, step: int) -> None:
        """J/K: the next or previous message (an edit in progress is saved first)."""
        self.message.finish_edit()
        current = self.table.currentIndex().row()
        self.select_row(max(0, min(self.model.rowCount() - 1, current + step if current >= 0 else 0)))

    @Slot(object, object)
    def _on_current_row_changed(self, current: Any, _previous: Any) -> None:
        self.message.finish_edit()
        item_id = self.model.id_at(current.row()) if current.isValid() else None
        self.message.current_id = item_id
        if item_id is None:
            self.message.detail.show_nothing()
        elif self.controller is not None:
            self.controller.load_detail(item_id)
        self.message.update_actions()

    @Slot()
    def focus_search(self) -> None:
        self.filter_bar.search_edit.setFocus()
        self.filter_bar.search_edit.selectAll()

    # --- approve all unflagged, after a confirmation with the count --------------------------------------
    @Slot()
    def ask_approve_all(self) -> None:
        if self.controller is not None:
            self.message.finish_edit()
            self.controller.count_unflagged()

    @Slot(int)
    def _on_unflagged_counted(self, count: int) -> None:
        if count == 0:
            self._say("Nothing to approve: no drafted reply is waiting without a flag.")
            return
        if confirm_approve_all(self, count) and self.controller is not None:
            self.controller.approve_all_unflagged(count)
        self.table.setFocus()

    # --- filters -----------------------------------------------------------------------------------------
    def filters(self) -> Filters:
        return self.filter_bar.filters()

    @Slot()
    def _apply_filters(self) -> None:
        if self.controller is not None and self._loaded:
            self.controller.set_filters(self.filters())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        """In the search box, Esc, Down or Enter go to the list."""
        if watched is self.filter_bar.search_edit and event.type() == QEvent.Type.KeyPress:
            key_event: QKeyEvent = event  # type: ignore[assignment]
            if key_event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.table.setFocus()
                if self.table.currentIndex().row() < 0:
                    self.select_row(0)
                return True
        return super().eventFilter(watched, event)

    # --- controller signals ------------------------------------------------------------------------------
    @Slot(object)
    def _on_listed(self, listing: Listing) -> None:
        keep = self.message.current_id
        self.model.set_ids(listing.ids)
        self._show_counts(listing.counts)
        self.filter_bar.set_platforms(listing.platforms)
        row = self.model.row_of(keep) if keep is not None else -1
        if row < 0 and self.model.rowCount():
            row = 0
        if row >= 0:
            self.select_row(row)
            if self.model.id_at(row) == keep and self.controller is not None and keep is not None:
                self.controller.load_detail(keep)  # its draft may have changed (a batch ran)
        else:
            self.message.current_id = None
            self.message.detail.show_nothing(self._empty_text())
        self.empty_label.setText(self._empty_text() if not listing.ids else "")
        self.empty_label.setVisible(not listing.ids)
        self.message.update_actions()

    def _empty_text(self) -> str:
        return "No message matches these filters." if self.filters() != Filters() else NOTHING_WAITS

    @Slot(object)
    def _show_counts(self, counts: dict[str, int]) -> None:
        self.filter_bar.show_counts(counts)
        self.batch.show_counts(counts)

    @Slot(object)
    def _on_rows_loaded(self, rows: dict) -> None:
        if self.message.current_id in rows:
            self.message.update_actions()

    @Slot(str, str, list)
    def _on_acted(self, kind: str, note: str, ids: list) -> None:
        self.model.invalidate(ids)
        self._say(note)
        if self.controller is not None:
            self.controller.reload_counts()
        current_id = self.message.current_id
        if kind in ("approved", "rejected") and current_id in ids:
            row = self.model.row_of(current_id)  # decided: on to the next message
            if row + 1 < self.model.rowCount():
                self.select_row(row + 1)
                return
        if kind == "undone" and ids and current_id not in ids:
            row = self.model.row_of(ids[0])  # show what the undo brought back
            if row >= 0:
                self.select_row(row)
                return
        if current_id is not None and self.controller is not None:
            self.controller.load_detail(current_id)

    @Slot(str)
    def _on_action_failed(self, text: str) -> None:
        self._say(text, error=True)

    @Slot(str)
    def _on_model_status(self, text: str) -> None:
        if self.controller is not None and self.controller.batch_state == BATCH_WAITING:
            self.batch.batch_label.setText(text)
        elif self.message.streaming is not None:
            self.message.detail.note_label.setText(text)

    @Slot(object)
    def _on_batch_item(self, item: Any) -> None:
        self.model.invalidate([item.item_id])
        if self.controller is not None:
            self.controller.reload_counts()
            if item.item_id == self.message.current_id and not self.message.editing:
                self.controller.load_detail(item.item_id)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status_label.setStyleSheet(f"color: {ERROR_COLOR};" if error else "")
        self.status_label.setText(text)
