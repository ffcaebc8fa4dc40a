"""YouTube end to end through the CLI (issue 21's Done-when), against the fake Data API and OAuth server.

`connect add` signs in through the loopback flow (the "browser" follows Google's redirect), `connect
fetch` brings the fan's comment in, `inbox draft-all` drafts with the real default model, `inbox approve`,
`connect send` posts it under the fan's comment (read back from the server), a second `connect send` posts
nothing. In the middle the access token expires (refreshed without a word) and then the sign-in is
revoked: `connect send` says so in plain words, keeps the reply approved, and sends it once the creator
has connected again.
"""

from __future__ import annotations

import json
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from desktop.app import main
from desktop.core.inbox import save_draft
from desktop.core.paths import Paths
from desktop.core.store import open_store
from tests.connectors.youtube_fake import YouTubeFake, follow_in_background
from tests.core.importers.test_pipeline import x_archive


def _run(base: Path, *args: str) -> int:
    return main(["--basedir", str(base), *args])


def _json(base: Path, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    capsys.readouterr()
    assert _run(base, *args) == 0
    return json.loads(capsys.readouterr().out)


def _cycle(
    base: Path,
    tmp_path: Path,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    draft: Callable[[int], None],
) -> None:
    fake = YouTubeFake(httpserver)
    fake.add_video("vidGuitar01", "How I tune my guitar", "Standard tuning, step by step.", minutes_ago=3000)
    question = fake.add_comment("vidGuitar01", "Which strings do you use on this guitar?", minutes_ago=30)
    client_file = tmp_path / "client_secret_fake.json"
    client_file.write_text(json.dumps(fake.client_config()), encoding="utf-8")
    monkeypatch.setenv(
        "OAUTHLIB_INSECURE_TRANSPORT", "1"
    )  # the fake's token endpoint is http, Google's https
    monkeypatch.setattr(webbrowser, "open", follow_in_background)  # the creator's browser, allowing access

    assert (
        _run(base, "import", str(x_archive(tmp_path / "x.zip", tweet_count=12))) == 0
    )  # the creator's voice
    capsys.readouterr()
    add = (
        "connect",
        "add",
        "youtube",
        "--set",
        f"client_file={client_file}",
        "--set",
        f"api_root={fake.api_root}",
    )
    assert _run(base, *add) == 0
    assert "Connected YouTube as @creator" in capsys.readouterr().out
    assert fake.code_exchanges == 1

    fetched = _json(base, capsys, "connect", "fetch", "youtube", "--json")["fetched"]
    assert fetched and fetched[0]["platform"] == "youtube"
    entries = _json(base, capsys, "inbox", "list", "--json")["entries"]
    entry = next(e for e in entries if e["platform"] == "youtube")
    assert (entry["text"], entry["sender"], entry["kind"]) == (question.text, "@fan", "comment")
    assert str(entry["thread_external_id"]).startswith("video:vidGuitar01")  # the fan's branch of it
    item_id = str(entry["item_id"])

    draft(int(item_id))
    assert _run(base, "inbox", "approve", item_id) == 0

    # the hour is up: the API answers 401, google-auth refreshes, nobody notices ...
    fake.expire_access_tokens()
    # ... but then the creator revoked the app in their Google account: the refresh is refused
    fake.invalid_grant = True
    capsys.readouterr()
    assert _run(base, "connect", "send", "youtube") == 1
    said = capsys.readouterr()
    text = said.out + said.err
    assert "YouTube no longer accepts Understudy's sign-in" in text
    assert "understudy connect add youtube" in text and "Traceback" not in text
    assert fake.replies_to(question.id) == []
    still = _json(base, capsys, "inbox", "list", "--json")["entries"]
    assert next(e for e in still if e["item_id"] == entry["item_id"])["state"] == "approved"

    fake.invalid_grant = False
    assert _run(base, *add) == 0  # connecting again signs in afresh
    fake.expire_access_tokens()  # and that token, too, runs out before the send: refreshed silently
    refreshes = fake.refreshes
    capsys.readouterr()
    assert _run(base, "connect", "send", "youtube") == 0
    assert "1 of 1 approved reply sent to YouTube" in capsys.readouterr().out
    assert fake.refreshes == refreshes + 1
    posted = fake.replies_to(question.id)
    assert len(posted) == 1 and posted[0].author_channel_id == fake.channel_id
    sent = next(e for e in _json(base, capsys, "inbox", "list", "--json", "--state", "exported")["entries"])
    assert sent["item_id"] == entry["item_id"] and posted[0].text == sent["draft_text"]

    capsys.readouterr()
    assert _run(base, "connect", "send", "youtube") == 0
    assert "No approved replies are waiting" in capsys.readouterr().out
    assert len(fake.replies_to(question.id)) == 1  # posted once

    again = _json(base, capsys, "connect", "fetch", "youtube", "--json")["fetched"]
    assert again[0]["platform"] == "youtube"
    assert len(fake.replies_to(question.id)) == 1


@pytest.mark.slow
def test_a_fans_comment_drafted_by_the_model_approved_and_answered_once(
    paths_with_models: Paths,
    tmp_path: Path,
    httpserver: HTTPServer,
    memory_keyring: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = paths_with_models.base

    def draft_all(item_id: int) -> None:
        assert _run(base, "inbox", "draft-all") == 0
        drafted = _json(base, capsys, "inbox", "list", "--json")["entries"]
        assert next(e for e in drafted if e["item_id"] == item_id)["draft_text"]

    _cycle(base, tmp_path, httpserver, monkeypatch, capsys, draft_all)


def test_the_cycle_with_a_typed_draft(
    paths: Paths,
    tmp_path: Path,
    httpserver: HTTPServer,
    memory_keyring: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The same cycle without the model (the draft saved through the inbox API), fast enough for every run."""

    def typed(item_id: int) -> None:
        with open_store(paths.profile("default").store) as store:
            save_draft(store, item_id, "Elixir Nanoweb 10s! (reply drafted with AI, checked by me)")

    _cycle(paths.base, tmp_path, httpserver, monkeypatch, capsys, typed)
