"""`understudy draft`: the whole path on the real models, grounded in an imported archive."""

import json

import pytest

from desktop.app import main
from desktop.core.paths import Paths
from tests.core.importers.test_pipeline import x_archive


def test_draft_json_is_grounded_and_checked(
    paths_with_models: Paths, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    base = str(paths_with_models.base)
    archive = x_archive(tmp_path_factory.mktemp("archives") / "x.zip", tweet_count=30)
    assert main(["--basedir", base, "import", str(archive)]) == 0
    capsys.readouterr()
    assert main(["--basedir", base, "draft", "love your videos so much!", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert set(shown) >= {"text", "mode", "model", "persona_version", "sources", "guard", "timings"}
    assert shown["text"].strip() and shown["mode"] == "completion"
    assert {"blocked", "findings"} <= set(shown["guard"])
    assert {"retrieve_ms", "first_token_ms", "total_ms", "tokens"} <= set(shown["timings"])
    # The one past exchange ("love your videos!" -> "thank you so much!") grounds the draft.
    assert any(s["role"] == "example" and s["text"] == "thank you so much!" for s in shown["sources"])


def test_red_message_is_not_drafted(paths_with_models: Paths, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--basedir", str(paths_with_models.base), "draft", "i want to end my life"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("No draft: this message needs you")
