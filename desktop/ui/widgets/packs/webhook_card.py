"""The optional webhook connector's card: address, token (keychain only), on/off, sending, delivery log."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableWidgetItem,
    QWidget,
)

from desktop.ui.controllers.packs_jobs import WebhookView
from desktop.ui.theme import ERROR_COLOR, OK_COLOR, format_local, plural
from desktop.ui.widgets.common.buttons import button
from desktop.ui.widgets.common.labels import message_label, muted_label
from desktop.ui.widgets.common.rows import left_row
from desktop.ui.widgets.packs.common import ListTable, set_message, shorten
from desktop.ui.widgets.page import card_layout
from desktop.ui.workers import Failure

if TYPE_CHECKING:
    from desktop.ui.widgets.packs_page import PacksPage

EMPTY_LOG = "Nothing sent yet."
TOKEN_PLACEHOLDER = "Paste the token the receiving service gave you (kept in your keychain)"
TOKEN_SAVED_PLACEHOLDER = "A token is saved in your keychain (hidden). Type a new one to replace it."


def delivery_result(entry: dict[str, Any], *, full: bool = False) -> str:
    """One attempt of the webhook in a few words ("Will retry (503)"); ``full`` adds the whole error."""
    code = entry.get("status_code")
    short = f"({code})" if code else "(not reachable)"
    words = {"delivered": "Delivered", "retrying": "Will retry", "failed": "Failed"}[entry["outcome"]]
    if full and entry["error"]:
        return f"{words}: {entry['error']}"
    return f"{words} {short}"


class DeliveryLog(ListTable):
    """The webhook's attempts, newest first: when, which reply, which try, what happened."""

    COLUMNS = ("When", "Reply", "Try", "Result")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.COLUMNS, "Webhook delivery log", stretch=1, most=6, parent=parent)

    def set_log(self, entries: list[dict[str, Any]]) -> None:
        self.set_row_count(len(entries))
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


