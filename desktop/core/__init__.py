"""The Qt-free core: everything the GUI and the CLI drive. No PySide6 import here (a test enforces it)."""
