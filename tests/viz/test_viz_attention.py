"""viz.attention: the frames behind the attention charts hold the trace's numbers, in token order,
and the arithmetic table reproduces the head's softmax and output from the trace."""

import json
import math

import numpy as np
import pytest

from model import names
from model.checkpoint import load_checkpoint
from tests.model_factory import random_bundle
from viz import arithmetic, canvas, head_grid, numbers, windows
from viz import attention as va
from viz.raster import MASKED, levels_rgb

PROMPT = "the cat sat on the mat"  # "the" twice: labels must keep both


@pytest.fixture(scope="module")
def trace():
    return random_bundle().run(PROMPT)


@pytest.fixture(scope="module")
def translation():
    return random_bundle(architecture="encoder-decoder").run("the cat sat", continuation=[5, 6])


def spec(chart) -> dict:
    out = chart.to_dict()  # validates against the Vega-Lite schema
    json.dumps(out, allow_nan=False)  # and is plain JSON (no NaN or infinity)
    return out


def test_attention_frame_holds_the_pattern_in_token_order(trace):
    frame = va.attention_frame(trace, "blocks.1.attn", 2)
    pattern = trace.pattern("blocks.1.attn")[2].numpy()
    n = len(trace.tokens)
    assert len(frame) == n * n
    np.testing.assert_allclose(frame["weight"].to_numpy().reshape(n, n), pattern)
    np.testing.assert_allclose(frame["percent"], frame["weight"] * 100)
    assert frame["query_token"].tolist()[::n] == trace.tokens
    assert frame["key_label"].tolist()[:n] == [f"{i}: {t}" for i, t in enumerate(trace.tokens)]
    assert frame["key_label"].nunique() == n  # "0: the" and "4: the" stay apart


def test_heatmap_data_is_the_pattern_row_by_row_in_token_order(trace):
    """The canvas heatmap's numbers: rows are queries and columns keys, both in token order, and
    value k of the flat list is cell (k // n, k % n) of the pattern, with the exact weights too."""
    frame = va.attention_frame(trace, "blocks.1.attn", 1)
    data = canvas.heatmap_data(frame, "Layer 2, head 2", query=4)
    pattern = trace.pattern("blocks.1.attn")[1].numpy()
    n = len(trace.tokens)
    labels = [f"{i}: {t}" for i, t in enumerate(trace.tokens)]
    assert data["rows"] == labels and data["cols"] == labels and data["row_pos"] == list(range(n))
    np.testing.assert_allclose(np.array(data["exact"]).reshape(n, n), pattern, rtol=1e-6)
    np.testing.assert_allclose(np.array(data["values"]).reshape(n, n), pattern * 100, rtol=1e-6)
    assert data["chosen"] == 4 and data["highlight"] == canvas.HIGHLIGHT
    assert data["printed"]  # 36 cells: small enough to print the percentages
    assert json.loads(json.dumps(data, allow_nan=False)) == data  # plain JSON for the component


def test_heatmap_data_marks_the_cells_the_causal_mask_hides(trace):
    """Hidden later words are drawn apart from attention that is merely small: the flags are the
    mask's -inf cells (the upper triangle), and a window keeps its own part of the mask."""
    n = len(trace.tokens)
    data = canvas.heatmap_data(va.attention_frame(trace, "blocks.0.attn", 0), "t")
    assert np.array(data["masked"]).reshape(n, n).tolist() == np.triu(np.ones((n, n), bool), k=1).tolist()
    window = windows.Window(2, n, 1, n)
    data = canvas.heatmap_data(va.attention_frame(trace, "blocks.0.attn", 0, window), "t")
    assert np.array(data["masked"]).reshape(n - 2, n - 1).tolist() == np.triu(np.ones((n, n), bool), k=1)[2:, 1:].tolist()


def test_heatmap_data_of_a_window_keeps_positions_and_leaves_gaps_empty():
    """A window starts at its own rows; a frame without some cells sends None there (drawn blank),
    and a query outside the window outlines no row."""
    import pandas as pd

    frame = pd.DataFrame({"query_pos": [5, 5, 6], "key_pos": [0, 1, 0], "query_label": ["5: a", "5: a", "6: b"],
                          "key_label": ["0: x", "1: y", "0: x"], "weight": [0.25, 0.75, 1.0]})
    frame["percent"] = frame["weight"] * 100
    data = canvas.heatmap_data(frame, "t", query=2, scale="sqrt")
    assert data["rows"] == ["5: a", "6: b"] and data["row_pos"] == [5, 6] and data["cols"] == ["0: x", "1: y"]
    assert data["values"] == [25.0, 75.0, 100.0, None]
    assert data["chosen"] == -1 and data["scale"] == "sqrt"


