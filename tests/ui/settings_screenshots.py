"""Screenshots of the Settings page's model cards, for docs/screenshots (run under Xvfb).

    PYTHONPATH=. xvfb-run -a -s "-screen 0 1280x900x24" .venv/bin/python tests/ui/settings_screenshots.py

Everything is real and on loopback: the catalogue's verdicts for this machine, a download from
the throttled Hub stand-in (a copy of the default Gemma under a catalogue name), and a connection
test against the OpenAI-compatible stand-in. Nothing goes online; the base folder is temporary.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import keyring

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "docs" / "screenshots"


def wait_until(app, condition, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def settle(app, seconds: float = 0.5) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def shoot(app, window, widget, name: str) -> None:
    from PySide6.QtWidgets import QScrollArea

    scroll = window.settings_page.findChild(QScrollArea)
    scroll.verticalScrollBar().setValue(
        widget.mapTo(scroll.widget(), widget.rect().topLeft()).y() - 12
    )  # the gap above the card
    settle(app)
    window.grab().save(str(OUT / name))
    print("saved", OUT / name)


def main() -> int:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(name, None)
    from desktop.core.models import DEFAULT_CHAT_MODEL
    from desktop.core.models.defaults import ensure_default_models
    from desktop.core.paths import Paths
    from desktop.ui.gui import create_application
    from desktop.ui.main_window import KEY_FIRST_RUN_SEEN, MainWindow, open_settings
    from tests.conftest import InMemoryKeyring
    from tests.ui.hub_helpers import serve_as
    from tests.ui.server_stand_in import MODEL, OpenAIStandIn

    keyring.set_keyring(InMemoryKeyring())
    base = Path(tempfile.mkdtemp(prefix="understudy-shots-"))
    paths = Paths.resolve(base / "base").ensure()
    for _step in ensure_default_models(paths.models):
        pass
    settings = open_settings(paths)
    settings.setValue(KEY_FIRST_RUN_SEEN, True)
    settings.sync()

    app = create_application()
    window = MainWindow(paths, "default")
    window.resize(1280, 900)
    window.show()
    settle(app, 1.0)
    window.show_page(window.pages.index(window.settings_page))
    card = window.settings_page.catalogue_card
    wait_until(app, lambda: bool(card.row_ids()))
    wait_until(app, lambda: DEFAULT_CHAT_MODEL in window.settings_page.model_names())
    settle(app, 1.0)
    OUT.mkdir(parents=True, exist_ok=True)
    shoot(app, window, card, "settings-catalogue.png")

    # A download in progress, from the throttled stand-in.
    rows = window.settings_cards.catalogue.view.rows
    entry = next(row.entry for row in rows if row.entry.recommended and row.verdict.verdict != "does not fit")
    hub = serve_as(entry, paths.models / DEFAULT_CHAT_MODEL, base / "hub", bytes_per_s=6e6)
    os.environ["HF_ENDPOINT"] = hub.base
    card.select(entry.id)
    card.download_button.click()
    wait_until(app, lambda: "left" in card.message_text() and card.progress.value() > 250, timeout_s=120)
    settle(app, 0.3)
    shoot(app, window, card, "settings-download-progress.png")
    card.cancel_button.click()
    wait_until(app, lambda: not card.is_downloading())
    hub.stop()

    # A connection tested against the OpenAI-compatible stand-in.
    server = OpenAIStandIn(required_key="sk-demo-key").start()
    scard = window.settings_page.server_card
    scard.server_radio.setChecked(True)
    scard.name_edit.setText("gpu-box")
    scard.url_edit.setText(server.url)
    scard.model_edit.setText(MODEL)
    scard.key_edit.setText("sk-demo-key")
    scard.save_button.click()
    wait_until(app, lambda: scard.saved_list.count() == 1 and not window.settings_cards.servers.is_busy())
    scard.select_server("gpu-box")
    scard.test_button.click()
    wait_until(app, lambda: "Connected to" in scard.message_text())
    settle(app, 0.5)
    shoot(app, window, scard, "settings-server-tested.png")
    server.stop()
    window.close()
    settle(app, 0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
