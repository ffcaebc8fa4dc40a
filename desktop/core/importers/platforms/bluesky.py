"""Bluesky repository export (Settings → Export my data): one ``.car`` file.

The file is a CAR v1 of DAG-CBOR blocks, read with libipld (a maintained Rust IPLD library, no
dependencies): its root is the signed commit ``{did, version, data, rev, prev, sig}`` and
``data`` is the root of the Merkle Search Tree whose keys are ``collection/rkey``. Only records
reachable from that tree are read: older exports also carry deleted and superseded blocks.

- ``app.bsky.feed.post`` records are the creator's words: a post, or, with ``reply.parent.uri``,
  a reply whose ``reply_to`` is that URI (the pipeline links it when the parent is in the store).
- Self-reply rule, shared with the X and Mastodon importers: a reply to someone else is a
  ``comment``; a reply to the creator's own post (a thread continuation) is a ``post``, still
  with its ``reply_to``.
- Likes, reposts, follows, blocks, lists and the profile are not the creator's words: they are
  skipped, and not counted. The profile's ``displayName`` names the author (else ``--me``, else
  the DID); the repository has no handle.
- Link facets whose text is the app's shortened form of the URL ("example.com/a/very/lo…") are
  expanded to the full URL, as X's t.co links are; facet offsets are UTF-8 byte offsets.
- External ids are ``at://<did>/app.bsky.feed.post/<rkey>``; ``extra`` keeps ``langs`` and the
  record's ``cid`` (a reply on Bluesky needs both the URI and the CID of its parent).
  ``createdAt`` is client-written (``Z`` or an offset); without a readable one, the time encoded
  in the record key (a TID) is used.

The file is streamed and decoded a few MB at a time, keeping only posts, the profile and a
compact copy of the tree: a repository of 200k likes (68 MB) peaks near 95 MB of memory where
decoding it whole took 370 MB. A block that does not decode is skipped and a file cut short
keeps every block before the cut; one warning says where, how much was read, and how many
posts and tree nodes the tree refers to that were lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, BinaryIO, ClassVar, TypeGuard

import libipld

from desktop.core.importers.archive import Archive
from desktop.core.importers.base import Detection, ImportContext, Record
from desktop.core.importers.records import COMMENT, POST, ItemRecord
from desktop.core.importers.text import normalize
from desktop.core.tasks import CancelToken

_POST = "app.bsky.feed.post"
_PROFILE = "app.bsky.actor.profile"
_WANTED = (_POST, _PROFILE)
_LINK = "app.bsky.richtext.facet#link"
_BATCH_BYTES = 4 * 1024 * 1024  # blocks handed to libipld per call: its speed, bounded memory
_MAX_BLOCK = 16 * 1024 * 1024  # records are capped near 1 MB; a larger length is damage, not data
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"

# A tree node as kept in memory: (left subtree, [(full key or None, record CID or None, subtree)]).
# Only the keys of wanted collections are kept, so a repository of 500k likes stays small.
_Node = tuple[bytes | None, list[tuple[str | None, bytes | None, bytes | None]]]


@dataclass
class _Repo:
    """What one CAR file held: the kept blocks by CID, and how much of it could be read."""

    root: bytes | None
    kept: dict[bytes, Any] = field(default_factory=dict)  # commit, compact tree nodes, posts, profile
    present: set[bytes] = field(default_factory=set)  # every block read, kept or not
    read: int = 0
    lost: int = 0  # framed blocks libipld could not decode
    first_damage: int | None = None  # byte offset of the first block lost or cut
    cut: bool = False  # the file ends in the middle of a block


class _Frames:
    """The length-prefixed sections of a CAR stream (each with its prefix: libipld decodes them
    so), read a megabyte at a time. ``offset`` is the file offset of the next section."""

    _CHUNK = 1024 * 1024

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._buffer = b""
        self._at = 0  # position in the buffer
        self.offset = 0

    def _have(self, count: int) -> bool:
        """Make ``count`` bytes past the position available; False when the file ends first."""
        if len(self._buffer) - self._at >= count:
            return True
        parts = [self._buffer[self._at :]]
        have = len(parts[0])
        while have < count:
            chunk = self._stream.read(max(self._CHUNK, count - have))
            if not chunk:
                break
            parts.append(chunk)
            have += len(chunk)
        self._buffer, self._at = b"".join(parts), 0
        return have >= count

    def next(self) -> bytes | None:
        """The next section, or None at the file's end; ValueError where it is cut or garbled."""
        self._have(10)
        buffer, at = self._buffer, self._at
        if at >= len(buffer):
            return None
        length = shift = 0
        for used in range(1, min(10, len(buffer) - at) + 1):  # unsigned varint length
            byte = buffer[at + used - 1]
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        else:
            raise ValueError("the file ends inside a length")
        if not 0 < length <= _MAX_BLOCK:
            raise ValueError(f"a block claims {length} bytes")
        if not self._have(used + length):
            raise ValueError("the file ends inside a block")
        frame = self._buffer[self._at : self._at + used + length]
        self._at += used + length
        self.offset += used + length
        return frame


