"""Batch drafting: every new inbox message, in priority order, through one drafting session.

``draft_all(session)`` is a generator, so the CLI and the GUI's model thread drive it alike:
it yields a ``Progress`` before each message and an ``ItemDrafted`` as each one is stored, so
a window shows drafts as they finish, and returns a ``BatchSummary``.

* Order: the inbox's own (``inbox.LIST_ORDER``; ``store.inbox_entries.pending_draft_ids``):
  higher ``priority`` first, then the newest message first.
* Nothing is drafted twice: only entries still ``new`` are drafted, each one is stored (its
  own transaction) the moment it is finished, and each is checked again just before its turn
  (the creator may have rejected it meanwhile). A second run continues with what is left.
* ``cancel`` stops within a token: the message being written stays ``new``, everything
  finished is kept. ``pause`` stops between messages: the one being written is finished first.
* Red-triaged messages get no draft, only the reason (the entry is flagged with it).
* The persona part of the prompt is the same for every message, so the model reuses its
  evaluated state from one draft to the next (``prefix_source`` "live"); ``BatchSummary``
  adds up how many prompt tokens were reused.

* With a model server (a backend that can ``submit``), K drafts are open at once
  (``backend.parallel``, the profile's ``drafting.server_parallel``): their requests go out
  together, at most K in flight, while retrieval, the guard and the store keep working here.
  A fault that stops the server (unreachable, stopped mid-batch, refused key) ends the run
  (``stopped`` "failed", ``error`` says what happened): no new draft starts, those in flight
  end (kept when their reply came in), the rest stays new.

Everything else runs on the thread that opened the session (its store, its embedder).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Generator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field, replace
from typing import Any

from desktop.core.errors import Cancelled, KnownError, ModelServerError
from desktop.core.inbox import _journal, inbox, states
from desktop.core.inbox.drafts import MAX_OPTIONS, save_draft
from desktop.core.inbox.review import thread_context
from desktop.core.store import Store, inbox_entries
from desktop.core.tasks import CancelToken, Progress

#: What happened to one message.
DRAFTED, FLAGGED, NO_DRAFT, SKIPPED = "drafted", "flagged", "no_draft", "skipped"
#: Why a run ended.
FINISHED, PAUSED, CANCELLED, FAILED = "finished", "paused", "cancelled", "failed"


class PauseFlag:
    """A thread-safe request to stop after the message being drafted (``resume`` = run again)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def pause(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    @property
    def paused(self) -> bool:
        return self._event.is_set()


@dataclass(frozen=True)
class ItemDrafted:
    """One message done: its outcome (``drafted``, ``flagged``, ``no_draft``, ``skipped``) and why.

    ``prefix_source`` / ``reused_tokens`` / ``prompt_tokens``: the model's first attempt, as the
    backend reported it (``"live"``: the persona part was still evaluated from the previous draft).
    """

    item_id: int
    outcome: str
    draft_id: int | None = None
    text: str = ""
    reason: str = ""
    seconds: float = 0.0
    prefix_source: str = ""
    reused_tokens: int = 0
    prompt_tokens: int = 0


@dataclass
class BatchSummary:
    """What a run did, and what is left for the next one."""

    planned: int = 0
    drafted: int = 0
    flagged: int = 0
    no_draft: int = 0
    skipped: int = 0
    remaining: int = 0
    stopped: str = FINISHED
    seconds: float = 0.0
    reused_tokens: int = 0
    prompt_tokens: int = 0
    prefix_sources: dict[str, int] = field(default_factory=dict)
    error: str = ""
    """Why the run stopped early when ``stopped`` is "failed" (the model server's fault, in words)."""
    parallel: int = 1
    """Drafts open at once (K with a model server, 1 with the embedded model)."""

    @property
    def done(self) -> int:
        return self.drafted + self.flagged + self.no_draft + self.skipped

    @property
    def reuse_share(self) -> float:
        """The share of prompt tokens the model did not have to evaluate again."""
        return self.reused_tokens / self.prompt_tokens if self.prompt_tokens else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "done": self.done, "reuse_share": round(self.reuse_share, 3)}


def pending(store: Store, limit: int | None = None) -> list[int]:
    """Ids of the entries a batch would draft, in the order it drafts them."""
    return inbox_entries.pending_draft_ids(store, limit)


def draft_provenance(draft: Any) -> dict[str, Any]:
    """What a ``Draft`` stores beside its text: sources, guard, triage, model, timings."""
    data = draft.to_json_dict()
    data.pop("text", None)
    if draft.guard is not None:
        data["guard"] = {**draft.guard.to_dict(), "blocked": draft.blocked}
    return data


def _still_new(store: Store, item_id: int) -> bool:
    row = inbox_entries.entry_state(store, item_id)
    return row is not None and row[0] == states.NEW and row[1] is None


