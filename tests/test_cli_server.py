"""Drafting through a model server end to end: llama-cpp-python's server on loopback, the default Gemma.

`models server add` (key typed without echo, kept in the keychain) + `models use` + `draft --json`,
`inbox draft-all` with K = 4 requests in flight, and a server killed in the middle of a batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.app import main
from desktop.core.generation.session import SERVER_PARALLEL_SETTING, DraftingSession
from desktop.core.inbox.batch import FAILED, ItemDrafted, draft_all
from desktop.core.models import DEFAULT_CHAT_MODEL
from desktop.core.models.manager import ModelManager
from desktop.core.paths import Paths
from desktop.core.store import open_store
from desktop.core.store.settings import write_setting
from tests.conftest import InMemoryKeyring
from tests.llama_server import ALIAS, LlamaServer, llama_server

KEY = "sk-understudy-loopback-7f3a"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(default_models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    with llama_server(
        default_models_dir / DEFAULT_CHAT_MODEL, tmp_path_factory.mktemp("served"), api_key=KEY
    ) as server:
        yield server


def _run(base: Path, *args: str) -> int:
    return main(["--basedir", str(base), *args])


def _with_inbox(base: Path, tmp_path: Path, *messages: str) -> None:
    from tests.core.importers.test_pipeline import x_archive

    assert _run(base, "import", str(x_archive(tmp_path / "x.zip", tweet_count=30))) == 0
    assert _run(base, "inbox", "import", "--candidates") == 0
    for number, text in enumerate(messages):
        assert _run(base, "inbox", "add", text, "--from", f"fan{number}", "--platform", "instagram") == 0


def _add_server(base: Path, url: str, monkeypatch: pytest.MonkeyPatch, name: str = "loopback") -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": KEY)
    assert (
        _run(
            base,
            "models",
            "server",
            "add",
            name,
            "--url",
            url,
            "--model",
            ALIAS,
            "--mode",
            "completion",
            "--api-key-prompt",
        )
        == 0
    )
    assert _run(base, "models", "use", name) == 0


def test_draft_json_names_the_server_model(
    served: LlamaServer,
    paths_with_models: Paths,
    tmp_path: Path,
    memory_keyring: InMemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = paths_with_models.base
    _with_inbox(base, tmp_path)
    _add_server(base, served.url, monkeypatch)
    capsys.readouterr()
    assert _run(base, "models", "server", "test", "loopback") == 0
    out = capsys.readouterr().out
    assert f"Connected to 'loopback': the model {ALIAS} answered a one-token request in" in out

    assert _run(base, "models", "list") == 0
    listed = capsys.readouterr().out
    assert "Model servers (OpenAI-compatible):" in listed and served.url in listed and "in keychain" in listed
    assert f"Drafts use the server 'loopback' ({ALIAS} at {served.url})." in listed

    assert _run(base, "draft", "love your videos so much!", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["model"] == ALIAS and shown["mode"] == "completion" and shown["text"].strip()
    assert any(s["role"] == "example" for s in shown["sources"])  # retrieval still ran here

    # The key is in the keychain and in no file under the base folder.
    assert [p for p in base.rglob("*") if p.is_file() and KEY.encode() in p.read_bytes()] == []
    # A server entry without the key is refused by this server, in plain words.
    assert _run(base, "models", "server", "add", "nokey", "--url", served.url, "--model", ALIAS) == 0
    assert _run(base, "models", "server", "test", "nokey") == 1
    assert "refused the API key (401)" in capsys.readouterr().err


def test_draft_all_through_the_server_with_four_in_flight(
    served: LlamaServer,
    paths_with_models: Paths,
    tmp_path: Path,
    memory_keyring: InMemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = paths_with_models.base
    _with_inbox(
        base,
        tmp_path,
        "Where did you get that hoodie??",
        "Love the new video!",
        "Next Q&A when?",
        "what do you eat before training?",
    )
    _add_server(base, served.url, monkeypatch)
    with open_store(paths_with_models.profile("default").store) as store:
        write_setting(store, SERVER_PARALLEL_SETTING, "4")
    capsys.readouterr()
    assert _run(base, "inbox", "draft-all", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    summary = shown["summary"]
    assert summary["parallel"] == 4 and summary["stopped"] == "finished" and summary["remaining"] == 0
    assert summary["planned"] >= 4 and summary["drafted"] + summary["flagged"] == summary["planned"]
    with open_store(paths_with_models.profile("default").store) as store:
        models = {row[0] for row in store.db.execute("SELECT model FROM drafts")}
    assert models == {ALIAS}


def test_a_server_killed_mid_batch_keeps_the_finished_drafts(
    default_models_dir: Path,
    paths_with_models: Paths,
    tmp_path: Path,
    memory_keyring: InMemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = paths_with_models.base
    _with_inbox(base, tmp_path, *(f"quick question {n}: what protein do you use?" for n in range(8)))
    with llama_server(default_models_dir / DEFAULT_CHAT_MODEL, tmp_path, api_key=KEY) as doomed:
        _add_server(base, doomed.url, monkeypatch, "doomed")
        with DraftingSession(paths_with_models, "default") as session:
            for _ in session.open():
                pass
            batch = draft_all(session)
            finished: list[ItemDrafted] = []
            while True:
                try:
                    step = next(batch)
                except StopIteration as stop:
                    summary = stop.value
                    break
                if isinstance(step, ItemDrafted):
                    finished.append(step)
                    if len(finished) == 1:
                        doomed.kill()
            assert session.store is not None
            states = [row[0] for row in session.store.db.execute("SELECT state FROM inbox_entries")]
            drafts = session.store.db.execute("SELECT count(*) FROM drafts").fetchone()[0]
    assert summary.stopped == FAILED and finished, summary
    assert "model server" in summary.error, summary.error  # what happened, in words
    assert states.count("new") == summary.remaining >= 1  # the rest waits for the next run
    assert drafts == len([r for r in finished if r.draft_id is not None]) >= 1  # what finished is kept
    assert ModelManager(paths_with_models).choice().name == "doomed"
