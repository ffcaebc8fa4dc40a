"""Start the GUI: the one function the composition root (``desktop.app``) calls."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication

from desktop import APP_ID, APP_NAME, ORG_NAME, __version__
from desktop.core.paths import Paths
from desktop.ui import theme, workers
from desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)

SMOKE_PAGE_MS = 60
SMOKE_SURVEY_TIMEOUT_MS = 20_000


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (the existing one if there is one), named and styled."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(theme.app_icon())
    app.setStyleSheet(theme.stylesheet())
    return app


class SmokeTest(QObject):
    """Walks every page once the event loop runs, waits for the model survey, then quits.

    Exit code 0 when all went well; 1 when a background task hit a bug (a broken build).
    """

    def __init__(self, app: QApplication, window: MainWindow) -> None:
        super().__init__(window)
        self.app = app
        self.window = window
        self.next_page = 0
        self.waited_ms = 0
        self.timer = QTimer(self)
        self.timer.setInterval(SMOKE_PAGE_MS)
        self.timer.timeout.connect(self._step)

    def start(self) -> None:
        # The welcome screen is left as it is in the settings: only the shell is shown for the walk.
        self.window.root.setCurrentWidget(self.window.shell)
        self.timer.start()

    @Slot()
    def _step(self) -> None:
        if self.next_page < len(self.window.pages):
            self.window.show_page(self.next_page)
            self.next_page += 1
            return
        self.waited_ms += SMOKE_PAGE_MS
        if self.window.models.is_busy() and self.waited_ms < SMOKE_SURVEY_TIMEOUT_MS:
            return
        self.timer.stop()
        bugs = self.window.models.bugs
        for failure in bugs:
            print(f"smoke test: background task failed:\n{failure.details}", file=sys.stderr)
        visited = ", ".join(page.label for page in self.window.pages)
        print(f"smoke test: {APP_NAME} {__version__} showed {visited}", file=sys.stderr)
        self.window.close()
        self.app.exit(1 if bugs else 0)


def run_gui(paths: Paths, profile: str, smoke_test: bool = False) -> int:
    """Show the main window for ``profile`` and run the event loop; returns the exit code.

    With ``smoke_test``, walk every page, wait for the start-up model survey, and quit (0 if
    nothing failed): a quick check for packaging and machines without a display.
    """
    app = create_application()
    window = MainWindow(paths, profile)
    window.show()
    smoke = None
    if smoke_test:
        smoke = SmokeTest(app, window)
        QTimer.singleShot(0, smoke.start)
    try:
        code = app.exec()
    finally:
        window.models.shutdown()
        if not workers.stop_all():
            log.warning("Some background tasks were still running at exit.")
    return int(code)
