"""The desktop GUI: the only package that imports Qt.

``workers`` is the one place threads are made; ``main_window`` and ``widgets`` are the shell;
``gui.run_gui`` is what the composition root (``desktop.app``) calls.
"""
