"""The voice regression: the golden inbox, the measures, the reports, and real runs on the default model."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop.core.errors import Cancelled
from desktop.core.generation.session import DraftingSession
from desktop.core.importers.pipeline import import_archive
from desktop.core.paths import Paths
from desktop.core.persona import Persona
from desktop.core.persona.evaluation import (
    CLOSER,
    DEFAULT_PERSONA,
    FEWER,
    FURTHER,
    MORE,
    SAME,
    UNSAVED_EDIT,
    EvalCase,
    EvalReport,
    case_seed,
    compare_reports,
    ensure_golden_inbox,
    latest_report,
    load_golden_inbox,
    load_reports,
    run_eval,
    save_report,
    style_distance,
    style_vector,
)
from desktop.core.persona.style import style_features
from desktop.core.persona.versions import save_persona
from desktop.core.store import (
    NewItem,
    Store,
    delete_source,
    open_store,
    save_items,
    save_person,
    save_source,
    save_thread,
)
from desktop.core.tasks import CancelToken, Progress
from tests.core.persona.conftest import creator_archive
from tests.core.retrieval.corpus import build_corpus

START = datetime(2024, 1, 1, 9, 0, tzinfo=timezone.utc)


def drain(generator):  # type: ignore[no-untyped-def]
    steps: list[Progress] = []
    while True:
        try:
            steps.append(next(generator))
        except StopIteration as stop:
            return stop.value, steps


def add_conversations(store: Store, platform: str, pairs: list[tuple[str, str]], tag: str) -> int:
    """One DM thread per (fan message, creator's reply), a day apart; returns the source id."""
    source = save_source(store, platform=platform, path=f"/tmp/{tag}.zip", sha256=tag)
    me = save_person(store, platform=platform, handle="me", is_owner=True)
    fan = save_person(store, platform=platform, handle="fan")
    for n, (question, reply) in enumerate(pairs):
        thread = save_thread(store, platform=platform, external_id=f"{tag}-t{n}", source_id=source)
        when = START + timedelta(days=n)
        save_items(
            store,
            source,
            [
                NewItem(platform, "message", question, when, f"{tag}-q{n}", thread, fan),
                NewItem(
                    platform,
                    "message",
                    reply,
                    when + timedelta(minutes=5),
                    f"{tag}-r{n}",
                    thread,
                    me,
                    is_owner=True,
                ),
            ],
        )
        incoming, answer = (
            store.db.execute(
                "SELECT id FROM items WHERE platform = ? AND external_id = ?", [platform, f"{tag}-{k}{n}"]
            ).fetchone()[0]
            for k in "qr"
        )
        store.db.execute(
            "INSERT INTO exchanges (incoming_item_id, reply_item_id, thread_id) VALUES (?, ?, ?)",
            [incoming, answer, thread],
        )
    return source


def pairs(platform: str, count: int) -> list[tuple[str, str]]:
    return [
        (f"question {n} for you on {platform}?", f"here is my real answer number {n}") for n in range(count)
    ]


def day_of(store: Store, item_id: int) -> int:
    created = store.db.execute("SELECT created_at FROM items WHERE id = ?", [item_id]).fetchone()[0]
    return (datetime.fromisoformat(created.replace("Z", "+00:00")) - START).days


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "store.sqlite3") as opened:
        yield opened


def build_mixed(store: Store) -> None:
    chatty = pairs("alpha", 60)
    chatty[10] = ("thanks for the video!!", "thanks!")  # trivial replies are never held out
    chatty[11] = ("you are the best", "🔥🔥")
    chatty[12] = chatty[13]  # the same question twice is held out at most once
    add_conversations(store, "alpha", chatty, "a")
    add_conversations(store, "beta", pairs("beta", 20), "b")
    add_conversations(store, "gamma", pairs("gamma", 4), "c")


# --- the golden inbox (store only) ---------------------------------------------------------------


