"""Approved (message, reply) pairs as chat-format JSONL, the format fine-tuning tools read.

One line per approved or exported reply::

    {"messages": [{"role": "system", "content": "..."},
                  {"role": "user", "content": "<the fan's message>"},
                  {"role": "assistant", "content": "<the reply the creator approved>"}]}

The file is written beside its destination and renamed into place when complete.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from desktop.core.errors import KnownError
from desktop.core.inbox.packs import reply_rows
from desktop.core.store import Store, record_audit
from desktop.core.store.reply_packs import APPROVED_OR_EXPORTED

DEFAULT_SYSTEM_PROMPT = (
    "You are the creator, replying to a message from someone in your audience, in your own voice: "
    "the way you write, at the length you write."
)


def finetune_examples(
    store: Store, *, system_prompt: str = DEFAULT_SYSTEM_PROMPT, redact_personal: bool = False
) -> list[dict[str, list[dict[str, str]]]]:
    """The chat-format examples, oldest approval first."""
    rows = reply_rows(store, APPROVED_OR_EXPORTED, redact_personal=redact_personal)
    return [
        {
            "messages": [
                {"role": "system", "content": system_prompt},
                {"role": "user", "content": row["original_message"]},
                {"role": "assistant", "content": row["reply_text"]},
            ]
        }
        for row in rows
        if row["original_message"].strip() and row["reply_text"].strip()
    ]


def export_finetune_jsonl(
    store: Store,
    out_path: Path | str,
    *,
    system_prompt: str = DEFAULT_SYSTEM_PROMPT,
    redact_personal: bool = False,
) -> int:
    """Write every approved (message, reply) pair to ``out_path`` as chat JSONL; returns the count."""
    out_path = Path(out_path).expanduser().absolute()
    examples = finetune_examples(store, system_prompt=system_prompt, redact_personal=redact_personal)
    if not examples:
        raise KnownError("There are no approved replies to learn from yet.")
    partial = out_path.with_name(f".{out_path.name}.{uuid.uuid4().hex}.partial")
    try:
        with partial.open("x", encoding="utf-8", newline="\n") as handle:
            for example in examples:
                handle.write(json.dumps(example, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, out_path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise KnownError(
            f"The training file could not be written to {out_path}: {exc.strerror or exc}."
        ) from exc
    record_audit(
        store, "finetune.exported", str(out_path), {"examples": len(examples), "redacted": redact_personal}
    )
    return len(examples)
