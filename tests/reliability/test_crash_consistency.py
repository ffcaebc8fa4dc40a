"""kill -9 at random points of an import, persona saves, inbox edits and pack export: nothing half-done
survives.

Each test runs the work in a child process, waits for it to start working, and sends SIGKILL
after a random delay (a seeded ``random.Random``; the seed and the kill points are printed, so
a failure can be replayed). After every kill the store must pass ``PRAGMA integrity_check`` and
FTS5's own check, hold each unit of work either whole or not at all, and accept the same work
again. Twenty kill points each.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from desktop.core.importers.pipeline import STYLE_PROFILE_STEP
from desktop.core.inbox import (
    _journal,
    add_message,
    approve,
    commit_edit,
    export_pack,
    get_entry,
    list_exports,
    save_draft,
    verify_pack,
)
from desktop.core.inbox.signing import private_key_name, signing_key
from desktop.core.persona.model import Persona
from desktop.core.persona.versions import list_versions, save_persona
from desktop.core.secrets import SecretStore
from desktop.core.store import Store, open_store
from tests.conftest import InMemoryKeyring
from tests.reliability.corpus import big_instagram_archive, seeds
from tests.reliability.harness import assert_store_sound, drain_import, snapshot

ROOT = Path(__file__).resolve().parents[2]
KILLS = 20
pytestmark = pytest.mark.slow


@dataclass
class Run:
    """One child process: its stdout lines as they came, and whether it ended before the kill."""

    lines: list[str] = field(default_factory=list)
    finished: bool = False


def run_and_kill(script: str, args: list[str], delay: float | None, after: str = "ready") -> Run:
    """Start ``script``; once it prints a line starting with ``after``, wait ``delay`` seconds and
    SIGKILL it (``delay`` None: let it finish). ``ready`` is printed when the work starts."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True, bufsize=1
    )
    assert process.stdout is not None
    run = Run()
    ready = threading.Event()

    def read() -> None:  # drains stdout all along, so a chatty child never blocks on a full pipe
        for line in process.stdout:  # type: ignore[union-attr]
            run.lines.append(line.rstrip("\n"))
            if line.startswith(after):
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(300), f"the child never printed {after!r}: {run.lines[-5:]}"
        if delay is None:
            process.wait(timeout=600)
            run.finished = True
        else:
            time.sleep(delay)
            run.finished = process.poll() is not None
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(timeout=30)
        process.stdout.close()
    if delay is None:
        assert process.returncode == 0, run.lines[-5:]
    return run


def kill_points(rng: random.Random, longest: float) -> list[float]:
    return sorted(round(rng.uniform(0, longest), 3) for _ in range(KILLS))


# --- a 100,000-item import -----------------------------------------------------------------------

IMPORTER = textwrap.dedent(
    """
    import sys
    from desktop.core.importers.pipeline import import_archive
    from desktop.core.store import open_store
    store = open_store(sys.argv[1])
    print("ready", flush=True)
    for step in import_archive(store, sys.argv[2]):
        print("progress", step.message, step.done, step.total, flush=True)
    print("committed", flush=True)
    """
)

COUNTED = ("sources", "items", "threads", "people", "exchanges", "items_fts")


def counts(store: Store) -> dict[str, int]:
    return {table: store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in COUNTED}


