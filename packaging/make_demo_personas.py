"""Write the two demo personas beside Maya: a fitness coach (Instagram) and a travel photographer (X).

Maya (``make_demo_archive.py``) sells nothing. These two do, so that a supported price, code or
date in a draft has to pass while an invented one must not:

* ``resources/demo/coach-demo.zip``: Dani Reyes (@dani.lifts), a strength coach in San Antonio
  who sells Strong in 12, a 12-week program, for $89 (code STRONG10: 10% off). An Instagram JSON
  export written by the same writer as Maya's.
* ``resources/demo/photographer-demo.zip``: Inês Carvalho (@inesframes), a travel photographer in
  Lisbon who sells a Lightroom preset pack (Atlantic Light, 15 presets, $29) and runs one
  workshop (Saturday 14 June 2025, €120). An X / Twitter archive (``data/*.js`` files written
  ``window.YTD.<type>.part0 = [...]``, UTF-8, t.co links with their expansions), the layout the
  X importer reads.

Their facts sheets are ``resources/demo/personas/{coach,photographer}.json``; everything the
creator says in the archive agrees with them. Names, timestamps and member order are fixed, so a
rebuild gives the same bytes (a test checks it).

Usage: ``python packaging/make_demo_personas.py [OUT_DIR]`` (default ``resources/demo``)
"""

from __future__ import annotations

import html
import importlib.util
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any


def _demo_archive_module() -> ModuleType:
    """``make_demo_archive.py`` (loaded by its path: ``packaging/`` is not an importable package)."""
    name = "make_demo_archive"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parent / "make_demo_archive.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


demo = _demo_archive_module()

ROOT = demo.ROOT
DEMO_DIR = ROOT / "resources" / "demo"
DAY_MS = demo.DAY_MS

# --- the fitness coach: Instagram -----------------------------------------------------------

COACH_ARCHIVE = DEMO_DIR / "coach-demo.zip"
COACH_OWNER = "Dani Reyes"
COACH_USERNAME = "dani.lifts"
COACH_START_MS = 1_735_567_200_000  # 2024-12-30 14:00 UTC

COACH_CONVERSATIONS: list[tuple[str, list[tuple[str, str]]]] = [
    ("Kayla Brooks", [
        ("fan", "How much is Strong in 12? Been eyeing it for weeks 👀"),
        ("me", "It's $89, one time, no subscription! Everything's at https://danireyes.fit/strong12 and"
                " the code STRONG10 takes 10% off 💪"),
    ]),
    ("Marco Díaz", [
        ("fan", "do i need a gym for your program"),
        ("me", "Nope! There's a gym version and a home version. For home you just need a pair of"
                " adjustable dumbbells and a bench 🙌"),
    ]),
    ("Aisha Karim", [
        ("fan", "How long are the workouts? I only have like an hour before work"),
        ("me", "About 45 minutes each, 3 strength days a week plus an optional conditioning day."
                " You'll still have time for coffee ☕️"),
    ]),
    ("Tyler Grant", [
        ("fan", "Is it ok for total beginners? never lifted before"),
        ("me", "100%! Every lift has an easier option and the video demos show you exactly how. Start"
                " light, the weight comes later"),
    ]),
    ("Jess Morgan", [
        ("fan", "why is week 4 so easy?? did I buy the wrong thing lol"),
        ("me", "Haha no, that's the deload! Every 4th week (weeks 4, 8 and 12) is lighter on purpose so"
                " your body catches up. Trust the process 😄"),
    ]),
    ("Ravi Patel", [
        ("fan", "How long should I rest between sets?"),
        ("me", "2-3 minutes for the heavy sets. Accessories you can keep to about a minute"),
    ]),
    ("Olivia Chen", [
        ("fan", "Do you do 1:1 coaching?"),
        ("me", "Not right now! All my coaching time goes into Strong in 12 at the moment 🙏"),
    ]),
    ("Brandon Hill", [
        ("fan", "whats your deadlift pr"),
        ("me", "315 lb! It took me a long time to get there, so don't compare your beginning to anyone's"
                " middle 😉"),
    ]),
    ("Sofia Ramos", [
        ("fan", "Does the program come with a meal plan?"),
        ("me", "No meal plans, I'm not a dietitian! I do talk about protein a lot though 😂 I aim for"
                " about 130 g a day myself"),
    ]),
    ("Nate Cooper", [
        ("fan", "When did you start lifting?"),
        ("me", "2016! I was the girl on the treadmill too scared to touch a barbell. Look at us now 😅"),
    ]),
    ("Grace Kim", [
        ("fan", "Can I get the program as a pdf? I hate apps"),
        ("me", "It is a PDF! Plus video demos of every exercise, and you keep it forever 📄"),
    ]),
    ("Diego Alvarez", [
        ("fan", "Is there a code? money's tight this month"),
        ("me", "Totally get it! STRONG10 takes 10% off, that's the only code I have 💛"),
    ]),
    ("Hannah Lee", [
        ("fan", "what time do you usually train? you always look so awake lol"),
        ("me", "6 am most days, before work! The secret is coffee, not discipline 😂"),
    ]),
    ("Chloe Martin", [
        ("fan", "Finished week 12!!! Deadlift went from 95 to 155 😭"),
        ("me", "CHLOE!!! That's 60 lb in 12 weeks, I'm so proud of you 🥹 what's next?"),
        ("fan", "Starting over with heavier weights haha"),
        ("me", "That's the spirit. Run it back 💪"),
    ]),
    ("Emma Walsh", [
        ("fan", "is that your dog in the stories?? so cute"),
        ("me", "That's Biscuit! She's a corgi and she supervises every workout 🐶"),
    ]),
    ("Luis Ortega", [
        ("fan", "Do you sell merch? I'd wear a Dani shirt"),
        ("me", "No merch, haha, but that made my day 🙏"),
    ]),
    # Waiting for Dani's reply: the inbox.
    ("Megan Price", [
        ("fan", "Hi Dani! Does Strong in 12 work if I can only train twice a week?"),
    ]),
    ("Jamal Wright", [
        ("fan", "my gym doesn't have a hip thrust machine, what do I do instead?"),
    ]),
    ("Priscila Souza", [
        ("fan", "Oi Dani! Can I do the program while training for a half marathon?"),
    ]),
]  # fmt: skip