def test_golden_inbox_is_diverse_deterministic_and_kept(store: Store, tmp_path: Path) -> None:
    build_mixed(store)
    golden = ensure_golden_inbox(store)
    assert len(golden) == 20  # 81 eligible exchanges: the cap, not a quarter of them
    per_platform = Counter(case.platform for case in golden)
    assert per_platform == {"alpha": 8, "beta": 8, "gamma": 4}  # as even as the archive allows
    assert {case.platform for case in golden[:3]} == {"alpha", "beta", "gamma"}  # any first N is diverse
    assert all(len(case.reply.split()) >= 3 for case in golden)
    assert len({case.incoming for case in golden}) == 20
    alpha_days = sorted(day_of(store, case.incoming_item_id) for case in golden if case.platform == "alpha")
    assert alpha_days[0] < 10 and alpha_days[-1] > 50  # spread over the whole time line
    first_alpha_days = [day_of(store, case.incoming_item_id) for case in golden if case.platform == "alpha"][
        :3
    ]
    assert max(first_alpha_days) - min(first_alpha_days) > 25  # and so is any first few

    assert ensure_golden_inbox(store) == golden == load_golden_inbox(store)
    with open_store(tmp_path / "again.sqlite3") as again:
        build_mixed(again)
        assert [c.incoming_item_id for c in ensure_golden_inbox(again)] == [
            c.incoming_item_id for c in golden
        ]


def test_golden_inbox_grows_with_the_archive_and_keeps_its_cases(store: Store) -> None:
    assert ensure_golden_inbox(store) == []  # nothing answered yet: nothing to hold out
    first_source = add_conversations(store, "alpha", pairs("alpha", 8), "a")
    first = ensure_golden_inbox(store)
    assert len(first) == 2  # a quarter at most: the rest stays as examples

    add_conversations(store, "beta", pairs("beta", 40), "b")
    grown = ensure_golden_inbox(store)
    assert grown[:2] == first and len(grown) == 12
    per_platform = Counter(case.platform for case in grown)
    assert abs(per_platform["alpha"] - per_platform["beta"]) <= 1

    delete_source(store, first_source)  # the creator removes an archive: its cases go with it
    assert {case.platform for case in load_golden_inbox(store)} == {"beta"}


# --- measures and reports (no model) -------------------------------------------------------------


def test_style_distance_per_dimension() -> None:
    same = style_features("Thanks so much! See you soon?")
    assert style_distance(same, same) == {
        "length": 0,
        "emoji": 0,
        "punctuation": 0,
        "formality": 0,
        "style": 0,
    }
    far = style_distance(
        style_features("ok"), style_features("lol that was SO fun!!! 😂😂😂🔥 see you next week??")
    )
    assert (
        far["length"] == pytest.approx(8 / 9, abs=1e-3)
        and far["emoji"] == 1.0
        and far["punctuation"] == pytest.approx(5 / 6, abs=1e-3)
    )
    assert 0 < far["style"] <= 1


def make_case(
    item_id: int, draft: str, reply: str, *, blocked: bool = False, findings: tuple[str, ...] = ()
) -> EvalCase:
    drafted, real = style_features(draft), style_features(reply)
    return EvalCase(
        item_id,
        item_id + 1000,
        "x",
        f"message {item_id}",
        reply,
        draft=draft,
        seed=case_seed(item_id),
        blocked=blocked,
        findings=list(findings),
        attempts=1,
        similarity=1.0 if draft == reply else 0.3,
        distance=style_distance(drafted, real),
        draft_style=style_vector(drafted),
        reply_style=style_vector(real),
    )


REPLIES = [
    "thank you so much, see you in lisbon",
    "haha yes the hoodie is back on monday",
    "I train five days a week",
]


