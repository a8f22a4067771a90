"""The bundled exploration models load and pass their thresholds on a fixed held-out slice."""

from pathlib import Path

import pytest

from model.checkpoint import load_checkpoint
from model.evaluate import evaluate
from model.generate import generate

CHECKPOINTS = Path(__file__).parents[2] / "sample_checkpoints"
# Each evaluates a held-out slice word by word: minutes on a shared machine, so beyond the default limit.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def test_tiny_translator_reorders_adjectives():
    bundle = load_checkpoint(CHECKPOINTS / "tiny-translator")
    assert bundle.config.n_heads > 1 and bundle.config.d_ff > 0 and bundle.config.norm != "none"
    assert sum(p.stat().st_size for p in (CHECKPOINTS / "tiny-translator").iterdir()) < 10 * 2**20
    assert " ".join(generate(bundle, "the small dogs see the red car.")) == "los perros pequeños ven el coche rojo . <EOS>"
    report = evaluate(bundle, quick=True)
    assert report["exact_match"] >= 0.95
    assert report["exact_match_reordered"] >= 0.95 and report["examples_reordered"] > 20


def test_tiny_stories_has_known_heads_and_solves_indirect_objects():
    folder = CHECKPOINTS / "tiny-stories"
    if not folder.exists():
        pytest.fail("sample_checkpoints/tiny-stories is missing: train it with `python -m model train tiny-stories`")
    bundle = load_checkpoint(folder)
    assert sum(p.stat().st_size for p in folder.iterdir()) < 10 * 2**20
    report = evaluate(bundle, quick=True)
    assert report["ioi_accuracy"] >= 0.9
    assert max(h["induction"] for h in report["heads"]) >= 0.4
    best = max(report["heads"], key=lambda h: h["previous_token"])
    assert best["previous_token"] >= 0.8
    assert best["layer"] < bundle.config.local_layers  # it is a head of the local first layer, as the card says
