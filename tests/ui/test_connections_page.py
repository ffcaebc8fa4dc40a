"""Settings → Connections: the real card and controller, on real workers, against the Mastodon fake.

Nothing is mocked but the two confirmation dialogs: the instance is the faithful fake of
tests/connectors/mastodon_fake.py on 127.0.0.1 (pytest-httpserver), the secrets go to the tests'
in-memory keychain, the profile's store is a real SQLite file, and every step runs through
``desktop.core.actions.connections`` as the CLI's ``understudy connect ...`` does.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from desktop.core.connectors import registry
from desktop.core.inbox import approve, list_inbox, save_draft
from desktop.core.paths import Paths
from desktop.core.secrets import SERVICE
from desktop.core.store import connections as rows
from desktop.core.store import open_store
from desktop.ui import workers
from desktop.ui.controllers.connections_controller import ConnectionsController
from desktop.ui.widgets.settings import connection_panel, connections_card
from desktop.ui.widgets.settings.connections_card import ConnectionsCard
from tests.conftest import InMemoryKeyring
from tests.connectors.mastodon_fake import TOKEN, FakeMastodon

# The offscreen platform says so when a top-level card is shown on its own (as the reliability tests do).
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

KEY = (SERVICE, "connection:mastodon:access_token")
WAIT_MS = 30_000


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy set on the test machine must not catch loopback."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def yes_to_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection_panel, "confirm_disconnect", lambda parent, label: True)
    monkeypatch.setattr(connections_card, "confirm_send_all", lambda parent, count: True)


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeMastodon:
    return FakeMastodon(httpserver)


def _open_card(qtbot, paths: Paths) -> tuple[ConnectionsCard, ConnectionsController]:
    """The card, shown (it reads the connections on its first show), and its controller."""
    controller = ConnectionsController(paths, "default")
    card = ConnectionsCard()
    card.attach(controller)
    qtbot.addWidget(card)
    card.resize(1000, 1400)
    with qtbot.waitSignal(controller.view_loaded, timeout=WAIT_MS):
        card.show()
    return card, controller


def _close_card(qtbot, controller: ConnectionsController) -> None:
    controller.shutdown()
    qtbot.waitUntil(lambda: workers.live_workers() == 0, timeout=WAIT_MS)


@pytest.fixture
def opened(qtbot, styled_app, paths: Paths, memory_keyring: InMemoryKeyring) -> Iterator[tuple]:
    card, controller = _open_card(qtbot, paths)
    yield card, controller
    _close_card(qtbot, controller)


def _connect(qtbot, card: ConnectionsCard, controller: ConnectionsController, fake: FakeMastodon) -> None:
    panel = card.panels["mastodon"]
    panel.inputs["instance"].setText(fake.url)
    panel.inputs["access_token"].setText(TOKEN)
    with qtbot.waitSignal(controller.change_finished, timeout=WAIT_MS):
        panel.connect_button.click()


def _story(fake: FakeMastodon) -> dict:
    post = fake.post(fake.creator, "New video out today! Tell me what you think.")
    comment = fake.post(fake.bo, "@ana Loved it! When is the next one?", in_reply_to=post)
    return {"post": post, "comment": comment}


def _check_now(qtbot, card: ConnectionsCard, controller: ConnectionsController) -> tuple[object, list]:
    progress: list = []
    controller.run_progress.connect(progress.append)
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT_MS) as finished:
        card.check_all_button.click()
        assert card.progress.isVisible() and card.cancel_button.isVisible()
    return finished.args[0], progress


def test_each_platform_has_a_panel_and_a_broken_one_is_unavailable_not_a_crash(
    qtbot, styled_app, paths: Paths, memory_keyring: InMemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        registry._MODULES, "bluesky", ("Bluesky", "desktop.core.connectors.no_such_module", "X")
    )
    card, controller = _open_card(qtbot, paths)
    try:
        assert list(card.panels) == list(registry.connector_platforms())
        broken = card.panels["bluesky"]
        assert broken.status.text() == "Unavailable"
        assert "could not load its Bluesky connection" in broken.reason.text()
        assert broken.form_box.isHidden() and broken.reads.isHidden()
        masto = card.panels["mastodon"]
        assert masto.status.text() == "Not connected"
        assert masto.connect_button.text() == "Connect" and masto.connect_button.isEnabled()
        assert not masto.steps.isHidden() and "Preferences → Development" in masto.steps.text()
        assert "mentions" in masto.reads.text() and "only when you press Send" in masto.sends.text()
        assert masto.inputs["access_token"].echoMode() == masto.inputs["access_token"].EchoMode.Password
        assert masto.test_button.isHidden() and masto.disconnect_button.isHidden()
        assert not card.check_all_button.isEnabled() and not card.send_all_button.isEnabled()
        assert card.every_combo.currentData() == 0 and not card.draft_check.isChecked()  # both off
        assert "No platform is connected" in card.status.text()
        assert not paths.profile("default").store.exists()  # looking created nothing
    finally:
        _close_card(qtbot, controller)


def test_the_youtube_client_file_is_chosen_with_browse(
    qtbot, opened: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    card, _controller = opened
    client = tmp_path / "client_secret_123.json"
    client.write_text("{}", encoding="utf-8")
    asked: list[tuple] = []

    def choose(parent, caption, folder, file_filter):  # the creator picks the file in the dialog
        asked.append((caption, folder, file_filter))
        return str(client), file_filter

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(choose))
    panel = card.panels["youtube"]
    assert set(panel.browse_buttons) == {"client_file"}  # only the file field has one
    panel.browse_buttons["client_file"].click()
    assert panel.inputs["client_file"].text() == str(client)
    assert asked == [("OAuth client file", str(Path.home()), "OAuth client file (*.json)")]
    panel.browse_buttons["client_file"].click()  # the second time, it opens where the file is
    assert asked[1][1] == str(tmp_path)


def test_connect_test_check_now_log_and_disconnect(
    qtbot, opened: tuple, fake: FakeMastodon, paths: Paths, memory_keyring: InMemoryKeyring
) -> None:
    card, controller = opened
    panel = card.panels["mastodon"]
    _connect(qtbot, card, controller, fake)
    assert memory_keyring.passwords[KEY] == TOKEN
    assert panel.inputs["access_token"].text() == ""  # the secret left the field for the keychain
    assert panel.message.text().startswith("Connected as @ana@")
    assert panel.status.text().startswith("✓ Connected as @ana@")
    assert panel.connect_button.text() == "Save and test"
    assert panel.inputs["access_token"].placeholderText() == connection_panel.SECRET_KEPT
    assert panel.steps.isHidden()  # the steps fold away once connected
    with open_store(paths.profile("default").store) as store:
        assert rows.get_connection(store, "mastodon")["settings"] == {"instance": fake.url}  # no token

    with qtbot.waitSignal(controller.change_finished, timeout=WAIT_MS):
        panel.test_button.click()
    assert panel.message.text().startswith("Signed in as @ana@")

    _story(fake)
    outcome, progress = _check_now(qtbot, card, controller)
    assert outcome.inbox_added == 1 and not outcome.errors
    assert any("Checking Mastodon" in p.message for p in progress)
    assert "1 added to the inbox" in card.status.text()
    assert "last checked for messages" in panel.status.text()
    with open_store(paths.profile("default").store) as store:
        entries = list_inbox(store)
    assert len(entries) == 1 and entries[0].state == "new"
    log = card.log.row_texts()
    assert card.log.isVisible() and log[0][1:4] == ["Mastodon", "Check", "Done"]
    assert log[0][4] == "Mastodon: 2 items read, 2 new, 1 added to the inbox."

    with qtbot.waitSignal(controller.change_finished, timeout=WAIT_MS):
        panel.disconnect_button.click()
    assert KEY not in memory_keyring.passwords
    assert panel.status.text() == "Not connected" and panel.test_button.isHidden()
    assert "credentials were removed" in panel.message.text()
    assert not card.check_all_button.isEnabled()


def test_approved_replies_are_sent_only_when_asked_and_a_failure_keeps_them_approved(
    qtbot, opened: tuple, fake: FakeMastodon, paths: Paths
) -> None:
    card, controller = opened
    _connect(qtbot, card, controller, fake)
    story = _story(fake)
    _check_now(qtbot, card, controller)
    with open_store(paths.profile("default").store) as store:
        (entry,) = list_inbox(store)
        save_draft(store, entry.item_id, "Thank you! Next one is out Friday.")
        approve(store, entry.item_id)
    with qtbot.waitSignal(controller.view_loaded, timeout=WAIT_MS):
        controller.load()
    panel = card.panels["mastodon"]
    assert card.send_all_button.text() == "Send all approved (1)" and card.send_all_button.isEnabled()
    assert panel.send_button.text() == "Send approved (1)"
    assert fake.thread_of(story["comment"]["id"]) == []  # nothing was sent by checking or approving

    fake.expire_token()  # the sign-in expires before the send: the reply stays approved, with why
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT_MS) as finished:
        card.send_all_button.click()
    assert finished.args[0].sent == 0
    assert "Mastodon" in panel.message.text() and "connect" in panel.message.text().lower()
    assert card.status.styleSheet()  # shown as an error, the reason once
    assert card.status.text().count("no longer accepts") == 1
    assert card.send_all_button.text() == "Send all approved (1)"  # still approved, still waiting
    assert card.log.row_texts()[0][1:4] == ["Mastodon", "Send", "Failed"]

    fake.token_valid = True
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT_MS) as finished:
        panel.send_button.click()
    assert finished.args[0].sent == 1
    (reply,) = fake.thread_of(story["comment"]["id"])
    assert "Next one is out Friday." in reply["content"]
    assert "1 of 1 approved reply sent to Mastodon." in card.status.text()
    assert not card.send_all_button.isEnabled() and not panel.send_button.isEnabled()  # sent once


def test_an_expired_token_on_check_now_says_so_in_plain_words(
    qtbot, opened: tuple, fake: FakeMastodon
) -> None:
    card, controller = opened
    _connect(qtbot, card, controller, fake)
    fake.expire_token()
    outcome, _progress = _check_now(qtbot, card, controller)
    assert set(outcome.errors) == {"mastodon"}
    assert card.panels["mastodon"].status.text().startswith("⚠ Needs attention")
    message = card.panels["mastodon"].message.text()
    assert "Mastodon" in message and "Settings → Connections" in message
    # No HTTP status code or error class for the creator (the fake's port may contain "401" itself).
    shown = message.replace(fake.domain, "")
    assert "401" not in shown and "Unauthorized" not in shown and "Traceback" not in message
    assert card.log.row_texts()[0][1:4] == ["Mastodon", "Check", "Failed"]
    assert not controller.bugs

    # After a restart (a new page over the same profile) it is still said, from the run log...
    reopened, again = _open_card(qtbot, controller.paths)
    panel = reopened.panels["mastodon"]
    assert panel.status.text().startswith("⚠ Needs attention") and panel.message.text() == message
    # ...until a test of the connection succeeds.
    fake.token_valid = True
    with qtbot.waitSignal(again.change_finished, timeout=WAIT_MS):
        panel.test_button.click()
    assert panel.status.text().startswith("✓ Connected as")
    _close_card(qtbot, again)


def test_the_options_persist_and_arm_the_timer_while_the_app_is_open(
    qtbot, opened: tuple, fake: FakeMastodon, paths: Paths
) -> None:
    card, controller = opened
    assert not controller.timer.isActive()
    _connect(qtbot, card, controller, fake)
    assert not controller.timer.isActive()  # off by default
    with qtbot.waitSignal(controller.change_finished, timeout=WAIT_MS):
        card.every_combo.setCurrentIndex(card.every_combo.findData(15))
    with qtbot.waitSignal(controller.change_finished, timeout=WAIT_MS):
        card.draft_check.setChecked(True)
    assert "every 15 minutes" in card.status.text() and "drafted at once" in card.status.text()
    assert controller.timer.isActive() and controller.timer.interval() == 15 * 60_000

    again = ConnectionsController(paths, "default")
    with qtbot.waitSignal(again.view_loaded, timeout=WAIT_MS) as loaded:
        again.load()
    assert loaded.args[0].options.fetch_every_minutes == 15 and loaded.args[0].options.draft_new
    assert again.timer.isActive()
    again.shutdown()

    # The timer's tick checks every connected platform, as Check now does.
    _story(fake)
    drafts: list = []
    controller.draft_wanted.connect(lambda: drafts.append(True))
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT_MS) as finished:
        controller.timer.timeout.emit()
    assert finished.args[0].inbox_added == 1 and drafts == [True]  # draft new messages: asked for

    with qtbot.waitSignal(controller.change_finished, timeout=WAIT_MS):
        card.every_combo.setCurrentIndex(card.every_combo.findData(0))
    assert not controller.timer.isActive()


def test_cancel_stops_a_check_keeps_nothing_and_logs_it(
    qtbot, opened: tuple, fake: FakeMastodon, paths: Paths
) -> None:
    card, controller = opened
    _connect(qtbot, card, controller, fake)
    _story(fake)

    def slow(request: Request) -> Response:  # an instance slow to answer: time to press Cancel
        time.sleep(1.0)
        return fake._handle(request)

    fake.server.clear_all_handlers()
    fake.server.expect_request("/api/v1/notifications").respond_with_handler(slow)
    fake.server.expect_request(re.compile(r"^/.*$")).respond_with_handler(fake._handle)
    with qtbot.waitSignal(controller.run_progress, timeout=WAIT_MS):
        card.check_all_button.click()
    with qtbot.waitSignal(controller.run_cancelled, timeout=WAIT_MS):
        card.cancel_button.click()
        assert card.status.text() == "Cancelling…"
    assert card.status.text().startswith("Cancelled")
    assert not card.progress.isVisible() and card.check_all_button.isEnabled()
    qtbot.waitUntil(lambda: card.log.rowCount() > 0, timeout=WAIT_MS)
    assert card.log.row_texts()[0][1:4] == ["Mastodon", "Check", "Cancelled"]
    with open_store(paths.profile("default").store) as store:
        assert list_inbox(store) == []  # the cursor did not move: the next check brings them


def _run(generator):
    while True:
        try:
            next(generator)
        except StopIteration as stop:
            return stop.value


def test_the_inbox_sends_one_approved_reply_where_it_came_from(
    qtbot, open_window, fake: FakeMastodon, paths: Paths
) -> None:
    """In the real window: "Send to Mastodon" under an approved reply; a failure keeps it approved."""
    from desktop.core.actions import connections as actions
    from desktop.core.secrets import SecretStore

    story = _story(fake)
    with open_store(paths.create_profile("default").store) as store:
        actions.connect(store, SecretStore(), "mastodon", {"instance": fake.url, "access_token": TOKEN})
        _run(actions.fetch(store, SecretStore(), "mastodon"))
        (entry,) = list_inbox(store)
        save_draft(store, entry.item_id, "Thank you! Next one is out Friday.")
        approve(store, entry.item_id)
    window = open_window(paths)
    window.show_page(window.pages.index(window.inbox_page))
    page, send = window.inbox_page, window.inbox_send
    qtbot.waitUntil(lambda: page.message.current_id == entry.item_id, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not send.button.isHidden(), timeout=WAIT_MS)
    assert send.button.text() == "Send to Mastodon"
    assert fake.thread_of(story["comment"]["id"]) == []  # shown, not sent

    fake.expire_token()
    with qtbot.waitSignal(window.connections.run_finished, timeout=WAIT_MS):
        send.button.click()
    assert page.status_label.text().startswith("Not sent: Mastodon")
    assert "stays approved" in page.status_label.text()
    qtbot.waitUntil(
        lambda: "It stays approved" in send.note.text() and not send.note.isHidden(), timeout=WAIT_MS
    )
    with open_store(paths.profile("default").store) as store:
        assert list_inbox(store)[0].state == "approved"
    assert not send.button.isHidden()  # it can be sent again

    fake.token_valid = True
    with qtbot.waitSignal(window.connections.run_finished, timeout=WAIT_MS):
        send.button.click()
    (reply,) = fake.thread_of(story["comment"]["id"])
    assert "Next one is out Friday." in reply["content"]
    assert "1 of 1 approved reply sent to Mastodon." in page.status_label.text()
    qtbot.waitUntil(lambda: send.button.isHidden(), timeout=WAIT_MS)  # sent: no longer approved-and-waiting
