"""Why the GUI process switches threads every 1 ms: a page shown while a worker runs Python.

Builds a page of 40 Python-subclassed cards (a label, a button, a line edit each), shows it,
and times the show with an idle worker thread and with one busy in a Python loop, at the
switch interval given (seconds). Every call Qt makes into a Python subclass waits for the GIL,
so the busy worker costs up to one switch interval per call (ARCHITECTURE.md, Traps).

    .venv/bin/python tests/bench/gil_convoy.py 0.005   # Python's default
    .venv/bin/python tests/bench/gil_convoy.py 0.001   # the app's (desktop.ui.gui)
"""

from __future__ import annotations

import os
import sys
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QFrame, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget  # noqa: E402


class Card(QFrame):
    pass


class Label(QLabel):
    pass


class Button(QPushButton):
    pass


def build_page() -> QWidget:
    page = QWidget()
    layout = QVBoxLayout(page)
    for number in range(40):
        card = Card()
        inner = QVBoxLayout(card)
        inner.addWidget(Label(f"card {number} with a few words"))
        inner.addWidget(Button("Go"))
        inner.addWidget(QLineEdit())
        layout.addWidget(card)
    page.resize(800, 900)
    return page


def median_show_ms(app: QApplication, runs: int = 6) -> float:
    times = []
    for _ in range(runs):
        page = build_page()
        started = time.perf_counter()
        page.show()
        app.processEvents()
        times.append((time.perf_counter() - started) * 1000)
        page.close()
        page.deleteLater()
        app.processEvents()
    return sorted(times)[runs // 2]


def main() -> None:
    sys.setswitchinterval(float(sys.argv[1]) if len(sys.argv) > 1 else 0.005)
    app = QApplication([])
    idle = median_show_ms(app)
    stop = threading.Event()

    def busy() -> None:
        total = 0
        while not stop.is_set():
            for number in range(1000):
                total += number

    worker = threading.Thread(target=busy)
    worker.start()
    try:
        loaded = median_show_ms(app)
    finally:
        stop.set()
        worker.join()
    print(
        f"switch interval {sys.getswitchinterval() * 1000:.1f} ms: showing the page took {idle:.1f} ms "
        f"with an idle worker, {loaded:.1f} ms with a busy one ({loaded / idle:.1f}x)"
    )


if __name__ == "__main__":
    main()