def test_comparison_says_closer_or_further_over_the_shared_messages() -> None:
    before = EvalReport(
        1,
        "gemma",
        "2024-06-01T10:00:00.000Z",
        persona_label="persona version 1",
        golden_size=4,
        cases=[
            make_case(1, "OMG THANK YOU!!! 😍😍😍 wow??", REPLIES[0], blocked=True, findings=("never_say",)),
            make_case(2, "Dear friend, we would certainly appreciate your kind support. Regards", REPLIES[1]),
            make_case(3, "yes", REPLIES[2]),
        ],
    )
    now = EvalReport(
        2,
        "gemma",
        "2024-06-02T10:00:00.000Z",
        persona_label="persona version 2",
        golden_size=4,
        cases=[
            make_case(1, REPLIES[0], REPLIES[0]),
            make_case(2, REPLIES[1], REPLIES[1]),
            make_case(4, "an extra message the first run did not draft", "something else entirely here"),
        ],
    )
    comparison = compare_reports(before, now)
    assert comparison.shared_cases == 2  # message 3 and 4 were drafted by only one run
    rows = {row.key: row for row in comparison.rows}
    assert rows["style_distance"].now == 0 and rows["style_distance"].before > 0
    assert rows["style_distance"].change == rows["similarity"].change == rows["emoji"].change == CLOSER
    assert rows["words"].yours == 8 and rows["words"].change == CLOSER  # both real replies have 8 words
    # The median beside the mean: before, drafts of 4 and 10 words; now the creator's own 8 and 8.
    assert rows["words_median"].yours == rows["words_median"].now == 8 and rows["words_median"].before == 7
    assert rows["words_median"].change == CLOSER
    assert rows["blocked"].change == rows["finding:never_say"].change == FEWER
    assert rows["red"].change == SAME

    worse = compare_reports(now, before)
    assert {row.key: row.change for row in worse.rows}["style_distance"] == FURTHER

    text = comparison.to_text()
    assert "BEFORE" in text and "NOW" in text and "CHANGE" in text and "closer" in text
    assert "persona version 1" in text and "persona version 2" in text
    shown = json.loads(json.dumps(comparison.to_dict()))
    assert shown["before"]["persona_version"] == 1 and shown["now"]["persona_version"] == 2
    assert {"key", "label", "yours", "before", "now", "change"} <= set(shown["metrics"][0])

    alone = compare_reports(None, now)
    assert alone.before is None and alone.to_dict()["before"] is None
    assert "BEFORE" not in alone.to_text() and all(row.change == "" for row in alone.rows)


def test_reports_round_trip_through_the_store(store: Store) -> None:
    version = save_persona(store, Persona())
    first = EvalReport(
        version,
        "gemma",
        "2024-06-01T10:00:00.000Z",
        [make_case(1, "hey you", REPLIES[0])],
        "persona version 1",
        5,
    )
    second = EvalReport(
        None, "gemma", "2024-06-02T10:00:00.000Z", [make_case(1, REPLIES[0], REPLIES[0])], UNSAVED_EDIT, 5
    )
    assert latest_report(store) is None
    save_report(store, first)
    save_report(store, second)
    loaded = load_reports(store)
    assert [r.id for r in loaded] == [second.id, first.id] and second.id > first.id
    assert loaded[1].to_dict() == first.to_dict() and loaded[0].to_dict() == second.to_dict()
    assert loaded[1].summary == first.summary and loaded[1].cases[0].drafted
    assert latest_report(store).to_dict() == second.to_dict()
    assert EvalReport.from_dict(json.loads(json.dumps(first.to_dict()))).to_dict() == first.to_dict()


# --- real runs on the default model ---------------------------------------------------------------


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory, default_models_dir: Path) -> Iterator[DraftingSession]:
    """A profile with two platforms (30 exchanges on one, 2 imported through the real pipeline on
    the other), opened once with the real default models: each draft costs a second or two."""
    root = tmp_path_factory.mktemp("voice")
    paths = Paths.resolve(root / "base").ensure()
    for model in default_models_dir.glob("*.gguf"):
        os.link(model, paths.models / model.name)
    with open_store(paths.create_profile("default").store) as store:
        build_corpus(store)
        drain(import_archive(store, creator_archive(root / "twitter.zip")))
    with DraftingSession(paths, "default") as opened:
        drain(opened.open())
        yield opened