def _is_commit(value: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict) and {"did", "data", "sig"} <= set(value)


_WANTED_PREFIXES = tuple(f"{collection}/".encode() for collection in _WANTED)


def _compact(value: object) -> dict[str, Any] | _Node | None:
    """What is kept of a decoded block: posts, the profile and the commit whole, tree nodes compact.

    Runs once per block (hundreds of thousands in a busy account), so the cheap tests come first.
    """
    if not isinstance(value, dict):
        return None
    kind = value.get("$type")
    if kind is not None:
        return value if kind in _WANTED else None
    if len(value) != 2 or not isinstance(value.get("e"), list) or "l" not in value:
        return value if _is_commit(value) else None
    entries: list[tuple[str | None, bytes | None, bytes | None]] = []
    key = b""
    for entry in value["e"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("k"), bytes):
            continue
        key = key[: int(entry.get("p") or 0)] + entry["k"]  # prefix-compressed within a node
        subtree = entry.get("t") if isinstance(entry.get("t"), bytes) else None
        if key.startswith(_WANTED_PREFIXES) and isinstance(entry.get("v"), bytes):
            entries.append((key.decode("utf-8", errors="replace"), entry["v"], subtree))
        elif subtree is not None:
            entries.append((None, None, subtree))
    left = value["l"] if isinstance(value["l"], bytes) else None
    return (left, entries)


def _candidates(archive: Archive) -> list[str]:
    names = [n for n in archive.names if n.lower().endswith(".car")]
    if not names and archive.kind == "file":
        names = list(archive.names)
    return names


def _sniff(archive: Archive, name: str) -> dict[str, Any] | None:
    """The commit, when the file's first block is its root and a signed repository commit.

    libipld decodes the header plus that one block (a few hundred bytes from the file's start).
    """
    try:
        with archive.open(name) as stream:
            frames = _Frames(stream)
            header, first = frames.next(), frames.next()
        if header is None or first is None:
            return None
        head, blocks = libipld.decode_car(header + first)
    except (ValueError, OSError, KeyError, RecursionError):
        return None
    roots = head.get("roots") or []
    commit = blocks.get(roots[0]) if len(roots) == 1 else None
    return commit if _is_commit(commit) else None


def _read_repo(stream: BinaryIO, cancel: CancelToken) -> _Repo:
    """Every block of a CAR stream, decoded by libipld a few MB at a time; only what the import
    needs is kept. A damaged block is skipped, a cut-off end ends the reading: what came before
    is kept either way. ValueError when the file is not a CAR at all."""
    frames = _Frames(stream)
    header = frames.next()
    if header is None:
        raise ValueError("the file is empty")
    roots = libipld.decode_car(header)[0].get("roots") or []
    repo = _Repo(roots[0] if roots else None)
    batch: list[tuple[int, bytes]] = []
    size = 0
    while True:
        at = frames.offset
        try:
            frame = frames.next()
        except ValueError:
            repo.cut = True
            repo.first_damage = at if repo.first_damage is None else repo.first_damage
            frame = None
        if frame is not None:
            batch.append((at, frame))
            size += len(frame)
        if batch and (frame is None or size >= _BATCH_BYTES):
            _decode_batch(header, batch, repo)
            batch, size = [], 0
            cancel.raise_if_cancelled()
        if frame is None:
            return repo


