"""viz/ functions on their data: the frames behind the charts hold the trace's numbers in token order."""

import math

import altair as alt
import numpy as np
import pytest
import torch

from model.generate import Sampling
from model.layers import sinusoidal_encoding
from model.trace import RunOptions
from tests.model_factory import random_bundle
from viz.architecture import architecture_dot
from viz.attention import attention_frame, attention_grid, attention_heatmap, attention_window, grid_frame, head_arithmetic, module_title
from viz.common import matrix_frame, pool_matrix, window_bounds
from viz.embeddings import Projection, embedding_plane_chart, position_arrows_frame, prompt_embedding_frame, vocabulary_frame
from viz.mask import mask_stage_chart, mask_stage_frames, unmasked_difference
from viz.next_token import generated_frame, next_token_chart, next_token_frame
from viz.positional import curves_frame, points_frame, similarity_frame, squiggles_chart

PROMPT = "the cat sat on the mat"


@pytest.fixture(scope="module")
def bundle():
    return random_bundle()


@pytest.fixture(scope="module")
def trace(bundle):
    return bundle.run(PROMPT)


def valid(chart) -> dict:
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    assert spec
    return spec


def test_matrix_frame_keeps_token_order_with_repeats():
    f = matrix_frame(np.arange(6).reshape(2, 3), ["a", "a"], ["x", "y", "x"])
    assert f["row_label"].tolist() == ["0: a"] * 3 + ["1: a"] * 3
    assert f["col_label"].tolist()[:3] == ["0: x", "1: y", "2: x"]
    assert f["value"].tolist() == list(range(6))


def test_attention_frame_holds_the_pattern(trace):
    f = attention_frame(trace, "blocks.1.attn", 2)
    pattern = trace.pattern("blocks.1.attn")[2]
    assert len(f) == pattern.numel()
    for row in f.itertuples():
        assert math.isclose(row.weight, pattern[row.row, row.col].item(), abs_tol=1e-7)
        assert row.row_token == trace.tokens[row.row] and row.col_token == trace.tokens[row.col]
    spec = valid(attention_heatmap(f, "t", query=3))
    assert "tooltip" in spec["layer"][0]["encoding"]
    assert spec["layer"][0]["encoding"]["y"]["sort"] == [f"{i}: {t}" for i, t in enumerate(trace.tokens)]


def test_arithmetic_table_reproduces_the_trace(trace):
    for module in trace.attention_modules():
        for query in range(len(trace.tokens)):
            steps = head_arithmetic(trace, module, 1, query)
            np.testing.assert_allclose(steps.table["softmax %"].to_numpy() / 100, trace.pattern(module)[1, query].numpy(), atol=1e-6)
            q, k = trace[f"{module}.hook_q"][query, 1], trace[f"{module}.hook_k"][:, 1]
            np.testing.assert_allclose(steps.table["query · key"].to_numpy(), (k @ q).numpy(), atol=1e-5)
            np.testing.assert_allclose(steps.table.iloc[:, 3].to_numpy(), (k @ q).numpy() / math.sqrt(4), atol=1e-5)
            v = trace[f"{module}.hook_v"][:, 1]
            np.testing.assert_allclose((trace.pattern(module)[1, query] @ v).numpy(), steps.weighted_sum, atol=1e-5)
            np.testing.assert_allclose(steps.weighted_sum, trace[f"{module}.hook_z"][query, 1].numpy(), atol=1e-6)
            assert (steps.table["+ mask"].to_numpy()[query + 1:] == -np.inf).all()


def test_translator_views_label_cross_attention_with_both_languages():
    bundle = random_bundle(architecture="encoder-decoder")
    trace = bundle.run("the cat sat", continuation=[5, 6])
    f = attention_frame(trace, "decoder.blocks.0.cross_attn", 0)
    assert set(f["row_token"]) == set(trace.tokens) and set(f["col_token"]) == set(trace.src_tokens)
    assert module_title("decoder.blocks.0.cross_attn") == "Encoder-decoder attention, layer 1"
    assert module_title("encoder.blocks.1.attn") == "Encoder self-attention, layer 2"
    steps = head_arithmetic(trace, "decoder.blocks.0.cross_attn", 0, 2)
    assert steps.residual["trace name"].tolist()[0] == "decoder.blocks.0.hook_resid_mid"
    valid(attention_grid(grid_frame(trace)))


def test_long_prompts_are_windowed_and_pooled():
    bundle = random_bundle(max_len=300)
    trace = bundle.run(" ".join(["the cat sat on the mat"] * 40))
    n = len(trace.tokens)
    rows, cols = attention_window(trace, "blocks.0.attn", query=200)
    assert (rows[1] - rows[0]) * (cols[1] - cols[0]) <= 4000 and rows[0] <= 200 < rows[1]
    assert cols[1] == rows[1]  # causal: the window ends at the last visible key
    grid = grid_frame(trace, max_side=24)
    assert grid.groupby(["module", "head"]).size().max() <= 24 * 24
    pooled, block = pool_matrix(trace.pattern("blocks.0.attn")[0], 24)
    assert block == math.ceil(n / 24) and pooled.max() <= 1
    assert window_bounds(10, 8, 5) == (5, 10)