@pytest.fixture(scope="module")
def first_report(session: DraftingSession) -> tuple[EvalReport, list[Progress]]:
    return drain(run_eval(session, limit=3))


def test_run_eval_drafts_the_golden_inbox_and_measures_each_draft(
    session: DraftingSession, first_report: tuple[EvalReport, list[Progress]]
) -> None:
    report, steps = first_report
    assert session.store is not None and session.backend is not None
    golden = load_golden_inbox(session.store)
    assert len(golden) == report.golden_size == 8  # a quarter of the 32 eligible exchanges
    assert [c.incoming_item_id for c in report.cases] == [c.incoming_item_id for c in golden[:3]]
    assert {c.platform for c in report.cases} == {"twitter", "x"}
    assert steps[0].message == "Choosing the golden inbox"
    assert [s.message for s in steps[1:4]] == [f"Drafting golden message {n} of 3" for n in (1, 2, 3)]
    assert steps[-1].done == steps[-1].total == 3
    assert report.model == session.backend.facts.name and report.persona_version is None
    assert report.persona_label == DEFAULT_PERSONA and report.seconds > 0

    for case, chosen in zip(report.cases, golden, strict=False):
        assert (case.incoming, case.reply) == (chosen.incoming, chosen.reply)
        assert case.seed == case_seed(case.incoming_item_id) and case.attempts >= 1
        assert case.reply_style == style_vector(style_features(chosen.reply))
        if case.drafted:
            assert -1.0 <= case.similarity <= 1.0
            assert set(case.distance) == {"length", "emoji", "punctuation", "formality", "style"}
            assert 0.0 <= case.distance["style"] <= 1.0
            assert case.draft_style == style_vector(style_features(case.draft))
    summary = report.summary
    assert summary.cases == 3 and summary.drafted == sum(c.drafted for c in report.cases) >= 2
    assert summary.similarity is not None and summary.style_distance is not None

    # Held out for real: drafting a golden message never shows the model its real answer.
    golden_replies = {case.reply_item_id for case in golden}
    draft, _ = drain(session.draft(golden[0].incoming, platform=golden[0].platform))
    assert draft.sources and not {source.item_id for source in draft.sources} & golden_replies
    for case in golden:
        assert session.retriever is not None
        found = session.retriever.retrieve(case.incoming, k_examples=16, k_snippets=8)
        used = {e.reply_item_id for e in found.examples} | {s.item_id for s in found.snippets}
        assert not used & golden_replies


def test_same_persona_same_drafts_and_a_change_shown_side_by_side(
    session: DraftingSession, first_report: tuple[EvalReport, list[Progress]]
) -> None:
    assert session.store is not None
    first, _ = first_report
    save_report(session.store, first)
    # the same settings (the default persona, named after the archive's owner), now saved as version 1
    version = save_persona(session.store, session.persona()[1])
    again, _ = drain(run_eval(session, limit=2))
    assert again.persona_version == version and again.persona_label == f"persona version {version}"
    assert [c.draft for c in again.cases] == [
        c.draft for c in first.cases[:2]
    ]  # fixed seeds: comparable runs
    same = compare_reports(first, again)
    assert same.shared_cases == 2
    assert {row.change for row in same.rows} == {SAME}

    edited = Persona()
    edited.sliders = {**edited.sliders, "length": 5.0, "emoji": 95.0}
    changed, _ = drain(run_eval(session, persona=edited, limit=1))
    assert changed.persona_version is None and changed.persona_label == UNSAVED_EDIT
    comparison = compare_reports(again, changed)
    assert comparison.shared_cases == 1
    assert {row.change for row in comparison.rows} <= {CLOSER, FURTHER, SAME, FEWER, MORE}
    assert "CHANGE" in comparison.to_text()


def test_cancel_stops_the_run(session: DraftingSession) -> None:
    cancel = CancelToken()
    running = run_eval(session, limit=3, cancel=cancel)
    step = next(running)
    while not step.message.startswith("Drafting"):
        step = next(running)
    cancel.cancel()
    with pytest.raises(Cancelled):
        drain(running)
