"""Start the GUI: the one function the composition root (``desktop.app``) calls."""

from __future__ import annotations

import gc
import logging
import os
import sys
from typing import Any

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication

from desktop import APP_ID, APP_NAME, ORG_NAME, __version__
from desktop.core.paths import Paths
from desktop.core.tasks import Progress
from desktop.ui import theme, workers
from desktop.ui.main_window import MainWindow
from desktop.ui.workers import Failure, Worker

log = logging.getLogger(__name__)

SMOKE_PAGE_MS = 60
SMOKE_SURVEY_TIMEOUT_MS = 20_000
SMOKE_TIMEOUT_MS = 480_000  # the whole check; build_app.py gives the process 600 s


#: The GIL switch interval of the GUI process (Python's default is 5 ms).
GUI_SWITCH_INTERVAL_S = 0.001


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (the existing one if there is one), named and styled.

    Also shortens the interpreter's thread switch interval to 1 ms (ARCHITECTURE.md, Traps):
    while a worker runs Python code (reading a model's header, importing), every call Qt makes
    into a Python-subclassed widget waits for the GIL, up to the switch interval each time.
    Showing a page of such widgets took 96 ms instead of 18 at the default 5 ms, 36 ms at 1 ms.
    """
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
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
    """``--smoke-test``: checks a build end to end in its window, then quits with the verdict.

    The window opens (offscreen where there is no display), every page is visited and the model
    survey must end. With ``pipeline``, the core then runs once on a worker (``desktop.smoke``):
    the demo archive imported, one reply drafted with the default model, a reply pack exported
    and verified. Exit code 0 when all of that worked and no controller recorded a bug; 1
    otherwise, with the reasons on stderr.
    """

    def __init__(self, app: QApplication, window: MainWindow, paths: Paths, pipeline: bool = False) -> None:
        super().__init__(window)
        self.app = app
        self.window = window
        self.paths = paths
        self.pipeline = pipeline
        self.next_page = 0
        self.waited_ms = 0
        self.problems: list[str] = []
        self.worker: Worker | None = None
        # Its own copy of stderr: llama.cpp points fd 2 at /dev/null while a model loads, and two
        # loads on two threads can leave it there, which would swallow the verdict.
        self.out = os.fdopen(os.dup(sys.stderr.fileno()), "w", encoding="utf-8", errors="replace")
        self.timer = QTimer(self)
        self.timer.setInterval(SMOKE_PAGE_MS)
        self.timer.timeout.connect(self._step)
        self.deadline = QTimer(self)
        self.deadline.setSingleShot(True)
        self.deadline.setInterval(SMOKE_TIMEOUT_MS)
        self.deadline.timeout.connect(self._on_deadline)

    def start(self) -> None:
        self._say(f"window shown ({'visible' if self.window.isVisible() else 'NOT visible'})")
        if not self.window.isVisible():
            self.problems.append("The main window did not show.")
        # The welcome screen is left as it is in the settings: only the shell is shown for the walk.
        self.window.root.setCurrentWidget(self.window.shell)
        self.deadline.start()
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
        visited = ", ".join(page.label for page in self.window.pages)
        self._say(f"{APP_NAME} {__version__} showed {visited}")
        if self.pipeline:
            self._start_pipeline()
        else:
            self._finish()

    def _start_pipeline(self) -> None:
        from desktop.smoke import run_smoke_pipeline

        paths = self.paths
        self.worker = Worker(lambda cancel: run_smoke_pipeline(paths, cancel), name="smoke-pipeline")
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_pipeline_finished)
        self.worker.failed.connect(self._on_pipeline_failed)
        self.worker.cancelled.connect(self._on_pipeline_cancelled)
        self.worker.stopped.connect(self._finish)
        self.worker.start()

    def _say(self, message: str) -> None:
        print(f"smoke test: {message}", file=self.out, flush=True)

    @Slot(object)
    def _on_progress(self, progress: Progress) -> None:
        self._say(progress.message)

    @Slot(object)
    def _on_pipeline_finished(self, report: Any) -> None:
        for line in report.lines:
            self._say(line)

    @Slot(object)
    def _on_pipeline_failed(self, failure: Failure) -> None:
        self.problems.append(failure.details if failure.is_bug else failure.text)

    @Slot()
    def _on_pipeline_cancelled(self) -> None:
        self.problems.append(f"The check did not finish within {SMOKE_TIMEOUT_MS // 1000} s.")

    @Slot()
    def _on_deadline(self) -> None:
        if self.worker is not None and self.worker.is_running():
            self.worker.cancel()  # _finish follows when it has stopped
            return
        self.timer.stop()
        self.problems.append(f"The window check did not finish within {SMOKE_TIMEOUT_MS // 1000} s.")
        self._finish()

    @Slot()
    def _finish(self) -> None:
        if self.out.closed:  # already decided
            return
        self.deadline.stop()
        for name, failure in controller_bugs(self.window):
            self.problems.append(f"{name}: a background task failed:\n{failure.details}")
        for problem in self.problems:
            self._say(f"FAILED: {problem}")
        self._say("passed" if not self.problems else f"failed ({len(self.problems)} problem(s))")
        self.out.close()
        self.window.close()
        self.app.exit(1 if self.problems else 0)


def controller_bugs(window: QObject) -> list[tuple[str, Failure]]:
    """Every bug recorded by the window's controllers (each keeps a ``bugs`` list for this)."""
    found = []
    for child in window.findChildren(QObject):
        bugs = getattr(child, "bugs", None)
        if type(child).__module__.startswith("desktop.ui.controllers.") and isinstance(bugs, list):
            found.extend((type(child).__name__, failure) for failure in bugs)
    return found


def freeze_startup_objects(window: MainWindow) -> None:
    """Once the window's pages are built, exempt every object alive then from garbage collection.

    They live as long as the app. A full collection otherwise walks all of them with the GIL
    held, which froze the window for 45-55 ms at a time while an import ran (measured with the
    GUI benchmark's heartbeat and ``gc.callbacks``).
    """
    if window.is_built():
        gc.freeze()
    else:
        window.pages_built.connect(gc.freeze)


def run_gui(paths: Paths, profile: str, smoke_test: bool = False, smoke_pipeline: bool = False) -> int:
    """Show the main window for ``profile`` and run the event loop; returns the exit code.

    With ``smoke_test``, walk every page, wait for the start-up model survey, and quit (0 if
    nothing failed): a quick check for packaging and machines without a display. With
    ``smoke_pipeline`` as well, also import the demo archive, draft, export and verify a pack.
    """
    app = create_application()
    window = MainWindow(paths, profile)
    freeze_startup_objects(window)
    window.show()
    smoke = None
    if smoke_test:
        smoke = SmokeTest(app, window, paths, pipeline=smoke_pipeline)
        QTimer.singleShot(0, smoke.start)
    try:
        code = app.exec()
    finally:
        if window.is_built():
            window.models.shutdown()
        if not workers.stop_all():
            log.warning("Some background tasks were still running at exit.")
    return int(code)