class WebhookCard(QFrame):
    """Webhook connector (optional), off by default: sends approved replies as JSON to an address."""

    def __init__(self, page: PacksPage) -> None:
        super().__init__()
        self.page = page
        layout = card_layout(self, "Webhook connector (optional)")
        layout.addWidget(
            muted_label(
                "Off unless you turn it on. Sends each approved reply as JSON to an address you give, "
                "for example your own posting "
                "tool. Each reply carries an Idempotency-Key so the receiver never gets it twice; failed "
                "sends are retried a few times and every attempt is logged below."
            )
        )
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        self.url_field = QLineEdit()
        self.url_field.setPlaceholderText("https://example.com/hooks/replies")
        self.url_field.setAccessibleName("Webhook address")
        self.url_field.returnPressed.connect(self.save_webhook)
        self.token_field = QLineEdit()
        self.token_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_field.setPlaceholderText(TOKEN_PLACEHOLDER)
        self.token_field.setAccessibleName("Webhook token")
        self.token_field.returnPressed.connect(self.save_webhook)
        self.forget_token_button = button(
            "Remove token", "Delete the saved token from the keychain", self.forget_token
        )
        token_row = QHBoxLayout()
        token_row.addWidget(self.token_field, 1)
        token_row.addWidget(self.forget_token_button)
        self.enabled_box = QCheckBox("On: send approved replies to this address")
        self.enabled_box.setAccessibleName("Webhook connector on")
        form.addRow("Address", self.url_field)
        form.addRow("Token", token_row)
        form.addRow("", self.enabled_box)
        layout.addLayout(form)
        self.save_hook_button = button(
            "Save connector settings",
            "Save the address and switch; a token goes to the keychain (Enter)",
            self.save_webhook,
        )
        self.send_button = button(
            "Send approved replies now",
            "Send every approved reply the webhook has not received yet",
            self.send_now,
        )
        self.stop_send_button = button(
            "Stop sending",
            "Stop between attempts; unsent replies are sent next time (Esc)",
            page.cancel_running,
        )
        self.stop_send_button.hide()
        layout.addLayout(left_row(self.save_hook_button, self.send_button, self.stop_send_button))
        self.hook_message = message_label("hookMessage")
        layout.addWidget(self.hook_message)
        log_title = QLabel("Delivery log")
        log_title.setStyleSheet("font-weight: 600;")
        layout.addWidget(log_title)
        self.log_empty = QLabel(EMPTY_LOG)
        self.log_empty.setObjectName("muted")
        layout.addWidget(self.log_empty)
        self.log_table = DeliveryLog()
        self.log_table.hide()
        layout.addWidget(self.log_table)

    def say(self, text: str, kind: str = "") -> None:
        set_message(self.hook_message, text, kind)

    def show_log(self, log: list[dict[str, Any]]) -> None:
        self.log_table.set_log(log)
        self.log_table.setVisible(bool(log))
        self.log_empty.setVisible(not log)

    def show_webhook(self, view: WebhookView, *, update_fields: bool) -> None:
        if update_fields:  # never overwrite what the creator is typing
            self.url_field.setText(view.url)
            self.enabled_box.setChecked(view.enabled)
        self.token_field.setPlaceholderText(TOKEN_SAVED_PLACEHOLDER if view.has_token else TOKEN_PLACEHOLDER)
        self.forget_token_button.setEnabled(view.has_token)
        if view.keychain_note and not self.hook_message.isVisible():
            self.say(view.keychain_note)

    def update_buttons(self) -> None:
        controller = self.page.controller
        delivering = controller is not None and controller.is_delivering()
        self.send_button.setEnabled(self.page.data.webhook.enabled and not delivering)
        self.send_button.setVisible(not delivering)
        self.stop_send_button.setVisible(delivering)

    # --- settings -------------------------------------------------------------------------------------------
    @Slot()
    def save_webhook(self) -> None:
        """Save the address and the switch; a typed token goes to the keychain and leaves the field."""
        controller = self.page.controller
        if controller is None:
            return
        token = self.token_field.text().strip() or None
        url, enabled = self.url_field.text().strip(), self.enabled_box.isChecked()
        self.page.retry["webhook"] = lambda: controller.save_webhook(url, enabled, token=token)
        controller.save_webhook(url, enabled, token=token)
        self.token_field.clear()  # never kept on screen, nor in the page, once handed on

    @Slot()
    def forget_token(self) -> None:
        if self.page.controller is None:
            return
        url, enabled = self.url_field.text().strip(), self.enabled_box.isChecked()
        self.page.controller.save_webhook(url, enabled, forget_token=True)

    @Slot(object)
    def on_webhook_saved(self, view: WebhookView) -> None:
        self.page.retry.pop("webhook", None)
        self.page.data = dataclasses.replace(self.page.data, webhook=view)
        self.show_webhook(view, update_fields=True)
        if view.enabled:
            text = f"Saved. The connector is on: “Send approved replies now” sends them to {view.url}."
        else:
            text = "Saved. The connector is off: nothing is sent."
        if not view.has_token:
            text += " No token is saved."
        self.say(text, "ok")
        self.update_buttons()

    # --- sending --------------------------------------------------------------------------------------
    @Slot()
    def send_now(self) -> None:
        if self.page.controller is not None and self.page.data.webhook.enabled:
            self.page.controller.deliver()

    def stop_sending(self) -> None:
        """Esc while sending: stop after the current attempt."""
        if self.page.controller is not None:
            self.page.controller.cancel_delivery()
            self.say("Stopping after the current attempt…")

    @Slot()
    def on_delivery_started(self) -> None:
        self.say("Sending approved replies…")
        self.update_buttons()

    @Slot(object)
    def on_delivered(self, report: Any) -> None:
        if not report.deliveries:
            self.say("Nothing new to send: the webhook has every approved reply.", "ok")
        elif not report.failed:
            self.say(f"✓ Sent {plural(report.delivered, 'reply', 'replies')}.", "ok")
        else:
            last_error = next(d.error for d in report.deliveries if d.outcome == "failed")
            self.say(
                f"Sent {plural(report.delivered, 'reply', 'replies')}; {report.failed} could not be sent "
                f"({last_error}). They are tried again the next time you send.",
                "error",
            )

    @Slot()
    def on_delivery_cancelled(self) -> None:
        self.say("Sending stopped. Replies not sent yet go out the next time you send.")

    def on_failed(self, failure: Failure) -> None:
        self.page.retry.pop("webhook", None)
        self.say(failure.text, "error")
        self.update_buttons()
