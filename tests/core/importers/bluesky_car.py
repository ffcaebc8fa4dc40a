"""Bluesky repository exports (``repo.car``) built for tests: real CAR files with real CIDs.

The blocks are encoded with libipld (the library the importer reads with), the MST is laid out
by the atproto rules (a key's layer is the count of leading zero 2-bit chunks of its SHA-256),
and the CAR framing (varint length, CID, block) is written by hand because libipld has no CAR
encoder. Shared by the importer's tests (``test_bluesky.py``) and the fuzz seed
(``tests/reliability/corpus.py``).
"""

from __future__ import annotations

import hashlib

import libipld

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
OTHER = "did:plc:z72i7hdynmk6r22z27h6tvur"
POST = "app.bsky.feed.post"


def cid_of(block: bytes) -> bytes:
    """CIDv1, DAG-CBOR codec (0x71), SHA2-256 multihash: what every atproto repo block uses."""
    return bytes([0x01, 0x71, 0x12, 0x20]) + hashlib.sha256(block).digest()


def varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def layer(key: str) -> int:
    zeros = 0
    for byte in hashlib.sha256(key.encode()).digest():
        if byte == 0:
            zeros += 4
            continue
        zeros += (8 - byte.bit_length()) // 2
        break
    return zeros


class Repo:
    """Blocks of a repository being built: records, MST nodes, the signed commit."""

    def __init__(self) -> None:
        self.blocks: dict[bytes, bytes] = {}

    def put(self, value: object) -> bytes:
        block = libipld.encode_dag_cbor(value)
        cid = cid_of(block)
        self.blocks[cid] = block
        return cid

    def mst(self, entries: dict[str, bytes]) -> bytes:
        keys = sorted(entries)
        top = max((layer(k) for k in keys), default=0)
        return self._node(keys, entries, top)

    def _node(self, keys: list[str], values: dict[str, bytes], at: int) -> bytes:
        """One MST node holding the keys of layer ``at``; lower keys go into subtrees between them."""
        left: bytes | None = None
        here: list[tuple[str, bytes | None]] = []
        pending: list[str] = []

        def subtree() -> bytes | None:
            return self._node(pending, values, at - 1) if pending else None

        for key in keys:
            if layer(key) == at:
                sub = subtree()
                if here:
                    here[-1] = (here[-1][0], sub)
                else:
                    left = sub
                here.append((key, None))
                pending = []
            else:
                pending.append(key)
        sub = subtree()
        if here:
            here[-1] = (here[-1][0], sub)
        else:
            left = sub
        encoded, previous = [], b""
        for key, tree in here:
            raw = key.encode()
            shared = 0
            while shared < min(len(raw), len(previous)) and raw[shared] == previous[shared]:
                shared += 1
            encoded.append({"p": shared, "k": raw[shared:], "v": values[key], "t": tree})
            previous = raw
        return self.put({"l": left, "e": encoded})

    def preorder(self, cid: bytes) -> list[bytes]:
        """Commit, then the tree depth-first with each record beside its entry: the export order."""
        value = libipld.decode_dag_cbor(self.blocks[cid])
        order = [cid]
        if isinstance(value, dict) and "sig" in value:
            return order + self.preorder(value["data"])
        if isinstance(value, dict) and set(value) == {"l", "e"}:
            if value["l"]:
                order += self.preorder(value["l"])
            for entry in value["e"]:
                order.append(entry["v"])
                if entry["t"]:
                    order += self.preorder(entry["t"])
        return order

    def car(self, root: bytes, extra_blocks: list[bytes] = ()) -> bytes:
        out = bytearray()
        header = libipld.encode_dag_cbor({"version": 1, "roots": [root]})
        out += varint(len(header)) + header
        order = list(dict.fromkeys([*self.preorder(root), *self.blocks]))
        for cid in order:
            out += varint(len(cid) + len(self.blocks[cid])) + cid + self.blocks[cid]
        for block in extra_blocks:
            out += varint(len(cid_of(block)) + len(block)) + cid_of(block) + block
        return bytes(out)


def post(text: str, created: str, **more: object) -> dict:
    return {"$type": POST, "text": text, "createdAt": created, "langs": ["en"], **more}


