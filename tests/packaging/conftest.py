"""The packaging plan is loaded by its path: packaging/ is deliberately not an importable package."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

# The real main window, for the smoke test's window checks.
from tests.ui.conftest import open_window, styled_app  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def load_by_path(name: str, path: Path) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def plan() -> ModuleType:
    return load_by_path("bundle_plan", ROOT / "packaging" / "bundle_plan.py")


@pytest.fixture(scope="session")
def demo_script() -> ModuleType:
    return load_by_path("make_demo_archive", ROOT / "packaging" / "make_demo_archive.py")