COACH_POSTS: list[str] = [
    "Strong in 12 is live 🎉 12 weeks, 3 strength days a week, about 45 minutes each. Gym or home"
    " version. $89 at the link in bio, code STRONG10 for 10% off",
    "Deload week isn't lazy week. Every 4th week of Strong in 12 is lighter on purpose 🧠",
    "315 lb deadlift 🥹 The girl who started in 2016 hiding on the treadmill would not believe it",
    "Rest 2-3 minutes between heavy sets. Yes, really. No, scrolling doesn't make it shorter 😂",
    "Home workout today: adjustable dumbbells, a bench and Biscuit judging me from the couch 🐶",
    "6 am club ☀️ coffee first, then squats",
    "Protein check: I aim for about 130 g a day. Not a meal plan, just what works for me",
    "San Antonio in summer means the garage gym is a sauna by 9 am 🥵",
]

COACH_COMMENTS: list[tuple[str, str]] = [
    ("lift.with.lex", "That bar speed though 🔥"),
    ("coach.amara", "Deloads are self respect, say it louder"),
    ("strongnotskinny.tx", "San Antonio represent!! 🤠"),
    ("morningmoves.co", "The 6 am crew is the best crew ☀️"),
]


def coach_files() -> dict[str, bytes]:
    files = demo.instagram_files(
        COACH_OWNER,
        COACH_USERNAME,
        COACH_CONVERSATIONS,
        COACH_POSTS,
        COACH_COMMENTS,
        COACH_START_MS,
        thread_gap_days=3,
    )
    return {name: demo.meta_json(value) for name, value in files.items()}


def write_coach_archive(out: Path = COACH_ARCHIVE) -> Path:
    return demo.write_zip(out, coach_files())


# --- the travel photographer: X / Twitter ----------------------------------------------------

PHOTOGRAPHER_ARCHIVE = DEMO_DIR / "photographer-demo.zip"
PHOTOGRAPHER_OWNER = "Inês Carvalho"
PHOTOGRAPHER_USERNAME = "inesframes"
PHOTOGRAPHER_ID = "1290384756102938475"  # X account ids pass 2**53: always strings
PHOTOGRAPHER_START_MS = 1_733_824_800_000  # 2024-12-10 10:00 UTC
TWITTER_EPOCH_MS = 1_288_834_974_657
PRESETS_URL = "https://inescarvalho.photo/presets"
WORKSHOP_URL = "https://inescarvalho.photo/workshop"

