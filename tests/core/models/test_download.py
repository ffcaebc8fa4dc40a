"""Downloads against a real HTTP server on 127.0.0.1 that behaves like the Hub (no mocked client).

The served file is a copy of the default Gemma, so the downloaded model is validated (and in
one test probed) for real.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.errors import Cancelled, KnownError, ModelError
from desktop.core.models import DEFAULT_CHAT_MODEL
from desktop.core.models import download as download_module
from desktop.core.models.catalogue import load_catalogue
from desktop.core.models.download import DownloadProgress, download_model, partial_file
from desktop.core.models.hub import DownloadSource, hub_file_url, source_for
from desktop.core.models.manager import ModelManager
from desktop.core.paths import Paths
from desktop.core.tasks import CancelToken
from tests.core.models.hub_stand_in import HubFile, HubStandIn

REPO, FILE = "test-org/tiny-GGUF", "tiny-Q4_K_M.gguf"


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours proxy variables; a proxy set on the test machine must not catch loopback."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def served_model(tmp_path_factory: pytest.TempPathFactory, default_models_dir: Path) -> HubFile:
    copy = tmp_path_factory.mktemp("hub") / FILE
    shutil.copyfile(default_models_dir / DEFAULT_CHAT_MODEL, copy)
    return HubFile(copy)


@pytest.fixture
def hub(served_model: HubFile) -> Iterator[HubStandIn]:
    stand_in = HubStandIn(files={f"{REPO}/{FILE}": served_model}).start()
    yield stand_in
    stand_in.stop()


def _source(hub: HubStandIn, sha256: str | None = None) -> DownloadSource:
    return DownloadSource(hub_file_url(REPO, FILE, hub.base), FILE, sha256, None, REPO)


def _run(paths: Paths, hub: HubStandIn, **options: object) -> tuple[object, list[object]]:
    steps: list[object] = []
    generator = download_model(
        paths,
        options.pop("source", None) or _source(hub),
        hub=hub.base,
        probe=bool(options.pop("probe", False)),
        **options,
    )  # type: ignore[arg-type]
    while True:
        try:
            steps.append(next(generator))
        except StopIteration as stop:
            return stop.value, steps


def test_a_download_is_verified_renamed_and_listed(
    paths: Paths, hub: HubStandIn, served_model: HubFile
) -> None:
    facts, steps = _run(paths, hub)
    assert facts.file_name == FILE and facts.ok and facts.architecture == "gemma3"
    assert [m.file_name for m in ModelManager(paths).list()] == [FILE]
    assert (paths.models / FILE).read_bytes() == served_model.path.read_bytes()
    assert not partial_file(paths.models, FILE).exists()
    last = [s for s in steps if isinstance(s, DownloadProgress)][-1]
    assert last.done == last.total == served_model.size
    assert hub.ranges_seen == []  # nothing to resume


def test_resume_after_a_cut_at_a_random_byte(paths: Paths, hub: HubStandIn, served_model: HubFile) -> None:
    cut = random.Random().randrange(1, served_model.size - 1)
    hub.cut_at = cut
    with pytest.raises(KnownError, match="connection was lost") as lost:
        _run(paths, hub, retries=0)
    assert "continues where it stopped" in str(lost.value)
    part = partial_file(paths.models, FILE)
    assert 0 < part.stat().st_size <= cut and not (paths.models / FILE).exists()
    assert ModelManager(paths).list() == []
    kept = part.stat().st_size
    facts, _steps = _run(paths, hub)  # run again: a Range request continues the part
    assert hub.ranges_seen == [f"bytes={kept}-"]
    assert facts.ok and (paths.models / FILE).read_bytes() == served_model.path.read_bytes()


def test_a_cut_is_resumed_by_itself_within_the_retries(
    paths: Paths, hub: HubStandIn, served_model: HubFile
) -> None:
    hub.cut_at = served_model.size // 3
    facts, steps = _run(paths, hub, retries=2)
    assert facts.ok and len(hub.ranges_seen) == 1
    assert any("Connection lost" in getattr(s, "message", "") for s in steps)


def test_a_server_ignoring_range_restarts_cleanly(
    paths: Paths, hub: HubStandIn, served_model: HubFile
) -> None:
    hub.cut_at = served_model.size // 2
    with pytest.raises(KnownError):
        _run(paths, hub, retries=0)
    hub.ignore_range = True
    facts, _steps = _run(paths, hub)
    assert len(hub.ranges_seen) == 1  # asked to resume, got the whole file, started over
    assert (paths.models / FILE).read_bytes() == served_model.path.read_bytes() and facts.ok


def test_a_wrong_hash_is_refused_and_leaves_nothing(paths: Paths, hub: HubStandIn) -> None:
    hub.advertised_sha256 = "0" * 64
    with pytest.raises(ModelError, match="not the published file"):
        _run(paths, hub)
    assert not partial_file(paths.models, FILE).exists()
    assert not list(partial_file(paths.models, FILE).parent.iterdir())
    assert ModelManager(paths).list() == [] and not (paths.models / FILE).exists()


def test_a_given_hash_that_differs_from_the_hubs_is_refused_before_downloading(
    paths: Paths, hub: HubStandIn
) -> None:
    with pytest.raises(KnownError, match="not the one the server publishes"):
        _run(paths, hub, source=_source(hub, sha256="1" * 64))
    assert not partial_file(paths.models, FILE).exists()


def test_a_full_disk_is_refused_before_starting(
    paths: Paths, hub: HubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = shutil.disk_usage
    monkeypatch.setattr(
        download_module.shutil, "disk_usage", lambda folder: real(folder)._replace(free=100 * 1024 * 1024)
    )
    with pytest.raises(KnownError, match="not enough free disk space") as full:
        _run(paths, hub)
    assert "needs" in str(full.value) and "free" in str(full.value)
    assert not list(partial_file(paths.models, FILE).parent.iterdir())  # nothing started


def test_not_found_gated_and_refused_connections_are_plain_words(paths: Paths, hub: HubStandIn) -> None:
    missing = DownloadSource(hub_file_url(REPO, "nope.gguf", hub.base), "nope.gguf", None, None, REPO)
    with pytest.raises(KnownError, match=r"was not found on the server \(404\)"):
        _run(paths, hub, source=missing)
    hub.refuse_status = 401
    with pytest.raises(KnownError, match="licence") as gated:
        _run(paths, hub)
    assert "accept the licence" in str(gated.value)
    hub.stop()  # nothing listens any more: connection refused
    with pytest.raises(KnownError, match="could not connect to 127.0.0.1"):
        _run(paths, hub)
    assert ModelManager(paths).list() == []


def test_cancel_keeps_the_part_and_the_next_run_resumes(
    paths: Paths, hub: HubStandIn, served_model: HubFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(download_module, "_PROGRESS_EVERY_S", 0.0)
    cancel = CancelToken()
    generator = download_model(paths, _source(hub), cancel=cancel, hub=hub.base, probe=False)
    with pytest.raises(Cancelled, match="start it again to continue"):
        for step in generator:
            if isinstance(step, DownloadProgress) and step.done > 0:
                cancel.cancel()
    part = partial_file(paths.models, FILE)
    kept = part.stat().st_size
    assert 0 < kept < served_model.size and ModelManager(paths).list() == []
    facts, _steps = _run(paths, hub)
    assert hub.ranges_seen == [f"bytes={kept}-"] and facts.ok


def test_a_catalogue_id_becomes_a_hub_source_and_urls_are_checked() -> None:
    catalogue = load_catalogue()
    entry = catalogue.recommended
    source = source_for(entry.id, catalogue, base="http://127.0.0.1:9")
    assert source.url == f"http://127.0.0.1:9/{entry.repo}/resolve/main/{entry.file}"
    assert source.file_name == entry.file and source.repo == entry.repo
    direct = source_for("https://example.org/m/x.gguf", catalogue, sha256="A" * 64)
    assert direct.sha256 == "a" * 64 and direct.file_name == "x.gguf"
    with pytest.raises(KnownError, match="not a sha256"):
        source_for(entry.id, catalogue, sha256="abc")
    with pytest.raises(KnownError, match="neither a model of the catalogue"):
        source_for("no-such-model", catalogue)
    with pytest.raises(KnownError, match="does not name a .gguf"):
        source_for("https://example.org/model.bin", catalogue)


def test_a_direct_url_without_a_published_hash_needs_one(
    paths: Paths, hub: HubStandIn, served_model: HubFile
) -> None:
    url = f"{hub.base}/cdn/{FILE}"  # a plain server: no LFS headers
    plain = DownloadSource(url, FILE)
    with pytest.raises(KnownError, match="--sha256"):
        _run(paths, hub, source=plain)
    facts, _steps = _run(paths, hub, source=DownloadSource(url, FILE, served_model.sha256), probe=True)
    assert facts.ok  # verified against the given hash, then loaded once by a child
