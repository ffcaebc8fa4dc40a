"""What the noun modules' commands share: running a core generator, printing tables and JSON,
opening the profile's store, the secret store (unlocking the encrypted secrets file where the
system has no keychain), checking a count option, and Ctrl+C that stops work gently.
"""

from __future__ import annotations

import argparse
import getpass
import json
import signal
import sys
from collections.abc import Callable, Iterator, Sized
from contextlib import contextmanager
from typing import Any

from desktop.core.errors import KnownError
from desktop.core.paths import Paths
from desktop.core.secrets import (
    PASSPHRASE_ENV,
    SecretStore,
    passphrase_from_environment,
    system_keychain_available,
    unlock_secret_file,
    unlocked_secret_file,
)
from desktop.core.store import Store, open_store
from desktop.core.tasks import CancelToken, Progress


def drain(steps: Iterator[Any], *, quiet: bool = False, show: Callable[[Any], None] | None = None) -> Any:
    """Run a core generator to its end and return its result. Each step it yields goes to ``show``;
    without one, a ``Progress`` is printed to stderr (unless ``quiet``)."""
    while True:
        try:
            step = next(steps)
        except StopIteration as stop:
            return stop.value
        if show is not None:
            show(step)
        elif not quiet and isinstance(step, Progress):
            counter = f" ({step.done}/{step.total})" if step.total else ""
            print(f"{step.message}{counter}", file=sys.stderr, flush=True)


def format_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False)).rstrip())
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def listed_as_json_or_empty(args: argparse.Namespace, data: dict[str, Any], rows: Sized, empty: str) -> bool:
    """A list command's two short answers: ``data`` as JSON (``--json``), or the ``empty`` line when
    there are no ``rows``. True when one was printed (nothing else is to be printed)."""
    if args.json:
        print_json(data)
        return True
    if not rows:
        print(empty)
        return True
    return False


def open_profile_store(paths: Paths, args: argparse.Namespace) -> Store:
    """The store of the profile the command line names (created if new)."""
    return open_store(paths.create_profile(args.profile).store)


def ask_passphrase(prompt: str) -> str:
    """A passphrase typed without echo; scripts give it in the environment instead."""
    if not sys.stdin.isatty():
        raise KnownError(
            "The secrets file needs its passphrase, and there is no terminal to ask it on.",
            hint=f"Set {PASSPHRASE_ENV} for scripts.",
        )
    return getpass.getpass(prompt)


def cli_secret_store(paths: Paths, *, session_only: bool = False, ask: bool = True) -> SecretStore:
    """The secret store a command uses. Where the system has no keychain and the encrypted secrets
    file exists, it is unlocked first: the passphrase from the environment, else asked (``ask``)."""
    if unlocked_secret_file() is None and not system_keychain_available() and paths.secrets_file.exists():
        passphrase = passphrase_from_environment()
        if passphrase is None and ask:
            passphrase = ask_passphrase(f"Passphrase of {paths.secrets_file}: ")
        if passphrase is not None:
            unlock_secret_file(paths.secrets_file, passphrase)
    return SecretStore(session_only=session_only)


def check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise KnownError("--limit must be 1 or more.")


@contextmanager
def ctrl_c_cancels(cancel: CancelToken) -> Iterator[None]:
    """The first Ctrl+C sets ``cancel`` (the work stops at its next step, keeping what is done);
    a second one interrupts at once."""

    def on_interrupt(_signum: int, _frame: Any) -> None:
        cancel.cancel()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