# (fan id, fan, [(speaker, text), ...] oldest first). "me" is Inês; links are written as they
# are read, the archive gets t.co links with their expansions.
PHOTOGRAPHER_CONVERSATIONS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("402918", "Ethan Moore", [
        ("fan", "What camera do you shoot with? Your colours are unreal"),
        ("me", "Thank you! A Fujifilm X-T5, most of the time with the XF 16-55mm f/2.8 📷"),
    ]),
    ("402931", "Lara Schmidt", [
        ("fan", "how much are the presets"),
        ("me", "Atlantic Light is $29 for all 15 presets, desktop and mobile versions included:"
                f" {PRESETS_URL}"),
    ]),
    ("402955", "Daniel Okoye", [
        ("fan", "Do the presets work on Lightroom mobile?"),
        ("me", "Yes! The pack has versions for Lightroom Classic and for Lightroom mobile 🙌"),
    ]),
    ("402977", "Mia Rossi", [
        ("fan", "any discount code for the presets? 🥺"),
        ("me", "No codes, sorry! It's the same $29 for everyone"),
    ]),
    ("403010", "Tomás Ferreira", [
        ("fan", "Is there still space in your workshop?"),
        ("me", "There are 8 spots in total, Saturday 14 June, 9am to 1pm in Alfama. Sign up at"
                f" {WORKSHOP_URL}"
                " and you'll get the meeting point by email"),
    ]),
    ("403042", "Chloé Bernard", [
        ("fan", "how much is the workshop"),
        ("me", "€120 for the morning, 9am to 1pm. Small group, 8 people max 📸"),
    ]),
    ("403066", "Ryan Foster", [
        ("fan", "Where are you based?"),
        ("me", "Lisbon! Born in Porto though, don't tell anyone 😄"),
    ]),
    ("403091", "Yuki Tanaka", [
        ("fan", "What do you edit with?"),
        ("me", "Lightroom Classic for everything, and a little dodge and burn in Photoshop when a photo"
                " really needs it"),
    ]),
    ("403117", "Sarah Cohen", [
        ("fan", "Do you sell prints? I'd buy the Chefchaouen one in a heartbeat"),
        ("me", "Not yet! Prints are on my list for one day, but right now I don't sell any 🙈"),
    ]),
    ("403140", "Jonas Berg", [
        ("fan", "How did you get that shot of Vík without people"),
        ("me", "Blue hour in February, about 30 minutes after sunset. Cold hands, empty beach 🥶"),
    ]),
    ("403168", "Beatriz Lopes", [
        ("fan", "Would you shoot our wedding in Sintra? We love your style"),
        ("me", "That's so kind, but I don't shoot weddings or portraits for clients, only my own travel"
                " work 💛"),
    ]),
    ("403195", "Kevin Walsh", [
        ("fan", "What drone is that in the Azores video?"),
        ("me", "A DJI Mini 4 Pro. Small enough that I actually bring it 😅"),
    ]),
    ("403221", "Amira Haddad", [
        ("fan", "What was your first camera?"),
        ("me", "A secondhand Canon AE-1, film! It still sits on my shelf"),
    ]),
    ("403250", "Wanderlust Gear Co", [
        ("fan", "Hi Inês, would you be up for a collab with our travel backpack brand?"),
        ("me", "Thanks for thinking of me! Please send the details to hello@inescarvalho.photo and I'll"
                " get back to you there"),
    ]),
    ("403279", "Hiro Sato", [
        ("fan", "Which lens for the Kyoto night shots?"),
        ("me", "The XF 56mm f/1.2, wide open. It loves lanterns 🏮"),
        ("fan", "Adding it to my wishlist 😅"),
        ("me", "Dangerous wishlist, I know the feeling"),
    ]),
    ("403302", "Nina Kowalski", [
        ("fan", "Do you do 1:1 mentoring?"),
        ("me", "Not at the moment! The June workshop is the only teaching I'm doing this year"),
    ]),
    # Waiting for Inês's reply: the inbox.
    ("403330", "Grace Murphy", [
        ("fan", "Hi Inês! Will you run the workshop again in the autumn?"),
    ]),
    ("403357", "Pedro Santos", [
        ("fan", "Do the presets work on phone photos too or only RAW?"),
    ]),
    ("403384", "Olga Ivanova", [
        ("fan", "Your Azores thread is the reason I booked a trip 😭 which month did you go?"),
    ]),
]  # fmt: skip

