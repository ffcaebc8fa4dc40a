"""A small, realistic creator corpus built with the store API: fan questions, the creator's replies, posts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from desktop.core.store import NewItem, Store, save_items, save_person, save_source, save_thread

PLATFORM = "x"

# (fan question, creator's reply), one DM thread each.
EXCHANGES: list[tuple[str, str]] = [
    (
        "what protein do you use after training?",
        "whey isolate from a local brand, one scoop after lifting, nothing fancy",
    ),
    (
        "when are the tour dates coming out??",
        "tour dates drop next friday, europe first then the US in spring",
    ),
    ("what camera do you film your videos with", "a sony a7 iv with the 24-70 lens, plus a rode mic on top"),
    ("where can I buy your hoodie", "the merch shop is on my website, hoodies restock on monday"),
    ("how many days a week do you train", "five days: push, pull, legs, then two days of running"),
    (
        "do you have any tips for beginners at the gym",
        "start light, learn the form, and show up three times a week",
    ),
    ("what song was in your last video", "it was an unreleased track from my friend Mara, out next month"),
    ("are you coming to berlin on tour?", "berlin is on the list! tickets go on sale with the other dates"),
    (
        "what lens do you use for the vlogs",
        "for vlogs a 16mm wide lens so my whole face fits at arm's length",
    ),
    ("does the merch ship to canada", "yes the shop ships worldwide, canada takes about a week"),
    ("what do you eat in a day", "oats in the morning, rice and chicken at lunch, lots of veggies at night"),
    ("how do you stay motivated", "honestly I don't, I just keep the routine even on bad days"),
    ("which editing software do you use", "final cut pro on a macbook, with a few color presets I made"),
    ("can you say hi to my sister she loves you", "hi to your sister! thank you both for watching"),
    ("what shoes do you run in", "I run in the same old pair of trail shoes for everything"),
    ("are you vegan", "not vegan, but I eat mostly plants and some fish"),
    ("how did you start your channel", "I started filming my workouts on my phone in 2019 just for fun"),
    (
        "what microphone do you use for podcasts",
        "a shure sm7b for the podcast, plugged into a small interface",
    ),
    ("will there be a meet and greet", "no meet and greets this time, sorry, but I'll wave from the stage"),
    ("what creatine do you take", "plain creatine monohydrate, five grams a day, any brand works"),
    ("do you do collabs with small creators", "I love collabs but my schedule is full until summer"),
    ("what's your favorite book", "right now it's the body keeps the score, really changed how I think"),
    ("is the merch sustainable", "all shirts are organic cotton and printed on demand, no waste"),
    ("how do you light your videos", "one big softbox on the left and the window on the right"),
    ("what time do you wake up", "around six thirty, coffee first, then a walk with the dog"),
    ("what's your dog's name", "her name is Pimenta, she's a very loud little terrier"),
    ("do you ever take rest days", "yes, two full rest days a week, recovery matters"),
    ("how tall are you", "about 1.78 m on a good day"),
    ("when is the next video", "new video sunday, it's about my morning routine"),
    ("what's in your gym bag", "lifting straps, a towel, headphones and a shaker bottle"),
]

POSTS: list[str] = [
    "I live in Lisbon now, moved here last year and I love the light",
    "New merch drop: the black hoodie is back in the shop",
    "Tour announcement soon. Europe, get ready",
    "Leg day done. Protein shake and a nap",
    "Filming the new camera gear video this week",
    "Pimenta stole my sandwich again",
    "Morning run along the river, 10k in the rain",
    "Thank you for 500k subscribers, I mean it",
    "",  # an empty post (a photo without a caption): never embedded
    "   ",
]

# Fan messages nobody answered (yet).
UNANSWERED: list[str] = [
    "first!",
    "love your content so much",
    "can you review my workout plan",
    "what's the wifi password lol",
]


@dataclass
class Corpus:
    store: Store
    exchange_ids: list[tuple[int, int]] = field(default_factory=list)  # (incoming item id, reply item id)
    post_ids: list[int] = field(default_factory=list)
    unanswered_ids: list[int] = field(default_factory=list)

    def reply_id_for(self, question_start: str) -> int:
        for (question, _reply), (_incoming, reply_id) in zip(EXCHANGES, self.exchange_ids, strict=False):
            if question.startswith(question_start):
                return reply_id
        raise KeyError(question_start)

    def post_id_for(self, text_start: str) -> int:
        for text, item_id in zip(POSTS, self.post_ids, strict=False):
            if text.startswith(text_start):
                return item_id
        raise KeyError(text_start)


def _id(store: Store, external_id: str) -> int:
    return int(
        store.db.execute(
            "SELECT id FROM items WHERE platform = ? AND external_id = ?", [PLATFORM, external_id]
        ).fetchone()[0]
    )


def build_corpus(store: Store) -> Corpus:
    """Insert the corpus. Items are saved unanswered fans first, then posts, then exchanges, so that
    item ids alone would give the wrong embedding order."""
    source = save_source(store, platform=PLATFORM, path="/tmp/test-archive.zip", sha256="test-corpus")
    me = save_person(store, platform=PLATFORM, handle="me", is_owner=True)
    fan = save_person(store, platform=PLATFORM, handle="fan")
    start = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    corpus = Corpus(store)

    unanswered_thread = save_thread(store, platform=PLATFORM, external_id="t-unanswered", source_id=source)
    save_items(
        store,
        source,
        [
            NewItem(PLATFORM, "message", text, start + timedelta(minutes=n), f"u{n}", unanswered_thread, fan)
            for n, text in enumerate(UNANSWERED)
        ],
    )
    corpus.unanswered_ids = [_id(store, f"u{n}") for n in range(len(UNANSWERED))]

    save_items(
        store,
        source,
        [
            NewItem(PLATFORM, "post", text, start + timedelta(hours=n), f"p{n}", None, me, is_owner=True)
            for n, text in enumerate(POSTS)
        ],
    )
    corpus.post_ids = [_id(store, f"p{n}") for n in range(len(POSTS))]

    for n, (question, reply) in enumerate(EXCHANGES):
        thread = save_thread(store, platform=PLATFORM, external_id=f"t{n}", source_id=source)
        when = start + timedelta(days=1 + n)
        save_items(
            store,
            source,
            [
                NewItem(PLATFORM, "message", question, when, f"q{n}", thread, fan),
                NewItem(
                    PLATFORM,
                    "message",
                    reply,
                    when + timedelta(minutes=5),
                    f"r{n}",
                    thread,
                    me,
                    is_owner=True,
                    reply_to_external_id=f"q{n}",
                ),
            ],
        )
        incoming, reply_id = _id(store, f"q{n}"), _id(store, f"r{n}")
        store.db.execute(
            "INSERT INTO exchanges (incoming_item_id, reply_item_id, thread_id) VALUES (?, ?, ?)",
            [incoming, reply_id, thread],
        )
        corpus.exchange_ids.append((incoming, reply_id))
    store.db.conn.commit()
    return corpus
