"""The draft inbox (Qt-free): where incoming messages wait, drafts are decided on, and replies leave.

* ``states``: the state machine (new -> drafted -> approved -> exported; rejected; flagged).
* ``inbox``: entries from import candidates, typed messages and CSV/JSON files; list, trash, restore.
* ``drafts``: saving drafts (with alternatives and provenance), approve/edit/reject/flag, edit
  autosave, undo of the last action, fidelity per week.
* ``batch``: drafting every new message in priority order through one model session (pause,
  cancel, resume), and another try for one message.
* ``review``: what the review screen reads (ids for a filtered list, rows by id, one entry in full).
* ``packs``: signed reply-pack export and re-export; ``pack_verify``: checking a pack anywhere;
  ``signing``: the profile's Ed25519 key pair (packs and webhook deliveries).
* ``finetune``: chat-format JSONL of approved pairs. ``redact``: emails and phone numbers out.
* ``webhook``: the optional connector (off by default).

Nothing here sends anything on its own: approved replies leave only as a pack the creator
exports, or through the webhook the creator turned on.
"""

from desktop.core.inbox._journal import NotInInbox
from desktop.core.inbox.drafts import (
    HIGH_WEIGHT,
    MAX_OPTIONS,
    Alternative,
    UndoResult,
    WeekFidelity,
    add_alternative,
    approve,
    approve_all_unflagged,
    autosave_edit,
    choose_alternative,
    commit_edit,
    discard_edit,
    edit,
    fidelity_by_week,
    flag,
    list_alternatives,
    pending_edit,
    pending_edits,
    reject,
    save_draft,
    unapprove,
    undo_last,
    unflag,
)
from desktop.core.inbox.finetune import export_finetune_jsonl, finetune_examples
from desktop.core.inbox.inbox import (
    AddResult,
    Affected,
    InboxEntry,
    add_import_candidates,
    add_message,
    clear_inbox,
    count_affected,
    get_entry,
    import_messages_file,
    list_inbox,
    restore,
    set_priority,
    set_triage,
    trash,
)
from desktop.core.inbox.pack_verify import VerifyResult, verify_pack
from desktop.core.inbox.packs import (
    PackSummary,
    export_pack,
    list_exports,
    recover_pending_exports,
    reexport_pack,
    waiting_count,
)
from desktop.core.inbox.redact import redact_personal
from desktop.core.inbox.states import STATES, IllegalTransition, check_transition

__all__ = [
    "HIGH_WEIGHT",
    "MAX_OPTIONS",
    "STATES",
    "AddResult",
    "Affected",
    "Alternative",
    "IllegalTransition",
    "InboxEntry",
    "NotInInbox",
    "PackSummary",
    "UndoResult",
    "VerifyResult",
    "WeekFidelity",
    "add_alternative",
    "add_import_candidates",
    "add_message",
    "approve",
    "approve_all_unflagged",
    "autosave_edit",
    "check_transition",
    "choose_alternative",
    "clear_inbox",
    "commit_edit",
    "count_affected",
    "discard_edit",
    "edit",
    "export_finetune_jsonl",
    "export_pack",
    "fidelity_by_week",
    "finetune_examples",
    "flag",
    "get_entry",
    "import_messages_file",
    "list_alternatives",
    "list_exports",
    "list_inbox",
    "pending_edit",
    "pending_edits",
    "recover_pending_exports",
    "redact_personal",
    "reexport_pack",
    "reject",
    "restore",
    "save_draft",
    "set_priority",
    "set_triage",
    "trash",
    "unapprove",
    "undo_last",
    "unflag",
    "verify_pack",
    "waiting_count",
]
