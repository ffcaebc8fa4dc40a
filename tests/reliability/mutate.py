"""Mutations of a valid export, driven by one ``random.Random`` (Hypothesis hands us a seeded one).

Three levels, so the fuzz reaches past the zip reader into every importer's parsing:

* container: the zip's own bytes truncated, flipped or spliced;
* member bytes: one file truncated (invalid JSON or CSV at any depth), bytes flipped or
  inserted (NUL, invalid UTF-8, stray quotes), a line replaced, the file dropped or renamed;
* structure: one file's JSON parsed and a node at a random depth replaced by a value of
  another type (a list for a string, a huge number, deep nesting, null), then written back.

Each mutation returns a short description, shown by Hypothesis when an example fails.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from typing import Any

from tests.reliability.corpus import Seed, zip_files

_YTD_PREFIX = re.compile(rb"^(window\.[A-Za-z0-9_.]+\s*=\s*)")
_JUNK_BYTES = [
    b"\x00",
    b"\xff",
    b"\xc3(",
    b"\xed\xa0\x80",
    b'"',
    b",",
    b"\n",
    b"\r",
    b"{",
    b"]",
    b"\\",
    b"\xef\xbb\xbf",
]


@dataclass
class Mutant:
    """A mutated export: either raw zip bytes or files to zip, lay out as a folder, or write alone."""

    layout: str  # "zip-bytes" | "zip" | "folder" | "file"
    files: dict[str, bytes]
    raw: bytes = b""
    description: str = ""


def random_json_value(rnd: random.Random, depth: int = 0) -> Any:
    """A JSON value of any type, sometimes odd: huge numbers, deep nesting, control characters."""
    choice = rnd.randrange(12 if depth < 4 else 8)
    if choice == 0:
        return None
    if choice == 1:
        return rnd.choice([True, False])
    if choice == 2:
        return rnd.choice([0, -1, 2**63, -(2**64), 10**30, 1714573800, 1714573800000])
    if choice == 3:
        return rnd.choice([0.5, -0.0, 1e308, 1e-308, 3.14])
    if choice in (4, 5, 6):
        return rnd.choice(
            [
                "",
                " ",
                "x" * rnd.randrange(1, 300),
                "2024-05-01T10:00:00Z",
                "not a date",
                "\u202e\u200b<b>hi</b>",
                "\x00\x01\x1f",
                "😀" * 5,
                "null",
                "[]",
                "../../etc/passwd",
                "Ava",
                "user111",
                "-1",
            ]
        )
    if choice == 7:
        return rnd.choice([[], {}, "[" * 5])
    if choice in (8, 9):
        return [random_json_value(rnd, depth + 1) for _ in range(rnd.randrange(4))]
    if choice == 10:
        return {
            rnd.choice(["text", "id", "date", "messages", "sender_name", "x", ""]): random_json_value(
                rnd, depth + 1
            )
            for _ in range(rnd.randrange(4))
        }
    nested: Any = "deep"
    for _ in range(rnd.randrange(50, 400)):
        nested = [nested]
    return nested


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _nodes(child, path + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _nodes(child, path + (index,))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any, delete: bool) -> Any:
    if not path:
        return new
    parent = value
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return value


def _mutate_json(data: bytes, rnd: random.Random) -> tuple[bytes, str] | None:
    prefix = b""
    body = data
    if match := _YTD_PREFIX.match(data):
        prefix, body = match.group(1), data[match.end() :]
    try:
        value = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    nodes = _nodes(value)
    path = rnd.choice(nodes)
    delete = bool(path) and rnd.random() < 0.25
    new = random_json_value(rnd)
    value = _replace(value, path, new, delete)
    what = "deleted" if delete else f"set to {type(new).__name__}"
    try:
        text = json.dumps(value, ensure_ascii=rnd.random() < 0.5)
    except (ValueError, RecursionError):
        return None
    return prefix + text.encode("utf-8"), f"node {list(path)[:6]} (depth {len(path)}) {what}"


def _mutate_bytes(data: bytes, rnd: random.Random) -> tuple[bytes, str]:
    op = rnd.randrange(5)
    if op == 0 or not data:
        cut = rnd.randrange(len(data) + 1)
        return data[:cut], f"truncated at {cut} of {len(data)}"
    if op == 1:
        out = bytearray(data)
        spots = [rnd.randrange(len(out)) for _ in range(rnd.randrange(1, 6))]
        for spot in spots:
            out[spot] ^= rnd.randrange(1, 256)
        return bytes(out), f"flipped bytes at {spots}"
    if op == 2:
        spot = rnd.randrange(len(data) + 1)
        junk = b"".join(rnd.choice(_JUNK_BYTES) for _ in range(rnd.randrange(1, 8)))
        return data[:spot] + junk + data[spot:], f"inserted {junk!r} at {spot}"
    lines = data.split(b"\n")
    index = rnd.randrange(len(lines))
    if op == 3:
        lines[index] = rnd.choice(
            [b"", b",,,,,,", b'"unterminated', b"\x00" * 10, b"a" * 5000, b"12/31/99, 25:61 - :"]
        )
        return b"\n".join(lines), f"line {index} replaced"
    del lines[index]
    return b"\n".join(lines), f"line {index} removed"


def _mutate_member(files: dict[str, bytes], rnd: random.Random) -> str:
    name = rnd.choice(sorted(files))
    op = rnd.randrange(10)
    if op < 4:
        mutated = _mutate_json(files[name], rnd)
        if mutated is not None:
            files[name] = mutated[0]
            return f"{name}: {mutated[1]}"
    if op == 8 and len(files) > 1:
        del files[name]
        return f"{name}: dropped"
    if op == 9:
        new_name = rnd.choice(
            [name.upper(), "x/" + name, name.replace("/", "//"), name + ".bak", "é/" + name, name[:-1]]
        )
        files[new_name] = files.pop(name)
        return f"{name}: renamed to {new_name!r}"
    files[name], what = _mutate_bytes(files[name], rnd)
    return f"{name}: {what}"


def mutate(seed: Seed, rnd: random.Random) -> Mutant:
    """One mutated form of ``seed``: a fifth at the container level, the rest inside its files."""
    if rnd.random() < 0.2:
        raw, what = _mutate_bytes(seed.zip_bytes(), rnd)
        return Mutant("zip-bytes", {}, raw, f"zip bytes {what}")
    files = dict(seed.files)
    steps = [_mutate_member(files, rnd) for _ in range(rnd.randrange(1, 4))]
    layout = rnd.choices(["zip", "folder", "file"], weights=[80, 15, 5])[0]
    if layout == "file" and len(files) != 1:
        layout = "zip"
    return Mutant(layout, files, zip_files(files) if layout == "zip" else b"", "; ".join(steps))
