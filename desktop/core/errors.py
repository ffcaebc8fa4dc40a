"""Errors the creator is shown, kept apart from bugs.

A ``KnownError`` is something that can go wrong with good code (a corrupt archive, a full
disk, a missing model, a database from a newer version): its message is written for the
creator, in plain words, and says what to do. Anything else is a bug and is reported as one.
"""


class KnownError(Exception):
    """A failure the creator can understand and act on; ``str(error)`` is shown to them."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class Cancelled(KnownError):
    """The creator cancelled a long operation; nothing half-done was kept."""

    def __init__(self, message: str = "Cancelled.") -> None:
        super().__init__(message)


class NewerDatabaseError(KnownError):
    """The store was written by a newer Understudy; opening it could damage it."""


class ModelError(KnownError):
    """A model file is missing, broken or cannot be set up."""


class SecretsUnavailableError(KnownError):
    """No system keychain is available to keep a secret safely."""


class ModelServerError(ModelError):
    """The model server cannot draft anything right now (unreachable, stopped, refused key,
    unknown model, still busy after the retries): a batch stops on it instead of failing every
    message in turn; a fault in one request only (a prompt it rejects) stays a ``ModelError``."""
