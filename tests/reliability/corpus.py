"""One small, valid export per importer, as ``{name: bytes}``: the seeds the hostile tests mutate.

Built from the importers' own test fixtures, so a format change there reaches the fuzz too.
Each seed imports cleanly (``test_seeds_import_cleanly``), so a failure of a mutated seed is
the mutation's doing.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tests.core.importers import (
    bluesky_car,
    fixtures_meta,
    test_discord,
    test_generic,
    test_linkedin,
    test_mastodon,
    test_reddit,
    test_telegram,
    test_tiktok,
    test_whatsapp,
    test_youtube,
)
from tests.core.importers.test_pipeline import x_archive


@dataclass(frozen=True)
class Seed:
    """A valid export of one platform: its files, and the creator's name where the export needs it."""

    platform: str
    files: dict[str, bytes]
    me: str | None = None
    zip_name: str = "export.zip"

    def zip_bytes(self) -> bytes:
        return zip_files(self.files)


def zip_files(files: dict[str, bytes]) -> bytes:
    """The files as zip bytes, the same bytes every time (fixed timestamps: Hypothesis replays them)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(
                zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED
            )
    return buffer.getvalue()


def _as_bytes(files: dict[str, str | bytes]) -> dict[str, bytes]:
    return {name: data.encode("utf-8") if isinstance(data, str) else data for name, data in files.items()}


def _meta(files: fixtures_meta.Files) -> dict[str, bytes]:
    return {name: fixtures_meta._data(value) for name, value in files.items()}


def _twitter() -> dict[str, bytes]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = x_archive(Path(folder) / "x.zip", tweet_count=6)
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist()}


def seeds() -> dict[str, Seed]:
    """Every importer's seed, by platform id."""
    telegram = json.dumps(test_telegram.full_export(), ensure_ascii=False, indent=1).encode()
    return {
        "bluesky": Seed("bluesky", {"repo.car": bluesky_car.build_repo()[0]}, zip_name="bluesky.zip"),
        "discord": Seed("discord", _as_bytes(test_discord.csv_package("c"))),
        "facebook": Seed("facebook", _meta(fixtures_meta.facebook_2024())),
        "generic": Seed("generic", _as_bytes({"messages.csv": test_generic.CSV}), zip_name="messages.zip"),
        "instagram": Seed("instagram", _meta(fixtures_meta.instagram_2024())),
        "linkedin": Seed("linkedin", _as_bytes(test_linkedin.export_2024())),
        "mastodon": Seed("mastodon", _as_bytes(test_mastodon.files())),
        "reddit": Seed("reddit", _as_bytes(test_reddit.export())),
        "telegram": Seed("telegram", {"DataExport_2024-01-01/result.json": telegram}),
        "tiktok": Seed("tiktok", {"user_data_tiktok.json": json.dumps(test_tiktok.new_schema()).encode()}),
        "twitter": Seed("twitter", _twitter()),
        "whatsapp": Seed(
            "whatsapp",
            _as_bytes({"WhatsApp Chat with Anna.txt": test_whatsapp.ANDROID_DM}),
            me="Ben",
            zip_name="WhatsApp Chat with Anna.zip",
        ),
        "youtube": Seed("youtube", test_youtube.takeout(test_youtube.comments_2024())),
    }


def big_instagram_archive(path: Path, messages: int, per_thread: int = 1000) -> Path:
    """An Instagram export of ``messages`` DMs in threads of ``per_thread``, fan and creator taking turns."""
    owner = "Creator Name"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        profile = {
            "profile_user": [
                {"string_map_data": {"Name": {"value": owner}, "Username": {"value": "creator"}}}
            ]
        }
        archive.writestr(
            "personal_information/personal_information/personal_information.json", json.dumps(profile)
        )
        for thread in range(max(1, messages // per_thread)):
            fan = f"Fan {thread}"
            rows = [
                {
                    "sender_name": owner if i % 2 else fan,
                    "timestamp_ms": 1_700_000_000_000 + thread * 10_000_000 + i * 1000,
                    "content": f"thanks so much, message {i}!"
                    if i % 2
                    else f"love your videos #{thread}-{i}, what camera?",
                }
                for i in reversed(range(per_thread))  # newest first, as Meta writes them
            ]
            document = {
                "participants": [{"name": fan}, {"name": owner}],
                "messages": rows,
                "title": fan,
                "thread_path": f"inbox/fan{thread}_{thread}",
            }
            archive.writestr(
                f"your_instagram_activity/messages/inbox/fan{thread}_{thread}/message_1.json",
                json.dumps(document),
            )
    return path