def test_arithmetic_table_reproduces_softmax_and_output(trace):
    """The lesson's table: its softmax column is hook_pattern's row, its % x value column sums to hook_z."""
    for module in trace.attention_modules():
        for head in (0, 3):
            for query in range(len(trace.tokens)):
                table = arithmetic.arithmetic_table(trace, module, head, query)
                np.testing.assert_allclose(table["softmax"], trace[f"{module}.hook_pattern"][head, query].numpy(), atol=1e-7)
                np.testing.assert_allclose(np.stack(table["weighted"]).sum(0), trace[f"{module}.hook_z"][query, head].numpy(), atol=1e-5)
                q, k = trace[f"{module}.hook_q"][query, head].numpy(), trace[f"{module}.hook_k"][:, head].numpy()
                np.testing.assert_allclose(table["dot"], k @ q, atol=1e-5)
                np.testing.assert_allclose(table["scaled"], k @ q / math.sqrt(q.shape[0]), atol=1e-5)
                assert (np.isneginf(table["mask"]) == (table["key_pos"] > query)).all()  # causal: later words hidden
                np.testing.assert_allclose(table["score"], table["scaled"] + table["mask"])
                assert np.stack(table["key"]).shape == (len(trace.tokens), q.shape[0])


def test_arithmetic_display_and_exact_numbers(trace):
    table = arithmetic.arithmetic_table(trace, "blocks.0.attn", 1, 2)
    shown = arithmetic.arithmetic_display(table, d_head=4)
    assert list(shown) == ["key word", "key vector", "q·k", "÷ √4", "+ mask", "softmax %", "value vector", "% × value"]
    assert shown["+ mask"] == ["0", "0", "0", "-∞", "-∞", "-∞"]
    assert sum(shown["softmax %"]) == pytest.approx(100, abs=1e-4)
    assert shown["key vector"][0].count(",") == 3 and numbers.rounded(-1e-5, 3) == "0.000"
    exact = arithmetic.arithmetic_exact(table)
    assert [c for c in exact.columns if c.startswith("value ")] == ["value dim 1", "value dim 2", "value dim 3", "value dim 4"]
    np.testing.assert_array_equal(exact["softmax"], table["softmax"])


def test_query_and_residual_rows_come_from_the_trace(trace):
    q = arithmetic.query_frame(trace, "blocks.1.attn", 2, 4, norm="pre")
    assert q["trace name"].tolist() == ["blocks.1.ln1.hook_normalized", "blocks.1.attn.hook_q"]
    np.testing.assert_array_equal(q["vector"][1], trace["blocks.1.attn.hook_q"][4, 2].numpy())
    r = arithmetic.residual_frame(trace, "blocks.1.attn", 4, norm="pre")
    assert r["trace name"].tolist() == ["blocks.1.hook_resid_pre", "blocks.1.hook_attn_out", "blocks.1.hook_resid_mid"]
    np.testing.assert_allclose(r["vector"][0] + r["vector"][1], r["vector"][2], atol=1e-5)  # resid_pre + attn_out = resid_mid
    assert arithmetic.vectors_display(r, limit=2)["vector"][0].endswith(", …]")


def test_post_norm_residual_shows_the_sum_and_the_normalized_stream():
    trace = random_bundle(norm="post").run(PROMPT)
    r = arithmetic.residual_frame(trace, "blocks.0.attn", 2, norm="post")
    assert r["step"].tolist()[-1].startswith("→ layer norm")
    np.testing.assert_allclose(r["vector"][2], r["vector"][0] + r["vector"][1])
    assert arithmetic.query_frame(trace, "blocks.0.attn", 0, 2, norm="post")["trace name"][0] == "blocks.0.hook_resid_pre"