def test_kill_9_at_20_points_of_a_100k_item_import(tmp_path: Path) -> None:
    archive = big_instagram_archive(tmp_path / "instagram.zip", 100_000)
    base = tmp_path / "base.sqlite3"
    with open_store(base) as store:  # the store already holds another import
        seed = tmp_path / "telegram.zip"
        seed.write_bytes(seeds()["telegram"].zip_bytes())
        drain_import(store, seed)
        empty, before = counts(store), snapshot(store)

    # Calibrate: the whole import once, uninterrupted, for its duration and what "whole" holds.
    whole_path = tmp_path / "whole.sqlite3"
    shutil.copyfile(base, whole_path)
    started = time.monotonic()
    calibration = run_and_kill(IMPORTER, [str(whole_path), str(archive)], None)
    duration = time.monotonic() - started
    assert calibration.lines[-1] == "committed"
    with open_store(whole_path) as store:
        whole = counts(store)
    assert whole["items"] == empty["items"] + 100_000

    rng = random.Random(int(os.environ.get("UNDERSTUDY_KILL_SEED", "9")))
    outcomes = []
    for number, delay in enumerate(kill_points(rng, duration * 1.05)):
        path = tmp_path / f"killed-{number}.sqlite3"
        shutil.copyfile(base, path)
        run = run_and_kill(IMPORTER, [str(path), str(archive)], delay)
        reached = run.lines[-1] if run.lines else ""
        with open_store(path) as store:
            assert_store_sound(store)
            found = counts(store)
            assert found in (empty, whole), (
                f"kill {number} at {delay}s ({reached!r}) left part of the import: {found}"
            )
            if found == empty:
                assert snapshot(store) == before, f"kill {number} at {delay}s changed the store"
            fresh = tmp_path / "fresh.zip"
            fresh.write_bytes(seeds()["whatsapp"].zip_bytes())
            assert drain_import(store, fresh, me="Ben").items == 5  # the store takes a fresh import
        outcomes.append(("whole" if found == whole else "none", delay, reached[:60]))
        path.unlink()
    print(f"\nimport of 100k items: {duration:.1f} s uninterrupted; kills (outcome, s, last progress):")
    for outcome in outcomes:
        print("  ", outcome)
    assert any(o[0] == "none" and o[2].startswith("progress") for o in outcomes), "no kill landed mid-import"

    # Beyond the random points, the narrow moments around the commit: as the last step inside the
    # transaction ends, during the COMMIT itself, and just after it.
    last_step = [line for line in calibration.lines if line.startswith(f"progress {STYLE_PROFILE_STEP}")][-1]
    around_commit = []
    for delay in (0.0, 0.005, 0.02, 0.05, 0.2):
        path = tmp_path / "commit.sqlite3"
        shutil.copyfile(base, path)
        run = run_and_kill(IMPORTER, [str(path), str(archive)], delay, after=last_step)
        with open_store(path) as store:
            assert_store_sound(store)
            found = counts(store)
            assert found in (empty, whole), (
                f"a kill {delay}s into the last step left part of the import: {found}"
            )
        around_commit.append(("whole" if found == whole else "none", delay, run.lines[-1][:60]))
        path.unlink()
    print("kills around the commit:", *around_commit, sep="\n   ")

    # And after all that, the whole import into a killed store, to the end.
    last = tmp_path / "last.sqlite3"
    shutil.copyfile(base, last)
    run_and_kill(IMPORTER, [str(last), str(archive)], rng.uniform(0, duration))
    with open_store(last) as store:
        if counts(store) == empty:
            drain_import(store, archive)
        assert counts(store) == whole
        assert_store_sound(store)


# --- persona saves, and the persona exported to a file ---------------------------------------------

PERSONA_SAVER = textwrap.dedent(
    """
    import sys
    from desktop.core.persona.card import export_persona
    from desktop.core.persona.model import Persona
    from desktop.core.persona.versions import save_persona
    from desktop.core.store import open_store
    store = open_store(sys.argv[1])
    start = int(sys.argv[3])
    print("ready", flush=True)
    for number in range(start, start + 100000):
        persona = Persona(display_name=f"Ava {number}", facts=[f"fact {number}-{i}" for i in range(2000)])
        persona.sliders["emoji"] = float(number % 100)
        save_persona(store, persona, note=f"save {number}")
        print("saved", number, flush=True)
        export_persona(persona, sys.argv[2])
        print("exported", number, flush=True)
    """
)


