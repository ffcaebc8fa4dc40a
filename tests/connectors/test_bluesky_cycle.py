"""Issue 21's whole cycle on Bluesky, from the command line, against the real local network:
a fan's reply fetched with `connect fetch`, drafted by the real default model (`inbox draft-all`),
approved, posted with `connect send` under the fan's reply (read back from the AppView), and a
second `connect send` posts nothing. Loads the model: run under ``flock /tmp/llama.lock``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.app import main
from desktop.core.paths import Paths
from tests.conftest import InMemoryKeyring
from tests.connectors.bluesky_fixtures import BlueskyNetwork, run_network
from tests.connectors.test_bluesky_connector import creator_post, fan_reply


@pytest.fixture(scope="module")
def network() -> Iterator[BlueskyNetwork]:
    yield from run_network()


def _run(base: Path, *args: str) -> int:
    return main(["--basedir", str(base), *args])


def _json(base: Path, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    capsys.readouterr()
    assert _run(base, *args, "--json") == 0
    return json.loads(capsys.readouterr().out)


def _answers(network: BlueskyNetwork, uri: str) -> list[Any]:
    network.sync()
    fan: Any = network.client(network.fan)
    return [reply.post for reply in fan.get_post_thread(uri, depth=1).thread.replies]


@pytest.mark.slow
def test_fetch_draft_approve_send_once(
    network: BlueskyNetwork,
    paths_with_models: Paths,
    memory_keyring: InMemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = paths_with_models.base
    post = creator_post(network, "New video up: my weeknight sourdough schedule, start to finish.")
    reply = fan_reply(network, post, "Loved it! Which flour do you use for the starter?")
    network.sync()

    monkeypatch.setattr("sys.stdin", io.StringIO(network.creator.app_password + "\n"))
    assert (
        _run(
            base,
            "connect",
            "add",
            "bluesky",
            "--set",
            f"handle={network.creator.handle}",
            "--set",
            f"service={network.pds_url}",
            "--set",
            "app_password=-",
        )
        == 0
    )
    assert f"Connected Bluesky as {network.creator.handle}" in capsys.readouterr().out

    fetched = _json(base, capsys, "connect", "fetch", "bluesky")["fetched"]
    assert fetched[0]["platform"] == "bluesky" and fetched[0]["inbox_added"] == 1
    entries = [e for e in _json(base, capsys, "inbox", "list")["entries"] if e["platform"] == "bluesky"]
    assert [(e["text"], e["sender"], e["state"]) for e in entries] == [
        ("Loved it! Which flour do you use for the starter?", network.fan.handle, "new")
    ]
    item_id = str(entries[0]["item_id"])

    assert _run(base, "inbox", "draft-all") == 0
    entry = next(e for e in _json(base, capsys, "inbox", "list")["entries"] if str(e["item_id"]) == item_id)
    assert entry["state"] == "drafted" and entry["draft_text"]
    assert _run(base, "inbox", "approve", item_id) == 0

    sent = _json(base, capsys, "connect", "send", "bluesky")["sent"]
    results = sent[0]["results"]
    assert [r["outcome"] for r in results] == ["sent"], results
    answers = _answers(network, reply.uri)
    assert [(a.uri, a.author.did) for a in answers] == [(results[0]["platform_id"], network.creator.did)]
    assert answers[0].record.text.strip() == entry["draft_text"].strip()
    assert answers[0].record.reply.parent.uri == reply.uri and answers[0].record.reply.root.uri == post.uri

    again = _json(base, capsys, "connect", "send", "bluesky")["sent"]
    assert again[0]["results"] == []  # nothing left to send
    assert len(_answers(network, reply.uri)) == 1