def _decode_batch(header: bytes, batch: list[tuple[int, bytes]], repo: _Repo) -> None:
    try:
        decoded = libipld.decode_car(header + b"".join(frame for _, frame in batch))[1]
    except (ValueError, RecursionError):
        decoded = {}
        for at, frame in batch:  # one bad block: find it, keep the others
            try:
                decoded.update(libipld.decode_car(header + frame)[1])
            except (ValueError, RecursionError):
                repo.lost += 1
                repo.first_damage = at if repo.first_damage is None else min(repo.first_damage, at)
    repo.read += len(decoded)
    for cid, value in decoded.items():
        repo.present.add(cid)
        kept = _compact(value)
        if kept is not None:
            repo.kept[cid] = kept


def _walk(repo: _Repo, root: bytes) -> tuple[list[tuple[str, bytes]], int]:
    """Every wanted (key, record CID) of the tree in key order, and how many referenced blocks
    (tree nodes or records) are missing. ``l`` holds the keys before a node's first entry, an
    entry's ``t`` those between it and the next. Iterative, so a deep tree cannot exhaust the stack.
    """
    found: list[tuple[str, bytes]] = []
    missing = 0
    seen: set[bytes] = set()
    stack: list[tuple[bytes | None, tuple[str, bytes] | None]] = [(root, None)]
    while stack:
        cid, leaf = stack.pop()
        if leaf is not None:
            found.append(leaf)
            continue
        if cid is None or cid in seen:
            continue
        seen.add(cid)
        node = repo.kept.get(cid)
        if not isinstance(node, tuple):
            missing += 1
            continue
        left, entries = node
        todo: list[tuple[bytes | None, tuple[str, bytes] | None]] = [(left, None)] if left else []
        for key, value, subtree in entries:
            if key is not None and value is not None:
                todo.append((None, (key, value)))
            if subtree is not None:
                todo.append((subtree, None))
        stack.extend(reversed(todo))
    return found, missing + sum(1 for _, cid in found if cid not in repo.present)


def _parse_time(value: object, rkey: str) -> datetime | None:
    """``createdAt`` in UTC (clients write ``Z`` or an offset); else the time in the record key."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    except ValueError:
        pass
    if len(rkey) == 13 and all(c in _TID_ALPHABET for c in rkey):  # a TID: microseconds << 10
        number = 0
        for char in rkey:
            number = number * 32 + _TID_ALPHABET.index(char)
        return datetime.fromtimestamp((number >> 10) / 1_000_000, tz=timezone.utc)
    return None


def _expand_links(text: str, facets: object) -> str:
    """Replace a link facet's shortened text ("example.com/a/b…") with its full URL."""
    if not isinstance(facets, list):
        return text
    raw = text.encode("utf-8")
    spans: list[tuple[int, int, str]] = []
    for facet in facets:
        index = facet.get("index") if isinstance(facet, dict) else None
        features = facet.get("features") if isinstance(facet, dict) else None
        if not isinstance(index, dict) or not isinstance(features, list):
            continue
        start, end = index.get("byteStart"), index.get("byteEnd")
        uri = next((f.get("uri") for f in features if isinstance(f, dict) and f.get("$type") == _LINK), None)
        if (
            isinstance(start, int)
            and isinstance(end, int)
            and 0 <= start < end <= len(raw)
            and isinstance(uri, str)
        ):
            spans.append((start, end, uri))
    last = len(raw) + 1
    for start, end, uri in sorted(spans, reverse=True):
        if end > last:
            continue  # overlapping facets: keep the text as it is
        shown = raw[start:end].decode("utf-8", errors="replace").rstrip("…").rstrip(".")
        bare = uri.split("://", 1)[-1]
        if shown and (uri.startswith(shown) or bare.startswith(shown.split("://", 1)[-1])):
            raw = raw[:start] + uri.encode("utf-8") + raw[end:]
        last = start
    return raw.decode("utf-8", errors="replace")


