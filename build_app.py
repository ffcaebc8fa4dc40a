"""Build the one-folder desktop app with PyInstaller, then smoke-test it in a throwaway profile.

Usage: ``python build_app.py`` (what ``make app`` runs). The result is ``dist/Understudy/``.
The smoke test starts the frozen app with ``--smoke-test`` under a temporary ``--basedir``,
so a build that cannot start (a missing Qt plugin, llama.cpp's native library left out)
fails here rather than on a creator's machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SPEC = ROOT / "packaging" / "understudy.spec"
DIST = ROOT / "dist"


def build() -> Path:
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--distpath", str(DIST),
         "--workpath", str(ROOT / "build"), str(SPEC)],
        check=True,
    )
    executable = DIST / "Understudy" / ("Understudy.exe" if os.name == "nt" else "Understudy")
    if not executable.exists():
        raise SystemExit(f"build_app: PyInstaller finished but {executable} is missing")
    return executable


def smoke_test(executable: Path) -> None:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="understudy-smoke-") as base:
        for args in (["--version"], ["--basedir", base, "models", "list"], ["--basedir", base, "--smoke-test"]):
            done = subprocess.run([str(executable), *args], env=env, capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                raise SystemExit(f"build_app: smoke test {args} failed:\n{done.stdout}\n{done.stderr}")
            print(f"smoke test ok: {' '.join(args)}")


if __name__ == "__main__":
    smoke_test(build())
    print(f"Built {DIST / 'Understudy'}")
