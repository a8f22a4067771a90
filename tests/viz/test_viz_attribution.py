"""The attribution page's views (viz/attribution.py) on a real attribution of tiny-stories."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.analysis.attribution import logit_attribution
from model.checkpoint import load_checkpoint
from viz import attribution as va

CHECKPOINTS = Path(__file__).parents[2] / "sample_checkpoints"
PROMPT = "When Mary and John went to the store, John gave a drink to"


def test_every_part_has_its_own_readable_bar_label_in_rank_order():
    bundle = load_checkpoint(CHECKPOINTS / "tiny-stories")
    result = logit_attribution(bundle, bundle.run(PROMPT), "mary", "john", -1)
    frame = va.parts_frame(result)
    assert list(frame["rank"]) == list(range(1, len(frame) + 1))
    assert abs(frame["value"]).is_monotonic_decreasing
    assert frame["value"].sum() == pytest.approx(result.total, abs=1e-4)
    assert "layer 4 head 1" in set(frame["title"]) and frame["title"].is_unique
    spec = va.parts_chart(frame, "logit(mary) − logit(john)").to_dict()
    assert spec["encoding"]["y"]["axis"]["labelOverlap"] is False  # Vega would drop every other label
    assert spec["height"] >= 20 * len(frame)
