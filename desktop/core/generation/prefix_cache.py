"""Reusing the evaluated persona prefix across drafts, and across personas.

A ``Llama`` already keeps the KV cache of its previous prompt and reuses the longest common
prefix (ARCHITECTURE.md, Traps: 0.77 s cold vs 0.047 s to the first token). That covers batch drafting for
one persona. Switching between personas (profiles) would throw it away, so the KV state of
each persona prefix is saved with llama.cpp's per-sequence state functions
(``llama_state_seq_get_data`` / ``_set_data``: only the KV cells, a few MB) and restored on
the next draft, keyed by a hash of the prefix tokens, in a small LRU bounded by bytes.

Not ``LlamaRAMCache`` and not ``Llama.save_state``: both copy the logits array as well
(n_batch x vocabulary floats, about 0.5 GB for Gemma's 262k vocabulary), which is the trap
the design notes measured (1.0 s and 421 MB per save, slower than recomputing).

Determinism: a different batch split changes the floating point sums and can change the
text, so every prompt is evaluated on one schedule that depends on the prompt alone (whole
blocks up to the end of the persona part, whose last block ends there, then whole blocks from
that point) and every reuse point is one of its boundaries (see ``prepare_prefix``): the same
seed and prompt give the same text whether the start was live, restored or computed. The
persona part ends on a boundary, so all of it is reused, not only its whole blocks.

Everything here runs on the thread that owns the ``Llama`` (see ``llama_cpp_backend``).
"""

from __future__ import annotations

import ctypes
import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
_SEQ = 0  # llama-cpp-python runs everything on sequence 0

LIVE, RESTORED, COMPUTED = "live", "restored", "computed"


def prefix_key(tokens: Sequence[int]) -> str:
    """A stable key for a token prefix."""
    return hashlib.sha256(np.asarray(tokens, dtype=np.int32).tobytes()).hexdigest()


@dataclass(frozen=True)
class SavedPrefix:
    tokens: tuple[int, ...]
    state: bytes

    @property
    def nbytes(self) -> int:
        return len(self.state) + 4 * len(self.tokens)


class PrefixStateCache:
    """An LRU of saved prefix states, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, SavedPrefix] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @property
    def nbytes(self) -> int:
        return sum(entry.nbytes for entry in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def get(self, key: str) -> SavedPrefix | None:
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: str, entry: SavedPrefix) -> None:
        if entry.nbytes > self.max_bytes:
            return  # larger than the whole cache: keeping it would evict everything else
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while self.nbytes > self.max_bytes:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


def save_prefix_state(llm: Any, tokens: Sequence[int]) -> SavedPrefix:
    """Copy the KV cells of sequence 0, which must hold exactly ``tokens``."""
    import llama_cpp

    size = llama_cpp.llama_state_seq_get_size(llm.ctx, _SEQ)
    buffer = (ctypes.c_uint8 * size)()
    written = llama_cpp.llama_state_seq_get_data(llm.ctx, buffer, size, _SEQ)
    if written <= 0 or written > size:
        raise RuntimeError("llama.cpp could not copy the prefix state")
    return SavedPrefix(tuple(int(t) for t in tokens), bytes(buffer)[:written])


def restore_prefix_state(llm: Any, saved: SavedPrefix) -> bool:
    """Replace the model's KV cache by ``saved``; False when llama.cpp refuses it."""
    import llama_cpp

    memory = llama_cpp.llama_get_memory(llm.ctx)
    llama_cpp.llama_memory_clear(memory, True)
    llm.n_tokens = 0
    data = (ctypes.c_uint8 * len(saved.state)).from_buffer_copy(saved.state)
    if llama_cpp.llama_state_seq_set_data(llm.ctx, data, len(saved.state), _SEQ) != len(saved.state):
        llama_cpp.llama_memory_clear(memory, True)
        return False
    count = len(saved.tokens)
    llm.input_ids[:count] = saved.tokens
    llm.n_tokens = count
    llm._requires_eval = True  # llama-cpp-python's flag: logits are stale, decode before sampling
    return True


def _held_prefix_length(llm: Any, tokens: Sequence[int]) -> int:
    """How many leading ``tokens`` the model's KV cache already holds."""
    held = llm.input_ids[: min(llm.n_tokens, len(tokens))]
    same = np.asarray(tokens[: len(held)], dtype=held.dtype) == held
    return len(held) if same.all() else int(np.argmin(same))


def aligned(count: int, block: int) -> int:
    return count - count % block


def batch_boundary(count: int, persona: int, block: int) -> int:
    """The last batch boundary at or before ``count`` on a prompt whose persona part is ``persona``
    tokens long: blocks of ``block`` from 0, the last of them ending early at ``persona``, then
    blocks of ``block`` from ``persona`` on."""
    if count >= persona:
        return persona + aligned(count - persona, block)
    return aligned(count, block)


def prepare_prefix(
    llm: Any,
    tokens: Sequence[int],
    prefix_length: int,
    cache: PrefixStateCache | None,
    block: int,
    held_persona: int | None = None,
) -> tuple[str, int, int]:
    """Leave the model's KV cache holding a start of ``tokens`` that ends on a batch boundary; say
    how it got there.

    ``tokens`` is the whole prompt and ``prefix_length`` its persona part. The backend sets
    ``n_batch = n_ubatch = block``; the persona part is evaluated on its own (its last batch
    shorter) and the rest from its end, so the batches are those of ``batch_boundary``, and
    every reuse point is one of them. The batches - and therefore the text - are the same
    whether the start was "live" (left by the previous draft: llama-cpp-python's
    longest-common-prefix reuse, cut to a boundary), "restored" (the persona part copied back
    from ``cache``) or "computed" (evaluated now, and the persona part saved into ``cache``).

    ``held_persona`` is the persona length of the prompt the KV cache was filled by (None:
    unknown). Where it differs, only the whole blocks both schedules share are reused live.
    Returns (source, tokens reused, the persona length this prompt's schedule uses).
    """
    usable = len(tokens) - 1  # at least one token is always evaluated: it produces the logits
    persona = min(prefix_length, usable)
    held = min(_held_prefix_length(llm, tokens), usable)
    if held_persona != persona:
        held = min(held, aligned(min(persona, held_persona or 0), block))
    live = batch_boundary(held, persona, block)
    if live and live >= persona and llm._ctx.kv_cache_seq_rm(-1, live, -1):
        llm.n_tokens = live
        llm._requires_eval = True
        return LIVE, live, persona
    if persona == 0:
        llm.reset()
        return "", 0, persona
    key = prefix_key(tokens[:persona])
    saved = cache.get(key) if cache is not None else None
    if saved is not None and saved.tokens == tuple(tokens[:persona]) and restore_prefix_state(llm, saved):
        return RESTORED, persona, persona
    llm.reset()
    llm.eval(list(tokens[:persona]))
    if cache is not None:
        cache.put(key, save_prefix_state(llm, tokens[:persona]))
    return COMPUTED, 0, persona
