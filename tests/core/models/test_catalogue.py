"""The model catalogue: every entry well-formed, verdicts from the memory pre-flight, bandwidth kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.core.errors import KnownError, ModelError
from desktop.core.generation.preflight import plan_memory
from desktop.core.models import bandwidth as bandwidth_module
from desktop.core.models.bandwidth import CACHE_NAME, memory_bandwidth
from desktop.core.models.catalogue import (
    DOES_NOT_FIT,
    FITS,
    FITS_SLOW,
    SLOW_BELOW_TOKENS_PER_S,
    catalogue_path,
    catalogue_rows,
    estimate_tokens_per_s,
    judge,
    load_catalogue,
)
from desktop.core.paths import Paths

GB = 1024**3
REQUIRED_FAMILIES = (
    "gemma-3-1b",
    "gemma-3-4b",
    "qwen3-1.7b",
    "qwen3-4b",
    "llama-3.2-3b",
    "phi-4-mini",
    "smollm3-3b",
)


def test_every_entry_is_well_formed() -> None:
    catalogue = load_catalogue()
    ids = [entry.id for entry in catalogue.entries]
    for family in REQUIRED_FAMILIES:
        assert any(model_id.startswith(family) for model_id in ids), family
    assert catalogue.recommended.id == "gemma-3-1b-it" and "Recommended" in catalogue.note
    for entry in catalogue.entries:
        assert entry.file.endswith(".gguf") and entry.repo.count("/") == 1
        assert entry.quantization == "Q4_K_M" and entry.quantization in entry.file
        assert 300e6 < entry.size_bytes < 4e9 and entry.parameters > 5e8
        assert entry.licence.url.startswith("https://") and entry.licence.name
        assert entry.chat_template and entry.context_length >= 32768
        assert entry.source and entry.embedding % entry.heads == 0 and entry.heads % entry.kv_heads == 0


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_damaged_catalogue_is_a_plain_error(tmp_path: Path) -> None:
    good = json.loads(catalogue_path().read_text(encoding="utf-8"))
    with pytest.raises(KnownError, match="is missing"):
        load_catalogue(tmp_path / "nowhere.json")
    (tmp_path / "bad.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(KnownError, match="cannot be read"):
        load_catalogue(tmp_path / "bad.json")
    with pytest.raises(KnownError, match="lists no models"):
        load_catalogue(_write(tmp_path, {"models": []}))
    no_repo = json.loads(json.dumps(good))
    del no_repo["models"][2]["repo"]
    with pytest.raises(KnownError, match=r"model 3 \('qwen3-1.7b'\) has no valid 'repo'"):
        load_catalogue(_write(tmp_path, no_repo))
    bool_size = json.loads(json.dumps(good))
    bool_size["models"][0]["size_bytes"] = True
    with pytest.raises(KnownError, match="'size_bytes'"):
        load_catalogue(_write(tmp_path, bool_size))
    two = json.loads(json.dumps(good))
    two["models"][1]["recommended"] = True
    with pytest.raises(KnownError, match="exactly one model"):
        load_catalogue(_write(tmp_path, two))
    no_shape = json.loads(json.dumps(good))
    del no_shape["models"][0]["shape"]["kv_heads"]
    with pytest.raises(KnownError, match="shape"):
        load_catalogue(_write(tmp_path, no_shape))


def test_verdicts_come_from_the_memory_preflight() -> None:
    entries = {entry.id: entry for entry in load_catalogue().entries}
    small, large = entries["gemma-3-1b-it"], entries["qwen3-4b"]
    fast = 100e9
    assert judge(small, bandwidth_bytes_per_s=fast, available_ram=16 * GB).verdict == FITS
    refused = judge(large, bandwidth_bytes_per_s=fast, available_ram=2 * GB)
    assert refused.verdict == DOES_NOT_FIT and refused.n_ctx is None
    with pytest.raises(ModelError) as preflight:  # the same refusal, word for word
        plan_memory(large.shape(), available_ram=2 * GB)
    assert refused.reason == preflight.value.message
    # just enough memory for a shortened context: fits, but not as well
    tight_ram = (
        plan_memory(large.shape(), n_ctx=1024, available_ram=64 * GB).estimate.ram_bytes + 300 * 1024**2
    )
    tight = judge(large, bandwidth_bytes_per_s=fast, available_ram=tight_ram)
    assert tight.verdict == FITS_SLOW and tight.n_ctx is not None and tight.n_ctx < 4096
    slow = judge(
        large, bandwidth_bytes_per_s=large.size_bytes * (SLOW_BELOW_TOKENS_PER_S - 1), available_ram=16 * GB
    )
    assert slow.verdict == FITS_SLOW and "reading speed" in slow.reason


def test_tokens_per_second_is_bandwidth_over_size() -> None:
    assert estimate_tokens_per_s(1_000_000_000, 20e9) == pytest.approx(20.0)
    assert estimate_tokens_per_s(0, 20e9) == 0.0


def test_bandwidth_is_measured_once_and_kept(paths: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = bandwidth_module.measure_bandwidth

    def counted(*args: object, **kwargs: object) -> float:
        calls.append(1)
        return real(64 * 1024 * 1024, 2)

    monkeypatch.setattr(bandwidth_module, "measure_bandwidth", counted)
    first = memory_bandwidth(paths)
    assert first > 1e8 and (paths.cache / CACHE_NAME).is_file()
    assert memory_bandwidth(paths) == first and len(calls) == 1
    (paths.cache / CACHE_NAME).write_text("{ damaged", encoding="utf-8")
    assert memory_bandwidth(paths) > 0 and len(calls) == 2  # a damaged record means measuring again


def test_rows_say_what_is_downloaded(paths: Paths) -> None:
    catalogue = load_catalogue()
    (paths.models / catalogue.recommended.file).write_bytes(b"GGUF")
    rows = catalogue_rows(paths, catalogue, bandwidth_bytes_per_s=20e9, available_ram=16 * GB)
    assert [row.entry.id for row in rows] == [entry.id for entry in catalogue.entries]
    assert [row.downloaded for row in rows].count(True) == 1 and rows[0].downloaded
    assert all(row.verdict.verdict in (FITS, FITS_SLOW) for row in rows)
