"""A fitness creator's past exchanges, written the way real creators write: not one voice but a range.

Zoë answers some fans in three words and others in a paragraph; some replies are all emoji
and exclamation marks, some are careful and hedged, some ask back, some point to her cookbook.
That range is what the sliders choose from, so the slider tests (``test_sliders.py``) need it.

``EXCHANGES`` are (fan message, Zoë's reply) pairs; ``PROBES`` are 30 new fan messages on the
same subjects, never answered, used to measure what each slider does to the drafts.
``write_voice_archive`` writes the exchanges as a real Instagram export, so tests import them
through the same pipeline a creator's archive takes.
"""

from __future__ import annotations

from pathlib import Path

from tests.core.importers.fixtures_meta import ig_profile, msg, thread, write_zip

EXCHANGES: list[tuple[str, str]] = [
    # protein and food
    ("what protein do you use?", "whey, vanilla, one scoop after training"),
    (
        "which protein powder is the best one??",
        "Omg I love this question!! 😍 I'm obsessed with the vanilla whey, one scoop in my oats every "
        "morning and I honestly feel amazing 💪✨ thank you for asking!!",
    ),
    (
        "do you use plant protein",
        "hmm I think it depends? maybe try pea protein, it kind of works for me sometimes. what do you "
        "usually eat in a day?",
    ),
    (
        "is whey bad for your stomach",
        "Thank you for your question. Whey suits most people, although a lactose-free isolate may be "
        "preferable for sensitive stomachs. My cookbook covers this in detail; the link is in my bio.",
    ),
    ("how much protein do you eat", "haha way too much 😂 my fridge is 80% greek yogurt at this point lol"),
    ("what do you eat before the gym", "oats and a banana"),
    (
        "what's your breakfast",
        "Breakfast is my favourite meal of the day!! 🥣🍌 overnight oats with berries, peanut butter and a "
        "big coffee ☕️ love you guys, thanks for always asking ❤️",
    ),
    (
        "do you count calories",
        "not really, I guess I sort of eyeball it? maybe I should track more honestly. do you track yours?",
    ),
    (
        "any high protein snack ideas",
        "Certainly. Cottage cheese with fruit, boiled eggs and roasted chickpeas are reliable options. You "
        "will find forty snack recipes in the Fuel cookbook: zoe.fit/cookbook",
    ),
    (
        "what do you eat after training",
        "haha anything that isn't nailed down 😂 usually rice and chicken, sometimes a whole pizza, no "
        "regrets",
    ),
    # training
    ("how many days do you train", "five days a week"),
    (
        "what's your split",
        "Push, pull, legs, upper, lower!! 🔥🔥 I switched to it in January and I've never felt stronger 💪 "
        "so happy you're here!!",
    ),
    (
        "should I train every day",
        "hmm probably not? I think rest days kind of matter, maybe start with three days and see how you "
        "feel? how many do you do now?",
    ),
    (
        "do you do cardio",
        "Yes, twice a week. Please note that moderate cardio supports recovery; my twelve-week programme "
        "explains how to combine it with strength work, link in bio.",
    ),
    ("do you ever skip leg day", "skip leg day? in this economy? 😂 never, legs are my personality"),
    ("how do you warm up", "five minutes on the bike, then light sets"),
    (
        "how do you stay so strong",
        "Aww thank you so much!! 🥹❤️ honestly it's just showing up every single week, even on the tired "
        "days!! you can do it too, I believe in you 💪",
    ),
    (
        "is it ok to train when sore",
        "I guess it depends on how sore? maybe do something light, I'm not sure it's always a good idea. "
        "are you sore right now?",
    ),
    (
        "what's your deadlift max",
        "My current deadlift maximum is 140 kilograms. Progress has been steady thanks to a structured "
        "programme, which I describe in my new course.",
    ),
    (
        "how do you deal with gym anxiety",
        "haha I still get it 😅 I just pretend I'm a very confident golden retriever and it kind of works",
    ),
    # running
    ("do you run too", "yes, ten k on sundays"),
    (
        "how did you start running",
        "I started with one minute running, one minute walking!! 🏃\u200d♀️✨ three months later I ran my "
        "first 10k and I cried at the finish line 😭❤️ you've got this!!",
    ),
    (
        "what running shoes do you have",
        "hmm I think mine are just old trail shoes? maybe get fitted at a shop, it kind of depends on your "
        "feet. what kind of running do you do?",
    ),
    (
        "how do you breathe when running",
        "Breathing through the nose at an easy pace is generally recommended. The running chapter of my "
        "programme covers breathing drills; the link is in my bio.",
    ),
    ("do you like running in the rain", "haha love it, it's free skincare 😂 my shoes disagree though"),
    # motivation and mindset
    ("how do you stay motivated", "I don't, I keep the routine"),
    (
        "I feel like giving up",
        "Please don't give up!! ❤️ every single one of us has those days and you are doing so much better "
        "than you think 🫶 sending you a big hug!!",
    ),
    (
        "how do you get discipline",
        "honestly I'm not sure I have it? maybe it's more habits than discipline, I think small steps kind "
        "of help. what feels hardest for you?",
    ),
    (
        "any tips for consistency",
        "Consistency comes from scheduling. Set fixed training times and plan your meals in advance; the "
        "Fuel cookbook includes weekly meal plans: zoe.fit/cookbook",
    ),
    (
        "how do you not get lazy",
        "haha who said I'm not lazy 😂 I just do my workouts before my brain wakes up",
    ),
    # camera and content
    ("what camera do you film with", "a sony a7 iv"),
    (
        "your videos are so good!!",
        "Thank you thank you thank you!! 😭💕 that honestly made my whole day, I love making them for you!! "
        "✨",
    ),
    (
        "how do you edit your videos",
        "I think I use final cut? maybe premiere sometimes, I kind of switch around. do you edit videos too?",
    ),
    (
        "when is the next video",
        "The next video will be published on Sunday. It covers my full morning routine, and the new course "
        "launches the same week.",
    ),
    (
        "how long does a video take to make",
        "haha way longer than it should 😂 like three days for eight minutes, send help",
    ),
    # life
    ("where do you live", "berlin"),
    (
        "what's your dog's name",
        "Her name is Pimenta!! 🐶💕 she is the loudest little terrier in the world and I love her so much!!",
    ),
    (
        "what time do you wake up",
        "around six thirty I guess? maybe earlier in summer, it kind of depends. are you a morning person?",
    ),
    (
        "how do you sleep so well",
        "I keep a regular schedule, avoid screens an hour before bed and keep the bedroom cool. The sleep "
        "chapter of my programme has more.",
    ),
    ("do you ever rest", "haha my couch knows me very well 😂 two full rest days a week, fully horizontal"),
    ("what's your favourite book", "atomic habits"),
    (
        "you inspire me so much",
        "Oh my gosh thank you!! 🥰❤️ that means the world to me, truly!! keep going, I'm cheering for you 🙌",
    ),
    (
        "do you have a coach",
        "not really? I think I coach myself mostly, maybe I should get one. do you have a coach?",
    ),
    (
        "are you sponsored",
        "I am not sponsored by any supplement brand. I recommend only products I use, and my own cookbook "
        "and programme are linked in my bio.",
    ),
    ("do you have a boyfriend", "haha my boyfriend is the squat rack 😂 next question"),
    # cookbook and programme
    ("where can I get your cookbook", "link in bio"),
    (
        "is the cookbook worth it",
        "I really hope so!! 😊 I put two years of recipes into it and every single one is tested in my tiny "
        "kitchen!! 💕📖 thank you for asking!!",
    ),
    (
        "is the programme for beginners",
        "I think so? maybe check the first week and see, it kind of starts gently. have you trained before?",
    ),
    (
        "what's in the twelve week programme",
        "The programme contains three strength sessions and two conditioning sessions per week, with video "
        "demonstrations. Details and sign-up: zoe.fit/programme",
    ),
    ("can I do the programme at home", "haha yes, if you own two dumbbells and a very patient neighbour 😂"),
]

