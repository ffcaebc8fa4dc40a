"""Inbox: review drafted replies at speed, keyboard first; nothing leaves without the creator's approval.

Left, the list (a model over ids, rows fetched as they are shown; filters and search run in
SQL on the store thread). Right, the selected message with its conversation, the draft, its
options, the guard's findings and the sources. Above, "Draft all" with progress, pause and
cancel, and the share of drafts approved without edits.

Keys (while the list has the focus; the editor and the search box keep their own keys):
J/K next/previous, A approve, E edit (Esc or Ctrl+Enter ends; autosaved as you type),
R another try (kept as option 2/3), 1/2/3 pick an option, X reject, Ctrl+Z undo the last
action, Ctrl+F search.

The page only shows and asks; ``InboxController`` does every store and model call off the GUI
thread. Connect the two with ``InboxPage.attach``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.ui import page_infos
from desktop.ui.controllers.inbox_controller import (
    BATCH_IDLE,
    BATCH_PAUSING,
    BATCH_RUNNING,
    BATCH_WAITING,
    Filters,
    InboxController,
    Listing,
)
from desktop.ui.widgets.inbox_detail import InboxDetail
from desktop.ui.widgets.inbox_fidelity import FidelityChart
from desktop.ui.widgets.inbox_model import MESSAGE, PLATFORM, SENDER, STATE, InboxModel
from desktop.ui.widgets.page import Page, card

#: The state filter's choices: (label, state, trashed).
STATE_CHOICES = [
    ("All open", None, False),
    ("New", "new", False),
    ("Drafted", "drafted", False),
    ("Flagged", "flagged", False),
    ("Approved", "approved", False),
    ("Exported", "exported", False),
    ("Trash", None, True),
]
ALL_PLATFORMS = "All platforms"
AUTOSAVE_MS = 250
SEARCH_DELAY_MS = 250


def approve_all_question(count: int) -> tuple[str, str]:
    """The confirmation's question and its details, with the count the creator approves."""
    replies = "reply" if count == 1 else "replies"
    return (
        f"Approve {count} drafted {replies}?",
        f"The {count} {replies} nothing flagged will be approved as written and leave with the next reply "
        "pack. Flagged messages are left for you. Ctrl+Z takes them all back.",
    )


