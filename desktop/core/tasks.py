"""Long operations as generators: they yield ``Progress`` and check a ``CancelToken``.

The same generator runs under the CLI (printing progress) and under the GUI's worker
(emitting signals), so neither owns the work itself.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from desktop.core.errors import Cancelled


class CancelToken:
    """A thread-safe flag a long operation checks between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


class EitherCancel(CancelToken):
    """Cancelled by its own ``cancel()`` or when the caller's token is: stops a group of
    requests on one failure without cancelling the creator's whole operation."""

    def __init__(self, outer: CancelToken) -> None:
        super().__init__()
        self._outer = outer

    @property
    def cancelled(self) -> bool:
        return super().cancelled or self._outer.cancelled

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise Cancelled()


@dataclass(frozen=True)
class Progress:
    """One step of a long operation: ``done`` of ``total`` (``total`` 0 when unknown)."""

    message: str
    done: int = 0
    total: int = 0

    @property
    def fraction(self) -> float | None:
        """Share of the work done, or None when the total is unknown."""
        if self.total <= 0:
            return None
        return min(1.0, self.done / self.total)