def test_translator_modules_have_friendly_names_and_both_languages(translation):
    titles = {m: va.module_title(m) for m in translation.attention_modules()}
    assert titles["encoder.blocks.0.attn"] == "Encoder self-attention, layer 1"
    assert titles["decoder.blocks.0.attn"] == "Decoder masked self-attention, layer 1"
    assert titles["decoder.blocks.1.cross_attn"] == "Encoder-decoder attention, layer 2"
    assert va.module_title("blocks.2.attn") == "Masked self-attention, layer 3"
    # link values: a ")" in the page address breaks Vega's url(address#gradient) legend fill
    from viz.sides import side_title
    assert not any(c in "()" for t in [*titles.values(), side_title("encoder"), side_title("decoder")] for c in t)
    cross = "decoder.blocks.0.cross_attn"
    frame = va.attention_frame(translation, cross, 1)
    assert frame["query_token"].unique().tolist() == translation.tokens  # rows: output words
    assert frame["key_token"].unique().tolist() == translation.src_tokens  # columns: input words
    table = arithmetic.arithmetic_table(translation, cross, 1, 2)
    assert table["key_token"].tolist() == translation.src_tokens and not np.isneginf(table["mask"]).any()
    np.testing.assert_allclose(np.stack(table["weighted"]).sum(0), translation[f"{cross}.hook_z"][2, 1].numpy(), atol=1e-5)
    r = arithmetic.residual_frame(translation, cross, 2)
    assert r["trace name"].tolist() == ["decoder.blocks.0.hook_resid_mid", "decoder.blocks.0.hook_cross_attn_out", "decoder.blocks.0.hook_resid_mid_cross"]
    assert names.module_kind(cross) == "cross" and names.module_kind("encoder.blocks.0.attn") == "encoder"


def test_statquest_toy_arithmetic_matches_its_trace():
    trace = load_checkpoint("sample_checkpoints/statquest-decoder").run("what is statquest")
    table = arithmetic.arithmetic_table(trace, "blocks.0.attn", 0, 3)
    np.testing.assert_allclose(table["softmax"], trace.pattern("blocks.0.attn")[0, 3].numpy(), atol=1e-7)
    np.testing.assert_allclose(np.stack(table["weighted"]).sum(0), trace["blocks.0.attn.hook_z"][3, 0].numpy(), atol=1e-5)
    assert list(arithmetic.arithmetic_display(table, 2))[3] == "÷ √2"


def test_windows_stay_inside_the_matrix():
    assert not windows.needs_window(64, 64) and windows.needs_window(65, 65)  # a 64-token prompt is drawn whole
    assert windows.window_at(500, 500, 490, -5) == windows.Window(460, 500, 0, 40)
    assert windows.window_at(10, 300, 3, 100) == windows.Window(0, 10, 100, 140)


