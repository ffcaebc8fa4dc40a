"""Settings → Connections: one panel per platform, Check now, Send all approved, the options, the log.

Everything it does goes through the ``ConnectionsController`` (``attach``), which runs it on
workers with ``desktop.core.actions.connections``. The card reads the connections the first time
it is shown. A platform whose module cannot be loaded shows as unavailable with the reason; the
others keep working.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.actions.connections import FETCH_EVERY_CHOICES
from desktop.ui import theme
from desktop.ui.controllers.connections_controller import (
    FETCH,
    ChangeOutcome,
    ConnectionsView,
    RunOutcome,
)
from desktop.ui.widgets.common.wiring import connect_by_name
from desktop.ui.widgets.page import card_layout
from desktop.ui.widgets.settings.connection_panel import ConnectionPanel
from desktop.ui.widgets.settings.connections_log import RunLog

INTRO = (
    "Bring today's messages from your accounts into the Inbox, and send the replies you approved back "
    "to where each message came from. You connect with your own credentials; tokens and passwords stay "
    "in this computer's keychain. Nothing is ever sent unless you press Send."
)

#: What the card listens to on the ConnectionsController: each signal goes to its ``_on_<name>`` slot.
CONTROLLER_SIGNALS = (
    "load_failed change_started change_finished change_failed"
    " run_started run_progress run_finished run_failed run_cancelled"
)


def every_text(minutes: int) -> str:
    if not minutes:
        return "Only when I press Check now"
    return "Every hour" if minutes == 60 else f"Every {minutes} minutes"


def confirm_send_all(parent: QWidget, count: int) -> bool:
    """Ask before posting every approved reply; True to go ahead."""
    answer = QMessageBox.question(
        parent,
        "Send all approved replies",
        f"Post {theme.plural(count, 'approved reply', 'approved replies')} from your accounts now, each "
        "as a reply in its message's thread?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


class ConnectionsCard(QFrame):
    """The Connections card (``attach`` a ``ConnectionsController``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = card_layout(self, "Connections")
        intro = QLabel(INTRO)
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        # While the app is open: how often to check, and whether to draft at once -----------------
        options = QHBoxLayout()
        options.addWidget(QLabel("Check for new messages"))
        self.every_combo = QComboBox()
        for minutes in FETCH_EVERY_CHOICES:
            self.every_combo.addItem(every_text(minutes), minutes)
        self.every_combo.setToolTip(
            "Checks run only while Understudy is open. Replies are never sent on a timer."
        )
        options.addWidget(self.every_combo)
        options.addSpacing(16)
        self.draft_check = QCheckBox("Draft new messages as soon as they arrive")
        self.draft_check.setToolTip(
            "Drafts are written on this computer (or your model server) and wait in the Inbox for you "
            "to read, edit and approve. Nothing is sent."
        )
        options.addWidget(self.draft_check)
        options.addStretch(1)
        layout.addLayout(options)
        self.every_combo.currentIndexChanged.connect(self._on_options_changed)
        self.draft_check.toggled.connect(self._on_options_changed)

        # Check now / Send all approved, with progress and cancel ------------------------------------
        run_row = QHBoxLayout()
        self.check_all_button = QPushButton("Check now")
        self.check_all_button.setObjectName("primary")
        self.check_all_button.setToolTip(
            "Bring the new messages from every connected platform into the Inbox."
        )
        self.check_all_button.clicked.connect(self._on_check_all)
        self.send_all_button = QPushButton("Send all approved")
        self.send_all_button.clicked.connect(self._on_send_all)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(180)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self._on_cancel)
        run_row.addWidget(self.check_all_button)
        run_row.addWidget(self.send_all_button)
        run_row.addWidget(self.progress)
        run_row.addWidget(self.cancel_button)
        run_row.addStretch(1)
        layout.addLayout(run_row)
        self.status = QLabel("Reading your connections…")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)

        # One panel per platform ------------------------------------------------------------------
        self.panels_box = QVBoxLayout()
        self.panels_box.setSpacing(10)
        layout.addLayout(self.panels_box)
        self.panels: dict[str, ConnectionPanel] = {}

        # The log ---------------------------------------------------------------------------------
        log_title = QLabel("Latest checks and sends")
        log_title.setStyleSheet("font-weight: 600;")
        layout.addSpacing(6)
        layout.addWidget(log_title)
        self.log = RunLog()
        layout.addWidget(self.log)
        self.log_empty = QLabel("Nothing has been checked or sent yet.")
        self.log_empty.setObjectName("muted")
        layout.addWidget(self.log_empty)

        self._controller: Any = None
        self._loading = False
        self._loaded = False
        self.view: ConnectionsView | None = None
        self._set_options_enabled(False)  # until the profile's values have been read

    def attach(self, controller: Any) -> None:
        self._controller = controller
        controller.view_loaded.connect(self.show_view)
        connect_by_name(controller, self, CONTROLLER_SIGNALS)
        if controller.view is not None:
            self.show_view(controller.view)

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if not self._loaded and self._controller is not None:
            self._loaded = True
            self._controller.load()

    # --- what the controller says ---------------------------------------------------------------
    @Slot(object)
    def show_view(self, view: ConnectionsView) -> None:
        self.view = view
        self._loaded = True
        for platform in view.platforms:
            panel = self.panels.get(platform.platform)
            if panel is None:
                panel = self.panels[platform.platform] = ConnectionPanel(platform)
                if self._controller is not None:  # the panel's requests go straight to the controller
                    panel.connect_requested.connect(self._controller.connect_platform)
                    panel.test_requested.connect(self._controller.test)
                    panel.check_requested.connect(self._controller.check_now)
                    panel.disconnect_requested.connect(self._controller.disconnect_platform)
                panel.send_requested.connect(self._on_send)  # asks first
                self.panels_box.addWidget(panel)
            else:
                panel.show_view(platform)
        self._loading = True  # values from the store are not a change to write back
        index = self.every_combo.findData(view.options.fetch_every_minutes)
        self.every_combo.setCurrentIndex(max(index, 0))
        self.draft_check.setChecked(view.options.draft_new)
        self._loading = False
        self._set_options_enabled(True)
        self.log.show_runs(view.runs)
        self.log.setVisible(bool(view.runs))
        self.log_empty.setVisible(not view.runs)
        if self.status.text() == "Reading your connections…":
            self.status.setText(self._summary(view))
        self._update_enabled()

    def _summary(self, view: ConnectionsView) -> str:
        connected = [view.platform(p).label for p in view.connected()]
        if not connected:
            return "No platform is connected yet: connect one below."
        return "Connected: " + ", ".join(connected) + "."

    @Slot(object)
    def _on_load_failed(self, failure: Any) -> None:
        self._set_status(f"Your connections could not be read. {failure.text}", error=True)

    @Slot(str, str)
    def _on_change_started(self, platform: str, note: str) -> None:
        self._show_change(platform, note)

    @Slot(object)
    def _on_change_finished(self, outcome: ChangeOutcome) -> None:
        self._show_change(outcome.platform, outcome.message)

    @Slot(str, object)
    def _on_change_failed(self, platform: str, failure: Any) -> None:
        self._show_change(platform, failure.text, error=True)

    def _show_change(self, platform: str, text: str, *, error: bool = False) -> None:
        """A change to one platform is told on its panel (on the card where it has none yet)."""
        if platform in self.panels:
            self.panels[platform].show_message(text, error=error)
        else:
            self._set_status(text, error=error)
        self._update_enabled()

    @Slot(str, str)
    def _on_run_started(self, kind: str, note: str) -> None:
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self._set_status(note)
        self._update_enabled()

    @Slot(object)
    def _on_run_progress(self, progress: Any) -> None:
        if progress.total > 0:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done)
        else:
            self.progress.setRange(0, 0)
        self._set_status(progress.message + "…" if not progress.message.endswith(".") else progress.message)

    @Slot(object)
    def _on_run_finished(self, outcome: RunOutcome) -> None:
        self._end_run()
        for platform, error in outcome.errors.items():
            if platform in self.panels:
                self.panels[platform].show_problem(error)
        lines = list(outcome.lines)
        for item_id, reason in outcome.failed_replies:
            if reason not in outcome.errors.values():  # a stopped run's reason is said once
                lines.append(f"The reply to message {item_id} was not sent and stays approved: {reason}")
        text = " ".join(lines) or ("Nothing to check." if outcome.kind == FETCH else "Nothing to send.")
        self._set_status(text, error=bool(outcome.errors or outcome.failed_replies))

    @Slot(object)
    def _on_run_failed(self, failure: Any) -> None:
        self._end_run()
        self._set_status(failure.text, error=True)

    @Slot()
    def _on_run_cancelled(self) -> None:
        self._end_run()
        self._set_status("Cancelled; what that run had fetched was not kept, and nothing more was sent.")

    def _end_run(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self._update_enabled()

    # --- the creator's requests -----------------------------------------------------------------
    @Slot(str)
    def _on_send(self, platform: str) -> None:
        if self._controller is None or self.view is None:
            return
        waiting = self.view.platform(platform).approved_waiting
        if confirm_send_all(self, waiting):
            self._controller.send_approved(platform)

    @Slot()
    def _on_check_all(self) -> None:
        if self._controller is not None:
            self._controller.check_now()

    @Slot()
    def _on_send_all(self) -> None:
        if self._controller is None or self.view is None:
            return
        if confirm_send_all(self, self._approved_waiting()):
            self._controller.send_approved()

    @Slot()
    def _on_cancel(self) -> None:
        if self._controller is not None:
            self.cancel_button.setEnabled(False)
            self._set_status("Cancelling…")
            self._controller.cancel_run()

    @Slot()
    def _on_options_changed(self) -> None:
        if self._loading or self._controller is None:
            return
        self._controller.save_options(int(self.every_combo.currentData()), self.draft_check.isChecked())

    # --- helpers --------------------------------------------------------------------------------
    def _approved_waiting(self) -> int:
        if self.view is None:
            return 0
        return sum(self.view.platform(p).approved_waiting for p in self.view.connected())

    def _set_options_enabled(self, enabled: bool) -> None:
        self.every_combo.setEnabled(enabled)
        self.draft_check.setEnabled(enabled)

    def _update_enabled(self) -> None:
        controller = self._controller
        changing = controller is not None and controller.is_changing()
        running = controller is not None and controller.is_running()
        for panel in self.panels.values():
            panel.set_busy(changing or running)
        connected = bool(self.view and self.view.connected())
        self.check_all_button.setEnabled(connected and not running and not changing)
        waiting = self._approved_waiting()
        self.send_all_button.setEnabled(waiting > 0 and not running and not changing)
        self.send_all_button.setText(f"Send all approved ({waiting})" if waiting else "Send all approved")

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {theme.ERROR_COLOR};" if error else "")