def _flag_without_draft(store: Store, item_id: int, reason: str) -> None:
    """The model's own flag (no undo step): the message is left for the creator to answer."""
    with store.db.atomic():
        entry = _journal.entry_row(store, item_id)
        states.check_transition(entry["state"], states.FLAGGED)
        _journal.set_state(store, item_id, states.FLAGGED, flag_reason=reason)
        details = {"by": "batch", "reason": reason}
        _journal.audit(store, "flagged", item_id, entry["state"], states.FLAGGED, None, details)


CANDIDATE_OPTIONS = MAX_OPTIONS - 2
"""Alternatives kept from the drafting's candidates: the next best one, leaving the last of the
``MAX_OPTIONS`` places for another try (R)."""


def _store_draft(store: Store, item_id: int, draft: Any) -> ItemDrafted:
    """Save a finished ``Draft`` for the entry (or, for a red message, only the reason)."""
    if not draft.triage.draft_allowed:
        inbox.set_triage(store, item_id, "red", draft.triage.reasons)
        entry = inbox.get_entry(store, item_id)
        return ItemDrafted(item_id, NO_DRAFT, reason=entry.flag_reason or "")
    if not draft.text.strip():
        reason = "The model wrote nothing usable for this message: answer it yourself, or press R to retry."
        _flag_without_draft(store, item_id, reason)
        return ItemDrafted(item_id, FLAGGED, reason=reason)
    draft_id = save_draft(
        store,
        item_id,
        draft.text,
        alternatives=[
            (c.text, {"guard": c.guard.to_dict(), "score": c.to_dict()})
            for c in getattr(draft, "alternatives", [])[:CANDIDATE_OPTIONS]
        ],
        persona_version_id=draft.persona_version,
        model=draft.model,
        provenance=draft_provenance(draft),
    )
    entry = inbox.get_entry(store, item_id)
    outcome = FLAGGED if entry.state == states.FLAGGED else DRAFTED
    return ItemDrafted(item_id, outcome, draft_id, draft.text, entry.flag_reason or "")


def thread_tail(store: Store, item_id: int) -> list[Any]:
    """The conversation before the message, as the prompt's turns."""
    from desktop.core.generation.types import CREATOR, FAN, Turn

    return [Turn(CREATOR if line.is_owner else FAN, line.text) for line in thread_context(store, item_id)]


def run_draft(
    session: Any,
    store: Store,
    item_id: int,
    *,
    seed: int = 0,
    max_tokens: int = 120,
    cancel: CancelToken | None = None,
) -> tuple[Any, Any]:
    """Draft the reply to one entry with ``session``: (the ``Draft``, its first attempt's ``RunInfo``)."""
    entry = inbox.get_entry(store, item_id)
    backend = getattr(session, "backend", None)
    generator = session.draft(
        entry.text,
        seed=seed,
        platform=entry.platform,
        thread_tail=thread_tail(store, item_id),
        max_tokens=max_tokens,
        cancel=cancel,
    )
    first_run = None
    while True:
        try:
            next(generator)
        except StopIteration as stop:
            draft = stop.value
            break
        if first_run is None:  # the backend makes a new RunInfo per attempt: keep the first one
            first_run = getattr(backend, "last_run", None)
    return draft, first_run if first_run is not None else getattr(backend, "last_run", None)


def draft_all(
    session: Any,
    *,
    limit: int | None = None,
    max_tokens: int = 120,
    cancel: CancelToken | None = None,
    pause: PauseFlag | None = None,
) -> Generator[Progress | ItemDrafted, None, BatchSummary]:
    """Draft every ``new`` entry of ``session.store`` (at most ``limit``); see the module docstring.

    ``session`` is an open ``DraftingSession`` (or anything with ``store``, ``backend`` and the
    same ``draft`` generator). Yields ``Progress`` and ``ItemDrafted``; returns ``BatchSummary``.
    """
    cancel = cancel or CancelToken()
    store: Store = session.store
    started = time.perf_counter()
    ids = pending(store, limit)
    summary = BatchSummary(planned=len(ids))
    backend = getattr(session, "backend", None)
    if getattr(backend, "submit", None) is not None:
        summary.parallel = int(getattr(backend, "parallel", 1))
        yield from _draft_concurrently(session, ids, summary, summary.parallel, max_tokens, cancel, pause)
        summary.remaining = len(pending(store))
        summary.seconds = time.perf_counter() - started
        return summary
    for number, item_id in enumerate(ids, start=1):
        if cancel.cancelled:
            summary.stopped = CANCELLED
            break
        if pause is not None and pause.paused:
            summary.stopped = PAUSED
            break
        yield Progress(f"Drafting reply {number} of {len(ids)}", number - 1, len(ids))
        if not _still_new(store, item_id):
            result = ItemDrafted(item_id, SKIPPED, reason="It changed while the batch ran.")
        else:
            item_started = time.perf_counter()
            try:
                draft, run = run_draft(session, store, item_id, max_tokens=max_tokens, cancel=cancel)
            except Cancelled:
                summary.stopped = CANCELLED
                break
            except ModelServerError as exc:  # every message would fail the same way: stop, keep what is done
                summary.stopped, summary.error = FAILED, str(exc)
                break
            except KnownError as exc:  # this message only (e.g. too long for the context): left new
                result = ItemDrafted(item_id, SKIPPED, reason=str(exc))
            else:
                if cancel.cancelled:  # the backend stops early on cancel: what it wrote is not a draft
                    summary.stopped = CANCELLED
                    break
                try:
                    result = _store_draft(store, item_id, draft)
                except KnownError as exc:  # rejected or trashed meanwhile
                    result = ItemDrafted(item_id, SKIPPED, reason=str(exc))
                result = _with_run(result, run, time.perf_counter() - item_started)
        _count(summary, result)
        yield result
    else:
        yield Progress("Drafting done", len(ids), len(ids))
    summary.remaining = len(pending(store))
    summary.seconds = time.perf_counter() - started
    return summary


