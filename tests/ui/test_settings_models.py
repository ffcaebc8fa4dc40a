"""Settings' catalogue, model server and drafting cards, in the real window with real workers.

No mocked HTTP client: downloads come from the Hub stand-in on 127.0.0.1 (a copy of the default
Gemma served under a catalogue entry's name) and connection tests go to a small OpenAI-compatible
stand-in on 127.0.0.1; the API key goes to the tests' in-memory keychain.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from desktop.core.models import DEFAULT_CHAT_MODEL
from desktop.core.models import catalogue as catalogue_module
from desktop.core.models.catalogue import load_catalogue
from desktop.core.models.download import partial_file
from desktop.core.models.manager import ModelManager
from desktop.core.models.servers import server_key_secret
from desktop.core.paths import Paths
from desktop.core.secrets import SERVICE
from desktop.ui.controllers.drafting_controller import READY
from desktop.ui.main_window import MainWindow
from desktop.ui.widgets.settings import server_card
from desktop.ui.widgets.settings.catalogue_card import DOWNLOADED_COLUMN, RECOMMENDED_MARK, VERDICT_COLUMN
from tests.conftest import InMemoryKeyring
from tests.llama_server import free_port
from tests.ui.hub_helpers import serve_as
from tests.ui.server_stand_in import MODEL, OpenAIStandIn

pytestmark = pytest.mark.slow

VERDICTS = {"fits", "fits, slow", "does not fit"}


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours proxy variables; a proxy set on the test machine must not catch loopback."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def stand_in() -> Iterator[OpenAIStandIn]:
    server = OpenAIStandIn(required_key="sk-test-123").start()
    yield server
    server.stop()


def _open_settings(qtbot, open_window, paths: Paths) -> MainWindow:
    window = open_window(paths, check_models=True)
    window.show_page(window.pages.index(window.settings_page))
    card = window.settings_page.catalogue_card
    qtbot.waitUntil(lambda: bool(card.row_ids()), timeout=60_000)
    qtbot.waitUntil(lambda: DEFAULT_CHAT_MODEL in window.settings_page.model_names(), timeout=30_000)
    return window


def _fitting_entry(window: MainWindow):
    """A catalogue entry this machine can download (the recommended one if it fits)."""
    rows = window.settings_cards.catalogue.view.rows
    fitting = [row.entry for row in rows if row.verdict.verdict != "does not fit"]
    assert fitting, "no catalogue model fits this machine"
    return next((entry for entry in fitting if entry.recommended), fitting[0])


# --- the catalogue ------------------------------------------------------------------------------------


def test_catalogue_fills_with_verdicts_off_the_gui_thread(
    qtbot, open_window, paths_with_models: Paths, monkeypatch
) -> None:
    gui_thread = QApplication.instance().thread()
    seen: list[QThread] = []
    real_rows = catalogue_module.catalogue_rows

    def spy_rows(*args, **kwargs):
        seen.append(QThread.currentThread())
        return real_rows(*args, **kwargs)

    monkeypatch.setattr(catalogue_module, "catalogue_rows", spy_rows)
    window = _open_settings(qtbot, open_window, paths_with_models)
    card = window.settings_page.catalogue_card
    catalogue = load_catalogue()
    assert card.row_ids() == [entry.id for entry in catalogue.entries]
    for entry in catalogue.entries:
        assert card.cell_text(entry.id, VERDICT_COLUMN) in VERDICTS
        assert card.cell_text(entry.id, 2).endswith("tokens/s")
        licence = card.table.cellWidget(card.row_ids().index(entry.id), 4)
        assert entry.licence.name in licence.text() and entry.licence.url in licence.text()
        assert card.cell_text(entry.id, DOWNLOADED_COLUMN) == ""
    recommended = catalogue.recommended
    assert RECOMMENDED_MARK in card.cell_text(recommended.id, 0)
    assert card.selected_id() == recommended.id  # selected at first, ready for Download
    assert seen and all(thread is not gui_thread for thread in seen)
    assert (paths_with_models.cache / "memory_bandwidth.json").is_file()  # measured once, kept
    assert "fit this computer" in card.status.text()
    assert window.settings_cards.catalogue.bugs == []


def test_download_shows_progress_cancels_keeping_the_part_and_resumes(
    qtbot, open_window, paths_with_models: Paths, default_models_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    window = _open_settings(qtbot, open_window, paths_with_models)
    page, card, controller = (
        window.settings_page,
        window.settings_page.catalogue_card,
        window.settings_cards.catalogue,
    )
    entry = _fitting_entry(window)
    hub = serve_as(entry, default_models_dir / DEFAULT_CHAT_MODEL, tmp_path / "hub", bytes_per_s=8e6)
    monkeypatch.setenv("HF_ENDPOINT", hub.base)
    try:
        card.select(entry.id)
        assert card.download_button.isEnabled() and card.download_button.text() == "Download"
        card.download_button.click()
        assert card.is_downloading() and card.cancel_button.isEnabled()
        # Progress with bytes, speed and time left, on a real bar.
        qtbot.waitUntil(
            lambda: "MB/s" in card.message_text() and "left" in card.message_text(), timeout=30_000
        )
        assert card.progress.isVisible() and card.progress.maximum() == 1000 and card.progress.value() > 0
        card.cancel_button.click()
        qtbot.waitUntil(lambda: not card.is_downloading(), timeout=30_000)
        assert "kept" in card.message_text()
        part = partial_file(paths_with_models.models, entry.file)
        assert part.is_file() and 0 < part.stat().st_size < hub.files[f"{entry.repo}/{entry.file}"].size
        # The card says what is there, and offers to continue.
        qtbot.waitUntil(
            lambda: card.cell_text(entry.id, DOWNLOADED_COLUMN).endswith("so far"), timeout=30_000
        )
        assert card.download_button.text() == "Continue download"

        hub.bytes_per_s = None  # full speed for the rest
        card.download_button.click()
        qtbot.waitUntil(lambda: entry.file in page.model_names(), timeout=180_000)
        qtbot.waitUntil(lambda: card.cell_text(entry.id, DOWNLOADED_COLUMN) == "✓ downloaded", timeout=30_000)
        assert any(asked.startswith("bytes=") and asked != "bytes=0-" for asked in hub.ranges_seen)  # resumed
        assert "verified" in card.message_text()
        assert not part.exists()
        assert (paths_with_models.models / entry.file).is_file()
        assert not card.download_button.isEnabled()  # already downloaded
        assert controller.bugs == [] and window.models.bugs == []
    finally:
        hub.stop()


# --- the model server -----------------------------------------------------------------------------------


def _fill(card, name: str, url: str, model: str = MODEL, key: str = "") -> None:
    card.server_radio.setChecked(True)
    card.name_edit.setText(name)
    card.url_edit.setText(url)
    card.model_edit.setText(model)
    card.key_edit.setText(key)


def _wait_servers_idle(qtbot, window: MainWindow) -> None:
    servers = window.settings_cards.servers
    qtbot.waitUntil(lambda: not servers.is_busy(), timeout=30_000)


def test_a_saved_server_keeps_its_key_only_in_the_keychain_and_tests_with_it(
    qtbot, open_window, paths_with_models: Paths, memory_keyring: InMemoryKeyring, stand_in: OpenAIStandIn
) -> None:
    window = _open_settings(qtbot, open_window, paths_with_models)
    card = window.settings_page.server_card
    _wait_servers_idle(qtbot, window)
    assert card.key_edit.echoMode() == card.key_edit.EchoMode.Password
    _fill(card, "gpu-box", stand_in.url, key="sk-test-123")
    card.save_button.click()
    qtbot.waitUntil(lambda: card.saved_list.count() == 1, timeout=30_000)
    _wait_servers_idle(qtbot, window)
    assert "Saved the server 'gpu-box'" in card.message_text()
    assert memory_keyring.passwords[(SERVICE, server_key_secret("gpu-box"))] == "sk-test-123"
    assert card.key_edit.text() == ""  # handed over, not kept in the widget
    for file in paths_with_models.base.rglob("*"):
        if file.is_file() and file.parent != paths_with_models.models and file.stat().st_size < 50_000_000:
            assert b"sk-test-123" not in file.read_bytes(), file
    entry = ModelManager(paths_with_models).server("gpu-box")
    assert entry.has_key and entry.url == stand_in.url and entry.model == MODEL

    # Test connection with the saved settings: the key comes from the keychain.
    card.select_server("gpu-box")
    assert card.name_edit.text() == "gpu-box" and card.key_edit.text() == ""
    card.test_button.click()
    qtbot.waitUntil(lambda: "Connected to" in card.message_text(), timeout=30_000)
    assert MODEL in card.message_text() and card.message.property("error") is False
    assert "Bearer sk-test-123" in stand_in.authorizations
    assert card.test_button.isEnabled()

    # A wrong key typed into the form is used by the test (and refused, in plain words).
    card.key_edit.setText("sk-wrong")
    card.test_button.click()
    qtbot.waitUntil(lambda: card.message.property("error") is True, timeout=30_000)
    assert "Traceback" not in card.message_text() and card.message_text()
    assert memory_keyring.passwords[(SERVICE, server_key_secret("gpu-box"))] == "sk-test-123"  # untouched

    # Remove: the entry and its key are gone.
    card.key_edit.clear()
    window.settings_cards.servers.remove("gpu-box")
    qtbot.waitUntil(lambda: card.saved_list.count() == 0, timeout=30_000)
    assert (SERVICE, server_key_secret("gpu-box")) not in memory_keyring.passwords
    assert window.settings_cards.servers.bugs == []


def test_a_refused_connection_is_reported_in_plain_words(
    qtbot, open_window, paths_with_models: Paths, memory_keyring: InMemoryKeyring
) -> None:
    window = _open_settings(qtbot, open_window, paths_with_models)
    card = window.settings_page.server_card
    _wait_servers_idle(qtbot, window)
    _fill(card, "nobody", f"http://127.0.0.1:{free_port()}/v1")
    card.test_button.click()
    qtbot.waitUntil(lambda: card.message.property("error") is True, timeout=30_000)
    text = card.message_text()
    assert "127.0.0.1" in text and "Traceback" not in text and "Errno" not in text, text
    assert window.settings_cards.servers.bugs == []
    assert ModelManager(paths_with_models).servers() == []  # a test saves nothing


def test_using_a_server_reloads_the_drafting_session_with_it(
    qtbot, open_window, paths_with_models: Paths, memory_keyring: InMemoryKeyring
) -> None:
    server = OpenAIStandIn().start()
    try:
        window = _open_settings(qtbot, open_window, paths_with_models)
        drafting = window.drafting
        drafting.start()
        qtbot.waitUntil(lambda: drafting.state == READY, timeout=300_000)
        card = window.settings_page.server_card
        _wait_servers_idle(qtbot, window)
        _fill(card, "stand-in", server.url)
        card.use_button.click()
        qtbot.waitUntil(lambda: ModelManager(paths_with_models).choice().is_server, timeout=30_000)
        qtbot.waitUntil(lambda: drafting.state == READY and drafting._retiring is None, timeout=300_000)
        seen: list[object] = []
        assert drafting.run_session_job(lambda session, cancel: session.choice, on_done=seen.append)
        qtbot.waitUntil(lambda: bool(seen), timeout=30_000)
        assert seen[0].is_server and seen[0].name == "stand-in"
        assert "stand-in (server)" in window.model_status.text()
        assert "written by the server 'stand-in'" in card.current.text()
        # Back to the local model: the session reloads again.
        card.local_radio.setChecked(True)
        qtbot.waitUntil(
            lambda: card.use_local_button.isVisible() and card.use_local_button.isEnabled(), timeout=30_000
        )
        card.use_local_button.click()
        qtbot.waitUntil(lambda: not ModelManager(paths_with_models).choice().is_server, timeout=30_000)
        qtbot.waitUntil(lambda: drafting.state == READY and drafting._retiring is None, timeout=300_000)
        assert drafting.bugs == [] and window.settings_cards.servers.bugs == []
    finally:
        server.stop()


def test_remove_asks_first(qtbot, open_window, paths_with_models: Paths, memory_keyring, monkeypatch) -> None:
    ModelManager(paths_with_models).add_server("old-box", "http://127.0.0.1:9/v1", "m")
    asked: list[str] = []
    monkeypatch.setattr(
        server_card, "confirm_remove_server", lambda parent, name: asked.append(name) or False
    )
    window = _open_settings(qtbot, open_window, paths_with_models)
    card = window.settings_page.server_card
    qtbot.waitUntil(lambda: card.saved_list.count() == 1, timeout=30_000)
    card.select_server("old-box")
    card.remove_button.click()
    assert asked == ["old-box"]
    assert [e.name for e in ModelManager(paths_with_models).servers()] == ["old-box"]


# --- drafting settings ------------------------------------------------------------------------------------


def test_drafting_card_writes_and_reads_back_the_profile_settings(qtbot, open_window, paths: Paths) -> None:
    from desktop.core.generation.session import CANDIDATES_SETTING, SERVER_PARALLEL_SETTING
    from desktop.core.store import open_store
    from desktop.core.store.settings import read_setting

    window = open_window(paths)
    window.show_page(window.pages.index(window.settings_page))
    card = window.settings_page.drafting_card
    qtbot.waitUntil(card.candidates_spin.isEnabled, timeout=30_000)
    assert (card.candidates_spin.value(), card.parallel_spin.value()) == (4, 4)  # the defaults
    assert not paths.profile("default").store.exists()  # looking did not create a store
    assert "longer" in card.candidates_spin.toolTip() and "server" in card.parallel_spin.toolTip()
    assert (card.candidates_spin.minimum(), card.candidates_spin.maximum()) == (1, 8)
    assert (card.parallel_spin.minimum(), card.parallel_spin.maximum()) == (1, 32)
    card.candidates_spin.setValue(6)
    card.parallel_spin.setValue(12)
    with qtbot.waitSignal(window.settings_cards.drafting_settings.settings_saved, timeout=30_000) as saved:
        pass
    assert (saved.args[0].candidates, saved.args[0].server_parallel) == (6, 12)
    with open_store(paths.profile("default").store) as store:
        assert read_setting(store, CANDIDATES_SETTING) == "6"
        assert read_setting(store, SERVER_PARALLEL_SETTING) == "12"
    assert "6 options per draft" in card.note.text()
    window.close()

    again = open_window(paths)
    again.show_page(again.pages.index(again.settings_page))
    card = again.settings_page.drafting_card
    qtbot.waitUntil(card.candidates_spin.isEnabled, timeout=30_000)
    assert (card.candidates_spin.value(), card.parallel_spin.value()) == (6, 12)
