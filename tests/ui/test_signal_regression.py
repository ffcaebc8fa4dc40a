"""Regression: PySide6 6.12.0 crashes CPython 3.11 after ~570 Python-side ``Signal.emit()`` calls.

Each emit dropped a reference to ``True`` until the interpreter died with "Fatal Python error:
bool_dealloc" (ARCHITECTURE.md, Traps); token streaming hits that within seconds. We pin 6.11.3.
The emits run in a subprocess so that a crash fails this test instead of killing pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

EMITS = 5_000

SCRIPT = textwrap.dedent(
    f"""
    import sys
    from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

    N = {EMITS}

    class Sender(QObject):
        flagged = Signal(int, bool)
        token = Signal(str)

    class Receiver(QObject):
        def __init__(self):
            super().__init__()
            self.direct = 0
            self.trues = 0
            self.queued = 0

        @Slot(int, bool)
        def on_flagged(self, n, flag):
            self.direct += 1
            self.trues += flag is True

        @Slot(str)
        def on_token(self, text):
            self.queued += 1
            if self.queued == N:
                QCoreApplication.instance().quit()

    class Emitter(QThread):
        token = Signal(str)
        flagged = Signal(int, bool)

        def run(self):
            for i in range(N):
                self.flagged.emit(i, i % 2 == 0)
                self.token.emit("tok")

    app = QCoreApplication(sys.argv[:1])
    receiver = Receiver()
    sender = Sender()
    sender.flagged.connect(receiver.on_flagged)
    for i in range(N):
        sender.flagged.emit(i, True)

    emitter = Emitter()
    # Cross-thread emits, queued to a bound method of a main-thread QObject.
    emitter.token.connect(receiver.on_token)
    emitter.flagged.connect(receiver.on_flagged)
    QTimer.singleShot(0, emitter.start)
    QTimer.singleShot(60_000, lambda: app.exit(3))
    code = app.exec()
    emitter.wait()
    print(f"direct={{receiver.direct}} trues={{receiver.trues}} queued={{receiver.queued}} code={{code}}")
    sys.exit(code)
    """
)


def test_many_signal_emits_do_not_crash_the_interpreter() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.returncode == 0, (
        f"exit {proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr[-2000:]}"
    )
    # EMITS direct emits with True, then EMITS cross-thread (half True) plus EMITS tokens.
    assert f"direct={2 * EMITS} trues={EMITS + EMITS // 2} queued={EMITS} code=0" in proc.stdout
