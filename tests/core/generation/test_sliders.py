"""Every persona slider moves the real default model's drafts in its direction.

A creator's archive (``voice_corpus``) is imported through the real pipeline, its style profile
calibrates the sliders, and the real Gemma drafts the same 30 fan messages twice per slider:
with the slider at 10 and at 90, every other slider at the creator's calibrated position (length
at 50, about 8 words, while another slider is measured: short drafts keep the 540 drafts quick). The
slider's own measure (mean words, emoji per reply, questions per reply, ...) must move the
right way by a clear margin. The figures are printed (``pytest -s``) for the closing note.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from desktop.core.generation.drafting import Draft
from desktop.core.generation.session import DraftingSession
from desktop.core.generation.steering import self_promotion_count
from desktop.core.importers.pipeline import import_archive
from desktop.core.paths import Paths
from desktop.core.persona import Persona
from desktop.core.persona.model import Identity, Product
from desktop.core.persona.style import (
    StyleFeatures,
    calibrated_sliders,
    compute_style_profile,
    save_style_profile,
    style_features,
)
from desktop.core.persona.versions import save_persona
from desktop.core.store import open_store
from tests.core.generation.voice_corpus import PROBES, write_voice_archive

pytestmark = pytest.mark.slow

LOW, HIGH = 10.0, 90.0
OTHERS_LENGTH = 50.0

# slider -> (its measure of one draft, the least difference HIGH - LOW of the mean that counts as clear)
MEASURES: dict[str, tuple[Callable[[StyleFeatures], float], float]] = {
    "length": (lambda f: f.words, 5.0),
    "warmth": (lambda f: f.warm, 0.2),
    "formality": (lambda f: f.formality, 0.05),
    "humour": (lambda f: f.laughs, 0.2),
    "energy": (lambda f: f.exclamations, 0.3),
    "emoji": (lambda f: f.emoji, 0.3),
    "directness": (lambda f: -f.hedges, 0.2),
    "curiosity": (lambda f: f.questions, 0.2),
    "self_promotion": (lambda f: f.self_promotion + f.links, 0.15),  # plus product mentions, see below
}


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory, default_models_dir: Path) -> Iterator[DraftingSession]:
    base = tmp_path_factory.mktemp("sliders")
    paths = Paths.resolve(base / "base").ensure()
    for model in default_models_dir.glob("*.gguf"):
        os.link(model, paths.models / model.name)
    archive = write_voice_archive(base / "instagram-voice.zip")
    store = open_store(paths.create_profile("default").store)
    for _ in import_archive(store, archive):
        pass
    profile = compute_style_profile(store)
    save_style_profile(store, profile)
    persona = Persona(
        display_name="Zoë",
        sliders=calibrated_sliders(profile),
        identity=Identity(
            products=[
                Product("the Fuel cookbook", "zoe.fit/cookbook"),
                Product("the twelve-week programme", "zoe.fit/programme"),
            ]
        ),
    )
    save_persona(store, persona, "calibrated from the archive")
    store.close()
    drafting = DraftingSession(paths, "default")
    for _ in drafting.open():
        pass
    yield drafting
    drafting.close()


def _draft_all(session: DraftingSession, persona: Persona) -> list[Draft]:
    drafts = []
    for n, message in enumerate(PROBES):
        # one candidate: the sliders steer the model itself (a chosen past answer is the creator's own words)
        generator = session.draft(message, persona=persona, seed=n, candidates=1)
        try:
            while True:
                next(generator)
        except StopIteration as done:
            drafts.append(done.value)
    return drafts


@pytest.mark.parametrize("slider", list(MEASURES))
def test_slider_moves_its_measure_on_the_real_model(session: DraftingSession, slider: str) -> None:
    _version, active = session.persona()
    measure, margin = MEASURES[slider]
    means = {}
    for position in (LOW, HIGH):
        others = {
            **active.sliders,
            "length": active.sliders["length"] if slider == "length" else OTHERS_LENGTH,
        }
        persona = replace(active, sliders={**others, slider: position})
        drafts = _draft_all(session, persona)
        assert len(drafts) == len(PROBES)
        texts = [d.text for d in drafts if d.triage.draft_allowed]
        assert len(texts) >= 25, "nearly every probe is an ordinary fan question and gets a draft"
        if slider == "self_promotion":
            means[position] = statistics.fmean(self_promotion_count(text, persona) for text in texts)
        else:
            means[position] = statistics.fmean(measure(style_features(text)) for text in texts)
    print(
        f"\n{slider}: at {LOW:g} {means[LOW]:.3f}, at {HIGH:g} {means[HIGH]:.3f} "
        f"(calibrated {active.sliders[slider]:g}, margin {margin:g})"
    )
    assert means[HIGH] - means[LOW] >= margin, f"{slider}: {means}"
