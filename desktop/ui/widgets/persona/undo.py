"""One undoable step of the Persona page: the whole working persona before and after it.

The page pushes a ``PersonaEdit`` on its ``QUndoStack`` for every edit; undoing and redoing
hand the page back a persona (as a dict) to show as its working copy.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QUndoCommand


class WorkingCopy(Protocol):
    """What a step changes: the page that shows the working persona."""

    def set_working(self, data: dict) -> None: ...


class PersonaEdit(QUndoCommand):
    """One undoable change of the working persona: the whole persona before and after.

    Steps with the same ``merge_id`` (not -1) in a row merge into one: arrow-key nudges of
    one slider are one step, as a drag is.
    """

    def __init__(self, page: WorkingCopy, before: dict, after: dict, text: str, merge_id: int = -1) -> None:
        super().__init__(text)
        self.page = page
        self.before = before
        self.after = after
        self.merge_id = merge_id

    def redo(self) -> None:
        self.page.set_working(self.after)

    def undo(self) -> None:
        self.page.set_working(self.before)

    def id(self) -> int:  # noqa: A003 (Qt API)
        return self.merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt API)
        if not isinstance(other, PersonaEdit) or other.merge_id != self.merge_id or self.merge_id == -1:
            return False
        self.after = other.after
        return True