def confirm_approve_all(parent: QWidget, count: int) -> bool:
    """Ask before approving ``count`` replies at once (a module function, so tests can answer it)."""
    question, details = approve_all_question(count)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Approve all unflagged")
    box.setText(question)
    box.setInformativeText(details)
    approve = box.addButton(f"Approve {count}", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is approve


class InboxPage(Page):
    info = page_infos.INBOX

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: InboxController | None = None
        self.model = InboxModel(self)
        self.current_id: int | None = None
        self.editing = False
        self._loaded = False
        self._streaming: int | None = None  # item id whose other try is being written
        self._counts: dict[str, int] = {}
        self._paused = False  # the last batch was paused: Draft all resumes it
        self._fill_page()

        self._autosave_timer = QTimer(self)
        self._autosave_timer.setSingleShot(True)
        self._autosave_timer.setInterval(AUTOSAVE_MS)
        self._autosave_timer.timeout.connect(self._autosave_now)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_filters)
        self._make_shortcuts()
        self._update_actions()

    # --- building ----------------------------------------------------------------------------------------
    def _fill_page(self) -> None:
        # The page fills the window (no growing past it): the list and the draft scroll on their own.
        host = self.body.parentWidget()
        outer = host.layout() if host is not None else None
        if outer is not None:
            outer.setStretch(outer.count() - 1, 0)
            outer.setStretchFactor(self.body, 1)

        # Draft all, and the fidelity -------------------------------------------------------------------
        top = QHBoxLayout()
        top.setSpacing(14)
        batch_card, batch_layout = card()
        batch_row = QHBoxLayout()
        batch_row.setSpacing(8)
        self.draft_all_button = QPushButton("Draft all new")
        self.draft_all_button.setObjectName("primary")
        self.draft_all_button.setToolTip("Draft every new message: highest priority, then newest first")
        self.draft_all_button.clicked.connect(self.draft_all)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Finish the reply being written, then stop (Draft all resumes)")
        self.pause_button.clicked.connect(self.pause_batch)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop now; finished drafts are kept")
        self.cancel_button.clicked.connect(self.cancel_batch)
        self.approve_all_button = QPushButton("Approve all unflagged…")
        self.approve_all_button.setToolTip("Approve every unflagged draft, once you confirm the count")
        self.approve_all_button.clicked.connect(self.ask_approve_all)
        batch_row.addWidget(self.draft_all_button)
        batch_row.addWidget(self.pause_button)
        batch_row.addWidget(self.cancel_button)
        batch_row.addStretch(1)
        batch_row.addWidget(self.approve_all_button)
        batch_layout.addLayout(batch_row)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Drafting progress")
        self.progress.setMaximumHeight(10)
        self.progress.setTextVisible(False)
        batch_layout.addWidget(self.progress)
        self.batch_label = QLabel("")
        self.batch_label.setObjectName("muted")
        self.batch_label.setWordWrap(True)
        self.batch_label.setAccessibleName("Drafting status")
        batch_layout.addWidget(self.batch_label)
        batch_layout.addStretch(1)
        top.addWidget(batch_card, 3)
        fidelity_card, fidelity_layout = card()
        fidelity_layout.setContentsMargins(14, 8, 14, 6)
        self.fidelity = FidelityChart()
        fidelity_layout.addWidget(self.fidelity)
        fidelity_card.setFixedHeight(148)
        batch_card.setFixedHeight(148)
        top.addWidget(fidelity_card, 2)
        self.body.addLayout(top)

        # Filters --------------------------------------------------------------------------------------------
        filters = QHBoxLayout()
        filters.setSpacing(8)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search messages and drafts (Ctrl+F)")
        self.search_edit.setAccessibleName("Search")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(lambda _text: self._search_timer.start())
        self.search_edit.installEventFilter(self)
        self.state_combo = QComboBox()
        self.state_combo.setAccessibleName("Show")
        for label, _state, _trashed in STATE_CHOICES:
            self.state_combo.addItem(label)
        self.state_combo.currentIndexChanged.connect(self._apply_filters)
        self.platform_combo = QComboBox()
        self.platform_combo.setAccessibleName("Platform")
        self.platform_combo.addItem(ALL_PLATFORMS)
        self.platform_combo.currentIndexChanged.connect(self._apply_filters)
        self.flagged_check = QCheckBox("Flagged only")
        self.flagged_check.toggled.connect(self._apply_filters)
        self.counts_label = QLabel("")
        self.counts_label.setObjectName("muted")
        filters.addWidget(self.search_edit, 2)
        filters.addWidget(self.state_combo)
        filters.addWidget(self.platform_combo)
        filters.addWidget(self.flagged_check)
        filters.addWidget(self.counts_label, 1, Qt.AlignmentFlag.AlignRight)
        self.body.addLayout(filters)

        # The list and the message
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.table = QTableView()
        self.table.setObjectName("inboxList")
        self.table.setAccessibleName("Messages")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(STATE, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(SENDER, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(PLATFORM, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(MESSAGE, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(STATE, 92)
        self.table.setColumnWidth(SENDER, 104)
        self.table.setColumnWidth(PLATFORM, 80)
        self.table.setMinimumWidth(260)
        # The theme's calm selection, so the state colours stay readable on the selected row.
        self.table.setStyleSheet(
            "QTableView#inboxList { background: #ffffff; alternate-background-color: #f7f7fb;"
            " selection-background-color: #e0e7ff; selection-color: #111827; border: 1px solid #e5e7eb;"
            " border-radius: 8px; }"
        )
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

        self.detail = InboxDetail()
        self.detail.option_chosen.connect(self.choose_option)
        self.detail.editor.textChanged.connect(self._on_editor_changed)
        self.detail.editor.installEventFilter(self)
        self.approve_button = self._action_button("Approve", "A", "Approve this reply (A)", self.approve)
        self.edit_button = self._action_button("Edit", "E", "Edit the reply (E); Esc when done", self.edit)
        self.redraft_button = self._action_button(
            "Another try", "R", "Draft another option (R)", self.redraft
        )
        self.reject_button = self._action_button("Reject", "X", "Reject: to the trash (X)", self.reject)
        self.undo_button = self._action_button("Undo", "Ctrl+Z", "Undo the last action (Ctrl+Z)", self.undo)
        self.approve_button.setObjectName("primary")
        for button in (self.approve_button, self.edit_button, self.redraft_button, self.reject_button):
            self.detail.actions.addWidget(button)
        self.detail.actions.addStretch(1)
        self.detail.actions.addWidget(self.undo_button)
        # The message side scrolls on its own, so a long thread or many sources never stretch the page.
        detail_scroll = self.detail_scroll = QScrollArea()
        detail_scroll.setWidgetResizable(True)
        detail_scroll.setFrameShape(QFrame.Shape.NoFrame)
        detail_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        detail_scroll.setWidget(self.detail)
        self.detail.setObjectName("pageHost")
        self.detail.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.splitter.addWidget(detail_scroll)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setMinimumHeight(360)
        self.body.addWidget(self.splitter, 1)

        self.status_label = QLabel("")
        self.status_label.setObjectName("muted")
        self.status_label.setAccessibleName("Inbox status")
        self.status_label.setWordWrap(True)
        self.body.addWidget(self.status_label)
        self._show_batch_idle("")

    def _action_button(self, text: str, key: str, tip: str, slot: Any) -> QPushButton:
        button = QPushButton(f"{text}  ({key})" if len(key) == 1 else text)
        button.setToolTip(tip)
        button.setAccessibleName(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys work from the list; focus stays there
        button.clicked.connect(slot)
        return button

    def _make_shortcuts(self) -> None:
        # GUI thread only (shortcuts fire there), so lambdas are safe here. Single-letter keys do not
        # fire while the editor or the search box has the focus: those widgets claim text keys first.
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self.shortcuts: list[QShortcut] = []
        bindings: list[tuple[str, Any]] = [
            ("J", lambda: self.move(1)),
            ("K", lambda: self.move(-1)),
            ("A", self.approve),
            ("E", self.edit),
            ("R", self.redraft),
            ("X", self.reject),
            ("Ctrl+Z", self.undo),
            ("Ctrl+F", self.focus_search),
        ]
        bindings += [(str(n), lambda n=n: self.choose_option(n)) for n in (1, 2, 3)]
        for keys, slot in bindings:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(context)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

    # --- wiring ------------------------------------------------------------------------------------------
    def attach(self, controller: InboxController) -> None:
        """Show what ``controller`` reports and send it the creator's actions."""
        self.controller = controller
        self.model.rows_wanted.connect(controller.fetch_rows)
        controller.listed.connect(self._on_listed)
        controller.rows_loaded.connect(self.model.set_rows)
        controller.rows_loaded.connect(self._on_rows_loaded)
        controller.counts_loaded.connect(self._on_counts_loaded)
        controller.detail_loaded.connect(self._on_detail_loaded)
        controller.acted.connect(self._on_acted)
        controller.action_failed.connect(self._on_action_failed)
        controller.unflagged_counted.connect(self._on_unflagged_counted)
        controller.fidelity_loaded.connect(self.fidelity.set_weeks)
        controller.batch_state_changed.connect(self._on_batch_state)
        controller.batch_progress.connect(self._on_batch_progress)
        controller.batch_item.connect(self._on_batch_item)
        controller.batch_ended.connect(self._on_batch_ended)
        controller.redraft_text.connect(self._on_redraft_text)
        controller.redraft_ended.connect(self._on_redraft_ended)
        controller.model_status.connect(self._on_model_status)
        controller.closing.connect(self._on_closing)
        self._update_actions()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if not self._loaded:
            # The reply's buttons never cut off: the message side is kept as wide as its content
            # needs (measured once styled, on the first show), the list gives way instead.
            bar = self.detail_scroll.verticalScrollBar().sizeHint().width()
            self.detail_scroll.setMinimumWidth(self.detail.minimumSizeHint().width() + bar)
            width = max(800, self.splitter.width())
            detail = max(width * 11 // 20, self.detail_scroll.minimumWidth())
            self.splitter.setSizes([width - detail, detail])  # room for the message column
        if self.controller is not None and not self._loaded:
            self._loaded = True
            self.controller.load()
        self.table.setFocus()

    # --- selection ---------------------------------------------------------------------------------------
    def current_entry(self) -> Any | None:
        return self.model.entry(self.current_id) if self.current_id is not None else None

    def select_row(self, row: int) -> None:
        if not 0 <= row < self.model.rowCount():
            return
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.scrollTo(index)

    @Slot()
    def move(self, step: int) -> None:
        """J/K: the next or previous message (an edit in progress is saved first)."""
        self._finish_edit()
        current = self.table.currentIndex().row()
        self.select_row(max(0, min(self.model.rowCount() - 1, current + step if current >= 0 else 0)))

    @Slot(object, object)
    def _on_current_row_changed(self, current: Any, _previous: Any) -> None:
        self._finish_edit()
        item_id = self.model.id_at(current.row()) if current.isValid() else None
        self.current_id = item_id
        if item_id is None:
            self.detail.show_nothing()
        elif self.controller is not None:
            self.controller.load_detail(item_id)
        self._update_actions()

    # --- actions -----------------------------------------------------------------------------------------
    def _draft_id(self) -> int | None:
        detail = self.detail.detail
        if detail is None or detail.entry.item_id != self.current_id:
            return None
        return detail.entry.draft_id

    @Slot()
    def approve(self) -> None:
        if self.controller is None or self.current_id is None or self._streaming is not None:
            return
        self._finish_edit()
        self.controller.approve(self.current_id)

    @Slot()
    def reject(self) -> None:
        if self.controller is None or self.current_id is None or self._streaming is not None:
            return
        self._finish_edit(commit=False)
        self.controller.reject(self.current_id)

    @Slot()
    def edit(self) -> None:
        detail = self.detail.detail
        if self.editing or self._draft_id() is None or self._streaming is not None:
            return
        if detail.entry.state not in ("drafted", "flagged", "approved") or detail.entry.trashed_at:
            self._say(f"A {detail.entry.state} reply cannot be edited.")
            return
        self.editing = True
        self.detail.begin_edit()
        self._update_actions()

    def _finish_edit(self, *, commit: bool = True) -> None:
        """Leave the editor: save what was typed as the draft's text (one undo step)."""
        if not self.editing:
            return
        self.editing = False
        self.detail.end_edit()
        draft_id = self._draft_id()
        if self._autosave_timer.isActive():
            self._autosave_timer.stop()
            self._autosave_now()
        if commit and self.controller is not None and draft_id is not None and self.current_id is not None:
            self.controller.commit_edit(self.current_id, draft_id, self.detail.editor.toPlainText())
        self.table.setFocus()
        self._update_actions()

    @Slot()
    def _on_editor_changed(self) -> None:
        if self.editing:
            self._autosave_timer.start()

    @Slot()
    def _on_closing(self) -> None:
        # Keep the text being typed (not committed: the creator did not finish the edit).
        draft_id = self._draft_id()
        if self.editing and self.controller is not None and draft_id is not None:
            self._autosave_timer.stop()
            self.controller.save_edit_now(draft_id, self.detail.editor.toPlainText())

    @Slot()
    def _autosave_now(self) -> None:
        draft_id = self._draft_id()
        if self.controller is not None and draft_id is not None:
            self.controller.autosave(draft_id, self.detail.editor.toPlainText())

    @Slot()
    def redraft(self) -> None:
        entry = self.current_entry()
        if self.controller is None or self.current_id is None or self._streaming is not None or self.editing:
            return
        if entry is not None and entry.triage_level == "red":
            self._say("This message gets no draft: answer it personally.")
            return
        self._streaming = self.current_id
        self.detail.start_stream("Writing another option…")
        self.controller.redraft(self.current_id)
        self._update_actions()

    @Slot(int)
    def choose_option(self, position: int) -> None:
        detail = self.detail.detail
        draft_id = self._draft_id()
        if self.controller is None or draft_id is None or self.editing or self._streaming is not None:
            return
        if not any(a.position == position for a in detail.alternatives):
            if len(detail.alternatives) > 1:
                self._say(f"There is no option {position}.")
            return
        if any(a.position == position and a.chosen for a in detail.alternatives):
            return
        self.controller.choose_option(detail.entry.item_id, draft_id, position)

    @Slot()
    def undo(self) -> None:
        if self.controller is None or self._streaming is not None:
            return
        self._finish_edit()
        self.controller.undo()

    @Slot()
    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    # --- draft all ---------------------------------------------------------------------------------------
    @Slot()
    def draft_all(self) -> None:
        if self.controller is not None:
            self.controller.draft_all()

    @Slot()
    def pause_batch(self) -> None:
        if self.controller is not None:
            self.controller.pause_batch()

    @Slot()
    def cancel_batch(self) -> None:
        if self.controller is not None:
            self.controller.cancel_batch()

    # --- approve all unflagged, after a confirmation with the count --------------------------------------
    @Slot()
    def ask_approve_all(self) -> None:
        if self.controller is not None:
            self._finish_edit()
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
        _label, state, trashed = STATE_CHOICES[max(0, self.state_combo.currentIndex())]
        platform = self.platform_combo.currentText()
        return Filters(
            state=state,
            platform=None if platform == ALL_PLATFORMS or not platform else platform,
            flagged=True if self.flagged_check.isChecked() else None,
            search=self.search_edit.text().strip(),
            trashed=trashed,
        )

    @Slot()
    def _apply_filters(self) -> None:
        if self.controller is not None and self._loaded:
            self.controller.set_filters(self.filters())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.KeyPress:
            key_event: QKeyEvent = event  # type: ignore[assignment]
            key, modifiers = key_event.key(), key_event.modifiers()
            enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if watched is self.detail.editor and self.editing:
                if key == Qt.Key.Key_Escape or (enter and modifiers & Qt.KeyboardModifier.ControlModifier):
                    self._finish_edit()
                    return True
            if watched is self.search_edit and (key in (Qt.Key.Key_Escape, Qt.Key.Key_Down) or enter):
                self.table.setFocus()
                if self.table.currentIndex().row() < 0:
                    self.select_row(0)
                return True
        return super().eventFilter(watched, event)

    # --- controller signals ------------------------------------------------------------------------------
    @Slot(object)
    def _on_listed(self, listing: Listing) -> None:
        keep = self.current_id
        self.model.set_ids(listing.ids)
        self._counts = dict(listing.counts)
        self._show_counts()
        self._set_platforms(listing.platforms)
        row = self.model.row_of(keep) if keep is not None else -1
        if row < 0 and self.model.rowCount():
            row = 0
        if row >= 0:
            self.select_row(row)
            if self.model.id_at(row) == keep and self.controller is not None and keep is not None:
                self.controller.load_detail(keep)  # its draft may have changed (a batch ran)
        else:
            self.current_id = None
            self.detail.show_nothing(self._empty_text())
        self.empty_label.setText(self._empty_text() if not listing.ids else "")
        self.empty_label.setVisible(not listing.ids)
        self._update_actions()

    def _empty_text(self) -> str:
        if self.filters() != Filters():
            return "No message matches these filters."
        return (
            "Nothing waits for you. Import an archive (the conversations awaiting your reply come here), "
            "or add messages with `understudy inbox import`."
        )

    def _set_platforms(self, platforms: list[str]) -> None:
        current = self.platform_combo.currentText()
        wanted = [ALL_PLATFORMS, *platforms]
        if [self.platform_combo.itemText(i) for i in range(self.platform_combo.count())] == wanted:
            return
        self.platform_combo.blockSignals(True)
        self.platform_combo.clear()
        self.platform_combo.addItems(wanted)
        self.platform_combo.setCurrentIndex(max(0, wanted.index(current) if current in wanted else 0))
        self.platform_combo.blockSignals(False)

    def _show_counts(self) -> None:
        counts = self._counts
        parts = [f"{counts[s]} {s}" for s in ("new", "drafted", "flagged", "approved") if counts.get(s)]
        self.counts_label.setText(" · ".join(parts) if parts else "Empty")
        waiting = counts.get("new", 0)
        if self.controller is not None and self.controller.is_batch_running():
            self.draft_all_button.setText("Drafting…")
            return
        if self._paused and waiting:
            self.draft_all_button.setText(f"Resume ({waiting} left)")
        else:
            self.draft_all_button.setText(f"Draft all new ({waiting})" if waiting else "Draft all new")
        self.draft_all_button.setEnabled(waiting > 0)

    @Slot(object)
    def _on_counts_loaded(self, counts: dict) -> None:
        self._counts = dict(counts)
        self._show_counts()

    @Slot(object)
    def _on_rows_loaded(self, rows: dict) -> None:
        if self.current_id in rows:
            self._update_actions()

    @Slot(object)
    def _on_detail_loaded(self, detail: Any) -> None:
        if detail.entry.item_id != self.current_id or self.editing:
            return
        self.detail.show_detail(detail)
        if self._streaming == detail.entry.item_id:
            self.detail.start_stream("Writing another option…")  # the rest of it streams in here
        self._update_actions()

    @Slot(str, str, list)
    def _on_acted(self, kind: str, note: str, ids: list) -> None:
        self.model.invalidate(ids)
        self._say(note)
        if self.controller is not None:
            self.controller.reload_counts()
        if kind in ("approved", "rejected") and self.current_id in ids:
            row = self.model.row_of(self.current_id)  # decided: on to the next message
            if row + 1 < self.model.rowCount():
                self.select_row(row + 1)
                return
        if kind == "undone" and ids and self.current_id not in ids:
            row = self.model.row_of(ids[0])  # show what the undo brought back
            if row >= 0:
                self.select_row(row)
                return
        if self.current_id is not None and self.controller is not None:
            self.controller.load_detail(self.current_id)

    @Slot(str)
    def _on_action_failed(self, text: str) -> None:
        self._say(text, error=True)

    @Slot(str)
    def _on_model_status(self, text: str) -> None:
        if self.controller is not None and self.controller.batch_state == BATCH_WAITING:
            self.batch_label.setText(text)
        elif self._streaming is not None:
            self.detail.note_label.setText(text)

    @Slot(str)
    def _on_batch_state(self, state: str) -> None:
        running = state != BATCH_IDLE
        self.pause_button.setVisible(state in (BATCH_RUNNING, BATCH_PAUSING))
        self.pause_button.setEnabled(state == BATCH_RUNNING)
        self.cancel_button.setVisible(running)
        self.progress.setVisible(running)
        self.draft_all_button.setEnabled(not running)
        if running:
            self._paused = False
            self.draft_all_button.setText("Drafting…")
        if state == BATCH_WAITING:
            self.progress.setRange(0, 0)
            self.batch_label.setText("Loading the model…")
        elif state == BATCH_RUNNING:
            self.progress.setRange(0, max(1, self._counts.get("new", 1)))
            self.progress.setValue(0)
            self.batch_label.setText("Drafting… the drafts appear in the list as they finish.")
        elif state == BATCH_PAUSING:
            self.batch_label.setText("Pausing after the reply being written…")
        self._update_actions()

    @Slot(object)
    def _on_batch_progress(self, progress: Any) -> None:
        if progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done)
        if self.controller is not None and self.controller.batch_state == BATCH_RUNNING:
            self.batch_label.setText(f"{progress.message}… the drafts appear in the list as they finish.")

    @Slot(object)
    def _on_batch_item(self, item: Any) -> None:
        self.model.invalidate([item.item_id])
        if self.controller is not None:
            self.controller.reload_counts()
            if item.item_id == self.current_id and not self.editing:
                self.controller.load_detail(item.item_id)

    @Slot(str, object)
    def _on_batch_ended(self, how: str, result: Any) -> None:
        from desktop.core.inbox.batch import summary_line

        if how == "failed":
            self._show_batch_idle(f"Drafting stopped: {getattr(result, 'text', result)}")
        elif how == "cancelled":
            self._show_batch_idle("Stopped. The finished drafts were kept; Draft all goes on with the rest.")
        else:
            self._paused = how == "paused"
            self._show_batch_idle(summary_line(result))

    def _show_batch_idle(self, text: str) -> None:
        self.progress.hide()
        self.pause_button.hide()
        self.cancel_button.hide()
        self.batch_label.setText(text or "Draft every new message in one go: highest priority, then newest.")
        self._show_counts()

    @Slot(int, str)
    def _on_redraft_text(self, item_id: int, text: str) -> None:
        if item_id == self._streaming and item_id == self.current_id:
            self.detail.append_stream(text)

    @Slot(int, str)
    def _on_redraft_ended(self, item_id: int, message: str) -> None:
        if item_id == self._streaming:
            self._streaming = None
        self._say(message)
        self.model.invalidate([item_id])
        if self.controller is not None:
            self.controller.reload_counts()
            if item_id == self.current_id:
                self.controller.load_detail(item_id)
        self._update_actions()

    # --- small helpers -----------------------------------------------------------------------------------
    def _say(self, text: str, *, error: bool = False) -> None:
        self.status_label.setStyleSheet("color: #b91c1c;" if error else "")
        self.status_label.setText(text)

    def _update_actions(self) -> None:
        detail = self.detail.detail
        entry = detail.entry if detail is not None and self.current_id == detail.entry.item_id else None
        live = entry is not None and entry.trashed_at is None and self._streaming is None and not self.editing
        has_draft = entry is not None and entry.draft_id is not None
        reviewable = live and entry.state in ("drafted", "flagged")
        needs_edit = entry is not None and entry.flag_needs_edit
        self.approve_button.setEnabled(reviewable and has_draft and not needs_edit)
        self.approve_button.setToolTip(
            "The guard asked for an edit first: press E" if needs_edit else "Approve this reply (A)"
        )
        self.edit_button.setEnabled(live and has_draft and entry.state in ("drafted", "flagged", "approved"))
        self.redraft_button.setEnabled(
            live
            and entry.state in ("new", "drafted", "flagged")
            and entry.triage_level != "red"
            and (self.controller is None or not self.controller.is_batch_running())
        )
        self.reject_button.setEnabled(live and entry.state in ("new", "drafted", "flagged", "approved"))
        self.undo_button.setEnabled(self._streaming is None)