def _count(summary: BatchSummary, result: ItemDrafted) -> None:
    # The outcome names are the summary's counters.
    setattr(summary, result.outcome, getattr(summary, result.outcome) + 1)
    if result.prompt_tokens:
        summary.prompt_tokens += result.prompt_tokens
        summary.reused_tokens += result.reused_tokens
        source = result.prefix_source or "none"
        summary.prefix_sources[source] = summary.prefix_sources.get(source, 0) + 1


@dataclass
class _Flight:
    """One draft open in a concurrent batch: its generator, waiting on a server's answer."""

    item_id: int
    drafting: Generator[Any, None, Any]
    started: float


def _advance(flight: _Flight) -> Future[Any] | Any:
    """Run ``flight``'s draft on this thread until it waits on the server (its future) or ends
    (``StopIteration`` carrying the ``Draft``, raised to the caller)."""
    from desktop.core.generation.drafting import AwaitingModel

    while True:
        step = next(flight.drafting)
        if isinstance(step, AwaitingModel):
            return step.future


def _settle(
    flight: _Flight,
    flights: dict[Future[Any], _Flight],
    store: Store,
    summary: BatchSummary,
    cancel: CancelToken,
) -> ItemDrafted | None:
    """Drive ``flight`` on; its outcome once it ends (None: waiting again in ``flights``, or left new)."""
    try:
        future = _advance(flight)
    except StopIteration as finished:
        if cancel.cancelled:  # what a stopped request wrote is not a draft
            return None
        try:
            result = _store_draft(store, flight.item_id, finished.value)
        except KnownError as exc:  # rejected or trashed meanwhile
            result = ItemDrafted(flight.item_id, SKIPPED, reason=str(exc))
        return _with_run(result, None, time.perf_counter() - flight.started)
    except Cancelled:
        return None  # left new
    except ModelServerError as exc:
        # No new drafts; those in flight end on their own (a dead server fails them at once),
        # so a draft whose reply came in just before the fault is still kept.
        if not summary.error:
            summary.stopped, summary.error = FAILED, str(exc)
        return None
    except KnownError as exc:  # this message only: left new
        return ItemDrafted(flight.item_id, SKIPPED, reason=str(exc))
    flights[future] = flight
    return None


def _draft_concurrently(
    session: Any,
    ids: list[int],
    summary: BatchSummary,
    k: int,
    max_tokens: int,
    cancel: CancelToken,
    pause: PauseFlag | None,
) -> Generator[Progress | ItemDrafted, None, None]:
    """``draft_all`` with K drafts open at once (see the module docstring); fills ``summary``."""
    store: Store = session.store
    waiting = deque(enumerate(ids, start=1))
    flights: dict[Future[Any], _Flight] = {}

    def settle(flight: _Flight) -> ItemDrafted | None:
        return _settle(flight, flights, store, summary, cancel)

    while True:
        while waiting and len(flights) < k and not cancel.cancelled and not summary.error:
            if pause is not None and pause.paused:
                summary.stopped = PAUSED
                break
            number, item_id = waiting.popleft()
            yield Progress(f"Drafting reply {number} of {len(ids)}", number - 1, len(ids))
            if not _still_new(store, item_id):
                result: ItemDrafted | None = ItemDrafted(
                    item_id, SKIPPED, reason="It changed while the batch ran."
                )
            else:
                entry = inbox.get_entry(store, item_id)
                drafting = session.draft(
                    entry.text,
                    seed=0,
                    platform=entry.platform,
                    thread_tail=thread_tail(store, item_id),
                    max_tokens=max_tokens,
                    cancel=cancel,
                    concurrent=True,
                )
                result = settle(_Flight(item_id, drafting, time.perf_counter()))
            if result is not None:
                _count(summary, result)
                yield result
        if not flights:
            break
        done, _ = wait(list(flights), return_when=FIRST_COMPLETED)
        for future in done:
            result = settle(flights.pop(future))
            if result is not None:
                _count(summary, result)
                yield result
    if cancel.cancelled:
        summary.stopped = CANCELLED
    elif summary.stopped == FINISHED:
        yield Progress("Drafting done", len(ids), len(ids))