# Her tweets: (text, link or None). A link is written in the text as "{link}".
PHOTOGRAPHER_POSTS: list[tuple[str, str | None]] = [
    ("Atlantic Light is out 🌊 15 Lightroom presets made from my coastal work, $29, desktop + mobile:"
     " {link}", PRESETS_URL),
    ("Lisbon street photography workshop: Saturday 14 June, 9am-1pm in Alfama. 8 spots, €120."
     " Sign up: {link}", WORKSHOP_URL),
    ("Vík at blue hour. Worth every frozen finger 🇮🇸", None),
    ("Kyoto after rain. XF 56mm f/1.2, wide open 🏮", None),
    ("Chefchaouen is even bluer in person. I didn't touch the HSL on this one, promise 💙", None),
    ("São Miguel, Azores. Green on green on green 🌿", None),
    ("Gear people keep asking about: Fujifilm X-T5, XF 16-55mm f/2.8, XF 56mm f/1.2 and a DJI Mini 4"
     " Pro. That's it. The light does the rest.", None),
    ("Home. Lisbon from the Miradouro da Senhora do Monte at golden hour 🧡 & yes, it's always this"
     " windy", None),
]  # fmt: skip

# Her replies to other people's tweets: (their user id, their handle, text).
PHOTOGRAPHER_COMMENTS: list[tuple[str, str, str]] = [
    ("5550101", "lisbonlens", "this light on the tiles 😍"),
    ("5550102", "fujixweekly", "the X-T5 and I are in a very committed relationship"),
    ("5550103", "nordiclight", "Lofoten is on my list forever"),
    ("5550104", "azorestravel", "Sete Cidades at sunrise, nothing like it"),
]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _snowflake(ms: int, sequence: int) -> str:
    """An X id for something made at ``ms`` (ids carry their time, as X's do)."""
    return str(((ms - TWITTER_EPOCH_MS) << 22) + sequence)


def _tweet_time(ms: int) -> str:
    """``Sat Nov 09 12:14:18 +0000 2024``, without the locale's help."""
    t = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return f"{_DAYS[t.weekday()]} {_MONTHS[t.month - 1]} {t:%d %H:%M:%S} +0000 {t.year}"


def _dm_time(ms: int) -> str:
    stamp = datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{ms % 1000:03d}Z"


def _tco(seed: str) -> str:
    """A stable t.co short link for ``seed``."""
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    value = int.from_bytes(seed.encode("utf-8"), "big") % (len(alphabet) ** 10)
    code = ""
    for _ in range(10):
        value, digit = divmod(value, len(alphabet))
        code += alphabet[digit]
    return f"https://t.co/{code}"


def _links(text: str, seed: str) -> tuple[str, list[tuple[str, str]]]:
    """``text`` with each of the creator's links as a t.co link, and the (short, expanded) pairs."""
    pairs = []
    for number, url in enumerate((PRESETS_URL, WORKSHOP_URL)):
        if url in text:
            short = _tco(f"{seed}:{number}")
            text = text.replace(url, short)
            pairs.append((short, url))
    return text, pairs


def _tweet(ms: int, sequence: int, text: str, **extra: Any) -> dict[str, Any]:
    written, pairs = _links(text, f"tweet{sequence}")
    written = html.escape(written, quote=False)  # X writes &amp; &lt; &gt; in full_text
    body: dict[str, Any] = {
        "edit_info": {"initial": {"editTweetIds": [_snowflake(ms, sequence)],
                                  "editableUntil": _dm_time(ms + 3_600_000),
                                  "editsRemaining": "5", "isEditEligible": True}},
        "retweeted": False,
        "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
        "entities": {
            "hashtags": [], "symbols": [], "user_mentions": [],
            "urls": [{"url": short, "expanded_url": url, "display_url": url.split("://", 1)[1],
                      "indices": [str(written.index(short)), str(written.index(short) + len(short))]}
                     for short, url in pairs],
        },
        "display_text_range": ["0", str(len(written))],
        "favorite_count": str(40 + 17 * sequence % 90),
        "id_str": _snowflake(ms, sequence),
        "truncated": False,
        "retweet_count": str(3 + 7 * sequence % 20),
        "id": _snowflake(ms, sequence),
        "created_at": _tweet_time(ms),
        "favorited": False,
        "full_text": written,
        "lang": "en",
    }  # fmt: skip
    body.update(extra)
    return {"tweet": body}


def _ytd(name: str, data: Any) -> bytes:
    return f"window.YTD.{name}.part0 = {json.dumps(data, indent=2, ensure_ascii=False)}".encode("utf-8")


