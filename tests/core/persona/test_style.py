"""The style profile, computed from a real store built by importing a hand-made archive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.core.errors import Cancelled
from desktop.core.importers.pipeline import import_archive
from desktop.core.persona.model import DEFAULT_SLIDERS, SLIDER_NAMES
from desktop.core.persona.style import (
    StyleProfile,
    _PhraseCounter,
    calibrated_sliders,
    compute_style_profile,
    detect_language,
    find_emoji,
    greeting_of,
    iter_style_profile,
    length_slider_to_words,
    load_style_profile,
    save_style_profile,
    sign_off_of,
    style_features,
    words_to_length_slider,
)
from desktop.core.store import Store
from desktop.core.tasks import CancelToken, Progress

from .conftest import drain


def test_profile_of_a_small_creator_archive_has_the_exact_figures(creator_store: Store) -> None:
    profile = compute_style_profile(creator_store)
    o = profile.overall
    # Words per item: 8, 5, 3, 5 | 5, 8, 8, 0 (the emoji-only DM)
    assert (o.items, o.words_median, o.words_mean, o.words_p90) == (8, 5.0, 5.25, 8)
    assert o.length_histogram == [
        ("0", 1),
        ("1-3", 1),
        ("4-7", 3),
        ("8-15", 3),
        ("16-30", 0),
        ("31-60", 0),
        ("61+", 0),
    ]
    # 🎉 + ❤️❤️ + 😊 + 🔥🔥🔥 = 7 emoji in 4 of 8 items; ❤️ counted with its variation selector as one
    assert (o.emoji_per_item, o.emoji_item_share) == (0.875, 0.5)
    assert o.top_emoji == [("🔥", 3), ("❤️", 2), ("🎉", 1), ("😊", 1)]
    assert (o.exclamation_rate, o.question_rate) == (0.5, 0.125)
    # 7 items have cased letters; 4 of them are all lower case
    assert (o.all_lowercase_share, o.lowercase_start_share) == (0.5714, 0.5714)
    assert (o.laugh_rate, o.warm_rate, o.hedge_rate, o.self_promotion_rate, o.link_rate) == (
        0.125,
        0.375,
        0.0,
        0.125,
        0.0,
    )
    assert o.formality_mean == 0.4437  # (0.55 + 0.6 + 0.25 + 0.25 + 0.4 + 0.35 + 0.7 + 0.45) / 8
    hours = {hour: n for hour, n in enumerate(o.hours_utc) if n}
    assert hours == {7: 1, 9: 1, 10: 3, 18: 1, 21: 2} and profile.timezone == "UTC"
    assert profile.greetings == [("hey", 2)]  # "Morning run done." is not a greeting
    assert profile.sign_offs == [("xx", 1)]
    assert profile.phrases == [
        ("see you", 3),
        ("so much", 3),
        ("thank you so much", 2),
        ("see you tomorrow", 2),
    ]
    assert profile.languages == {"en": 6, "und": 2}
    assert list(profile.by_platform) == ["twitter"] and profile.by_platform["twitter"].items == 8
    kinds = profile.by_kind
    assert {k: v.items for k, v in kinds.items()} == {"comment": 2, "dm": 4, "post": 2}
    assert (kinds["dm"].words_median, kinds["dm"].question_rate, kinds["dm"].top_emoji) == (
        6.5,
        0.25,
        [("🔥", 3), ("😊", 1)],
    )
    assert (kinds["comment"].all_lowercase_share, kinds["comment"].laugh_rate) == (1.0, 0.5)
    assert (
        kinds["post"].exclamation_rate,
        kinds["post"].self_promotion_rate,
        kinds["post"].all_lowercase_share,
    ) == (1.0, 0.5, 0.0)
    assert sum(kinds["comment"].hours_utc) == 2 and kinds["comment"].hours_utc[21] == 2


def test_calibrated_sliders_for_the_small_archive(creator_store: Store) -> None:
    sliders = calibrated_sliders(compute_style_profile(creator_store))
    assert list(sliders) == list(SLIDER_NAMES)
    assert sliders == {
        "length": 41.0,  # median 5 words
        "warmth": 71.0,
        "formality": 44.0,
        "humour": 45.0,
        "energy": 63.0,  # half the items have "!"
        "emoji": 54.0,  # 0.875 emoji per item
        "directness": 85.0,  # no hedges
        "curiosity": 31.0,
        "self_promotion": 39.0,
    }


def test_calibration_follows_the_measures_and_falls_back_without_data() -> None:
    assert calibrated_sliders(StyleProfile()) == DEFAULT_SLIDERS
    base = StyleProfile()
    base.overall.items = 10
    low, high = StyleProfile.from_dict(base.to_dict()), StyleProfile.from_dict(base.to_dict())
    for name, measure in [
        ("emoji", "emoji_per_item"),
        ("energy", "exclamation_rate"),
        ("curiosity", "question_rate"),
        ("humour", "laugh_rate"),
        ("warmth", "warm_rate"),
        ("self_promotion", "self_promotion_rate"),
        ("formality", "formality_mean"),
    ]:
        setattr(low.overall, measure, 0.1)
        setattr(high.overall, measure, 0.6)
        assert calibrated_sliders(low)[name] < calibrated_sliders(high)[name], name
    low.overall.hedge_rate, high.overall.hedge_rate = 0.05, 0.4
    assert calibrated_sliders(low)["directness"] > calibrated_sliders(high)["directness"]
    low.overall.words_median, high.overall.words_median = 3, 30
    assert calibrated_sliders(low)["length"] < calibrated_sliders(high)["length"]
    assert words_to_length_slider(8) == 50.0 and words_to_length_slider(80) == 100.0
    for words in (1, 5, 12, 40):
        assert abs(length_slider_to_words(words_to_length_slider(words)) - words) < 0.3


def test_profile_streams_progress_and_can_be_cancelled(creator_store: Store) -> None:
    steps = iter_style_profile(creator_store)
    first = next(steps)
    assert isinstance(first, Progress) and first.total == 8
    profile = drain(steps)
    assert isinstance(profile, StyleProfile) and profile.items == 8
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        drain(iter_style_profile(creator_store, cancel))


def test_a_large_store_is_profiled_from_an_even_sample(creator_store: Store) -> None:
    whole = compute_style_profile(creator_store)
    assert (whole.sample_every, whole.own_items, whole.sampled) == (1, 8, False)
    steps = iter_style_profile(creator_store, sample_limit=3)  # 8 own items, at most 3 read: every 3rd
    assert next(steps).total == 2
    sample = drain(steps)
    assert (sample.sample_every, sample.own_items, sample.sampled, sample.items) == (3, 8, True, 2)
    assert sample.overall.words_median == 5.5  # the 3rd and 6th own items: 3 and 8 words
    assert StyleProfile.from_dict(sample.to_dict()) == sample


def test_profile_is_json_serializable_and_saved_in_the_store(creator_store: Store) -> None:
    profile = compute_style_profile(creator_store)
    text = json.dumps(profile.to_dict(), ensure_ascii=False)
    assert StyleProfile.from_dict(json.loads(text)) == profile
    assert load_style_profile(creator_store).items == profile.items  # the import saved one already
    save_style_profile(creator_store, profile)
    save_style_profile(creator_store, profile)  # saving again replaces
    assert load_style_profile(creator_store) == profile


def test_empty_store_and_media_only_items(store: Store) -> None:
    assert compute_style_profile(store).items == 0
    store.db.execute(
        "INSERT INTO items (platform, kind, is_owner, text, external_id, created_at) "
        "VALUES ('twitter', 'post', 1, '', 'photo-only', '2024-01-01T05:00:00.000Z')"
    )
    store.db.execute(
        "INSERT INTO items (platform, kind, is_owner, text, external_id) VALUES ('twitter', 'post', 0, 'not "
        "mine', 'x')"
    )
    profile = compute_style_profile(store)
    assert (profile.items, profile.skipped_empty) == (0, 1)


def test_split_by_platform_and_group_chats(creator_store: Store, tmp_path: Path) -> None:
    chat = tmp_path / "_chat.txt"
    chat.write_text(
        "[12/01/2024, 10:00:00] Ana: are you coming tonight?\n"
        "[12/01/2024, 10:05:00] Ben: yes!! see you there 🙌\n"
        "[12/01/2024, 10:06:00] Cleo: me too\n",
        encoding="utf-8",
    )
    drain(import_archive(creator_store, chat, me="Ben"))
    profile = compute_style_profile(creator_store)
    assert profile.items == 9
    assert {k: v.items for k, v in profile.by_platform.items()} == {"twitter": 8, "whatsapp": 1}
    group = profile.by_kind["group"]
    assert (group.items, group.words_median, group.top_emoji, group.exclamation_rate) == (
        1,
        4.0,
        [("🙌", 1)],
        1.0,
    )
    assert ("see you", 4) in profile.phrases


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ok 👍🏽 thanks", ["👍🏽"]),  # skin tone stays with its emoji
        ("family 👨‍👩‍👧 and 🏳️‍🌈", ["👨‍👩‍👧", "🏳️‍🌈"]),  # ZWJ sequences are one emoji each
        ("off to 🇫🇷 and 🏴󠁧󠁢󠁳󠁣󠁴󠁿", ["🇫🇷", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"]),  # flags: regional pair, tag sequence
        ("step 1️⃣ then #️⃣", ["1️⃣", "#️⃣"]),  # keycaps
        ("© 2024 Brand™ ↔ ❤︎", []),  # text-default symbols and a text-presentation heart are not emoji
        ("™️ ❤ ❤️ ☀️", ["™️", "❤", "❤️", "☀️"]),
        ("plain text, no emoji: 100% :) <3", []),
    ],
)
def test_emoji_detection(text: str, expected: list[str]) -> None:
    assert find_emoji(text) == expected


def test_style_features_of_one_text() -> None:
    casual = style_features("omg lol I'm SO happy!!! you're the best 😂😂 link in bio https://shop.example/x")
    assert (casual.words, casual.emoji, casual.exclamations, casual.questions) == (11, 2, 3, 0)
    assert (casual.contractions, casual.slang, casual.links, casual.self_promotion) == (2, 2, 1, 1)
    assert casual.laughs == 3 and casual.warm == 2 and casual.lowercase_start and not casual.all_lowercase
    formal = style_features("Dear Sam, thank you for your message. I would be glad to help. Kind regards")
    assert formal.formality > 0.8 > 0.2 > casual.formality
    assert (formal.formal, formal.slang, formal.lowercase_start) == (4, 0, False)
    hedged = style_features("maybe? i think it depends")
    assert (hedged.hedges, hedged.questions, hedged.all_lowercase) == (3, 1, True)
    assert style_features("🔥🔥").as_dict()["words"] == 0 and not style_features("🔥").cased


def test_greetings_sign_offs_and_languages() -> None:
    assert [
        greeting_of(t) for t in ("Heyyy you!", "Good morning everyone", "morning!", "Morning run", "history")
    ] == [
        "heyyy",
        "good morning",
        "morning",
        None,
        None,
    ]
    assert [
        sign_off_of(t)
        for t in ("see you at the show, xx", "Great chat. Take care!", "thanks!", "so proud. much love ❤️")
    ] == [
        "xx",
        "take care",
        None,
        "much love",
    ]
    assert [
        detect_language(t)
        for t in (
            "thank you so much for this",
            "muchas gracias por todo",
            "merci pour tout",
            "danke für alles",
            "Привет, как дела",
            "ありがとう",
            "谢谢你",
            "🔥🔥",
            "de nada",
        )
    ] == [
        "en",
        "es",
        "fr",
        "de",
        "ru",
        "ja",
        "zh",
        "und",
        "und",
    ]


def test_phrase_counter_memory_is_bounded_and_keeps_the_frequent() -> None:
    counter = _PhraseCounter(limit=50)
    for i in range(1000):
        counter.add({f"rare phrase{i}", "see you soon"})
        assert len(counter.counts) <= 51
    assert counter.top(1, min_count=2) == [("see you soon", 1000)]
