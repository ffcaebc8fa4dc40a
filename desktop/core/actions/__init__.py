"""What a creator does, one function or generator each, for both front ends (ARCHITECTURE.md).

The CLI's commands and the GUI's controllers call these rather than the steps inside them, so
that after the same actions both show the same state (``tests/ui/test_same_inbox.py``). Each
returns an outcome that carries a ``Changes`` value: which of the creator's views must refresh
(the model is Anki's ``OpChanges``).
"""

from desktop.core.actions.changes import Changes
from desktop.core.actions.importing import ImportOutcome, RemovalOutcome, import_into_profile, remove_source
from desktop.core.actions.inbox import sync_inbox, triage_for

__all__ = [
    "Changes",
    "ImportOutcome",
    "RemovalOutcome",
    "import_into_profile",
    "remove_source",
    "sync_inbox",
    "triage_for",
]
