"""Batch drafting on the real default models: order, pause/cancel and resume, no duplicates, red messages.

Each draft costs one to two seconds on two cores, so every test drafts only a handful of messages.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.generation.session import CANDIDATES_SETTING, DraftingSession
from desktop.core.importers.pipeline import import_archive
from desktop.core.inbox import add_message, get_entry, reject, set_priority
from desktop.core.inbox.batch import (
    CANCELLED,
    DRAFTED,
    FINISHED,
    FLAGGED,
    NO_DRAFT,
    PAUSED,
    SKIPPED,
    BatchSummary,
    ItemDrafted,
    PauseFlag,
    draft_all,
    pending,
)
from desktop.core.inbox.review import get_detail
from desktop.core.paths import Paths
from desktop.core.store import Store, open_store
from desktop.core.store.settings import write_setting
from desktop.core.tasks import CancelToken, Progress
from tests.core.importers.test_pipeline import x_archive

pytestmark = pytest.mark.slow

FANS = [  # (text, sender, created_at): oldest first
    ("Loved the deadlift video! Any tips for a stiff lower back?", "coach_dan", "2024-12-01T10:00:00+00:00"),
    ("Where did you get that hoodie??", "jules", "2024-12-02T10:00:00+00:00"),
    ("When is the next Q&A stream?", "sam_r", "2024-12-03T10:00:00+00:00"),
]


@pytest.fixture
def session(tmp_path: Path, default_models_dir: Path) -> Iterator[DraftingSession]:
    """An open drafting session on a profile with an imported archive (its one candidate is not in the inbox).

    One candidate per draft: these tests are about the batch's order, cancel, pause and prefix
    reuse; ``test_four_candidates_become_the_options_with_their_scores`` turns the setting up."""
    paths = Paths.resolve(tmp_path / "base").ensure()
    for model in default_models_dir.glob("*.gguf"):
        os.link(model, paths.models / model.name)
    with open_store(paths.create_profile("default").store) as store:
        for _step in import_archive(store, x_archive(tmp_path / "x.zip", tweet_count=12)):
            pass
        write_setting(store, CANDIDATES_SETTING, "1")
    with DraftingSession(paths, "default") as opened:
        for _step in opened.open():
            pass
        yield opened


def add_fans(store: Store) -> list[int]:
    return [
        add_message(store, text, sender=sender, platform="instagram", created_at=created)
        for text, sender, created in FANS
    ]


def run(batch, on_item=None) -> tuple[list[ItemDrafted], list[Progress], BatchSummary]:  # type: ignore[no-untyped-def]
    items: list[ItemDrafted] = []
    steps: list[Progress] = []
    while True:
        try:
            step = next(batch)
        except StopIteration as stop:
            return items, steps, stop.value
        if isinstance(step, ItemDrafted):
            items.append(step)
            if on_item is not None:
                on_item(step)
        else:
            steps.append(step)


def drafts_per_item(store: Store) -> dict[int, int]:
    rows = store.db.execute(
        "SELECT incoming_item_id, count(*) FROM drafts GROUP BY incoming_item_id"
    ).fetchall()
    return {int(item): int(count) for item, count in rows}


def test_drafts_in_priority_then_newest_order_and_reuses_the_persona_prefix(session: DraftingSession) -> None:
    store = session.store
    assert store is not None
    oldest, middle, newest = add_fans(store)
    set_priority(store, oldest, 5)  # an explicit priority beats recency
    assert pending(store) == [oldest, newest, middle]

    items, steps, summary = run(draft_all(session))

    assert [i.item_id for i in items] == [oldest, newest, middle]
    assert summary.stopped == FINISHED and summary.planned == 3 and summary.remaining == 0
    assert summary.drafted + summary.flagged == 3 and summary.done == 3
    assert [(s.done, s.total) for s in steps] == [(0, 3), (1, 3), (2, 3), (3, 3)]
    for item in items:
        entry = get_entry(store, item.item_id)
        assert item.outcome in (DRAFTED, FLAGGED) and entry.state == item.outcome
        assert entry.draft_id == item.draft_id and entry.draft_text == item.text and item.text.strip()
        detail = get_detail(store, item.item_id)
        assert detail.model and [a.position for a in detail.alternatives] == [1]
        assert all({"text", "score", "role"} <= set(source) for source in detail.sources)
    # One session, one persona: every draft after the first starts from the evaluated persona prefix.
    assert items[0].prompt_tokens > 0
    assert all(i.prefix_source == "live" and i.reused_tokens > 0 for i in items[1:])
    assert summary.reused_tokens >= sum(i.reused_tokens for i in items[1:]) and 0 < summary.reuse_share < 1
    # Nothing left, so a second run drafts nothing and duplicates nothing.
    again, _steps, second = run(draft_all(session))
    assert again == [] and second.planned == 0 and second.stopped == FINISHED
    assert drafts_per_item(store) == {oldest: 1, middle: 1, newest: 1}


class CancelMidReply:
    """The real session, with the creator pressing Cancel once the second reply has started streaming."""

    def __init__(self, session: DraftingSession, cancel: CancelToken) -> None:
        self.session, self.cancel, self.replies = session, cancel, 0
        self.store, self.backend = session.store, session.backend

    def draft(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.replies += 1
        generator = self.session.draft(*args, **kwargs)
        first = next(generator)
        if self.replies == 2:
            self.cancel.cancel()
        yield first
        return (yield from generator)


def test_cancel_keeps_what_is_finished_and_a_second_run_drafts_only_the_rest(
    session: DraftingSession,
) -> None:
    store = session.store
    assert store is not None
    ids = add_fans(store)
    cancel = CancelToken()

    items, _steps, summary = run(draft_all(CancelMidReply(session, cancel), cancel=cancel))

    assert len(items) == 1 and summary.stopped == CANCELLED and summary.remaining == 2
    assert sorted(drafts_per_item(store)) == [items[0].item_id]  # the half-written reply was not kept
    assert [get_entry(store, i).state for i in ids].count("new") == 2

    resumed, _steps, again = run(draft_all(session))
    assert again.stopped == FINISHED and again.planned == 2 and again.remaining == 0
    assert {i.item_id for i in resumed} | {items[0].item_id} == set(ids)
    assert drafts_per_item(store) == {item_id: 1 for item_id in ids}


def test_pause_finishes_the_current_reply_then_stops(session: DraftingSession) -> None:
    store = session.store
    assert store is not None
    ids = add_fans(store)
    pause = PauseFlag()
    items, _steps, summary = run(draft_all(session, pause=pause), on_item=lambda _item: pause.pause())
    assert len(items) == 1 and items[0].outcome in (DRAFTED, FLAGGED)
    assert summary.stopped == PAUSED and summary.remaining == 2
    pause.clear()
    rest, _steps, resumed = run(draft_all(session, pause=pause, limit=1))
    assert len(rest) == 1 and resumed.stopped == FINISHED and resumed.remaining == 1
    assert sorted(drafts_per_item(store)) == sorted(i.item_id for i in items + rest)
    assert set(drafts_per_item(store)) < set(ids)


def test_red_messages_get_only_the_reason_and_a_rejected_message_is_skipped(session: DraftingSession) -> None:
    store = session.store
    assert store is not None
    # Added without triage (as an old client would): the batch's own triage catches it.
    red = add_message(
        store, "honestly i want to end my life", sender="anon", created_at="2024-12-05T10:00:00+00:00"
    )
    fine = add_message(
        store, "Where did you get that hoodie??", sender="jules", created_at="2024-12-04T10:00:00+00:00"
    )
    gone = add_message(store, "Love the new video!", sender="sam", created_at="2024-12-03T10:00:00+00:00")

    # The creator rejects a message while the batch runs: it is skipped, not drafted.
    items, _steps, summary = run(
        draft_all(session), on_item=lambda item: item.item_id == fine and reject(store, gone)
    )

    assert [(i.item_id, i.outcome) for i in items][0] == (red, NO_DRAFT)
    assert items[0].draft_id is None and "Answer this one personally" in items[0].reason
    entry = get_entry(store, red)
    assert entry.state == "flagged" and entry.draft_id is None and entry.triage_level == "red"
    assert get_detail(store, red).findings  # the review shows the reason
    assert (items[2].item_id, items[2].outcome) == (gone, SKIPPED)
    assert summary.no_draft == 1 and summary.skipped == 1 and summary.remaining == 0
    assert set(drafts_per_item(store)) == {fine}


def test_another_try_is_kept_as_the_next_option_and_refused_where_it_cannot_be(
    session: DraftingSession,
) -> None:
    from desktop.core.errors import KnownError
    from desktop.core.inbox import approve, list_alternatives
    from desktop.core.inbox.batch import Redrafted, redraft

    store = session.store
    assert store is not None
    fine = add_message(
        store, "Where did you get that hoodie??", sender="jules", created_at="2024-12-04T10:00:00+00:00"
    )
    red = add_message(store, "i want to end my life", sender="anon", triage=lambda _t: _Red())
    pieces: list[str] = []
    generator = redraft(session, fine)  # no draft yet: the first one
    while True:
        try:
            piece = next(generator)
        except StopIteration as stop:
            first: Redrafted = stop.value
            break
        if isinstance(piece, str):
            pieces.append(piece)
    entry = get_entry(store, fine)
    assert pieces and first.position == 1 and entry.draft_id is not None and entry.state in (DRAFTED, FLAGGED)

    _items, _steps, second = run(redraft(session, fine))
    options = list_alternatives(store, entry.draft_id)
    if second.position:  # kept: option 2, now the draft's text (an undoable switch)
        assert second.position == 2 and [o.position for o in options if o.chosen] == [2]
        assert get_entry(store, fine).draft_text == second.text and "Option 2" in second.message
    else:  # the guard wanted this try edited or blocked it: not kept, the draft unchanged
        assert len(options) == 1 and "not kept" in second.message

    with pytest.raises(KnownError, match="gets no draft"):
        run(redraft(session, red))
    if get_entry(store, fine).state == DRAFTED:
        approve(store, fine)
        with pytest.raises(KnownError, match="approved"):
            run(redraft(session, fine))


class _Red:
    level = "red"
    reasons = ["talks about self-harm"]


def test_four_candidates_become_the_options_with_their_scores(session: DraftingSession) -> None:
    store = session.store
    assert store is not None
    write_setting(store, CANDIDATES_SETTING, "4")
    add_fans(store)
    items, _steps, summary = run(draft_all(session))
    assert summary.done == 3
    for item in items:
        detail = get_detail(store, item.item_id)
        assert 2 <= len(detail.alternatives) <= 3, detail.alternatives  # the chosen one and the next best
        assert set(detail.option_scores) == {a.position for a in detail.alternatives}
        first = detail.option_scores[1]
        assert first["label"] and {"guard", "answers", "voice", "length"} <= set(first["parts"])
        scores = [detail.option_scores[a.position]["score"] for a in detail.alternatives]
        assert scores == sorted(scores, reverse=True)  # best first, as ranked