def _with_run(result: ItemDrafted, run: Any, seconds: float) -> ItemDrafted:
    if run is None:
        return replace(result, seconds=seconds)
    return replace(
        result,
        seconds=seconds,
        prefix_source=str(run.prefix_source or ""),
        reused_tokens=int(run.reused_tokens or 0),
        prompt_tokens=int(run.prompt_tokens or 0),
    )


@dataclass(frozen=True)
class Redrafted:
    """What another try (R) did: the option it added (``position``, 0 when none) and a plain message."""

    item_id: int
    position: int
    text: str
    message: str


def redraft(
    session: Any, item_id: int, *, max_tokens: int = 120, cancel: CancelToken | None = None
) -> Generator[Any, None, Redrafted]:
    """Draft another option for one entry (the review's R); yields the text as it is written.

    An entry without a draft gets its first one. Otherwise the new text is kept as the next
    option (at most ``MAX_OPTIONS``) and chosen, as an undoable switch; a try the guard blocks or
    wants edited is not kept, since the entry's state was decided on the first option.
    """
    from desktop.core.generation.drafting import MAX_ATTEMPTS
    from desktop.core.inbox.drafts import MAX_OPTIONS, add_alternative, choose_alternative, list_alternatives

    cancel = cancel or CancelToken()
    store: Store = session.store
    entry = inbox.get_entry(store, item_id)
    if entry.trashed_at is not None or entry.state in (states.REJECTED, states.EXPORTED):
        raise KnownError("This message is in the trash or already exported: there is nothing to redraft.")
    if entry.state == states.APPROVED:
        raise KnownError("This reply is approved: undo the approval (Ctrl+Z) before drafting another option.")
    if entry.triage_level == "red":
        raise KnownError("This message gets no draft: " + (entry.flag_reason or "answer it personally."))
    options = list_alternatives(store, entry.draft_id) if entry.draft_id is not None else []
    if len(options) >= MAX_OPTIONS:
        raise KnownError(f"This draft has {MAX_OPTIONS} options already: switch with 1, 2 or 3, or edit it.")
    generator = session.draft(
        entry.text,
        seed=len(options) * MAX_ATTEMPTS,
        platform=entry.platform,
        thread_tail=thread_tail(store, item_id),
        max_tokens=max_tokens,
        cancel=cancel,
    )
    draft = yield from generator
    cancel.raise_if_cancelled()
    if entry.draft_id is None or inbox.get_entry(store, item_id).draft_id is None:
        result = _store_draft(store, item_id, draft)
        messages = {DRAFTED: "Drafted.", FLAGGED: "Drafted, and flagged: " + result.reason}
        message = messages.get(result.outcome, result.reason)
        return Redrafted(item_id, 1 if result.draft_id else 0, result.text, message)
    if not draft.text.strip() or draft.blocked or (draft.guard is not None and draft.guard.needs_edit):
        reason = next((f.message for f in (draft.guard.findings if draft.guard else [])), "it came out empty")
        return Redrafted(item_id, 0, "", f"The new try was not kept ({reason}); the draft is unchanged.")
    position = add_alternative(store, entry.draft_id, draft.text, provenance=draft_provenance(draft))
    choose_alternative(store, entry.draft_id, position)
    note = f"Option {position} of {position}: switch with 1-{position}."
    return Redrafted(item_id, position, draft.text, note)


def summary_line(summary: BatchSummary | Mapping[str, Any]) -> str:
    """The run in one plain sentence (CLI and status bar)."""
    data = summary.as_dict() if isinstance(summary, BatchSummary) else dict(summary)
    done = f"{data['drafted']} drafted, {data['flagged']} flagged"
    if data["no_draft"]:
        done += f", {data['no_draft']} left for you to answer personally"
    if data["skipped"]:
        done += f", {data['skipped']} skipped"
    ending = {PAUSED: "Paused", CANCELLED: "Stopped", FAILED: "Stopped early"}.get(data["stopped"], "Done")
    left = f"; {data['remaining']} still to draft" if data["remaining"] else ""
    if data["stopped"] == FAILED:  # say what happened, and that nothing finished was lost
        return f"{ending}: {done} (kept){left}. {data.get('error', '')}".rstrip()
    return f"{ending}: {done}{left}."
