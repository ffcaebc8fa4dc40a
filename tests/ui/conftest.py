"""GUI test helpers: open the real main window on a throwaway base folder, and close it after."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QApplication

from desktop.core.paths import Paths
from desktop.ui import theme, workers
from desktop.ui.main_window import KEY_FIRST_RUN_SEEN, MainWindow, open_settings

OpenWindow = Callable[..., MainWindow]


@pytest.fixture
def styled_app(qapp: QApplication) -> QApplication:
    """pytest-qt's application with Understudy's stylesheet, as run_gui sets it up."""
    qapp.setStyleSheet(theme.stylesheet())
    return qapp


def mark_welcome_seen(paths: Paths) -> None:
    settings = open_settings(paths)
    settings.setValue(KEY_FIRST_RUN_SEEN, True)
    settings.sync()


@pytest.fixture
def open_window(qtbot, styled_app: QApplication) -> Iterator[OpenWindow]:
    """``open_window(paths, welcome_seen=True, check_models=False)``: a shown MainWindow."""
    opened: list[MainWindow] = []

    def _open(
        paths: Paths, *, welcome_seen: bool = True, check_models: bool = False, profile: str = "default"
    ):
        if welcome_seen:
            mark_welcome_seen(paths)
        window = MainWindow(paths, profile, check_models=check_models)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        opened.append(window)
        return window

    yield _open
    for window in opened:
        window.close()  # saves settings and joins the window's workers
    qtbot.waitUntil(lambda: workers.live_workers() == 0, timeout=20_000)
