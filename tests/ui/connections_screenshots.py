"""Screenshots of Settings → Connections, for docs/screenshots (run under Xvfb).

    PYTHONPATH=. xvfb-run -a -s "-screen 0 1280x900x24" .venv/bin/python tests/ui/connections_screenshots.py

Everything is real and on loopback: the Mastodon connection talks to the faithful fake of
tests/connectors/mastodon_fake.py on 127.0.0.1, the token goes to an in-memory keychain, the
base folder is temporary. Connections off this machine are refused, as in the tests.
"""

from __future__ import annotations

import socket
import sys
import tempfile
from pathlib import Path

import keyring

from tests.ui.settings_screenshots import OUT, settle, wait_until


def _loopback_only() -> None:
    from tests.conftest import _is_loopback

    real = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        if not _is_loopback(address):
            raise OSError(f"screenshots stay on this machine: {address!r}")
        return real(self, address)

    socket.socket.connect = guarded  # type: ignore[method-assign]


def shoot(app, window, widget, name: str) -> None:
    from PySide6.QtWidgets import QScrollArea

    scroll = window.settings_page.findChild(QScrollArea)
    scroll.verticalScrollBar().setValue(widget.mapTo(scroll.widget(), widget.rect().topLeft()).y() - 12)
    settle(app)
    window.grab().save(str(OUT / name))
    print("saved", OUT / name)


def main() -> int:
    _loopback_only()
    from pytest_httpserver import HTTPServer

    from desktop.core.inbox import approve, list_inbox, save_draft
    from desktop.core.paths import Paths
    from desktop.core.store import open_store
    from desktop.ui.gui import create_application
    from desktop.ui.main_window import KEY_FIRST_RUN_SEEN, MainWindow, open_settings
    from tests.conftest import InMemoryKeyring
    from tests.connectors.mastodon_fake import TOKEN, FakeMastodon

    keyring.set_keyring(InMemoryKeyring())
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    fake = FakeMastodon(server)
    base = Path(tempfile.mkdtemp(prefix="understudy-shots-"))
    paths = Paths.resolve(base / "base").ensure()
    settings = open_settings(paths)
    settings.setValue(KEY_FIRST_RUN_SEEN, True)
    settings.sync()

    app = create_application()
    window = MainWindow(paths, "default", check_models=False)
    window.resize(1280, 900)
    window.show()
    settle(app, 1.0)
    window.show_page(window.pages.index(window.settings_page))
    card = window.settings_page.connections_card
    controller = window.connections
    wait_until(app, lambda: controller.view is not None and "mastodon" in card.panels)
    settle(app, 1.0)
    OUT.mkdir(parents=True, exist_ok=True)
    shoot(app, window, card, "settings-connections.png")
    panel = card.panels["mastodon"]
    shoot(app, window, panel, "settings-connections-mastodon-steps.png")
    shoot(app, window, card.panels["youtube"], "settings-connections-youtube.png")

    # Connected, checked, one reply approved and waiting to be sent.
    panel.inputs["instance"].setText(fake.url)
    panel.inputs["access_token"].setText(TOKEN)
    panel.connect_button.click()
    wait_until(app, lambda: controller.view.platform("mastodon").connected and not controller.is_changing())
    post = fake.post(fake.creator, "New video out today! Tell me what you think.")
    fake.post(fake.bo, "@ana Loved it! When is the next one?", in_reply_to=post)
    fake.post(fake.cy, "@ana can we collab on a video?", visibility="direct")
    card.check_all_button.click()
    wait_until(app, lambda: not controller.is_running() and "added to the inbox" in card.status.text())
    with open_store(paths.profile("default").store) as store:
        entry = list_inbox(store)[0]
        save_draft(store, entry.item_id, "Thank you! The next one is out on Friday.")
        approve(store, entry.item_id)
    controller.load()
    wait_until(app, lambda: card.send_all_button.isEnabled())
    settle(app, 0.5)
    shoot(app, window, panel, "settings-connections-connected.png")

    # The sign-in expired: the reply stays approved, with the reason in plain words.
    fake.expire_token()
    import desktop.ui.widgets.settings.connections_card as card_module

    card_module.confirm_send_all = lambda parent, count: True
    card.send_all_button.click()
    wait_until(app, lambda: not controller.is_running() and "approved" in card.status.text())
    settle(app, 0.5)
    shoot(app, window, card, "settings-connections-expired.png")
    controller.load()  # read again, as after a restart: the run log still says it
    wait_until(app, lambda: controller.view.platform("mastodon").problem != "")
    settle(app, 0.5)
    shoot(app, window, panel, "settings-connections-needs-attention.png")

    # The Inbox: the approved reply, its "Send to Mastodon" button and why the last try failed.
    window.show_page(window.pages.index(window.inbox_page))
    send = window.inbox_send
    wait_until(app, lambda: window.inbox_page.message.current_id == entry.item_id)
    wait_until(app, lambda: not send.button.isHidden() and not send.note.isHidden())
    settle(app, 0.5)
    window.grab().save(str(OUT / "inbox-send-to-platform.png"))
    print("saved", OUT / "inbox-send-to-platform.png")

    window.close()
    settle(app, 0.5)
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