def test_mask_stages(trace, bundle):
    frames = mask_stage_frames(trace, "blocks.0.attn", 0)
    assert list(frames) == ["mask", "scores", "masked scores", "softmax"]
    mask = frames["mask"]
    assert (mask.loc[mask["col"] > mask["row"], "shown"] == "-∞").all()
    assert (mask.loc[mask["col"] <= mask["row"], "value"] == 0).all()
    np.testing.assert_allclose(frames["softmax"]["value"].to_numpy() / 100, trace.pattern("blocks.0.attn")[0].reshape(-1).numpy(), atol=1e-5)
    for name, f in frames.items():
        valid(mask_stage_chart(f, name, percent=name == "softmax"))
    diff = unmasked_difference(trace, bundle.run(PROMPT, options=RunOptions(causal=False)), "blocks.0.attn", 0)
    assert (diff.loc[diff["col"] > diff["row"], "value"] <= 0).all()


def test_next_token_frame(trace, bundle):
    f = next_token_frame(trace.logits[-1], bundle.tokenizer.vocab, Sampling(temperature=1.0, top_k=3), top=0)
    assert f["probability"].is_monotonic_decreasing
    assert (f["probability"] > 0).sum() == 3 and math.isclose(f["probability"].sum(), 1, abs_tol=1e-5)
    np.testing.assert_allclose(np.sort(f["softmax"].to_numpy()), np.sort(torch.softmax(trace.logits[-1], -1).numpy()), atol=1e-6)
    assert f["chosen"].sum() == 1 and f.loc[f["chosen"], "rank"].item() == 1
    valid(next_token_chart(f.head(10), "t"))
    ids = [bundle.tokenizer.id_of(t) for t in trace.tokens]
    g = generated_frame(trace.logits, ids, trace.tokens, 4)
    assert g["word"].tolist() == trace.tokens[4:]
    assert math.isclose(g["probability"][0], torch.softmax(trace.logits[3], -1)[ids[4]].item(), rel_tol=1e-5)


def test_embedding_views(trace, bundle):
    f = prompt_embedding_frame(trace, "", trace.tokens)
    np.testing.assert_allclose(f["value"].to_numpy(), trace["hook_embed"].reshape(-1).numpy())
    vocab, projection = vocabulary_frame(bundle, "decoder", trace.tokens)
    assert len(vocab) == len(bundle.tokenizer) and vocab["in prompt"].sum() == len(set(trace.tokens))
    arrows = position_arrows_frame(trace, "", trace.tokens, projection)
    assert arrows["label"].tolist()[0] == "0: the"
    valid(embedding_plane_chart(vocab, arrows, projection.axis_titles, "t"))
    # with 2 numbers per word the plane is the raw numbers, no projection
    raw = Projection(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_allclose(raw(torch.tensor([[5.0, 6.0]])), [[5.0, 6.0]])


def test_positional_views_follow_the_formula():
    curves = curves_frame(6, 5, [0, 1, 4])
    for row in curves.sample(20, random_state=0).itertuples():
        angle = row.position / 10000 ** (2 * (row.dim // 2) / 6)
        assert math.isclose(row.value, math.sin(angle) if row.dim % 2 == 0 else math.cos(angle), abs_tol=1e-9)
    pe = sinusoidal_encoding(4, 6)
    points = points_frame(pe, ["a", "b", "a", "c"], [0, 1], 6)
    assert points["word"].tolist()[:4] == ["0: a", "1: b", "2: a", "3: c"]
    sim = similarity_frame(pe, ["a", "b", "a", "c"])
    assert math.isclose(sim["value"][0], float(pe[0] @ pe[0]), rel_tol=1e-6)
    valid(squiggles_chart(curves, points_frame(pe, ["a", "b", "a", "c"], [0, 1, 4], 6)))


def test_architecture_diagram_matches_the_config():
    cfg = random_bundle().config
    dot = architecture_dot(cfg)
    assert "2 x block" in dot and "4 heads x d_head 4" in dot and "16 -> 32 -> 16" in dot and "Final layer norm" in dot
    toy = random_bundle(d_ff=0, norm="none", n_heads=1, attn_out_proj=False, n_layers=1).config
    assert "Feed-forward" not in architecture_dot(toy) and "Final layer norm" not in architecture_dot(toy)
    assert "Encoder-decoder attention" in architecture_dot(random_bundle(architecture="encoder-decoder").config)
