"""Which fan messages are praise, thanks or good news and nothing else (they get the creator's
quick reply), and which quick reply a message gets. Messages written for this test, not the
eval set's."""

from __future__ import annotations

import pytest

from desktop.core.generation.thanks import PRAISE, WIN, QuickReply, kind_of, quick_reply
from desktop.core.persona.model import DEFAULT_CHEER_REPLIES, DEFAULT_THANKS_REPLIES, Boundaries

PRAISES = [
    "this loaf is GORGEOUS 😍😍",
    "thank youuu the tip about the cold oven",
    "tysm for the playlist",
    "ur edits are insane",
    "🔥🔥🔥",
    "obsessed w this series",
    "keep doing what ur doing",
    "i'd kill for that kitchen",
    "gracias por todo, eres la mejor",
    "merci pour la recette",
    "danke für alles!!",
    "que foto linda",
]
WINS = [
    "finally got my first muscle up!!",
    "my loaf actually rose this time 🥹",
    "I did it, 5k without stopping",
    "week 6 done and I feel strong",
]
NEITHER = [
    "love this! what flour do you use?",  # a question
    "is this gorgeous thing hard to make",  # a question without the mark
    "thank you but it didn't work for me",  # trouble
    "amazing video, can you send me the recipe",  # a request
    "loved it, whats the discount code",  # an offer
    "I'm struggling a lot lately, your videos help",  # someone who may need more than thanks
    "saw this on the train",  # no praise, no news of the fan's own
    "",
]


def text_of(reply: QuickReply | None) -> str:
    assert reply is not None
    return reply.text


@pytest.mark.parametrize("message", PRAISES)
def test_praise_and_thanks_are_recognised(message: str) -> None:
    assert kind_of(message) == PRAISE


@pytest.mark.parametrize("message", WINS)
def test_the_fans_good_news_is_recognised(message: str) -> None:
    assert kind_of(message) == WIN


@pytest.mark.parametrize("message", NEITHER)
def test_a_question_a_request_or_trouble_gets_no_quick_reply(message: str) -> None:
    assert kind_of(message) is None
    assert quick_reply(["Thanks!"], ["Yay!"], message) is None


def test_the_same_message_gets_the_same_reply_and_a_new_seed_another() -> None:
    replies = ["One!", "Two!", "Three!"]
    first = quick_reply(replies, [], "your crumb is unreal")
    assert first is not None and first.text in replies and first.kind == PRAISE
    assert quick_reply(replies, [], "your crumb is unreal") == first
    assert {text_of(quick_reply(replies, [], "your crumb is unreal", seed)) for seed in range(3)} == set(
        replies
    )
    picks = {text_of(quick_reply(replies, [], f"so gorgeous {n}")) for n in range(30)}
    assert picks == set(replies)  # a run of praise is not answered with one reply


def test_good_news_gets_a_cheer_or_a_thanks_when_there_are_no_cheers() -> None:
    news = "finally got my first muscle up!!"
    assert quick_reply(["Thanks!"], ["Yay!"], news) == QuickReply("Yay!", WIN)
    assert quick_reply(["Thanks!"], [], news) == QuickReply("Thanks!", WIN)
    assert quick_reply(["Thanks!"], ["Yay!"], "ur edits are insane") == QuickReply("Thanks!", PRAISE)
    assert quick_reply([], [" "], "ur edits are insane") is None


def test_a_persona_without_the_fields_gets_the_defaults_and_an_empty_list_stays_empty() -> None:
    bounds = Boundaries.from_dict({})
    assert bounds.thanks_replies == list(DEFAULT_THANKS_REPLIES)
    assert bounds.cheer_replies == list(DEFAULT_CHEER_REPLIES)
    assert Boundaries.from_dict({"thanks_replies": []}).thanks_replies == []
    assert Boundaries.from_dict({"cheer_replies": [" Yay! ", ""]}).cheer_replies == ["Yay!"]
