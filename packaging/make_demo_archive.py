"""Write the demo archive, ``resources/demo/instagram-demo.zip``: a small Instagram export.

The demo is what a creator (and the packaged app's smoke test) can import without an export of
their own: Maya, a home baker, with DMs she answered (the examples her voice is learned from),
four conversations still waiting for her reply (the inbox), post captions and comments. It is
laid out like a real 2024 "Download your information" JSON export, written the way Meta writes
it (every non-ASCII UTF-8 byte as its own ``\\u00XX`` escape), so it goes through the real
importer unchanged.

The zip is committed (a few KB) and rebuilt by running this script; the names, timestamps and
member order are fixed so that a rebuild gives the same content (a test checks it). The writer
(``instagram_files``, ``meta_json``, ``write_zip``) is shared with ``make_demo_personas.py``, which
writes the two other demo personas (a fitness coach on Instagram, a travel photographer on X).

Usage: ``python packaging/make_demo_archive.py [OUT.zip]``
"""

from __future__ import annotations

import json
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEMO_ARCHIVE = ROOT / "resources" / "demo" / "instagram-demo.zip"

OWNER = "Maya Okafor"
USERNAME = "maya.bakes"
ACTIVITY = "your_instagram_activity/"
ZIP_TIME = (2025, 3, 2, 18, 0, 0)  # every member's timestamp, so rebuilds are identical
DAY_MS = 86_400_000
START_MS = 1_733_050_800_000  # 2024-12-01 11:00 UTC

# (fan, [(speaker, text), ...] oldest first). "me" is Maya. A conversation whose last line is
# the fan's waits for a reply: those are the inbox candidates.
CONVERSATIONS: list[tuple[str, list[tuple[str, str]]]] = [
    ("Priya Shah", [
        ("fan", "Your sourdough crumb is unreal 😍 what hydration do you use?"),
        ("me", "Thank you!! 75% for the everyday loaf, 80% when I want big holes. Start at 70 though,"
                " it's way easier to shape 🙌"),
    ]),
    ("Tom Becker", [
        ("fan", "My starter smells like nail polish remover, is it dead?"),
        ("me", "Not dead, just hungry! That smell means it needs feeding more often. Two feeds a day for"
                " a few days and it'll bounce back 💪"),
    ]),
    ("Lucía Fernández", [
        ("fan", "Hola Maya! Can I make your cinnamon rolls the night before?"),
        ("me", "Yes! Shape them, cover, fridge overnight, then let them sit out an hour before baking."
                " Honestly they're even better that way ✨"),
    ]),
    ("Jordan Lee", [
        ("fan", "What oven do you have? Mine burns everything on the bottom"),
        ("me", "Just a normal electric one! Try the rack one level higher and a second baking sheet"
                " underneath, that fixed it for me 🙂"),
    ]),
    ("Amélie Durand", [
        ("fan", "Your croissant video made me cry a little. Mine came out like bread rolls"),
        ("me", "Oh no 😅 the butter probably got too warm. Chill the dough 20 minutes between every fold,"
                " it makes all the difference"),
        ("fan", "Trying again this weekend!"),
        ("me", "You've got this! Send me a pic when they're done 🥐"),
    ]),
    ("Sam Okoro", [
        ("fan", "Is the banana bread recipe ok with oat flour?"),
        ("me", "It works but it gets a bit dense. I'd do half oat, half plain flour the first time and"
                " see how you like it"),
    ]),
    ("Hannah Müller", [
        ("fan", "Do you ever use a bread machine?"),
        ("me", "Never had one! I like getting my hands in the dough, it's kind of my therapy 😄"),
    ]),
    ("Chris Nguyen", [
        ("fan", "How long do you proof your focaccia?"),
        ("me", "About 2 hours at room temp until it's puffy and jiggly. If your kitchen is cold, give it"
                " longer, don't rush it 🙏"),
    ]),
    ("Elena Rossi", [
        ("fan", "The lemon drizzle cake was a hit at my mum's birthday!!"),
        ("me", "Yay, that makes my day!! Happy birthday to your mum 🎂💛"),
    ]),
    ("Marcus Johnson", [
        ("fan", "Any tips for a first sourdough bake?"),
        ("me", "Keep it simple: flour, water, salt, starter. Watch the dough, not the clock. And your"
                " first loaf doesn't have to be pretty 😉"),
    ]),
    # Waiting for Maya's reply: the demo's inbox.
    ("Zoe Park", [
        ("fan", "Hi Maya! What flour do you use for your sourdough?"),
    ]),
    ("Ben Carter", [
        ("fan", "Loved the lemon tart reel! Can I use limes instead of lemons?"),
    ]),
    ("Fatima Ali", [
        ("fan", "My focaccia keeps coming out flat 😩 any idea why?"),
    ]),
    ("Noah Williams", [
        ("fan", "Thanks for the croissant tips last week"),
        ("me", "Of course! How did they turn out?"),
        ("fan", "So flaky!! How do you store them so they stay crisp?"),
    ]),
]  # fmt: skip

