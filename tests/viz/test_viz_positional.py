"""viz/positional.py: continuous squiggles from the formula, dots from the trace, matrices in token order."""

import math
from pathlib import Path

import numpy as np
import pytest

from model.checkpoint import load_checkpoint
from model.layers import sinusoidal_encoding
from tests.model_factory import random_bundle
from viz.label_layout import overlaps
from viz.positional import (
    curves_frame, default_dims, dim_title, encoding_heatmap, encoding_matrix_frame, encoding_panel, formula_matrix_frame, formula_table,
    learned_curves_frame, points_frame, similarity_frame, similarity_panel, squiggles_chart, wavelength, wavelength_chart,
    wavelength_frame,
)
from viz.squiggle_labels import SQUIGGLE_WIDTH, squiggle_labels

CHECKPOINTS = Path(__file__).parents[2] / "sample_checkpoints"


@pytest.fixture(scope="module")
def toy_trace():
    return load_checkpoint(CHECKPOINTS / "statquest-decoder").run("what is statquest")


def test_the_curves_are_the_formula_on_a_fine_grid():
    curves = curves_frame(6, 4, [0, 1, 4])
    for row in curves.sample(30, random_state=0).itertuples():
        angle = row.position / 10000 ** (2 * (row.dim // 2) / 6)
        assert math.isclose(row.value, math.sin(angle) if row.dim % 2 == 0 else math.cos(angle), abs_tol=1e-9)
    one = curves[curves["dim"] == 0]["position"].to_numpy()
    assert one[0] == 0 and one[-1] == pytest.approx(8) and np.diff(one).max() == pytest.approx(0.05)  # 0..max(len, 8)
    assert curves[curves["dim"] == 0]["position"].max() == pytest.approx(curves_frame(6, 20, [0])["position"].max() - 12)
    long = curves_frame(64, 512, [0, 1])
    assert len(long) <= 2 * 1501 and long["position"].max() == pytest.approx(512, abs=0.5)  # step grows, points stay few
    window = curves_frame(64, 100, [0], start=60)
    assert window["position"].min() == 60 and window["position"].max() == pytest.approx(100)


def test_dots_are_the_traces_encoding_in_token_order(toy_trace):
    pe = toy_trace["hook_pos_embed"]
    points = points_frame(pe, toy_trace.tokens, [0, 1], 2)
    assert points["word"].tolist()[:4] == ["0: what", "1: is", "2: statquest", "3: <EOS>"]
    np.testing.assert_allclose(points["value"].to_numpy(), pe.T.reshape(-1).numpy())
    # dimension 1 is sin(pos), dimension 2 is cos(pos) for d_model = 2: the dots sit on the curves
    np.testing.assert_allclose(points[points["dim"] == 0]["value"], np.sin(np.arange(4)), atol=1e-6)
    np.testing.assert_allclose(points[points["dim"] == 1]["value"], np.cos(np.arange(4)), atol=1e-6)
    assert dim_title(0, 2) == "dim 1: sin(pos / 10000^(0/2))" and dim_title(1, 2).startswith("dim 2: cos")


def test_squiggles_chart_is_one_small_chart_per_dimension(toy_trace):
    pe = toy_trace["hook_pos_embed"]
    spec = squiggles_chart(curves_frame(2, 4, [0, 1]), points_frame(pe, toy_trace.tokens, [0, 1], 2)).to_dict()
    assert len(spec["vconcat"]) == 2
    first = spec["vconcat"][0]
    assert first["title"]["text"] == "dim 1: sin(pos / 10000^(0/2))"
    marks = [layer["mark"]["type"] for layer in first["layer"]]
    assert marks == ["line", "circle", "text", "text"]  # the curve, the words' dots, their values, their words
    assert {t["field"] for t in first["layer"][1]["encoding"]["tooltip"]} == {"word", "dimension", "value"}
    # the positions drawn, 0 to 8, are the curves' own range: no parameter, so a new word only swaps data
    assert "params" not in spec and "domain" not in first["layer"][0]["encoding"]["x"]["scale"]
    assert [min(r["position"] for r in spec["datasets"]["curves"]), max(r["position"] for r in spec["datasets"]["curves"])] == [0, 8]
    assert squiggles_chart(curves_frame(2, 5, [0, 1]), points_frame(pe, toy_trace.tokens, [0, 1], 2)).spec_json == \
        squiggles_chart(curves_frame(2, 9, [0, 1]), points_frame(pe, toy_trace.tokens, [0, 1], 2)).spec_json
    # many words far apart: no labels, the tooltip keeps them
    many = points_frame(sinusoidal_encoding(40, 8), [f"w{i}" for i in range(40)], [0], 8)
    crowded = squiggles_chart(curves_frame(8, 40, [0]), many).to_dict()
    assert [layer["mark"]["type"] for layer in crowded["vconcat"][0]["layer"]] == ["line", "circle"]


def test_the_lessons_squiggles_write_each_value_above_and_each_word_below(toy_trace):
    pe = toy_trace["hook_pos_embed"]
    chart = squiggles_chart(curves_frame(2, 4, [0, 1]), points_frame(pe, toy_trace.tokens, [0, 1], 2))
    points = chart.datasets["points"]
    assert points["value_shown"].all() and points["word_shown"].all()
    assert (points["value_dy"] < 0).all() and (points["word_dy"] > 0).all() and (points[["value_dx", "word_dx"]] == 0).all().all()
    text = chart.to_dict()["vconcat"][0]["layer"][3]
    assert text["mark"]["dy"] == {"expr": "datum.word_dy"} and text["transform"][-1] == {"filter": "datum.word_shown"}


def test_squiggle_labels_of_neighbouring_words_never_overlap_at_any_width():
    """12 long words on 8 squiggles: at the narrowest width the labels are laid out for, and wider."""
    words = ["squatch", "tasted", "awesome", "statquest", "when", "mary", "store", "drink", "pizza", "oven", "came", "good"]
    dims = default_dims(64)
    curves, points = curves_frame(64, 12, dims), points_frame(sinusoidal_encoding(12, 64), words, dims, 64)
    placed, layouts = squiggle_labels(curves, points, 100, True, True, True)
    assert placed["word_shown"].mean() > 0.8 and placed["value_shown"].mean() > 0.6  # most still written
    x_lo, x_hi = curves["position"].min(), curves["position"].max()
    for dim, layout in layouts.items():
        assert overlaps(layout.boxes) == [], dim
        # a wider chart moves each label with its dot, by the dot's extra distance from the left
        extra = (points[points["dim"] == dim]["position"].to_numpy() - x_lo) / (x_hi - x_lo) * SQUIGGLE_WIDTH
        shift = np.concatenate([extra, extra])
        for width in (600, 900, 1400):
            moved = layout.boxes + np.column_stack([shift, 0 * shift, shift, 0 * shift]) * (width / SQUIGGLE_WIDTH - 1)
            assert overlaps(moved) == [], (dim, width)


def test_default_dimensions_go_from_quick_to_wide_squiggles():
    assert default_dims(2) == [0, 1] and default_dims(8) == list(range(8))
    dims = default_dims(64)
    assert len(dims) <= 8 and dims[:2] == [0, 1]
    widths = [wavelength(d, 64) for d in dims]
    assert widths == sorted(widths) and widths[-1] > 50 * widths[0]


def test_learned_tables_are_shown_as_they_are():
    bundle = random_bundle(positional="learned", d_model=8, max_len=16)
    trace = bundle.run("the cat sat on the mat")
    pe = trace["hook_pos_embed"]
    np.testing.assert_allclose(pe.numpy(), bundle.model.pos.W_pos[: len(trace.tokens)].detach().numpy())
    curves = learned_curves_frame(pe, [0, 3])
    assert curves["dimension"].str.endswith("learned").all()
    np.testing.assert_allclose(curves[curves["dim"] == 3]["value"], pe[:, 3].numpy())
    points = points_frame(pe, trace.tokens, [0, 3], 8, learned=True)
    spec = squiggles_chart(curves, points).to_dict()
    assert "domain" not in spec["vconcat"][0]["layer"][0]["encoding"]["y"]["scale"]  # its own scale, not the formula's +-1


def test_encoding_matrix_and_similarity(toy_trace):
    pe = toy_trace["hook_pos_embed"]
    frame = encoding_matrix_frame(pe, toy_trace.tokens)
    np.testing.assert_allclose(frame["value"].to_numpy(), pe.reshape(-1).numpy())
    assert frame.drop_duplicates("row")["row_label"].tolist() == ["0: what", "1: is", "2: statquest", "3: <EOS>"]
    assert frame.drop_duplicates("col")["col_label"].tolist() == ["dim 1", "dim 2"]
    sim = similarity_frame(pe, toy_trace.tokens)
    dots = (pe @ pe.T).numpy()
    np.testing.assert_allclose(sim["value"].to_numpy(), dots.reshape(-1), rtol=1e-6)
    np.testing.assert_allclose(sim["cosine"].to_numpy(), dots.reshape(-1) / 1.0, atol=1e-6)  # |PE| = 1 for d = 2
    panel = similarity_panel(sim, "decoder")
    np.testing.assert_allclose(panel.data["values"], dots.reshape(-1), atol=1e-6)  # row-major, positions in order
    assert panel.data["rows"] == panel.data["cols"] == ["0: what", "1: is", "2: statquest", "3: <EOS>"]
    assert panel.data["tip_extra"][0]["title"] == "cosine"
    np.testing.assert_allclose(panel.data["tip_extra"][0]["values"], sim["cosine"], atol=1e-6)
    bound = float(np.abs(dots).max())
    assert panel.data["scheme"] == "redblue" and panel.data["value_min"] == pytest.approx(-bound)  # red -, white 0, blue +
    assert panel.csv() is sim and "Neighbouring positions" in panel.notes[0]
    encoding_heatmap(frame, "t").to_dict()  # the explorer's formula, still a Vega chart
    panel = encoding_panel(pe, toy_trace.tokens, 0, 4, "decoder")
    assert panel.data["title"] == "The encoding added to each word" and panel.file_name == "positional-matrix-decoder"
    np.testing.assert_allclose(panel.data["values"], pe.reshape(-1).numpy(), atol=1e-6)
    assert encoding_panel(pe, toy_trace.tokens, 0, 4, "decoder", learned=True).data["title"] == "The model's learned position table"
    window = similarity_frame(sinusoidal_encoding(30, 4), [str(i) for i in range(30)], 10, 20)
    assert window["row"].min() == 10 and window["col"].max() == 19 and len(window) == 100


def test_the_explorer_formula_matches_the_models():
    for d in (2, 5, 16):
        np.testing.assert_allclose(formula_table(12, d), sinusoidal_encoding(12, d).numpy(), atol=1e-5)
    frame = formula_matrix_frame(6, 4)
    assert frame.drop_duplicates("row")["row_label"].tolist() == ["0", "1", "2", "3", "4", "5"]
    w = wavelength_frame(8)
    assert w["positions per squiggle"].iloc[0] == pytest.approx(2 * math.pi)
    assert w["function"].tolist()[:2] == ["sin", "cos"]
    wavelength_chart(w).to_dict()


def test_a_short_prompts_similarity_heatmap_names_every_position():
    """Vega's overlap test on slanted labels thinned a 4-word prompt's columns to its first and last word;
    the canvas writes every label its cells have room for."""
    pe = sinusoidal_encoding(4, 2)
    data = similarity_panel(similarity_frame(pe, ["what", "is", "statquest", "<EOS>"]), "decoder").data
    assert data["cols"] == ["0: what", "1: is", "2: statquest", "3: <EOS>"] and data["cell"] >= data["col_font"]
    assert data["printed"] and data["texts"][0] == "1.00"  # 4 positions: each dot product written in its cell
