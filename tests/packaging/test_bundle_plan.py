"""The bundle's contents as data (packaging/bundle_plan.py), checked without running PyInstaller."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import PySide6
import pytest

import desktop
from tests.packaging.conftest import ROOT


def test_name_and_version_come_from_the_app(plan: ModuleType) -> None:
    meta = plan.read_app_meta()
    assert (meta.name, meta.app_id, meta.org, meta.version) == (
        desktop.APP_NAME, desktop.APP_ID, desktop.ORG_NAME, desktop.__version__,
    )  # fmt: skip
    assert meta.version_tuple[:3] == tuple(int(n) for n in desktop.__version__.split("."))
    assert meta.bundle_identifier == f"org.{desktop.APP_ID}.{desktop.APP_ID}"


def test_every_resource_is_listed_and_present(plan: ModuleType) -> None:
    assert plan.unlisted_resources() == []
    datas = plan.resource_datas()
    assert len(datas) == len(plan.RESOURCES)
    for source, folder in datas:
        assert Path(source).is_file()
        assert folder.startswith("resources/")
    assert ("resources/demo/instagram-demo.zip", "resources/demo") in plan.RESOURCES
    assert (ROOT / plan.LINUX_DESKTOP_ENTRY).is_file()


def test_a_missing_or_unlisted_resource_is_caught(plan: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(plan.BundleError, match="resources/personas/dry_humour.json"):
        plan.resource_datas(tmp_path)
    (tmp_path / "resources" / "new").mkdir(parents=True)
    (tmp_path / "resources" / "new" / "theme.qss").write_text("", encoding="utf-8")
    assert plan.unlisted_resources(tmp_path) == ["resources/new/theme.qss"]


def test_every_qt_module_the_app_imports_is_kept(plan: ModuleType) -> None:
    imported = set()
    for path in (ROOT / "desktop").rglob("*.py"):
        imported |= set(re.findall(r"PySide6\.(Qt\w+)", path.read_text(encoding="utf-8")))
    assert imported and imported <= set(plan.QT_MODULES_USED)
    excluded = plan.qt_excludes(Path(PySide6.__file__).parent)
    assert not {f"PySide6.{name}" for name in plan.QT_MODULES_USED} & set(excluded)
    for unused in ("PySide6.QtNetwork", "PySide6.QtQml", "PySide6.QtOpenGL", "PySide6.QtWebEngineCore"):
        assert unused in excluded


def test_qt_files_the_app_never_loads_are_dropped(plan: ModuleType) -> None:
    toc = [
        ("PySide6/Qt/translations/qtbase_de.qm", "/x", "DATA"),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", "/x", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", "/x", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/x", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", "/x", "BINARY"),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", "/x", "BINARY"),
    ]
    toc += [
        ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", "/x", "BINARY"),
        ("PySide6/Qt/lib/libQt6Quick.so.6", "/x", "BINARY"),
        ("libQt6Quick.so.6", "PySide6/Qt/lib/libQt6Quick.so.6", "SYMLINK"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/x", "BINARY"),
        ("libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "SYMLINK"),
    ]
    assert [name for name, _, _ in plan.without_unused_qt_files(toc)] == [
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "libQt6Gui.so.6",
    ]


def test_only_the_youtube_discovery_document_of_googleapiclient_is_bundled(plan: ModuleType) -> None:
    import googleapiclient

    documents = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
    toc = [
        (f"googleapiclient/discovery_cache/documents/{p.name}", str(p), "DATA") for p in documents.iterdir()
    ]
    toc.append(("googleapiclient/discovery_cache/__init__.py", "/x", "DATA"))
    kept = [name for name, _, _ in plan.without_unused_discovery_documents(toc)]
    assert len(toc) > 400  # every Google API's document, as the library's PyInstaller hook collects them
    assert kept == [
        "googleapiclient/discovery_cache/documents/youtube.v3.json",
        "googleapiclient/discovery_cache/__init__.py",
    ]


def test_the_build_stops_without_llama_cpp_libraries(plan: ModuleType) -> None:
    import llama_cpp

    lib = Path(llama_cpp.__file__).parent / "lib"
    installed = [(str(path), "llama_cpp/lib") for path in lib.iterdir()]
    plan.check_llama_libraries(installed)  # the real install passes
    with pytest.raises(plan.BundleError, match="llama.cpp's native library 'llama' was not found"):
        plan.check_llama_libraries([])
    only_ggml = [entry for entry in installed if "llama" not in Path(entry[0]).name]
    with pytest.raises(plan.BundleError, match="'llama'"):
        plan.check_llama_libraries(only_ggml)


def test_the_models_must_be_staged_before_the_build(plan: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(plan.BundleError, match="build_app.py"):
        plan.staged_models(tmp_path)


@pytest.mark.parametrize(("value", "console"), [("1", True), ("yes", True), ("", False), ("0", False)])
def test_console_build_behind_an_environment_variable(plan: ModuleType, value: str, console: bool) -> None:
    assert plan.console_build({plan.CONSOLE_ENV: value}) is console


def test_windows_and_macos_metadata(plan: ModuleType) -> None:
    meta = plan.read_app_meta()
    version_info = plan.windows_version_info(meta)
    tree = ast.parse(version_info, mode="eval")  # PyInstaller evaluates the file as one expression
    assert isinstance(tree.body, ast.Call) and isinstance(tree.body.func, ast.Name)
    assert tree.body.func.id == "VSVersionInfo"
    assert f"StringStruct('ProductVersion', '{meta.version}')" in version_info
    assert f"filevers={meta.version_tuple}" in version_info
    plist = plan.macos_info_plist(meta)
    assert plist["CFBundleShortVersionString"] == meta.version
    assert plist["NSHighResolutionCapable"] is True
    assert plan.icon_file(Path("b"), meta, "win32") == Path("b/icons/understudy.ico")
    assert plan.icon_file(Path("b"), meta, "darwin") == Path("b/icons/understudy.icns")
    assert plan.icon_file(Path("b"), meta, "linux") == Path("b/icons/understudy.png")


def test_the_spec_compiles_and_takes_everything_from_the_plan(plan: ModuleType) -> None:
    source = (ROOT / "packaging" / "understudy.spec").read_text(encoding="utf-8")
    compile(source, "understudy.spec", "exec")
    for name in (
        "resource_datas",
        "check_llama_libraries",
        "qt_excludes",
        "EXCLUDES",
        "console_build",
        "staged_models",
        "macos_info_plist",
        "windows_version_info",
        "HIDDEN_IMPORT_PACKAGES",
    ):
        assert f"plan.{name}" in source


def test_the_linux_desktop_entry(plan: ModuleType) -> None:
    lines = (ROOT / plan.LINUX_DESKTOP_ENTRY).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    entry = dict(line.split("=", 1) for line in lines[1:] if "=" in line)
    meta = plan.read_app_meta()
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == meta.name  # the executable's name in dist/<name>/
    assert entry["Icon"] == meta.app_id  # share/icons/hicolor/256x256/apps/<app_id>.png
    assert entry["Categories"].endswith(";")


def test_no_module_the_bundle_leaves_out_is_imported_when_the_app_loads(plan: ModuleType) -> None:
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        import desktop
        for module in pkgutil.walk_packages(desktop.__path__, "desktop."):
            if not module.name.endswith("__main__"):  # that one starts the app
                importlib.import_module(module.name)
        print(",".join(sorted({name.split(".")[0] for name in sys.modules})))
        """
    )
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=180, env=env, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = set(done.stdout.strip().split(","))
    left_out = {name for name in plan.EXCLUDES if "." not in name}
    assert not loaded & left_out


