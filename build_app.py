"""Build the one-folder desktop app with PyInstaller, then smoke-test the frozen app.

Usage: ``python build_app.py`` (what ``make app`` runs). The result is ``dist/Understudy/``.

1. The default models are assembled into ``build/bundled-models`` (``ensure_default_models``;
   a rebuild finds them ready) and the icon is rendered from ``desktop/ui/icons/app.svg``.
2. PyInstaller runs ``packaging/understudy.spec`` (what goes in: ``packaging/bundle_plan.py``).
3. The bundle is checked (llama.cpp's libraries and the models are in; the model packages and
   conversion tools are not), and on Linux the menu entry and icon go into ``share/``.
4. The frozen app runs ``--smoke-test`` in a throwaway ``--basedir``, offscreen: window, demo
   archive imported, one reply drafted with the bundled model, a reply pack exported and
   verified; then ``--version`` and ``models list``. Any failure fails the build.

The bundle size and the cold start (process start to window shown) are printed at the end.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SPEC = ROOT / "packaging" / "understudy.spec"
BUILD = ROOT / "build"
DIST = ROOT / "dist"
SMOKE_TIMEOUT_S = 600
WINDOW_SHOWN = "smoke test: window shown"
ICON_SIZE = 256


def _load_plan():
    spec = importlib.util.spec_from_file_location("bundle_plan", ROOT / "packaging" / "bundle_plan.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bundle_plan"] = module
    spec.loader.exec_module(module)
    return module


plan = _load_plan()
META = plan.read_app_meta(ROOT)
APP_DIR = DIST / META.name


def fail(message: str) -> None:
    raise SystemExit(f"build_app: {message}")


def stage_models() -> None:
    """Assemble the default models once into build/ (later builds find them ready)."""
    from desktop.core.errors import KnownError
    from desktop.core.models.defaults import ensure_default_models

    try:
        for step in ensure_default_models(plan.staged_models_dir(BUILD)):
            print(f"models: {step.message}", flush=True)
    except KnownError as error:
        fail(f"the default models could not be set up: {error}")


def render_icon() -> Path:
    """The app icon for this platform, rendered from the SVG with Qt (no binary in the repository)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # QPainter needs one
    renderer = QSvgRenderer(str(ROOT / "desktop" / "ui" / "icons" / "app.svg"))
    if not renderer.isValid():
        fail("desktop/ui/icons/app.svg could not be read as an SVG")
    image = QImage(ICON_SIZE, ICON_SIZE, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, ICON_SIZE, ICON_SIZE))
    painter.end()
    target = plan.icon_file(BUILD, META)
    target.parent.mkdir(parents=True, exist_ok=True)
    png = target.with_suffix(".png")
    if not image.save(str(png), "PNG"):
        fail(f"the icon could not be written to {png}")
    if target != png and not image.save(str(target)):  # .ico / .icns through Qt's image plugins
        fail(f"the icon could not be written to {target}")
    return png


def run_pyinstaller() -> Path:
    env = dict(os.environ, UNDERSTUDY_BUILD_DIR=str(BUILD))
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", str(DIST), "--workpath", str(BUILD / "pyinstaller"), str(SPEC)],
        check=True, env=env,
    )  # fmt: skip
    executable = APP_DIR / (f"{META.name}.exe" if os.name == "nt" else META.name)
    if not executable.exists():
        fail(f"PyInstaller finished but {executable} is missing")
    return executable


def check_bundle() -> None:
    """What must be in the bundle is there; what must not be is not."""
    internal = APP_DIR / "_internal"
    present = {path.relative_to(internal).as_posix() for path in internal.rglob("*")}
    wanted = [f"{plan.BUNDLED_MODELS_FOLDER}/{path.name}" for path in plan.staged_models(BUILD)]
    wanted += [f"{folder}/{Path(source).name}" for source, folder in plan.RESOURCES]
    llama = {"win32": "llama.dll", "darwin": "libllama.dylib"}.get(sys.platform, "libllama.so")
    wanted.append(f"llama_cpp/lib/{llama}")
    missing = [name for name in wanted if name not in present]
    if missing:
        fail(f"the bundle lacks {', '.join(missing)}")
    unwanted = [name for name in plan.EXCLUDES if "." not in name and name in present]
    if unwanted:
        fail(f"the bundle holds what it should not: {', '.join(unwanted)}")
    broken = _missing_qt_libraries(internal)
    if broken:
        fail("Qt libraries were left out that the bundle needs: " + "; ".join(broken))