POSTS: list[str] = [
    "Sunday sourdough 🍞 75% hydration, 48h cold retard. Recipe in my highlights!",
    "Cinnamon rolls for a rainy morning ☔️ overnight dough, zero stress",
    "Lemon tart, because the lemons were looking at me 🍋",
    "Focaccia art attempt #3. The tomatoes are supposed to be tulips 🌷😂",
    "Croissants, finally. Three days, a lot of butter, zero regrets 🥐",
    "Banana bread with brown butter. If you only bake one thing this week, bake this",
    "Reminder: your first loaf doesn't have to be pretty. Mine looked like a brick 🧱",
    "Birthday cake for my sister 🎂 vanilla sponge, raspberry jam, too many sprinkles",
]

COMMENTS: list[tuple[str, str]] = [
    ("bakewithben", "That crumb!! 😍"),
    ("the.flour.house", "Saving this for the weekend, thank you 🙌"),
    ("kitchen_kat", "Brown butter in everything, always"),
    ("sourdough.sam", "Haha mine look exactly like that, we're in this together 😂"),
    ("lemonandsalt", "Stunning as always ✨"),
    ("crumbshot", "Okay now I need focaccia for dinner"),
]


def mojibake(value: Any) -> Any:
    """Every string (keys too) the way Meta writes it: UTF-8 bytes read as Latin-1."""
    if isinstance(value, str):
        return value.encode("utf-8").decode("latin-1")
    if isinstance(value, list):
        return [mojibake(item) for item in value]
    if isinstance(value, dict):
        return {mojibake(key): mojibake(item) for key, item in value.items()}
    return value


def meta_json(value: Any) -> bytes:
    return json.dumps(mojibake(value), ensure_ascii=True, indent=2).encode("ascii")


def _folder(name: str, number: int) -> str:
    return name.lower().replace(" ", "").encode("ascii", "ignore").decode() + f"_{17100000000000 + number}"


Conversation = tuple[str, list[tuple[str, str]]]


def instagram_files(
    owner: str,
    username: str,
    conversations: list[Conversation],
    posts: list[str],
    comments: list[tuple[str, str]],
    start_ms: int,
    thread_gap_days: int = 5,
) -> dict[str, Any]:
    """Every member of an Instagram JSON export (2024 layout): its path and its JSON content.

    Shared by every demo persona on Instagram (``make_demo_personas.py`` writes the others).
    Conversation ``n`` starts ``n * thread_gap_days`` days after ``start_ms``, one line every 47
    minutes; posts go back from ``start_ms`` six days apart, comments seven hours apart.
    """
    files: dict[str, Any] = {}
    for number, (fan, lines) in enumerate(conversations):
        started = start_ms + number * thread_gap_days * DAY_MS
        messages = [
            {"sender_name": owner if speaker == "me" else fan, "timestamp_ms": started + index * 47 * 60_000,
             "content": text, "is_geoblocked_for_viewer": False}
            for index, (speaker, text) in enumerate(lines)
        ]  # fmt: skip
        folder = _folder(fan, number)
        files[f"{ACTIVITY}messages/inbox/{folder}/message_1.json"] = {
            "participants": [{"name": fan}, {"name": owner}],
            "messages": list(reversed(messages)),  # Meta writes the newest first
            "title": fan,
            "is_still_participant": True,
            "thread_path": f"inbox/{folder}",
            "magic_words": [],
        }
    start_s = start_ms // 1000
    post_list = [
        {"media": [{"uri": f"media/posts/{_month(start_s - i * 6 * 86_400)}/{i + 1}.jpg",
                    "creation_timestamp": start_s - i * 6 * 86_400, "title": caption}]}
        for i, caption in enumerate(posts)
    ]  # fmt: skip
    comment_list = [
        {"media_list_data": [{"uri": ""}],
         "string_map_data": {"Comment": {"value": text}, "Media Owner": {"value": media_owner},
                             "Time": {"timestamp": start_s - 3600 * (i + 1) * 7}}}
        for i, (media_owner, text) in enumerate(comments)
    ]  # fmt: skip
    profile = {
        "profile_user": [
            {"string_map_data": {
                "Name": {"href": "", "value": owner, "timestamp": 0},
                "Username": {"href": "", "value": username, "timestamp": 0},
            }}
        ]
    }  # fmt: skip
    return {
        "personal_information/personal_information/personal_information.json": profile,
        **files,
        f"{ACTIVITY}content/posts_1.json": post_list,
        f"{ACTIVITY}comments/post_comments_1.json": comment_list,
    }


def _month(seconds: int) -> str:
    """``YYYYMM`` of a UTC timestamp: the media folder Meta files a post under."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y%m")


def archive_files() -> dict[str, Any]:
    """Every member of Maya's demo archive: its path and its JSON content."""
    return instagram_files(OWNER, USERNAME, CONVERSATIONS, POSTS, COMMENTS, START_MS)


def write_zip(out: Path, members: dict[str, bytes]) -> Path:
    """A zip of ``members`` in name order, every member with the same fixed time and mode."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in sorted(members.items()):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out


def write_demo_archive(out: Path) -> Path:
    """Write Maya's zip with fixed member times and order."""
    return write_zip(out, {name: meta_json(value) for name, value in archive_files().items()})


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEMO_ARCHIVE
    write_demo_archive(target)
    print(f"Wrote {target} ({target.stat().st_size} bytes)")