def photographer_files() -> dict[str, bytes]:
    """Every member of the photographer's X archive: its path and its bytes."""
    me, start = PHOTOGRAPHER_ID, PHOTOGRAPHER_START_MS
    tweets = []
    for i, (text, link) in enumerate(PHOTOGRAPHER_POSTS):
        tweets.append(_tweet(start - i * 6 * DAY_MS, i, text.replace("{link}", link or "")))
    for i, (user_id, handle, text) in enumerate(PHOTOGRAPHER_COMMENTS):
        ms = start - (i + 1) * 7 * 3_600_000
        their_tweet = _snowflake(ms - 2 * 3_600_000, 900 + i)
        mention = f"@{handle} "
        tweet = _tweet(ms, 100 + i, mention + text, in_reply_to_status_id_str=their_tweet,
                       in_reply_to_status_id=their_tweet, in_reply_to_user_id_str=user_id,
                       in_reply_to_user_id=user_id, in_reply_to_screen_name=handle)  # fmt: skip
        tweet["tweet"]["entities"]["user_mentions"] = [
            {"name": handle, "screen_name": handle, "indices": ["0", str(len(handle) + 1)],
             "id_str": user_id, "id": user_id}
        ]  # fmt: skip
        tweet["tweet"]["display_text_range"] = [str(len(mention)), str(len(mention + text))]
        tweets.append(tweet)
    tweets.sort(key=lambda t: int(t["tweet"]["id_str"]), reverse=True)  # X writes the newest first

    conversations = []
    for number, (fan_id, _fan, lines) in enumerate(PHOTOGRAPHER_CONVERSATIONS):
        started = start + number * 4 * DAY_MS
        messages = []
        for index, (speaker, text) in enumerate(lines):
            ms = started + index * 53 * 60_000
            sender, recipient = (me, fan_id) if speaker == "me" else (fan_id, me)
            written, pairs = _links(text, f"dm{number}.{index}")
            messages.append({"messageCreate": {
                "recipientId": recipient,
                "reactions": [],
                "urls": [{"url": short, "expanded": url, "display": url.split("://", 1)[1]}
                         for short, url in pairs],
                "text": html.escape(written, quote=False),
                "mediaUrls": [],
                "senderId": sender,
                "id": _snowflake(ms, 1000 + 8 * number + index),
                "createdAt": _dm_time(ms),
            }})  # fmt: skip
        low, high = sorted((me, fan_id), key=int)
        conversations.append(
            {"dmConversation": {"conversationId": f"{low}-{high}", "messages": list(reversed(messages))}}
        )

    account = [{"account": {
        "email": "hello@inescarvalho.photo", "createdVia": "web", "username": PHOTOGRAPHER_USERNAME,
        "accountId": me, "createdAt": "2013-05-02T09:12:44.000Z", "accountDisplayName": PHOTOGRAPHER_OWNER,
    }}]  # fmt: skip
    profile = [{"profile": {
        "description": {"bio": "Travel photographer in Lisbon 📷 Fujifilm X-T5. Presets + workshop ⬇️",
                        "website": "", "location": "Lisbon, Portugal"},
        "avatarMediaUrl": "https://pbs.twimg.com/profile_images/1/ines.jpg",
    }}]  # fmt: skip
    manifest = "window.__THAR_CONFIG = " + json.dumps(
        {"userInfo": {"accountId": me, "userName": PHOTOGRAPHER_USERNAME, "displayName": PHOTOGRAPHER_OWNER},
         "archiveInfo": {"sizeBytes": "4812731", "generationDate": "2025-03-02T18:00:00.000Z",
                         "isPartialArchive": False, "maxPartSizeBytes": "53687091200"}},
        indent=2, ensure_ascii=False,
    )  # fmt: skip
    return {
        "Your archive.html": b"<!DOCTYPE html>\n<html><head><title>Your archive</title></head></html>\n",
        "data/manifest.js": manifest.encode("utf-8"),
        "data/account.js": _ytd("account", account),
        "data/profile.js": _ytd("profile", profile),
        "data/tweets.js": _ytd("tweets", tweets),
        "data/direct-messages.js": _ytd("direct_messages", conversations),
        "data/direct-messages-group.js": _ytd("direct_messages_group", []),
    }


def write_photographer_archive(out: Path = PHOTOGRAPHER_ARCHIVE) -> Path:
    return demo.write_zip(out, photographer_files())


#: Each demo persona (the name of its persona file) -> (its archive, the function that writes it).
ARCHIVES = {
    "coach": (COACH_ARCHIVE, write_coach_archive),
    "photographer": (PHOTOGRAPHER_ARCHIVE, write_photographer_archive),
}


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEMO_DIR
    for _name, (default, write) in ARCHIVES.items():
        target = write(folder / default.name)
        print(f"Wrote {target} ({target.stat().st_size} bytes)")