def ref(did: str, rkey: str) -> dict:
    uri = f"at://{did}/{POST}/{rkey}"
    return {"uri": uri, "cid": libipld.encode_cid(cid_of(uri.encode()))}


LINK = "https://example.com/a/very/long/path?q=1"


def build_repo(version: int = 3) -> tuple[bytes, bytes]:
    """(car bytes, stale block): 4 posts of the creator's own + 2 replies, likes, reposts, a follow."""
    repo = Repo()
    text_with_link = "Trail notes 🥾 example.com/a/very/lo… and more"
    start = len("Trail notes 🥾 ".encode())
    end = start + len("example.com/a/very/lo…".encode())
    records = {
        f"{POST}/3jzfcijpj2z2a": post("First post! Hello Bluesky 👋", "2023-04-26T00:09:58-07:00"),
        f"{POST}/3jzfcijpj2z2b": post(
            text_with_link,
            "2023-05-01T10:00:00.000Z",
            facets=[
                {
                    "index": {"byteStart": start, "byteEnd": end},
                    "features": [{"$type": "app.bsky.richtext.facet#link", "uri": LINK}],
                }
            ],
        ),
        f"{POST}/3jzfcijpj2z2c": post(
            "@fan.bsky.social thanks, glad it helped!",
            "2023-05-02T12:30:00.500Z",
            reply={"root": ref(OTHER, "3jaaaaaaaaaaa"), "parent": ref(OTHER, "3jaaaaaaaaaab")},
        ),
        f"{POST}/3jzfcijpj2z2d": post(
            "and a follow-up to my own post",
            "2023-05-03T08:00:00Z",
            reply={"root": ref(DID, "3jzfcijpj2z2a"), "parent": ref(DID, "3jzfcijpj2z2a")},
        ),
        f"{POST}/3jzfcijpj2z2e": post(
            "", "2023-05-04T08:00:00Z", embed={"$type": "app.bsky.embed.images", "images": []}
        ),
        f"{POST}/3jzfcijpj2z2f": post("  spaced\r\nout  ", "2023-05-05T08:00:00Z"),
        "app.bsky.actor.profile/self": {"$type": "app.bsky.actor.profile", "displayName": "Trail Runner"},
        "app.bsky.feed.like/3jzfcijpj2z3a": {
            "$type": "app.bsky.feed.like",
            "subject": ref(OTHER, "3jaaaaaaaaaac"),
            "createdAt": "2023-05-06T08:00:00Z",
        },
        "app.bsky.feed.like/3jzfcijpj2z3b": {
            "$type": "app.bsky.feed.like",
            "subject": ref(OTHER, "3jaaaaaaaaaad"),
            "createdAt": "2023-05-06T08:00:01Z",
        },
        "app.bsky.feed.repost/3jzfcijpj2z4a": {
            "$type": "app.bsky.feed.repost",
            "subject": ref(OTHER, "3jaaaaaaaaaae"),
            "createdAt": "2023-05-06T08:00:02Z",
        },
        "app.bsky.graph.follow/3jzfcijpj2z5a": {
            "$type": "app.bsky.graph.follow",
            "subject": OTHER,
            "createdAt": "2023-05-06T08:00:03Z",
        },
    }
    # Enough other records that the tree has several layers (a real repo of a few hundred).
    for n in range(120):
        records[f"app.bsky.feed.like/3kfiller{n:05d}"] = {
            "$type": "app.bsky.feed.like",
            "subject": ref(OTHER, f"3kx{n:05d}"),
            "createdAt": "2023-06-01T00:00:00Z",
        }
    root = repo.mst({key: repo.put(value) for key, value in records.items()})
    commit = repo.put(
        {
            "did": DID,
            "version": version,
            "data": root,
            "rev": "3jzfcijpj2z2z",
            "prev": None,
            "sig": bytes(range(64)),
        }
    )
    # A deleted post still lying in the file: v2 exports carry history that the tree no longer reaches.
    stale = libipld.encode_dag_cbor(post("deleted post, must not come back", "2023-05-01T00:00:00Z"))
    return repo.car(commit, [stale]), stale