def _missing_qt_libraries(internal: Path) -> list[str]:
    """Qt libraries a bundled Qt binary links against but the bundle lacks (trimmed too far)."""
    readelf = shutil.which("readelf")
    qt_lib = internal / "PySide6" / "Qt" / "lib"
    if readelf is None or not qt_lib.is_dir():
        return []
    present = {path.name for path in qt_lib.iterdir()}
    missing = []
    for binary in sorted((internal / "PySide6").rglob("*.so*")):
        dynamic = subprocess.run([readelf, "-d", str(binary)], capture_output=True, text=True).stdout
        for needed in re.findall(r"\(NEEDED\)\s+Shared library: \[(libQt6[^\]]+)\]", dynamic):
            if needed not in present:
                missing.append(f"{binary.relative_to(internal)} needs {needed}")
    return missing


def add_linux_menu_entry(icon_png: Path) -> None:
    """share/applications and share/icons, ready to copy into ~/.local/share (see README)."""
    applications = APP_DIR / "share" / "applications"
    icons = APP_DIR / "share" / "icons" / "hicolor" / f"{ICON_SIZE}x{ICON_SIZE}" / "apps"
    applications.mkdir(parents=True, exist_ok=True)
    icons.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / plan.LINUX_DESKTOP_ENTRY, applications / f"{META.app_id}.desktop")
    shutil.copyfile(icon_png, icons / f"{META.app_id}.png")


def smoke_test(executable: Path) -> float:
    """Run the frozen app's checks in a throwaway base folder; returns the seconds to window shown."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("UNDERSTUDY_BASEDIR", None)
    with tempfile.TemporaryDirectory(prefix="understudy-smoke-") as base:
        shown_after = _run_window_smoke_test(executable, base, env)
        for args in (["--version"], ["--basedir", base, "models", "list"]):
            done = subprocess.run([str(executable), *args], env=env, capture_output=True, text=True,
                                  timeout=120)  # fmt: skip
            if done.returncode != 0:
                fail(f"{' '.join(args)} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
            print(f"smoke test: {' '.join(args)}: ok\n{done.stdout.strip()}", flush=True)
        _check_models_were_linked(Path(base) / "models")
    return shown_after


def _run_window_smoke_test(executable: Path, base: str, env: dict[str, str]) -> float:
    log_path = BUILD / "smoke-test.log"
    started = time.monotonic()
    shown_after = -1.0
    with subprocess.Popen(
        [str(executable), "--basedir", base, "--smoke-test"], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace",
    ) as proc, log_path.open("w", encoding="utf-8") as log:  # fmt: skip
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                log.write(line)
                if line.startswith(WINDOW_SHOWN) and shown_after < 0:
                    shown_after = time.monotonic() - started
                if line.startswith("smoke test:"):
                    print(line.rstrip(), flush=True)
            code = proc.wait(timeout=max(1, SMOKE_TIMEOUT_S - (time.monotonic() - started)))
        except subprocess.TimeoutExpired:
            proc.kill()
            fail(f"the smoke test did not end within {SMOKE_TIMEOUT_S} s (output: {log_path})")
    if code != 0:
        fail(f"the smoke test failed (exit {code}); its whole output is in {log_path}")
    if shown_after < 0:
        fail(f"the smoke test passed without reporting its window (output: {log_path})")
    return shown_after


def _check_models_were_linked(models: Path) -> None:
    """The first start linked the bundled models rather than copying 300 MB."""
    copied = [path.name for path in models.glob("*.gguf") if not path.is_symlink()]
    if sys.platform != "win32" and copied:
        fail(f"the first start copied {', '.join(copied)} into the models folder instead of linking them")


def bundle_size() -> str:
    done = subprocess.run(["du", "-sh", str(APP_DIR)], capture_output=True, text=True)
    if done.returncode == 0:
        return done.stdout.split()[0]
    total = sum(path.stat().st_size for path in APP_DIR.rglob("*") if path.is_file())
    return f"{total / 1e6:.0f}M"


def main() -> None:
    BUILD.mkdir(exist_ok=True)
    stage_models()
    icon_png = render_icon()
    executable = run_pyinstaller()
    check_bundle()
    if sys.platform.startswith("linux"):
        add_linux_menu_entry(icon_png)
    shown_after = smoke_test(executable)
    print(f"Built {APP_DIR}: {bundle_size()}; cold start to window shown (offscreen): {shown_after:.2f} s")


if __name__ == "__main__":
    main()
