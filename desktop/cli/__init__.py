"""The headless commands, one module per noun. Each one calls the same core functions the GUI drives.

``understudy [--basedir DIR] [--profile NAME] COMMAND ...``; with no command, the GUI opens.
``NOUNS`` lists the nouns with their help line and the modules that declare their commands
(``_registry``). Only the modules of the nouns a command line names are imported, so the
window's start, and each command, load no more of the core than they use.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable

from desktop import APP_NAME
from desktop.cli._registry import Command, Words, build_parser, commands
from desktop.core.display_text import TerminalSafeStream
from desktop.core.errors import KnownError
from desktop.core.paths import Paths

NOUNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "models": ("list and set up the on-device models", ("models", "model_servers", "model_downloads")),
    "profiles": ("list or create persona profiles", ("profiles",)),
    "store": ("inspect a profile's local store", ("store",)),
    "draft": ("draft your reply to a message with the on-device model (nothing is sent)", ("draft",)),
    "import": ("import data-export archives (zip, folder or file); the format is detected", ("importing",)),
    "sources": ("list or remove imported archives", ("sources",)),
    "secrets": ("where secrets such as API keys are kept", ("secrets",)),
    "inbox": ("the messages awaiting your reply and their drafts", ("inbox",)),
    "packs": ("export and verify reply packs", ("packs",)),
    "persona": ("show, change, export and import the persona; its versions and style profile", ("persona",)),
    "eval": ("measure the guard and triage on labelled fan messages", ("evaluation",)),
    "connect": (
        "live connections: fetch today's messages, send approved replies (Bluesky, Mastodon, YouTube)",
        ("connect",),
    ),
}


def load_nouns(names: Iterable[str] = NOUNS) -> dict[Words, Command]:
    """Import the modules of these nouns (their commands are declared as they load); every
    command declared so far."""
    for name in names:
        for module in NOUNS[name][1]:
            importlib.import_module(f"{__name__}.{module}")
    return commands()


def parse_args(argv: list[str]) -> argparse.Namespace:
    load_nouns(noun for noun in NOUNS if noun in argv)
    return build_parser({noun: help_line for noun, (help_line, _) in NOUNS.items()}).parse_args(argv)


def run_command(paths: Paths, args: argparse.Namespace) -> int:
    """Run the parsed sub-command; a KnownError becomes a plain message and exit status 1.

    Everything printed passes through ``TerminalSafeStream``: commands print fans' messages,
    names and drafts, and an escape sequence in one must not drive the creator's terminal.
    """
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = TerminalSafeStream(stdout), TerminalSafeStream(stderr)
    try:
        return int(args.run(paths, args))
    except KnownError as error:
        print(f"{APP_NAME}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{APP_NAME}: cancelled.", file=sys.stderr)
        return 130
    finally:
        sys.stdout, sys.stderr = stdout, stderr
