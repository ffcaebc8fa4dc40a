"""Connect a controller's signals to a page's slots by name, as Qt's ``connectSlotsByName`` does:
signal ``draft_started`` goes to the page's ``_on_draft_started``. One line names what a page
listens to, and a slot misnamed fails at ``attach`` rather than staying silent."""

from __future__ import annotations

from PySide6.QtCore import QObject


def connect_by_name(source: QObject, target: QObject, names: str) -> None:
    """Connect each of ``source``'s signals in ``names`` (space-separated) to ``target._on_<name>``.

    The slot is a bound method of ``target``, a QObject of the GUI thread, so a signal sent from a
    worker runs it in the GUI thread (ARCHITECTURE.md, Traps)."""
    for name in names.split():
        getattr(source, name).connect(getattr(target, f"_on_{name}"))
