"""Load: 10,000 inbox items through the CLI, with memory flat and no leaked handles.

One child process plays a creator at the command line (``desktop.app.main``, as the
``understudy`` command runs it): a sample of 3 messages drafted by the real default model, then
9,997 more incoming messages imported from a CSV, and all 10,000 reviewed one command at a time
(every tenth edited first, each approved), listed, exported as one pack and verified. It samples its
own resident memory, open file descriptors and threads; after a warm-up of 500 reviews memory may not grow by
more than 50 MB and descriptors and threads may not grow at all.

Drafting all 10,000 with the real model would take hours on 2 cores, so the model drafts the
sample (``draft-all``), and the other drafts are saved through the inbox API as the drafting
worker saves them; the review, list and export path runs at the full 10,000.
``UNDERSTUDY_LOAD_ITEMS`` scales the count for a quicker local run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop.core.paths import Paths

ROOT = Path(__file__).resolve().parents[2]
ITEMS = int(os.environ.get("UNDERSTUDY_LOAD_ITEMS", "10000"))
WARM_UP = min(500, ITEMS // 4)

CREATOR = textwrap.dedent(
    """
    import json, os, sys, time
    import keyring
    from keyring.backend import KeyringBackend
    from desktop.app import main
    from desktop.core.inbox import save_draft, verify_pack
    from desktop.core.paths import Paths
    from desktop.core.secrets import SecretStore
    from desktop.core.store import open_store

    class FileKeyring(KeyringBackend):  # this run's keychain: a file, so that every command sees it
        priority = 1
        def get_password(self, service, name):
            path = f"{sys.argv[3]}/{name.replace(':', '_')}"
            return open(path).read() if os.path.exists(path) else None
        def set_password(self, service, name, value):
            open(f"{sys.argv[3]}/{name.replace(':', '_')}", "w").write(value)
        def delete_password(self, service, name):
            pass
    keyring.set_keyring(FileKeyring())

    base, count, warm_up = sys.argv[1], int(sys.argv[2]), int(sys.argv[4])
    def cli(*args):
        assert main(["--basedir", base, *args]) == 0, args
    def status():
        with open("/proc/self/status") as handle:
            rss = next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:")) / 1024
        return {"rss_mb": rss, "fds": len(os.listdir("/proc/self/fd")),
                "threads": len(os.listdir("/proc/self/task"))}

    def incoming(path, numbers):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("text,from,platform,id\\n")
            for n in numbers:
                question = f"Hi! Question {n}: what camera do you use for the vlogs?"
                handle.write(f"{question},fan{n},instagram,m{n}\\n")
        return path

    started = time.monotonic()
    # The model's sample first: a first draft-all also embeds every new message for search, which
    # for 10,000 would measure the embedder (benchmarked apart), not the review path.
    cli("inbox", "import", incoming(f"{base}/../sample.csv", range(3)))
    cli("inbox", "draft-all")
    timings = {"sample_drafts_s": time.monotonic() - started}
    started = time.monotonic()
    cli("inbox", "import", incoming(f"{base}/../incoming.csv", range(3, count)))
    timings["import_s"] = time.monotonic() - started
    store_path = Paths.resolve(base).profile().store
    with open_store(store_path) as store:
        drafted = {
            row[0] for row in store.db.execute("SELECT item_id FROM inbox_entries WHERE draft_id IS NOT NULL")
        }
        items = [row[0] for row in store.db.execute("SELECT item_id FROM inbox_entries ORDER BY item_id")]
        with store.db.atomic():
            for item in items:
                if item not in drafted:
                    save_draft(store, item, f"Thanks for asking! It's a Sony A7 IV ({item}).")
    started = time.monotonic()
    samples = []
    for n, item in enumerate(items):
        if n % 10 == 0:
            cli("inbox", "edit", str(item), f"Thank you! A Sony A7 IV with a 24mm lens ({n}).")
        cli("inbox", "approve", str(item))
        if n == warm_up:
            warm = status()
        if n % 500 == 0:
            samples.append(status())
    timings["review_s"] = time.monotonic() - started
    started = time.monotonic()
    cli("inbox", "list", "--json")
    cli("packs", "export", f"{base}/../replies.zip")
    verified = verify_pack(f"{base}/../replies.zip", SecretStore())
    cli("packs", "verify", f"{base}/../replies.zip")
    timings["list_export_verify_s"] = time.monotonic() - started
    samples.append(status())
    with open_store(store_path) as store:
        states = dict(store.db.execute("SELECT state, count(*) FROM inbox_entries GROUP BY state").fetchall())
    json.dump({"warm": warm, "samples": samples, "end": status(), "timings": timings, "states": states,
               "model_drafted": len(drafted), "verified": verified.ok}, sys.stderr)
    """
)


@pytest.mark.slow
def test_10k_inbox_items_reviewed_through_the_cli_with_flat_memory_and_no_leaks(
    tmp_path: Path, default_models_dir: Path
) -> None:
    base = tmp_path / "data"
    paths = Paths.resolve(base).ensure()
    for model in default_models_dir.glob("*.gguf"):
        os.link(model, paths.models / model.name)
    keys = tmp_path / "keychain"
    keys.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", CREATOR, str(base), str(ITEMS), str(keys), str(WARM_UP)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=3600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stderr[done.stderr.rindex('{"warm"') :])
    print(f"\nload at {ITEMS:,} items: {json.dumps(report, indent=1)}")
    assert report["states"] == {"exported": ITEMS} and report["verified"]
    assert report["model_drafted"] == 3
    warm, peak, end = report["warm"], max(s["rss_mb"] for s in report["samples"]), report["end"]
    assert peak - warm["rss_mb"] < 50 and end["rss_mb"] - warm["rss_mb"] < 50, report
    assert end["fds"] <= warm["fds"] and end["threads"] <= warm["threads"], report
