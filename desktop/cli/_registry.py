"""The register the commands are declared in, and the parser built from it.

Each noun module declares its commands where it defines them: ``@command("sources remove",
help=..., arguments=[arg(...)])`` above the function that runs it, and ``group(...)`` for a
level of sub-commands. The order of declaration is the order `--help` lists them in. A noun
whose module is not imported (``desktop/cli/__init__.py`` imports only the nouns a command line
names) still appears in the parser, with its help line only.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop import APP_NAME, __version__
from desktop.core.paths import BASEDIR_ENV, DEFAULT_PROFILE, Paths

Run = Callable[[Paths, argparse.Namespace], int]
Words = tuple[str, ...]


@dataclass(frozen=True)
class Argument:
    """One ``add_argument`` call: its names and its options, as argparse takes them."""

    names: tuple[str, ...]
    options: dict[str, Any]


def arg(*names: str, **options: Any) -> Argument:
    return Argument(names, options)


def flag(name: str, help: str) -> Argument:
    """An option that is on or off (``store_true``)."""
    return arg(name, action="store_true", help=help)


JSON_LIST = flag("--json", "print a machine-readable list")


@dataclass(frozen=True)
class Command:
    """A command line's last word: what runs, and its help and arguments."""

    words: Words
    run: Run
    help: str | None
    description: str | None
    arguments: tuple[Argument, ...] = field(default=())


@dataclass(frozen=True)
class Group:
    """A word with sub-commands under it (`models`, `models server`)."""

    words: Words
    help: str | None
    metavar: str


DECLARED: dict[Words, Command | Group] = {}


def command(
    words: str, *, help: str | None = None, description: str | None = None, arguments: Sequence[Argument] = ()
) -> Callable[[Run], Run]:
    """Declare the function below as the command ``understudy WORDS`` (e.g. ``"models server add"``)."""

    def register(run: Run) -> Run:
        key = tuple(words.split())
        DECLARED[key] = Command(key, run, help, description, tuple(arguments))
        return run

    return register


def group(words: str, *, help: str | None = None, metavar: str = "ACTION") -> None:
    """Declare ``understudy WORDS`` as a level whose sub-commands are declared after it."""
    key = tuple(words.split())
    DECLARED[key] = Group(key, help, metavar)


def commands() -> dict[Words, Command]:
    """Every declared command (of the nouns imported so far), by its words."""
    return {words: entry for words, entry in DECLARED.items() if isinstance(entry, Command)}


def _common_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    # On sub-commands the defaults are suppressed, so `understudy --basedir X models list`
    # and `understudy models list --basedir X` both work and neither overrides the other.
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--basedir",
        metavar="DIR",
        default=default,
        help=f"keep all data, models and settings under DIR (also: ${BASEDIR_ENV})",
    )
    parser.add_argument(
        "--profile",
        metavar="NAME",
        default=DEFAULT_PROFILE if top_level else argparse.SUPPRESS,
        help="the persona profile to use (default: %(default)s)"
        if top_level
        else "the persona profile to use",
    )


def build_parser(nouns: dict[str, str]) -> argparse.ArgumentParser:
    """The whole parser: ``nouns`` (name: help line) in order, each with what is declared under it."""
    parser = argparse.ArgumentParser(
        prog="understudy",
        description=f"{APP_NAME}: drafts replies in your voice, on this computer, for you to approve. "
        "With no command, the app window opens.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    _common_options(parser, top_level=True)
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="check this installation end to end and quit: open the window, visit every page, "
        "import the demo archive, draft a reply, export and verify a reply pack",
    )
    common = argparse.ArgumentParser(add_help=False)
    _common_options(common, top_level=False)
    level = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for noun, help_line in nouns.items():
        _add_words(level, (noun,), help_line, common)
    return parser


def _add_words(level: Any, words: Words, help_line: str | None, common: argparse.ArgumentParser) -> None:
    """The parser for ``words`` under ``level``: a command's arguments, or a group's sub-commands."""
    entry = DECLARED.get(words)
    description = entry.description if isinstance(entry, Command) else None
    parser = level.add_parser(words[-1], help=help_line, description=description, parents=[common])
    if isinstance(entry, Command):
        for argument in entry.arguments:
            parser.add_argument(*argument.names, **argument.options)
        parser.set_defaults(run=entry.run)
        return
    children = [child for child in DECLARED.values() if child.words[:-1] == words]
    if not children:
        return  # a noun whose module is not imported: its help line only
    metavar = entry.metavar if isinstance(entry, Group) else "ACTION"
    below = parser.add_subparsers(dest=f"{words[-1]}_command", metavar=metavar, required=True)
    for child in children:
        _add_words(below, child.words, child.help, common)