def test_long_prompts_are_windowed_overviewed_and_pooled():
    trace = random_bundle(max_len=320).run(" ".join([PROMPT] * 50))
    n = len(trace.tokens)
    assert n == 300
    window = windows.window_at(n, n, 200, 170)
    frame = va.attention_frame(trace, "blocks.1.attn", 3, window)
    assert len(frame) == windows.WINDOW ** 2 <= windows.MAX_CELLS
    assert frame["query_pos"].min() == 200 and frame["key_pos"].max() == 209
    np.testing.assert_allclose(frame["weight"].to_numpy().reshape(40, 40), trace.pattern("blocks.1.attn")[3, 200:240, 170:210].numpy())
    assert not canvas.heatmap_data(frame, "t", scale="sqrt")["printed"]  # 1,600 cells: no numbers printed in them

    overview = va.overview_frame(trace, "blocks.1.attn", 3, max_side=60)
    block = int(overview["block"][0])
    assert block == 5 and len(overview) == 60 * 60
    first = overview.iloc[0]
    assert first["max_percent"] == pytest.approx(trace.pattern("blocks.1.attn")[3, :5, :5].max().item() * 100)
    assert overview["query_to"].max() == n
    # grey only where the causal mask hides the whole block: above the diagonal blocks
    assert (overview["hidden"] == (overview["key_from"] >= overview["query_to"])).all()
    data = va.overview_data(overview, "o", window)
    assert len(data["rows"]) == len(data["cols"]) == 60 and data["rows"][:2] == ["0–4", "5–9"] and data["cols"][-1] == "295–299"
    assert data["row_pos"][:2] == [0, 5]  # a click picks the block's first word
    np.testing.assert_allclose(data["values"], overview["max_percent"])  # rows of blocks in order, row-major
    np.testing.assert_allclose(data["exact"], overview["mean_percent"])  # the mean in the tooltip
    assert data["masked"] == overview["hidden"].tolist() and data["scale"] == "sqrt" and not data["printed"]
    assert data["box"] == {"r0": 40, "r1": 48, "c0": 34, "c1": 42}  # rows 200-239, keys 170-209, in blocks of 5
    assert data["tip_names"] == ["queries", "keys"] and data["exact_title"] == "mean attention %"

    grid = head_grid.grid_frame(trace, selected=("blocks.1.attn", 2))
    assert len(grid) <= windows.MAX_CELLS and grid["block"].max() > 1
    assert grid.groupby(["module", "head"]).size().nunique() == 1
    assert grid.loc[grid["selected"], ["module", "head"]].drop_duplicates().values.tolist() == [["blocks.1.attn", 2]]

    pictures = head_grid.grid_pictures(trace, selected=("blocks.1.attn", 2), max_side=60)
    assert len(pictures) == 2 * 4 and all(p["block"] == 5 for p in pictures)  # 300 tokens in blocks of 5: 60 x 60
    assert [(p["module"], p["head"]) for p in pictures if p["selected"]] == [("blocks.1.attn", 2)]
    assert pictures[0]["levels"].shape == (60, 60)
    data = head_grid.grid_data(pictures)
    # one row per module (in model order), one column per head, one panel per head with its picture
    assert data["rows"] == [va.module_title("blocks.0.attn"), va.module_title("blocks.1.attn")]
    assert data["cols"] == ["head 1", "head 2", "head 3", "head 4"]
    assert sorted((p["row"], p["col"]) for p in data["panels"]) == [(r, c) for r in range(2) for c in range(4)]
    assert [(p["module"], p["head"]) for p in data["panels"] if p["selected"]] == [("blocks.1.attn", 2)]
    assert all(panel_levels(p).tolist() == pic["levels"].tolist() for p, pic in zip(data["panels"], pictures))
    assert data["highlight"] == canvas.HIGHLIGHT and len(data["palette"]) == 256 * 3


def panel_levels(panel: dict) -> np.ndarray:
    """A panel's picture as the component reads it: base64 of deflated bytes, row-major, in ``shape``."""
    import base64
    import zlib

    return np.frombuffer(zlib.decompress(base64.b64decode(panel["pixels"])), dtype=np.uint8).reshape(panel["shape"])


def test_grid_pictures_hold_every_head_one_pixel_per_cell(trace):
    """Short prompts are not pooled: pixel (q, k) is the head's weight there, coloured on the blues
    (darker = more), so the strongest cell of a row is its darkest pixel."""
    pictures = head_grid.grid_pictures(trace)
    n = len(trace.tokens)
    assert len(pictures) == 2 * 4 and all(p["block"] == 1 for p in pictures)
    picture = next(p for p in pictures if p["module"] == "blocks.1.attn" and p["head"] == 3)
    pixels = levels_rgb(picture["levels"]).astype(int)
    assert pixels.shape == (n, n, 3)
    pattern = trace.pattern("blocks.1.attn")[3].numpy()
    brightness = pixels.sum(axis=-1)
    for q in range(1, n):
        assert brightness[q, : q + 1].argmin() == pattern[q, : q + 1].argmax()
    # the level is the weight, to the nearest 1/254
    assert np.abs(picture["levels"][np.tril_indices(n)] / 254 - pattern[np.tril_indices(n)]).max() <= 0.5 / 254 + 1e-6
    # cells the causal mask hides are grey, as in the heatmap, not the blues' lightest "little attention"
    assert (pixels[np.triu_indices(n, k=1)] == MASKED).all() and not (pixels[np.tril_indices(n)] == MASKED).all(axis=-1).any()


def test_a_pooled_grid_block_is_grey_only_when_the_mask_hides_all_of_it():
    bundle = random_bundle(max_len=64)
    trace = bundle.run(" ".join(["the cat"] * 20))
    pictures = head_grid.grid_pictures(trace, max_side=10)
    block = pictures[0]["block"]
    assert block == 4  # 40 tokens -> 10 x 10 blocks of 4
    pixels = levels_rgb(pictures[0]["levels"]).astype(int)
    grey = (pixels == MASKED).all(axis=-1)
    assert grey[0, 1] and not grey[0, 0] and not grey[1, 0]  # above the diagonal block: all hidden