def test_kill_9_at_20_points_of_persona_saves_and_exports(tmp_path: Path) -> None:
    store_path = tmp_path / "store.sqlite3"
    exported = tmp_path / "persona.json"
    rng = random.Random(int(os.environ.get("UNDERSTUDY_KILL_SEED", "9")))
    start = 0
    for number, delay in enumerate(kill_points(rng, 1.5)):
        run = run_and_kill(PERSONA_SAVER, [str(store_path), str(exported), str(start)], delay)
        # A kill can cut the child's last line short ("saved" without its number): whole lines only.
        saved = [
            int(parts[1]) for parts in map(str.split, run.lines) if len(parts) == 2 and parts[0] == "saved"
        ]
        with open_store(store_path) as store:
            assert_store_sound(store)
            versions = list_versions(store)  # every row parses into a whole persona
            newest = versions[0].persona if versions else None
            last_saved = saved[-1] if saved else start - 1
            # The save being made at the kill is there whole, or not at all.
            assert newest is None or newest.display_name in (f"Ava {last_saved}", f"Ava {last_saved + 1}"), (
                number
            )
            assert newest is None or len(newest.facts) == 2000
            assert [v.note for v in versions] == [f"save {n}" for n in range(len(versions) - 1, -1, -1)]
            start = len(versions)
            persona = Persona(display_name=f"Ava {start}", facts=[f"fact {start}-{i}" for i in range(2000)])
            fresh = save_persona(store, persona, note=f"save {start}")
            assert list_versions(store)[0].id == fresh
            start += 1
        if exported.exists():  # the file is the previous export or the new one, never a cut-off one
            document = json.loads(exported.read_text(encoding="utf-8"))
            assert len(document["persona"]["facts"]) == 2000


# --- inbox edits ---------------------------------------------------------------------------------------

EDITOR = textwrap.dedent(
    """
    import sys
    from desktop.core.inbox import approve, autosave_edit, commit_edit, get_entry, unapprove
    from desktop.core.store import open_store
    store = open_store(sys.argv[1])
    items = [int(i) for i in sys.argv[2].split(",")]
    run = sys.argv[3]
    print("ready", flush=True)
    for turn in range(100000):
        item = items[turn % len(items)]
        draft = get_entry(store, item).draft_id
        text = f"reply {run}-{turn}: "
        for letter in "thanks so much!":
            text += letter
            autosave_edit(store, draft, text)
        commit_edit(store, draft)
        approve(store, item)
        unapprove(store, item)
        approve(store, item)
        commit_edit(store, draft, text + " (edited after approval)")
        print("turn", turn, flush=True)
    """
)


def check_inbox_consistent(store: Store, items: list[int]) -> None:
    """What one transaction writes together is found together: state, history, journal, text."""
    for item in items:
        entry = _journal.entry_row(store, item)
        draft = _journal.draft_row(store, int(entry["draft_id"]))
        assert draft["status"] == entry["state"], (item, draft["status"], entry["state"])
        last_text = store.db.execute(
            "SELECT new_text FROM draft_history WHERE draft_id = ? AND new_text IS NOT NULL ORDER BY id "
            "DESC LIMIT 1",
            [draft["id"]],
        ).fetchone()[0]
        assert last_text == draft["text"], (item, last_text, draft["text"])
        action = store.db.execute(
            "SELECT after FROM inbox_actions WHERE item_id = ? ORDER BY id DESC LIMIT 1", [item]
        ).fetchone()
        if action is not None:
            assert json.loads(action[0]) == json.loads(_journal.dumps(_journal.snapshot(store, item))), item
        pending = store.db.execute(
            "SELECT text FROM pending_edits WHERE draft_id = ?", [draft["id"]]
        ).fetchone()
        if pending is not None:
            head, _, typed = pending[0].partition(": ")
            assert head.startswith("reply ") and "thanks so much!".startswith(typed), pending[0]


def test_kill_9_at_20_points_of_inbox_edits(tmp_path: Path) -> None:
    store_path = tmp_path / "store.sqlite3"
    with open_store(store_path) as store:
        items = [
            add_message(store, f"question {n}?", sender=f"fan{n}", platform="instagram") for n in range(3)
        ]
        for item in items:
            save_draft(store, item, "a first draft")
    rng = random.Random(int(os.environ.get("UNDERSTUDY_KILL_SEED", "9")))
    for number, delay in enumerate(kill_points(rng, 1.5)):
        run = run_and_kill(EDITOR, [str(store_path), ",".join(map(str, items)), str(number)], delay)
        with open_store(store_path) as store:
            assert_store_sound(store)
            check_inbox_consistent(store, items)
            # The creator goes on: the kept edit is committed and the reply approved.
            item = items[number % len(items)]
            draft = get_entry(store, item).draft_id
            commit_edit(store, draft, f"fresh reply after kill {number}")
            if get_entry(store, item).state != "approved":
                approve(store, item)
            assert get_entry(store, item).draft_text == f"fresh reply after kill {number}"
            check_inbox_consistent(store, items)
        assert not run.finished


# --- pack export -----------------------------------------------------------------------------------------

