"""Drafts: transitions with audit rows, edits with history, autosave across a kill, alternatives, undo,
fidelity."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop.core.errors import KnownError
from desktop.core.inbox import (
    HIGH_WEIGHT,
    IllegalTransition,
    add_alternative,
    approve,
    approve_all_unflagged,
    autosave_edit,
    choose_alternative,
    commit_edit,
    count_affected,
    edit,
    fidelity_by_week,
    flag,
    get_entry,
    list_alternatives,
    pending_edit,
    pending_edits,
    reject,
    restore,
    save_draft,
    unapprove,
    undo_last,
    unflag,
)
from desktop.core.store import Store, open_store

from .conftest import add_messages

PROTEIN = "Honestly just unflavoured whey blended with a banana, the chalk taste disappears 🍌"
GUARD_NEEDS_EDIT = {
    "guard": {
        "blocked": False,
        "needs_edit": True,
        "escalate": False,
        "findings": [
            {"kind": "unsupported_claim", "severity": "flag", "message": "'20% off' is not in your facts"}
        ],
    }
}


def _audit(store: Store, item_id: int) -> list[tuple[str, str, str]]:
    rows = store.db.execute(
        "SELECT action, details, at FROM audit_log WHERE subject = ? ORDER BY id", [f"item:{item_id}"]
    ).fetchall()
    out = []
    for action, details, at in rows:
        assert at.endswith("Z") and len(at) == 24  # a time on every row
        data = json.loads(details)
        out.append((action, data["from"], data["to"]))
    return out


def _history(store: Store, draft_id: int) -> list[tuple[str, str | None, str | None, str]]:
    return [
        tuple(r)
        for r in store.db.execute(
            "SELECT action, old_text, new_text, actor FROM draft_history WHERE draft_id = ? ORDER BY id",
            [draft_id],
        )
    ]


def test_draft_approve_and_the_audit_trail(store: Store) -> None:
    item = add_messages(store)[0]
    draft = save_draft(
        store, item, PROTEIN, model="gemma-3-270m", provenance={"sources": [{"item_id": 7, "score": 0.8}]}
    )
    assert get_entry(store, item).state == "drafted"
    row = store.db.execute("SELECT status, model, provenance FROM drafts WHERE id = ?", [draft]).fetchone()
    assert (
        row[0] == "drafted" and row[1] == "gemma-3-270m" and json.loads(row[2])["sources"][0]["item_id"] == 7
    )
    approve(store, item)
    assert get_entry(store, item).state == "approved"
    assert _audit(store, item) == [
        ("inbox.added", "", "new"),
        ("inbox.drafted", "new", "drafted"),
        ("inbox.approved", "drafted", "approved"),
    ]
    assert [h[0] for h in _history(store, draft)] == ["created", "approved"]
    with pytest.raises(IllegalTransition):
        save_draft(store, item, "another take")


def test_illegal_moves_raise_and_change_nothing(store: Store) -> None:
    item = add_messages(store)[0]
    with pytest.raises(IllegalTransition, match="no draft"):
        approve(store, item)
    save_draft(store, item, PROTEIN)
    reject(store, item)
    with pytest.raises(IllegalTransition, match="restore it"):
        approve(store, item)
    with pytest.raises(IllegalTransition):
        reject(store, item)
    assert get_entry(store, item).state == "rejected"
    with pytest.raises(IllegalTransition, match="not approved"):
        restore(store, item) and unapprove(store, item)
    with pytest.raises(IllegalTransition, match="not flagged"):
        unflag(store, item)


def test_reject_goes_to_the_trash_and_restore_brings_the_draft_back(store: Store) -> None:
    item = add_messages(store)[1]
    draft = save_draft(store, item, "Cat-cow stretches every morning and brace hard!")
    reject(store, item)
    entry = get_entry(store, item)
    assert entry.state == "rejected" and entry.trashed_at is not None
    assert restore(store, item) == "drafted"
    assert get_entry(store, item).draft_id == draft
    assert [a[0] for a in _audit(store, item)][-2:] == ["inbox.rejected", "inbox.restored"]


def test_edit_records_before_and_after_and_edited_approval_is_a_high_weight_example(store: Store) -> None:
    items = add_messages(store)
    draft = save_draft(store, items[0], PROTEIN)
    edited_text = "Unflavoured whey + a banana. Chalk taste gone, promise 🍌"
    assert edit(store, draft, edited_text)
    assert not edit(store, draft, edited_text)  # no change, no history
    assert _history(store, draft)[-1] == ("edited", PROTEIN, edited_text, "creator")
    audit = store.db.execute("SELECT details FROM audit_log WHERE action = 'inbox.edited'").fetchone()
    assert json.loads(audit[0])["old_text"] == PROTEIN and json.loads(audit[0])["new_text"] == edited_text
    approve(store, items[0])
    other = save_draft(store, items[1], "Stretch daily!")
    approve(store, items[1])
    weights = dict(store.db.execute("SELECT id, example_weight FROM drafts").fetchall())
    assert weights == {draft: HIGH_WEIGHT, other: 1.0}
    examples = store.db.query(
        "SELECT reply, weight, edited FROM approved_reply_examples ORDER BY weight DESC"
    )
    assert [(r["reply"], r["weight"], r["edited"]) for r in examples] == [
        (edited_text, HIGH_WEIGHT, 1),
        ("Stretch daily!", 1.0, 0),
    ]


def test_editing_an_approved_reply_takes_the_approval_back(store: Store) -> None:
    item = add_messages(store)[0]
    draft = save_draft(store, item, PROTEIN)
    approve(store, item)
    edit(store, draft, "Whey and a banana!")
    assert get_entry(store, item).state == "drafted"
    assert store.db.execute("SELECT approved_at FROM drafts WHERE id = ?", [draft]).fetchone()[0] is None


def test_a_flagged_draft_needing_an_edit_is_approvable_only_after_one(store: Store) -> None:
    item = add_messages(store)[2]
    draft = save_draft(store, item, "Use code MAYA for 20% off the hoodie!", provenance=GUARD_NEEDS_EDIT)
    entry = get_entry(store, item)
    assert entry.state == "flagged" and entry.flag_needs_edit and "20% off" in (entry.flag_reason or "")
    with pytest.raises(IllegalTransition, match="edited before it is approved"):
        approve(store, item)
    with pytest.raises(IllegalTransition, match="edit the draft first"):
        unflag(store, item)
    edit(store, draft, "It's from my merch store, link in bio!")
    approve(store, item)
    assert get_entry(store, item).state == "approved"


def test_escalation_by_the_creator_and_unflag(store: Store) -> None:
    item = add_messages(store)[3]
    save_draft(store, item, "Next stream is Sunday!")
    flag(store, item, "check the date with my manager first")
    assert get_entry(store, item).flag_reason == "check the date with my manager first"
    approve(store, item)  # no edit was asked for: the creator may approve after reading
    item2 = add_messages(store)[1]
    save_draft(
        store, item2, "Stretch!", provenance={"triage": {"level": "yellow", "reasons": ["health advice"]}}
    )
    assert get_entry(store, item2).state == "flagged"
    unflag(store, item2)
    assert get_entry(store, item2).state == "drafted"


def test_approving_commits_an_autosaved_edit_first(store: Store) -> None:
    item = add_messages(store)[0]
    draft = save_draft(store, item, PROTEIN)
    autosave_edit(store, draft, "Whey. Banana. Done.")
    assert pending_edit(store, draft) == "Whey. Banana. Done." and pending_edits(store) == {
        draft: "Whey. Banana. Done."
    }
    assert store.db.execute("SELECT text FROM drafts WHERE id = ?", [draft]).fetchone()[0] == PROTEIN
    approve(store, item)
    assert get_entry(store, item).draft_text == "Whey. Banana. Done." and get_entry(store, item).edited
    assert pending_edit(store, draft) is None


def test_alternatives_up_to_three_and_switching_is_recorded_and_undoable(store: Store) -> None:
    item = add_messages(store)[2]
    draft = save_draft(store, item, "It's from my merch drop!", alternatives=["Thrifted it in Berlin :)"])
    assert add_alternative(store, draft, "Sorry, it was a gift so no idea!") == 3
    with pytest.raises(KnownError, match="already has 3"):
        add_alternative(store, draft, "a fourth")
    with pytest.raises(ValueError):
        save_draft(store, item, "a", alternatives=["b", "c", "d"])
    choose_alternative(store, draft, 2)
    alts = list_alternatives(store, draft)
    assert [(a.position, a.chosen) for a in alts] == [(1, False), (2, True), (3, False)]
    assert get_entry(store, item).draft_text == "Thrifted it in Berlin :)"
    assert _history(store, draft)[-1] == (
        "switched",
        "It's from my merch drop!",
        "Thrifted it in Berlin :)",
        "creator",
    )
    undone = undo_last(store)
    assert undone is not None and undone.action == "switched"
    assert get_entry(store, item).draft_text == "It's from my merch drop!"
    with pytest.raises(KnownError, match="no option 4"):
        choose_alternative(store, draft, 4)


def test_regenerating_replaces_the_current_draft(store: Store) -> None:
    item = add_messages(store)[0]
    first = save_draft(store, item, PROTEIN)
    second = save_draft(store, item, "Whey!")
    assert get_entry(store, item).draft_id == second
    assert store.db.execute("SELECT status FROM drafts WHERE id = ?", [first]).fetchone()[0] == "superseded"
    with pytest.raises(KnownError, match="replaced by a newer draft"):
        edit(store, first, "old one")


def test_undo_walks_back_one_action_at_a_time_with_audit(store: Store) -> None:
    item = add_messages(store)[0]
    draft = save_draft(store, item, PROTEIN)
    edit(store, draft, "Whey + banana")
    approve(store, item)
    assert undo_last(store).action == "approved"  # type: ignore[union-attr]
    assert get_entry(store, item).state == "drafted"
    assert store.db.execute("SELECT approved_at FROM drafts WHERE id = ?", [draft]).fetchone()[0] is None
    assert undo_last(store).action == "edited"  # type: ignore[union-attr]
    assert get_entry(store, item).draft_text == PROTEIN
    assert _history(store, draft)[-1] == ("undo", "Whey + banana", PROTEIN, "creator")
    assert undo_last(store) is None  # drafting is the model's action, not an undo step
    assert [a[0] for a in _audit(store, item)][-2:] == ["inbox.undo", "inbox.undo"]


def test_approve_all_unflagged_needs_the_confirmed_count(store: Store) -> None:
    items = add_messages(store)
    for item in items[:3]:
        save_draft(store, item, "Thank you so much!! 🙏")
    save_draft(store, items[3], "Sunday", provenance=GUARD_NEEDS_EDIT)
    assert count_affected(store, "approve_all_unflagged").entries == 3
    with pytest.raises(KnownError, match="3 drafts are waiting now"):
        approve_all_unflagged(store, confirmed_count=4)
    assert approve_all_unflagged(store, confirmed_count=3) == 3
    assert get_entry(store, items[3]).state == "flagged"
    assert len(undo_last(store).item_ids) == 3  # type: ignore[union-attr]
    assert {get_entry(store, i).state for i in items[:3]} == {"drafted"}


def test_fidelity_by_week(store: Store) -> None:
    items = add_messages(store)
    drafts = [save_draft(store, item, "Thanks!") for item in items]
    edit(store, drafts[0], "Thanks a lot!")
    for item in items[:3]:
        approve(store, item)
    store.db.execute("UPDATE drafts SET approved_at = '2024-05-06T10:00:00.000Z' WHERE id = ?", [drafts[0]])
    store.db.execute("UPDATE drafts SET approved_at = '2024-05-07T10:00:00.000Z' WHERE id = ?", [drafts[1]])
    store.db.execute("UPDATE drafts SET approved_at = '2024-05-14T10:00:00.000Z' WHERE id = ?", [drafts[2]])
    weeks = fidelity_by_week(store)
    assert [(w.week, w.approved, w.unedited, w.share) for w in weeks] == [
        ("2024-W19", 2, 1, 0.5),
        ("2024-W20", 1, 1, 1.0),
    ]


TYPIST = textwrap.dedent(
    """
    import sys, time
    from desktop.core.store import open_store
    from desktop.core.inbox import autosave_edit
    store = open_store(sys.argv[1])
    draft = int(sys.argv[2])
    text = ""
    for i in range(100000):
        text += "abcdefghij"[i % 10]
        autosave_edit(store, draft, text)
        print(len(text), flush=True)
        time.sleep(0.001)
    """
)


def test_an_autosaved_edit_survives_a_kill_mid_typing(store_path: Path, tmp_path: Path) -> None:
    with open_store(store_path) as store:
        item = add_messages(store)[0]
        draft = save_draft(store, item, PROTEIN)
    script = tmp_path / "typist.py"
    script.write_text(TYPIST, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(store_path), str(draft)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert proc.stdout is not None
    saved = 0
    for line in proc.stdout:
        saved = int(line)
        if saved >= 40:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    with open_store(store_path) as store:
        text = pending_edit(store, draft)
        assert text is not None and len(text) >= saved  # every reported keystroke is on disk
        assert text == ("abcdefghij" * 100)[: len(text)]
        assert store.db.execute("SELECT text FROM drafts WHERE id = ?", [draft]).fetchone()[0] == PROTEIN
        assert commit_edit(store, draft)
        assert get_entry(store, item).draft_text == text and pending_edit(store, draft) is None


def _scored(answers: float, past: float = 0.0) -> dict[str, object]:
    parts = {"guard": 0.0, "answers": answers, "fact": 0.0, "voice": 0.2, "length": -0.1, "past": past}
    return {"score": {"parts": parts}}


def test_the_creators_choices_among_options_are_read_back_for_the_scorer(store: Store) -> None:
    from desktop.core.inbox.choices import profile_weights, recorded_choices

    first, second, third, fourth = add_messages(store)
    took_second = save_draft(
        store,
        first,
        "Model draft",
        alternatives=[("My past answer", _scored(0.4, 0.5))],
        provenance=_scored(0.7),
    )
    choose_alternative(store, took_second, 2)
    approve(store, first)
    took_first = save_draft(
        store, second, "Model draft", alternatives=[("Another", _scored(0.3))], provenance=_scored(0.6)
    )
    approve(store, second)
    save_draft(store, third, "Never approved", alternatives=[("x", _scored(0.1))], provenance=_scored(0.5))
    no_parts = save_draft(store, fourth, "From before candidates", alternatives=["plain"])
    approve(store, fourth)
    choices = recorded_choices(store)
    assert [(len(c.options), c.chosen, c.edited) for c in choices] == [(2, 1, False), (2, 0, False)]
    assert choices[0].options[1]["past"] == 0.5
    assert took_first and no_parts
    assert profile_weights(store) is None  # two choices: the defaults stay