def test_grid_of_a_short_prompt_keeps_every_cell_with_its_tokens(trace):
    grid = head_grid.grid_frame(trace)
    assert len(grid) == 2 * 4 * len(trace.tokens) ** 2  # 2 layers x 4 heads, nothing pooled
    cell = grid[(grid["module"] == "blocks.0.attn") & (grid["head"] == 1)].iloc[len(trace.tokens) + 4]
    assert (cell["query"], cell["key"]) == ("1: cat", "4: the")
    assert cell["max_percent"] == pytest.approx(trace.pattern("blocks.0.attn")[1, 1, 4].item() * 100)


def test_the_window_follows_the_chosen_query_only_when_it_leaves_the_window():
    current = windows.Window(100, 140, 100, 140)
    assert windows.window_for_query(500, 500, 120, "masked", current) == current  # already shown: stays put
    assert windows.window_for_query(500, 500, 300, "masked", current) == windows.Window(280, 320, 261, 301)  # keys end at the query
    assert windows.window_for_query(500, 500, 300, "encoder", current) == windows.Window(280, 320, 280, 320)
    assert windows.window_for_query(500, 500, 3, "masked") == windows.Window(0, 40, 0, 40)


@pytest.fixture(scope="module")
def local_bundle():
    """Layer 1 sees the last 3 words and learns a bias per distance back (as tiny-stories does)."""
    import torch

    bundle = random_bundle(local_layers=1, local_window=3, distance_bias=True)
    with torch.no_grad():
        bundle.model.blocks[0].attn.distance_bias.copy_(torch.tensor([[0.0, 2.0, -1.0]] * 4))
    return bundle


def test_a_local_layer_s_arithmetic_adds_its_distance_bias(local_bundle):
    trace = local_bundle.run(PROMPT)
    assert va.local_window(local_bundle.config, "blocks.0.attn") == 3
    assert va.local_window(local_bundle.config, "blocks.1.attn") == 0
    table = arithmetic.arithmetic_table(trace, "blocks.0.attn", 1, 4)  # query 4 sees keys 2, 3, 4
    np.testing.assert_allclose(table["bias"][2:5], [-1.0, 2.0, 0.0])  # 2, 1 and 0 words back
    assert np.isneginf(table["mask"]).tolist() == [True, True, False, False, False, True]  # too far back, and later
    np.testing.assert_allclose(table["score"], table["scaled"] + table["bias"] + table["mask"], atol=1e-6)
    np.testing.assert_allclose(table["softmax"], trace["blocks.0.attn.hook_pattern"][1, 4].numpy(), atol=1e-7)
    shown = arithmetic.arithmetic_display(table, d_head=4)
    assert list(shown)[3:6] == ["÷ √4", "+ distance bias", "+ mask"]
    assert "distance_bias" in arithmetic.arithmetic_exact(table)
    assert "bias" not in arithmetic.arithmetic_table(trace, "blocks.1.attn", 1, 4)  # a global layer has none


def test_heatmap_data_of_a_local_layer_says_how_far_it_sees(local_bundle):
    trace = local_bundle.run(PROMPT)
    data = canvas.heatmap_data(va.attention_frame(trace, "blocks.0.attn", 0), "t", window=3)
    assert data["window"] == 3 and data["col_pos"] == list(range(6))
    masked = np.array(data["masked"]).reshape(6, 6)
    q, k = np.indices((6, 6))
    assert (masked == ((k > q) | (k < q - 2))).all()  # later words, and words more than 2 back


def test_vectors_are_written_rounded_without_minus_zero():
    rows = np.array([[0.12345, -0.0004, 2.0, -3.5], [-0.0, 1e-9, -1e-9, 0.0005]])
    assert numbers.fmt_vectors(rows, 3, 6) == ["[0.123, 0.000, 2.000, -3.500]", "[0.000, 0.000, 0.000, 0.001]"]
    assert numbers.fmt_vectors(rows, 2, 3) == ["[0.12, 0.00, 2.00, …]", "[0.00, 0.00, 0.00, …]"]
    assert numbers.fmt_vector(rows[0], 1, 2) == "[0.1, 0.0, …]"
    assert numbers.fmt_vectors(rows, 3) == [numbers.fmt_vector(r) for r in rows]
