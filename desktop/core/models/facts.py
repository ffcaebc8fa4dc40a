"""What a GGUF file is, read from its header: for the models list, the CLI and the backends.

``read_model_facts`` raises ``ModelError`` in plain words for a file that is not a usable GGUF
(truncated, corrupt, another format). ``list_models`` never skips a file silently: a broken
one comes back as a ``ModelFacts`` whose ``error`` says what is wrong.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from desktop.core.errors import ModelError
from desktop.core.models.defaults import DEFAULT_MODELS, GGUF_MAGIC

ROLE_GENERATION = "generation"
ROLE_EMBEDDING = "embedding"

# Architectures llama.cpp runs only as encoders (embeddings / reranking), never for chat.
_ENCODER_ARCHITECTURES = frozenset(
    {
        "bert",
        "nomic-bert",
        "nomic-bert-moe",
        "jina-bert-v2",
        "jina-bert-v3",
        "modern-bert",
        "neo-bert",
        "t5encoder",
    }
)


@dataclass(frozen=True)
class ModelFacts:
    """One model file as the creator sees it; ``error`` is set (and the rest mostly empty) when broken."""

    file_name: str
    path: Path
    size_bytes: int
    architecture: str | None = None
    quantization: str | None = None
    context_length: int | None = None
    has_chat_template: bool = False
    role: str | None = None
    parameter_count: int | None = None
    name: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def is_default(self) -> bool:
        return self.file_name in DEFAULT_MODELS


def quantization_name(file_type: int | None) -> str | None:
    """Human name of ``general.file_type``: 15 -> "Q4_K_M", 1 -> "F16", 0 -> "F32"."""
    if file_type is None:
        return None
    import gguf

    try:
        name = gguf.LlamaFileType(file_type).name
    except ValueError:
        return f"type {file_type}"
    for prefix in ("MOSTLY_", "ALL_"):
        name = name.removeprefix(prefix)
    return name


class _Damaged(Exception):
    """The header ends early or holds impossible values."""


# GGUF metadata value types -> struct format (GGUF spec; 8 = string, 9 = array).
_SCALAR_FORMATS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9
_MAX_DIMS = 4  # GGML_MAX_DIMS
# LLAMA_MAX_LAYERS. A header claiming more makes llama.cpp abort the whole process (measured:
# SIGABRT for 513 layers in Llama()), so it is refused here, before llama.cpp sees the file.
MAX_LAYERS = 512
_MAX_COUNT = 1 << 24  # far above any real key or tensor count; guards against garbage


@dataclass
class _Header:
    metadata: dict[str, Any]
    tensor_count: int
    parameter_count: int
    data_end: int | None  # where the last tensor's data ends (None: a tensor type gguf does not know)


class _Cursor:
    """Bounds-checked little/big-endian reads over a memory map of the file."""

    def __init__(self, buffer: Any, order: str) -> None:
        self.buffer = buffer
        self.order = order
        self.offset = 0

    def unpack(self, fmt: str) -> Any:
        size = struct.calcsize(self.order + fmt)
        if self.offset + size > len(self.buffer):
            raise _Damaged("header ends early")
        (value,) = struct.unpack_from(self.order + fmt, self.buffer, self.offset)
        self.offset += size
        return value

    def string(self, keep: bool = True) -> str:
        length = self.unpack("Q")
        if length > len(self.buffer) - self.offset:
            raise _Damaged("string runs past the end")
        start = self.offset
        self.offset += length
        if not keep:
            return ""
        return bytes(self.buffer[start : self.offset]).decode("utf-8", errors="replace")

    def _skip_strings(self, count: int) -> None:
        # A tight loop: this is where a 262k-token vocabulary spends its time.
        unpack_length = struct.Struct(self.order + "Q").unpack_from
        buffer, offset, end = self.buffer, self.offset, len(self.buffer)
        for _ in range(count):
            if offset + 8 > end:
                raise _Damaged("string array runs past the end")
            offset += 8 + unpack_length(buffer, offset)[0]
        if offset > end:
            raise _Damaged("string array runs past the end")
        self.offset = offset

    def value(self, value_type: int) -> Any:
        if value_type in _SCALAR_FORMATS:
            return self.unpack(_SCALAR_FORMATS[value_type])
        if value_type == _STRING:
            return self.string()
        if value_type == _ARRAY:
            item_type = self.unpack("I")
            count = self.unpack("Q")
            if count > len(self.buffer):
                raise _Damaged("array longer than the file")
            if item_type in _SCALAR_FORMATS:  # skipped in one step: vocabularies run to 262k items
                self.offset += count * struct.calcsize(_SCALAR_FORMATS[item_type])
                if self.offset > len(self.buffer):
                    raise _Damaged("array runs past the end")
            elif item_type == _STRING:
                self._skip_strings(count)
            else:
                for _ in range(count):
                    self.value(item_type)
            return _ArrayInfo(item_type, count)
        raise _Damaged(f"unknown value type {value_type}")


@dataclass(frozen=True)
class _ArrayInfo:
    item_type: int
    count: int


def _read_header(path: Path) -> _Header:
    """The file's parsed header, read once per (path, size, modification time).

    Loading a model asks for it three times (facts, memory pre-flight, metadata), and each
    parse walks the whole vocabulary in Python (about 65 ms for Gemma's 262k tokens): time
    in which the GUI thread waits for the GIL (ARCHITECTURE.md, Traps). A changed file is a
    new key, so a replaced or regrown file is read again.
    """
    stat = path.stat()
    return _read_header_of(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=16)
def _read_header_of(path_name: str, size: int, mtime_ns: int) -> _Header:
    return _parse_header(Path(path_name))


def _parse_header(path: Path) -> _Header:
    """Parse a GGUF header (metadata + tensor table) without reading arrays or weights.

    gguf.GGUFReader parses every array into NumPy objects: 13 s for Gemma's 262k-token
    vocabulary on the project's machine; this skips them and takes a few milliseconds.
    """
    import gguf

    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buffer:
        if buffer[:4] != GGUF_MAGIC:
            raise _Damaged("not GGUF")
        version_le = struct.unpack_from("<I", buffer, 4)[0] if len(buffer) >= 8 else 0
        order = "<" if version_le in (2, 3) else ">"
        cursor = _Cursor(buffer, order)
        cursor.offset = 4
        version = cursor.unpack("I")
        if version not in (2, 3):
            raise _Damaged(f"unsupported GGUF version {version}")
        tensor_count = cursor.unpack("Q")
        kv_count = cursor.unpack("Q")
        if tensor_count > _MAX_COUNT or kv_count > _MAX_COUNT:
            raise _Damaged("impossible counts")
        metadata: dict[str, Any] = {}
        for _ in range(kv_count):
            key = cursor.string()
            metadata[key] = cursor.value(cursor.unpack("I"))
        parameter_count = 0
        tensor_end = 0
        sizes_known = True
        for _ in range(tensor_count):
            cursor.string(keep=False)
            n_dims = cursor.unpack("I")
            if not 0 < n_dims <= _MAX_DIMS:
                raise _Damaged("impossible tensor shape")
            elements = 1
            for _ in range(n_dims):
                elements *= cursor.unpack("Q")
            tensor_type = cursor.unpack("I")
            offset = cursor.unpack("Q")
            parameter_count += elements
            try:
                block_size, type_size = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType(tensor_type)]
            except (ValueError, KeyError):
                # A type newer than this gguf package: llama.cpp may still run it; only the
                # cut-short check below is lost.
                sizes_known = False
                continue
            tensor_end = max(tensor_end, offset + elements // block_size * type_size)
        alignment = metadata.get("general.alignment", 32)
        if not isinstance(alignment, int) or alignment <= 0:
            raise _Damaged("impossible alignment")
        data_start = -(-cursor.offset // alignment) * alignment
        data_end = data_start + tensor_end if sizes_known else None
        return _Header(metadata, tensor_count, parameter_count, data_end)


def _broken(path: Path, detail: str) -> ModelError:
    return ModelError(
        f"{path.name} is not a usable model file: {detail}.",
        hint="Remove it from the models folder, or download it again.",
    )


def read_model_facts(path: Path) -> ModelFacts:
    """Read the header of the GGUF file ``path``; ``ModelError`` when it is missing or broken."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            magic = handle.read(4)
    except FileNotFoundError:
        raise ModelError(
            f"The model file {path.name} does not exist.", hint=f"Looked in {path.parent}."
        ) from None
    except OSError as exc:
        raise ModelError(f"The model file {path.name} could not be read ({exc.strerror or exc}).") from exc
    if magic != GGUF_MAGIC:
        raise _broken(path, "it is not in the GGUF format llama.cpp reads")

    try:
        header = _read_header(path)
    except ImportError:
        raise ModelError(
            "The package that reads model files is not installed.", hint="Run `make run` again."
        ) from None
    except (_Damaged, OSError, ValueError, OverflowError, RecursionError, struct.error) as exc:
        raise _broken(path, "its header is damaged or the file is cut short") from exc

    meta = header.metadata
    architecture = meta.get("general.architecture")
    if not isinstance(architecture, str) or not architecture:
        raise _broken(path, "it does not say which model architecture it holds")
    if header.tensor_count == 0:
        raise _broken(path, "it holds no weights (it may be a vocabulary-only file)")
    layers = meta.get(f"{architecture}.block_count")
    if isinstance(layers, int) and not 0 < layers <= MAX_LAYERS:
        raise _broken(
            path, f"its header claims {layers:,} layers, which llama.cpp cannot load (at most {MAX_LAYERS})"
        )
    if header.data_end is not None and header.data_end > size:
        raise _broken(path, "the file is cut short (an interrupted download or copy?)")

    file_type = meta.get("general.file_type")
    context_length = meta.get(f"{architecture}.context_length")
    pooling = meta.get(f"{architecture}.pooling_type")
    causal = meta.get(f"{architecture}.attention.causal")
    name = meta.get("general.name")
    if architecture in _ENCODER_ARCHITECTURES or pooling not in (None, 0) or causal is False:
        role = ROLE_EMBEDDING
    else:
        role = ROLE_GENERATION
    return ModelFacts(
        file_name=path.name,
        path=path,
        size_bytes=size,
        architecture=architecture,
        quantization=quantization_name(file_type) if isinstance(file_type, int) else None,
        context_length=context_length if isinstance(context_length, int) else None,
        has_chat_template=isinstance(meta.get("tokenizer.chat_template"), str),
        role=role,
        parameter_count=header.parameter_count or None,
        name=name if isinstance(name, str) and name else None,
    )


def _sort_key(facts: ModelFacts) -> tuple[int, str]:
    if facts.file_name in DEFAULT_MODELS:
        return (DEFAULT_MODELS.index(facts.file_name), "")
    return (len(DEFAULT_MODELS), facts.file_name.casefold())


def list_models(models_dir: Path) -> list[ModelFacts]:
    """Every ``*.gguf`` in ``models_dir``: the defaults first, then by name; broken ones with ``error``.

    Hidden files (temp files of a set-up in progress, sidecars) are not models and are left out.
    A missing folder is an empty list.
    """
    models_dir = Path(models_dir)
    if not models_dir.is_dir():
        return []
    found: list[ModelFacts] = []
    for path in models_dir.iterdir():
        if path.name.startswith(".") or path.suffix.lower() != ".gguf" or path.is_dir():
            continue
        try:
            found.append(read_model_facts(path))
        except ModelError as exc:
            try:
                size = path.stat().st_size
            except OSError:
                size = 0
            found.append(ModelFacts(file_name=path.name, path=path, size_bytes=size, error=str(exc)))
    return sorted(found, key=_sort_key)


def read_metadata(path: Path) -> dict[str, Any]:
    """The GGUF header's key/value metadata of a valid model file (for the memory pre-flight).

    Validates like ``read_model_facts`` (``ModelError`` for a broken file). Array values come
    back as an object with ``item_type`` and ``count`` (e.g. the vocabulary size), not items.
    """
    read_model_facts(path)
    try:
        return dict(_read_header(Path(path)).metadata)
    except (_Damaged, OSError, ValueError, OverflowError, RecursionError, struct.error) as exc:
        raise _broken(Path(path), "its header is damaged or the file is cut short") from exc