PROBES: list[str] = [
    "what protein powder would you recommend for a beginner?",
    "is it bad to drink protein shakes every day",
    "what do you eat on rest days",
    "do you take creatine",
    "what's a good breakfast before a morning workout",
    "how many meals do you eat a day",
    "how many sets do you do per exercise",
    "should I do cardio before or after weights",
    "how do you train your glutes",
    "how long are your workouts",
    "how do you recover after a hard session",
    "how do you build up to a 10k",
    "what do you do when your legs hurt after running",
    "do you run before or after lifting",
    "how do you stay motivated in winter",
    "I missed a week of training, what should I do",
    "how do you deal with bad days",
    "what microphone do you use",
    "how do you come up with video ideas",
    "will you make a video about your diet",
    "what's your morning routine",
    "do you drink coffee",
    "what do you do on weekends",
    "how old is Pimenta",
    "does the cookbook have vegetarian recipes",
    "how long is the programme",
    "is the cookbook available as a paper book",
    "do you have any tips for a first gym day",
    "how do you stay so positive",
    "what would you tell someone who wants to start lifting",
]


def write_voice_archive(path: Path) -> Path:
    """An Instagram export holding ``EXCHANGES``, one DM thread each, laid out like the real one."""
    owner = ig_profile()["profile_user"][0]["string_map_data"]["Name"]["value"]
    root = "your_instagram_activity/messages/inbox/"
    start_ms = 1_740_820_000_000  # 2025-03-01
    files: dict[str, object] = {
        "personal_information/personal_information/personal_information.json": ig_profile()
    }
    for n, (incoming, reply) in enumerate(EXCHANGES):
        fan = f"Fan {n}"
        sent = start_ms + n * 7 * 3_600_000
        files[f"{root}fan{n}_{10_000 + n}/message_1.json"] = thread(
            [fan, owner],
            [msg(owner, sent + 1_200_000, reply), msg(fan, sent, incoming)],  # newest first, as Meta writes
            fan,
            f"inbox/fan{n}_{10_000 + n}",
        )
    return write_zip(path, files)