EXPORTER = textwrap.dedent(
    """
    import sys, keyring
    from keyring.backend import KeyringBackend
    from desktop.core.inbox import add_message, approve, export_pack, save_draft
    from desktop.core.secrets import SecretStore
    from desktop.core.store import open_store

    class FileKeyring(KeyringBackend):  # the test's keychain, shared with the parent through a file
        priority = 1
        def get_password(self, service, name):
            return open(sys.argv[3]).read() or None
        def set_password(self, service, name, value):
            raise AssertionError("the key exists already")
        def delete_password(self, service, name):
            pass
    keyring.set_keyring(FileKeyring())

    store = open_store(sys.argv[1])
    out, round_ = sys.argv[2], int(sys.argv[4])
    print("ready", flush=True)
    for pack in range(100000):
        for n in range(5):
            item = add_message(store, f"question {round_}-{pack}-{n}?", sender=f"fan{n}",
                               platform="instagram", message_id=f"m-{round_}-{pack}-{n}")
            save_draft(store, item, f"answer {round_}-{pack}-{n}")
            approve(store, item)
        export_pack(store, f"{out}/pack-{round_}-{pack}.zip", secret_store=SecretStore())
        print("exported", pack, flush=True)
    """
)


def check_packs_consistent(store: Store, out: Path, secret_store: SecretStore) -> None:
    """Every reply is exported at most once, by a complete pack that is on disk and verifies."""
    exports = {e["id"]: e for e in list_exports(store)}
    assert all(e["status"] in ("complete", "abandoned") for e in exports.values()), exports
    complete = {i for i, e in exports.items() if e["status"] == "complete"}
    for export_id in complete:
        pack = Path(exports[export_id]["path"])
        result = verify_pack(pack, secret_store)
        assert result.ok, (pack, result.problems)
        in_store = store.db.execute(
            "SELECT count(*) FROM drafts WHERE export_id = ?", [export_id]
        ).fetchone()[0]
        assert in_store == exports[export_id]["draft_count"]
    stray = store.db.execute(
        "SELECT count(*) FROM drafts WHERE export_id IS NOT NULL AND export_id NOT IN (%s)"
        % (",".join(map(str, complete)) or "NULL")
    ).fetchone()[0]
    assert stray == 0
    mismatched = store.db.execute(
        """SELECT count(*) FROM inbox_entries AS e JOIN drafts AS d ON d.id = e.draft_id
           WHERE (e.state = 'exported') != (d.export_id IS NOT NULL)"""
    ).fetchone()[0]
    assert mismatched == 0
    on_disk = {p.name for p in out.iterdir()}
    assert on_disk == {Path(exports[i]["path"]).name for i in complete}, (
        "a pack file without its export, or a partial"
    )


def test_kill_9_at_20_points_of_pack_export(tmp_path: Path, memory_keyring: InMemoryKeyring) -> None:
    store_path = tmp_path / "store.sqlite3"
    out = tmp_path / "packs"
    out.mkdir()
    secret_store = SecretStore()
    with open_store(store_path) as store:  # the profile's key pair exists before the first export
        key = secret_store.get(private_key_name(signing_key(store, secret_store).public.fingerprint))
    assert key is not None
    keyfile = tmp_path / "key.txt"
    keyfile.write_text(key)
    rng = random.Random(int(os.environ.get("UNDERSTUDY_KILL_SEED", "9")))
    for number, delay in enumerate(kill_points(rng, 2.0)):
        run_and_kill(EXPORTER, [str(store_path), str(out), str(keyfile), str(number)], delay)
        with open_store(store_path) as store:
            assert_store_sound(store)
            # The next export settles the interrupted one (completes it or frees its replies)...
            item = add_message(
                store,
                f"after kill {number}",
                sender="fan",
                platform="instagram",
                message_id=f"after-{number}",
            )
            save_draft(store, item, "the answer")
            approve(store, item)
            summary = export_pack(store, out / f"fresh-{number}.zip", secret_store=secret_store)
            assert summary.replies >= 1 and verify_pack(summary.path, secret_store).ok
            assert (
                store.db.execute("SELECT count(*) FROM inbox_entries WHERE state = 'approved'").fetchone()[0]
                == 0
            ), "an approved reply was left behind"
            check_packs_consistent(store, out, secret_store)
