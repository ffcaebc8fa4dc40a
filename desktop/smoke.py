"""The end-to-end check behind ``--smoke-test``: the demo archive in, a verified reply pack out.

A packaged app can start and still be broken (llama.cpp's library left out, the bundled models
not found, an importer's module missing), so the smoke test drives the real core once: import
``resources/demo/instagram-demo.zip`` through the importer pipeline, put the conversations that
wait for a reply into the inbox, draft one reply with the default model (the batch drafting the
Inbox page uses), approve it, export a signed reply pack and verify it. Any step that fails
raises ``SmokeFailure`` naming the step.

Qt-free, so the frozen app runs it on a worker while its window is up, and the tests run it
in-process. It writes only under the base folder, into its own profile (``SMOKE_PROFILE``), and
signs with a key held in memory: a smoke run never adds a key to the creator's keychain.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.errors import Cancelled, KnownError
from desktop.core.paths import Paths, resources_dir
from desktop.core.secrets import SecretStore
from desktop.core.tasks import CancelToken, Progress

SMOKE_PROFILE = "smoke-test"
DEMO_ARCHIVE = ("demo", "instagram-demo.zip")
PACK_NAME = "smoke-test-pack.zip"
DRAFT_TOKENS = 60
#: The keyring backends a creator's machine may use, per platform (keyring picks one at run time).
KEYRING_BACKENDS = {
    "linux": ("keyring.backends.SecretService", "keyring.backends.kwallet", "keyring.backends.libsecret"),
    "darwin": ("keyring.backends.macOS",),
    "win32": ("keyring.backends.Windows",),
}


class SmokeFailure(KnownError):
    """A step of the smoke test failed; the message says which and why."""


class _MemoryOnlySecrets(SecretStore):
    """A session-only store that never touches the system keychain, even where there is one."""

    def __init__(self) -> None:
        super().__init__(session_only=True)

    @property
    def persistent(self) -> bool:
        return False


@dataclass
class SmokeReport:
    """What the check did, one line per step, and how long each step took."""

    lines: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    _step: str = ""
    _started: float = 0.0

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time a step; a plain-words failure inside it becomes a ``SmokeFailure`` naming it."""
        self._step, self._started = name, time.perf_counter()
        try:
            yield
        except (SmokeFailure, Cancelled):
            raise
        except KnownError as error:
            raise SmokeFailure(f"{name}: {error}") from error

    def done(self, line: str) -> None:
        seconds = time.perf_counter() - self._started
        self.seconds[self._step] = seconds
        self.lines.append(f"{line} ({seconds:.1f} s)")


def demo_archive_path() -> Path:
    return resources_dir().joinpath(*DEMO_ARCHIVE)


def run_smoke_pipeline(
    paths: Paths, cancel: CancelToken | None = None
) -> Generator[Progress, None, SmokeReport]:
    """Import, draft, approve, export, verify (see the module docstring); yields progress."""
    from desktop.core.actions import import_into_profile
    from desktop.core.generation.session import DraftingSession
    from desktop.core.inbox import export_pack, verify_pack
    from desktop.core.store import open_store

    cancel = cancel or CancelToken()
    report = SmokeReport()
    archive = demo_archive_path()
    if not archive.is_file():
        raise SmokeFailure(f"import: the demo archive {archive} is missing from the app.")
    profile = paths.create_profile(SMOKE_PROFILE)

    yield Progress(f"Importing {archive.name}")
    with report.step("import"), open_store(profile.store) as store:
        imported = yield from import_into_profile(store, archive, cancel=cancel)
        summary, waiting = imported.summary, imported.inbox.received
        if summary.items == 0 or waiting == 0:
            raise SmokeFailure(f"import: the demo gave {summary.items} items, {waiting} to answer.")
        report.done(f"imported {summary.items} items from {summary.label}; {waiting} conversations wait")

    with report.step("keychain"):
        report.done(_check_keychain())

    yield Progress("Loading the models")
    with report.step("models"), DraftingSession(paths, SMOKE_PROFILE) as session:
        yield from session.open(cancel)
        assert session.store is not None and session.backend is not None
        assert session.choice is not None  # a local file or a model server, as the creator chose
        report.done(f"loaded {session.choice.describe()} and the search model")

        yield Progress("Drafting one reply")
        with report.step("draft"):
            item_id, text = yield from _draft_one(session, cancel)
            report.done(f"drafted a reply to message {item_id}: {text[:80]!r}")

        yield Progress("Exporting and verifying a reply pack")
        secrets = _MemoryOnlySecrets()
        pack_path = paths.cache / PACK_NAME
        pack_path.unlink(missing_ok=True)
        with report.step("pack"):
            pack = export_pack(session.store, pack_path, secret_store=secrets)
            verified = verify_pack(pack_path, secrets)
            if not verified.ok or verified.replies != 1:
                raise SmokeFailure(f"pack: the exported pack did not verify: {verified.message}")
            report.done(f"exported and verified {pack.path.name}: 1 reply, sha256 {pack.sha256[:12]}")
    return report


def _check_keychain() -> str:
    """The keyring backends this platform uses must be in the app (a missing one looks like "no keychain")."""
    import importlib

    from desktop.core.secrets import keyring_status

    for module in KEYRING_BACKENDS.get(sys.platform, ()):
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise SmokeFailure(f"keychain: {module} is missing from the app ({exc}).") from exc
    status = keyring_status()
    found = "available" if status.available else "none on this machine (packs signed with a session key)"
    return f"keychain: {status.backend}, {found}"


def _draft_one(session: Any, cancel: CancelToken) -> Generator[Progress, None, tuple[int, str]]:
    """Draft the first waiting message with the Inbox page's batch drafting, then approve it."""
    from desktop.core.inbox import approve, edit, get_entry
    from desktop.core.inbox.batch import DRAFTED, FLAGGED, ItemDrafted, draft_all

    drafted: list[ItemDrafted] = []
    batch = draft_all(session, limit=1, max_tokens=DRAFT_TOKENS, cancel=cancel)
    while True:
        try:
            item = next(batch)
        except StopIteration:
            break
        if isinstance(item, Progress):
            yield item
        elif isinstance(item, ItemDrafted):
            drafted.append(item)
    if not drafted or drafted[0].outcome not in (DRAFTED, FLAGGED) or not drafted[0].text.strip():
        why = f"{drafted[0].outcome}: {drafted[0].reason}" if drafted else "no message was drafted"
        raise SmokeFailure(f"draft: the default model gave no usable draft ({why}).")
    result = drafted[0]
    if get_entry(session.store, result.item_id).flag_needs_edit:  # as a creator would: edit, then approve
        edit(session.store, int(result.draft_id or 0), result.text.rstrip() + " 🙂")
    approve(session.store, result.item_id)
    return result.item_id, result.text