def test_llama_cpp_library_copies_become_links(plan: ModuleType, tmp_path: Path) -> None:
    files = {"libggml.so": b"ggml", "libggml.so.0": b"ggml", "libllama.so": b"A", "libllama.so.0": b"B",
             "libQt6Gui.so": b"qt", "libQt6Gui.so.6": b"qt"}  # fmt: skip
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    toc = [
        ("llama_cpp/lib/libggml.so", str(tmp_path / "libggml.so"), "BINARY"),
        ("llama_cpp/lib/libggml.so.0", str(tmp_path / "libggml.so.0"), "BINARY"),
        ("llama_cpp/lib/libllama.so", str(tmp_path / "libllama.so"), "BINARY"),
        ("llama_cpp/lib/libllama.so.0", str(tmp_path / "libllama.so.0"), "BINARY"),  # differs: kept
        ("PySide6/Qt/lib/libQt6Gui.so", str(tmp_path / "libQt6Gui.so"), "BINARY"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", str(tmp_path / "libQt6Gui.so.6"), "BINARY"),  # not llama's: kept
        ("libggml.so.0", "llama_cpp/lib/libggml.so.0", "SYMLINK"),
    ]
    linked = plan.with_llama_copies_linked(toc)
    assert linked[1] == ("llama_cpp/lib/libggml.so.0", "libggml.so", "SYMLINK")
    assert linked[:1] + linked[2:] == toc[:1] + toc[2:]