class BlueskyImporter:
    platform: ClassVar[str] = "bluesky"
    label: ClassVar[str] = "Bluesky"

    def detect(self, archive: Archive) -> Detection | None:
        try:
            for name in _candidates(archive):
                commit = _sniff(archive, name)
                if commit is not None:
                    return Detection(self.platform, f"repo-v{commit.get('version', '?')}", 0.95)
        except Exception:  # noqa: BLE001 - detection must never crash on foreign files
            return None
        return None

    def read(self, context: ImportContext) -> Iterator[Record]:
        archive = context.archive
        for name in _candidates(archive):
            try:
                with archive.open(name) as stream:
                    repo = _read_repo(stream, context.cancel)
            except (ValueError, RecursionError) as exc:
                context.warn(f"Skipped '{name}': it is not a readable Bluesky repository export ({exc}).")
                continue
            commit = repo.kept.get(repo.root) if repo.root is not None else None
            if not _is_commit(commit):
                context.warn(
                    f"Skipped '{name}': its root is not a repository commit, so nothing in it was read."
                )
                continue
            yield from self._records(context, name, archive.sizes.get(name, 0), repo, commit)

    def _records(
        self, context: ImportContext, name: str, size: int, repo: _Repo, commit: dict[str, Any]
    ) -> Iterator[Record]:
        did = str(commit["did"])
        entries, missing = _walk(repo, commit["data"])
        if repo.first_damage is not None:
            lost = f", {repo.lost:,} could not be decoded" if repo.lost else ""
            cut = ", and the file is cut off before its end" if repo.cut else ""
            outcome = (
                f"{missing:,} of the posts and tree nodes it refers to are missing, so what they held was "
                "not imported"
                if missing
                else "every post its tree lists was read"
            )
            context.warn(
                f"'{name}' is damaged from byte {repo.first_damage:,} of {size:,}: {repo.read:,} blocks were "
                f"read{lost}{cut}; {outcome}."
            )
        elif missing:
            context.warn(
                f"'{name}' lacks {missing:,} of the posts and tree nodes it refers to; the rest was read."
            )
        profile = next((repo.kept.get(cid) for key, cid in entries if key == f"{_PROFILE}/self"), None)
        display = profile.get("displayName") if isinstance(profile, dict) else None
        author = (context.me or "").strip() or (normalize(display) if isinstance(display, str) else "") or did
        for key, cid in entries:
            collection, _, rkey = key.partition("/")
            record = repo.kept.get(cid) if collection == _POST else None
            if not isinstance(record, dict):
                continue
            item = self._post(record, did, key, rkey, cid, author)
            if item is not None:
                context.tick()
                yield item

    @staticmethod
    def _post(
        record: dict[str, Any], did: str, key: str, rkey: str, cid: bytes, author: str
    ) -> ItemRecord | None:
        text = record.get("text")
        if not isinstance(text, str):
            return None
        text = normalize(_expand_links(text, record.get("facets")).replace("\r\n", "\n"))
        created = _parse_time(record.get("createdAt"), rkey)
        if not text or created is None:
            return None  # an image or quote with no words of the creator's
        reply = record.get("reply")
        parent = reply.get("parent") if isinstance(reply, dict) else None
        reply_to = (
            parent.get("uri") if isinstance(parent, dict) and isinstance(parent.get("uri"), str) else None
        )
        own_thread = reply_to is not None and reply_to.startswith(f"at://{did}/")
        extra: dict[str, object] = {}
        if isinstance(record.get("langs"), list):
            extra["langs"] = [str(lang) for lang in record["langs"]]
        extra["cid"] = libipld.encode_cid(cid)
        return ItemRecord(
            external_id=f"at://{did}/{key}",
            kind=COMMENT if reply_to and not own_thread else POST,
            text=text,
            created_at=created,
            author=author,
            is_owner=True,
            reply_to=reply_to,
            extra=extra,
        )


IMPORTER = BlueskyImporter()
