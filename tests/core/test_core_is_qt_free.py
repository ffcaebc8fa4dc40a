"""The core must run without Qt: the CLI, tests and a future server use it headless."""

import subprocess
import sys
import textwrap

import desktop.core


def test_importing_every_core_module_loads_no_qt() -> None:
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        import desktop.core
        names = [m.name for m in pkgutil.walk_packages(desktop.core.__path__, "desktop.core.")]
        for name in names:
            importlib.import_module(name)
        qt = sorted(m for m in sys.modules if m.split(".")[0] in {"PySide6", "shiboken6", "PyQt5", "PyQt6"})
        print(len(names))
        print(",".join(qt))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    count, qt_modules = done.stdout.strip().split("\n") + [""] * (2 - len(done.stdout.strip().split("\n")))
    assert int(count) >= 5, f"expected the core's modules to be found, got {count}"
    assert qt_modules == "", f"desktop.core imported Qt: {qt_modules}"
    assert desktop.core.__path__
