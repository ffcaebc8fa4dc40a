"""Seeded, fan-like and creator-like texts for the benchmarks: the same text for the same seed, every run.

Varied enough to behave like real messages (lengths from a few words to a few sentences,
topics that repeat across fans, the odd emoji), cheap enough to make a million of them.
"""

from __future__ import annotations

import random

TOPICS = [
    "protein powder",
    "tour dates",
    "camera lens",
    "merch hoodie",
    "leg day",
    "morning routine",
    "running shoes",
    "editing software",
    "podcast microphone",
    "meal prep",
    "creatine",
    "rest days",
    "berlin show",
    "lisbon apartment",
    "dog walk",
    "book club",
    "guitar strings",
    "sunscreen",
    "travel bag",
    "coffee order",
    "sleep schedule",
    "stretching",
    "new video",
    "giveaway rules",
]
FILLER = (
    "really love honestly please amazing video today yesterday always never maybe super great "
    "question quick thanks again help advice best favorite first time long ago tomorrow weekend"
).split()
OPENERS = ["hey!", "hi", "omg", "quick question:", "hello from brazil,", "yo", "", "Hi there!", "heyy"]
ASKS = [
    "what {t} do you use?",
    "any tips on {t}?",
    "where did you get the {t}?",
    "how do you pick your {t}?",
    "is the {t} worth it?",
    "can you do a video about {t}?",
    "what do you think about {t}?",
]
REPLIES = [
    "haha thank you!! the {t} is from a tiny shop, link in bio",
    "honestly {t} changed everything for me",
    "great question, doing a full video on {t} soon",
    "aw thanks so much, {t} every single week",
    "{t}? keep it simple and be consistent",
    "love that you asked, {t} is my favourite topic",
]
EMOJI = ["\U0001f64f", "\U0001f602", "\u2764\ufe0f", "\U0001f525", "\U0001f4aa"]
QUERIES = [
    "which protein powder do you take?",
    "when do the tour tickets go on sale?",
    "what lens is on your camera?",
    "is the hoodie back in the merch shop?",
    "how many rest days do you take?",
    "what shoes do you run in?",
    "any tips for a better morning routine?",
    "do you meal prep on sundays?",
    "which mic do you use for the podcast?",
    "are you coming to berlin this year?",
]


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(FILLER, k=rng.randint(low, high)))


def fan_message(rng: random.Random) -> str:
    text = (
        f"{rng.choice(OPENERS)} {_words(rng, 0, 12)} {rng.choice(ASKS).format(t=rng.choice(TOPICS))}".strip()
    )
    return text + (" " + rng.choice(EMOJI) if rng.random() < 0.2 else "")


def creator_reply(rng: random.Random) -> str:
    text = rng.choice(REPLIES).format(t=rng.choice(TOPICS))
    if rng.random() < 0.5:
        text += " " + _words(rng, 2, 10)
    return text + (" " + rng.choice(EMOJI) if rng.random() < 0.3 else "")


def fan_messages(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [fan_message(rng) for _ in range(count)]


def mixed_messages(count: int, seed: int) -> list[str]:
    """Alternating fan messages and creator replies, as a DM archive holds them."""
    rng = random.Random(seed)
    return [creator_reply(rng) if n % 2 else fan_message(rng) for n in range(count)]
