"""Start-up probe: run the app (or a bare Qt window) and print the moment its first window has painted.

``python -m tests.bench.startup_probe ours --basedir DIR`` runs ``understudy`` exactly as the
console script does (``desktop.app.main``), with one addition: the main window reports its
first paint. ``python -m tests.bench.startup_probe bare`` is the reference: import
``PySide6.QtWidgets`` and show a bare ``QMainWindow``. Either prints ``time.perf_counter()``
(the system's monotonic clock, the same in the parent) once the first paint is done; ours then
prints it again once its pages are built (they are built right after the first paint), and quits.
"""

from __future__ import annotations

import sys
import time


def watch(window) -> None:  # type: ignore[no-untyped-def]
    """Print the time once ``window`` has painted for the first time, then quit the app."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
            if event.type() == QEvent.Type.Paint and watched is window:
                window.removeEventFilter(self)
                QTimer.singleShot(0, done)  # after the paint now under way
            return False

    def done() -> None:
        print(time.perf_counter(), flush=True)
        if not hasattr(window, "is_built"):  # the bare window
            QApplication.instance().exit(0)
            return

        # Ours builds its pages right after the first paint: the second line is when they are ready.
        def when_built() -> None:
            if not window.is_built():
                QTimer.singleShot(1, when_built)
                return
            print(time.perf_counter(), flush=True)
            QApplication.instance().exit(0)

        when_built()

    window._first_paint = FirstPaint(window)
    window.installEventFilter(window._first_paint)


def main() -> int:
    if sys.argv[1] == "bare":
        from PySide6.QtWidgets import QApplication, QMainWindow

        app = QApplication(sys.argv[:1])
        window = QMainWindow()
        watch(window)
        window.show()
        return app.exec()
    from desktop.ui import main_window

    shown = main_window.MainWindow.showEvent

    def show_event(self, event) -> None:  # type: ignore[no-untyped-def]
        if not hasattr(self, "_first_paint"):
            watch(self)
        shown(self, event)

    main_window.MainWindow.showEvent = show_event  # type: ignore[method-assign]
    from desktop.app import main as understudy

    return understudy(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
