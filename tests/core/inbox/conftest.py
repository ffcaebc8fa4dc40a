"""Inbox fixtures: a real store on disk, an in-memory keychain, and realistic incoming messages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.inbox import add_message
from desktop.core.secrets import SecretStore
from desktop.core.store import Store, open_store
from tests.conftest import InMemoryKeyring


@pytest.fixture
def secret_store(memory_keyring: InMemoryKeyring) -> SecretStore:
    return SecretStore()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "profile" / "store.sqlite3"


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    with open_store(store_path) as opened:
        yield opened


MESSAGES = [
    (
        "maya_lifts",
        "Maya",
        "instagram",
        "ig-m-1",
        "What protein powder do you use? Mine tastes like chalk 😩",
    ),
    ("coach_dan", "Dan", "instagram", "ig-m-2", "Loved the deadlift video! Any tips for a stiff lower back?"),
    (
        "jules.k",
        None,
        "tiktok",
        "tt-c-9",
        "Where did you get that hoodie?? you can email me at jules.k@example.com",
    ),
    ("sam_r", "Sam R", "youtube", "yt-c-4", "When is the next Q&A stream? call me on +44 20 7946 0958 lol"),
]


def add_messages(store: Store) -> list[int]:
    """Four realistic incoming messages from different fans and platforms; returns their item ids."""
    return [
        add_message(
            store,
            text,
            sender=handle,
            sender_name=name,
            platform=platform,
            message_id=message_id,
            thread=f"{platform}-thread-{handle}",
            created_at=f"2024-05-0{i + 1}T10:00:00+00:00",
        )
        for i, (handle, name, platform, message_id, text) in enumerate(MESSAGES)
    ]
