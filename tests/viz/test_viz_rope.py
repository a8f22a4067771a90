"""RoPE views (viz/rope.py) on their data: angles against hand-computed values, distance curves
that coincide, and the angle heatmap on the colour wheel."""

from __future__ import annotations

import json
import math

import pytest
import torch

from model.layers import Rotary
from viz.rope import angle_frame, angle_heatmap, distance_frame, pair_labels


def test_angles_are_position_times_the_pairs_speed_within_one_turn():
    rotary = Rotary(d_head=4, theta=10_000.0)  # speeds 1 and 1/100 radian per position
    frame = angle_frame(rotary, ["a", "b", "c", "d", "e", "f", "g", "h"], start=5, stop=8)
    assert list(frame["row"].unique()) == [5, 6, 7]
    assert pair_labels(4) == ["pair 1 (dims 1, 3)", "pair 2 (dims 2, 4)"]
    at = frame.set_index(["row", "col"])
    for pos in (5, 6, 7):
        assert at.loc[(pos, 0), "degrees"] == pytest.approx(math.degrees(pos), rel=1e-5)
        assert at.loc[(pos, 0), "value"] == pytest.approx(math.degrees(pos) % 360, rel=1e-5)
        assert at.loc[(pos, 1), "degrees"] == pytest.approx(math.degrees(pos / 100), rel=1e-5)


def test_q_dot_k_depends_only_on_the_distance():
    torch.manual_seed(0)
    rotary = Rotary(d_head=8, theta=10_000.0)
    q, k = torch.randn(8), torch.randn(8)
    frame = distance_frame(rotary, q, k, max_distance=6)
    curves = [group.sort_values("distance")["q.k"].to_numpy() for _, group in frame.groupby("query at")]
    assert len(curves) == 3
    for other in curves[1:]:
        assert other == pytest.approx(curves[0], abs=1e-3)
    at_zero = frame[frame["distance"] == 0]["q.k"].iloc[0]
    assert at_zero == pytest.approx(float(q @ k), rel=1e-4)  # no distance, no net turn


def test_the_angle_heatmap_colours_on_a_wheel_from_0_to_360():
    rotary = Rotary(d_head=4, theta=10_000.0)
    chart = angle_heatmap(angle_frame(rotary, ["a", "b", "c"]))
    spec = chart.to_dict()
    assert '"scheme": "sinebow"' in json.dumps(spec)
    assert {p["name"]: p["value"] for p in spec["params"]}.items() >= {"lo": 0.0, "hi": 360.0}.items()
