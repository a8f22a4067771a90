"""viz.mask: the four stages of masked attention come straight from the trace, -∞ is drawn as
its own colour, and removing the mask (RunOptions(causal=False)) fills the upper triangle."""

import json

import numpy as np
import pytest

from model.trace import RunOptions
from tests.model_factory import random_bundle
from viz import mask as vm
from viz.windows import window_at

PROMPT = "the cat sat on the mat"


@pytest.fixture(scope="module")
def bundle():
    return random_bundle()


@pytest.fixture(scope="module")
def trace(bundle):
    return bundle.run(PROMPT)


def test_the_four_stages_are_the_trace(trace):
    module, head, n = "blocks.1.attn", 2, len(trace.tokens)
    frames = vm.mask_frames(trace, module, head)
    assert list(frames) == ["mask", "scores", "masked", "softmax"]
    expected = {
        "mask": trace[f"{module}.hook_mask"], "scores": trace[f"{module}.hook_scaled"][head],
        "masked": trace[f"{module}.hook_attn_scores"][head], "softmax": trace[f"{module}.hook_pattern"][head] * 100,
    }
    for stage, frame in frames.items():
        np.testing.assert_allclose(frame["value"].to_numpy().reshape(n, n), expected[stage].numpy())
        assert frame["query_label"].tolist()[::n] == [f"{i}: {t}" for i, t in enumerate(trace.tokens)]
    mask = frames["mask"]
    later = mask["key_pos"] > mask["query_pos"]
    assert (mask.loc[later, "shown"] == "-∞").all() and (mask.loc[~later, "shown"] == "0").all()
    assert (frames["masked"]["hidden"] == later).all() and not frames["scores"]["hidden"].any()
    assert (frames["softmax"].loc[later, "value"] == 0).all()  # -∞ became exactly 0%
    assert (frames["softmax"]["hidden"] == later).all()  # ... and those zeros are drawn grey, apart from small attention


def test_stage_panels_draw_minus_infinity_grey_and_scores_around_zero(trace):
    frames = vm.mask_frames(trace, "blocks.0.attn", 0)
    domain = vm.score_domain(frames["scores"])
    assert domain[0] == -domain[1] > -np.inf
    n = len(trace.tokens)
    for i, (stage, frame) in enumerate(frames.items()):
        data = vm.mask_data(frame, stage, query=2, domain=domain, row_labels=i == 0)
        json.dumps(data, allow_nan=False)  # -inf never reaches the browser as a number
        assert data["title"] == vm.stage_title(stage) and data["chosen"] == 2 and data["row_labels"] == (i == 0)
        later = [k > q for q in range(n) for k in range(n)]
        if stage != "scores":  # the mask hides the later words: drawn in the mask's grey, apart from small numbers
            assert data["masked"] == later and data["masked_fill"] == vm.NEG_INF_FILL
        if stage in ("scores", "masked"):  # a red-blue scale around 0, as wide as the largest score
            assert data["scheme"] == "redblue" and (data["value_min"], data["value_max"]) == (-domain[1], domain[1])
        if stage == "masked":
            assert all(v is None for v, hidden in zip(data["values"], later) if hidden)  # -inf is not JSON
        if stage == "mask":
            assert data["legend"] == "swatch" and set(data["values"]) == {0.0, None}
        assert data["texts"] == frame["shown"].tolist()  # small: the lesson's numbers in the cells ("-∞", "0", "1.23")
    csv = vm.csv_frame(frames["mask"], "mask")
    assert csv.columns.tolist() == ["query_pos", "key_pos", "query_token", "key_token", "mask"]
    assert np.isneginf(csv["mask"]).sum() == frames["mask"]["hidden"].sum()


def test_without_the_mask_the_upper_triangle_fills_in(bundle, trace):
    unmasked = bundle.run(PROMPT, options=RunOptions(causal=False))
    assert not np.isneginf(unmasked["blocks.0.attn.hook_mask"].numpy()).any()
    frames = vm.compare_frames(trace, unmasked, "blocks.0.attn", 1)
    change = frames["change"]
    later = change["key_pos"] > change["query_pos"]
    assert (change.loc[later, "with_mask"] == 0).all() and (change.loc[later, "without_mask"] > 0).all()
    np.testing.assert_allclose(change["change"], change["without_mask"] - change["with_mask"])
    np.testing.assert_allclose(change.groupby("query_pos")["change"].sum(), 0, atol=1e-4)  # each row still sums to 100%
    data = vm.change_data(change, "change")
    assert data["value_max"] == -data["value_min"] == pytest.approx(change["change"].abs().max())  # around 0
    np.testing.assert_allclose(data["values"], change["change"])
    np.testing.assert_allclose(data["exact"], change["without_mask"])
    np.testing.assert_allclose(data["tip_extra"][0]["values"], change["with_mask"])
    assert [t for t in data["texts"] if t] and all(t == "" or t[0] in "+-" for t in data["texts"])  # "+12" and "-12" points


def test_visible_keys_and_spans(trace):
    assert vm.visible_keys(trace, "blocks.0.attn", 2) == ([0, 1, 2], [3, 4, 5])
    assert vm.visible_keys(trace, "blocks.0.attn", 5) == ([0, 1, 2, 3, 4, 5], [])
    assert vm.span([0, 1, 2, 5, 7, 8]) == "0–2, 5, 7–8" and vm.span([]) == ""


def test_long_prompt_stages_are_windowed():
    trace = random_bundle(max_len=200).run(" ".join([PROMPT] * 30))
    window = window_at(180, 180, 100, 100)
    frames = vm.mask_frames(trace, "blocks.0.attn", 0, window)
    assert all(len(f) == 40 * 40 for f in frames.values())
    assert frames["mask"]["query_pos"].min() == 100 and frames["mask"]["key_pos"].max() == 139
    data = vm.mask_data(frames["softmax"], "softmax", scale="sqrt")
    assert data["scale"] == "sqrt" and not data["printed"] and data["texts"] is None  # 1,600 cells: no numbers in them
    assert data["rows"][0] == f"100: {trace.tokens[100]}" and len(data["cols"]) == 40


def test_a_local_layer_s_scores_include_its_distance_bias_and_its_mask_a_band():
    import torch

    bundle = random_bundle(local_layers=1, local_window=2, distance_bias=True)
    with torch.no_grad():
        bundle.model.blocks[0].attn.distance_bias.copy_(torch.tensor([[0.0, 3.0]] * 4))
    trace = bundle.run(PROMPT)
    frames = vm.mask_frames(trace, "blocks.0.attn", 1)
    n = len(trace.tokens)
    scores = frames["scores"]["value"].to_numpy().reshape(n, n)
    scaled = trace["blocks.0.attn.hook_scaled"][1].numpy()
    np.testing.assert_allclose(np.diagonal(scores, -1), np.diagonal(scaled, -1) + 3.0, atol=1e-6)  # one back: +3
    masked = frames["masked"]["value"].to_numpy().reshape(n, n)
    np.testing.assert_allclose(masked[~np.isneginf(masked)], scores[~np.isneginf(masked)], atol=1e-6)  # panel 3 = 2 + mask
    assert vm.stage_title("scores", biased=True) == vm.BIASED_SCORES
    visible, hidden = vm.visible_keys(trace, "blocks.0.attn", 3)
    assert visible == [2, 3] and vm.hidden_before_and_after(hidden, 3) == ([0, 1], [4, 5])
