"""viz/embeddings.py: the frames hold the trace's numbers in token order; the plane is the lesson's picture."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from model.checkpoint import load_checkpoint
from tests.model_factory import random_bundle
from viz.embeddings import (
    Projection, embedding_matrix, embedding_panel, embedding_plane_chart, plane_summary, position_arrows_frame,
    prompt_embedding_frame, prompt_embedding_table, square_domains, vocabulary_frame,
)
from viz.grids import MATRIX_PX
from viz.label_layout import overlaps, point_boxes
from viz.plane_labels import plane_labels
from viz.sides import side_stack, side_tokens
from viz.windows import MAX_CELLS, position_window

CHECKPOINTS = Path(__file__).parents[2] / "sample_checkpoints"


@pytest.fixture(scope="module")
def toy():
    return load_checkpoint(CHECKPOINTS / "statquest-decoder")


@pytest.fixture(scope="module")
def translator():
    return load_checkpoint(CHECKPOINTS / "statquest-translator")


@pytest.fixture(scope="module")
def big():
    return random_bundle(d_model=16, max_len=64)


def layer_names(spec: dict) -> list[str]:
    return [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]


def test_prompt_embeddings_are_the_traces_rows_in_order(toy):
    trace = toy.run("what is what")
    frame = prompt_embedding_frame(trace, "", trace.tokens)
    embed = trace["hook_embed"]
    np.testing.assert_allclose(frame["value"].to_numpy(), embed.reshape(-1).numpy())
    assert frame.drop_duplicates("row")["row_label"].tolist() == ["0: what", "1: is", "2: what", "3: <EOS>"]
    assert frame.drop_duplicates("col")["col_label"].tolist() == ["dim 1", "dim 2"]
    # the same word gets the same numbers wherever it stands
    np.testing.assert_allclose(embed[0].numpy(), embed[2].numpy())
    table = prompt_embedding_table(trace, "", trace.tokens)
    assert table.index.tolist() == ["0: what", "1: is", "2: what", "3: <EOS>"] and table.columns.tolist() == ["dim 1", "dim 2"]
    np.testing.assert_allclose(table.to_numpy(), embed.numpy())


def test_the_embedding_heatmap_has_every_number_in_order(toy):
    trace = toy.run("what is statquest")
    frame = prompt_embedding_frame(trace, "", trace.tokens)
    panel = embedding_panel(frame, "decoder")
    data = panel.data
    assert data["rows"] == ["0: what", "1: is", "2: statquest", "3: <EOS>"] and data["cols"] == ["dim 1", "dim 2"]
    np.testing.assert_allclose(data["values"], trace["hook_embed"].reshape(-1).numpy(), atol=1e-6)  # row-major, in order
    assert data["exact_is_values"] and data["tip_names"] == ["word (position)", "embedding dimension"]  # the tooltip
    assert data["scheme"] == "redblue" and data["cell"] == data["cell_w"] == 44
    assert data["printed"] and len(data["texts"]) == 8  # 4 x 2 numbers fit in their cells
    assert panel.csv() is frame and panel.file_name == "embeddings-decoder"


def test_a_long_prompt_is_windowed_below_the_cell_budget(big):
    words = ("the cat sat on the mat and the dog ran to the park " * 5).split()[:60]
    trace = big.run(" ".join(words))
    n, d = len(trace.tokens), big.config.d_model
    lo, hi = position_window(n, d, 30, max_rows=40)
    assert (hi - lo) <= 40 and (hi - lo) * d <= MAX_CELLS and hi <= n
    frame = prompt_embedding_frame(trace, "", trace.tokens, lo, hi)
    assert frame["row"].min() == lo and frame["row"].max() == hi - 1
    assert frame["row_label"].iloc[0] == f"{lo}: {trace.tokens[lo]}"  # labels keep the absolute positions
    np.testing.assert_allclose(frame["value"].to_numpy(), trace["hook_embed"][lo:hi].reshape(-1).numpy())
    wide = position_window(300, 128)
    assert (wide[1] - wide[0]) * 128 <= MAX_CELLS
    data = embedding_panel(frame, "decoder").data
    assert len(data["rows"]) == hi - lo and data["cell"] >= data["row_font"]  # rows tall enough for every word
    assert data["cell_w"] * d <= MATRIX_PX and not data["printed"]  # the columns share the room; numbers in the tooltip
    many = pd.DataFrame([{"row": r, "col": c, "row_label": f"{r}", "col_label": f"dim {c + 1}", "value": 0.0}
                         for r in range(4) for c in range(64)])
    narrow = embedding_panel(many, "decoder").data
    assert 3 <= narrow["cell_w"] and narrow["cell_w"] * 64 <= MATRIX_PX  # 64 columns fit (their labels thin out)



def test_two_numbers_per_word_are_drawn_as_they_are(toy):
    trace = toy.run("what is statquest")
    vocab, projection = vocabulary_frame(toy, "decoder", trace.tokens)
    table, words = embedding_matrix(toy, "decoder")
    assert vocab["word"].tolist() == list(words) == list(toy.tokenizer.vocab)
    np.testing.assert_allclose(vocab[["x", "y"]].to_numpy(), table.numpy(), rtol=1e-6)
    assert not projection.is_pca and projection.axis_titles == ("embedding dim 1", "embedding dim 2")
    assert vocab.set_index("word")["in prompt"].to_dict() == {"what": True, "is": True, "statquest": True, "awesome": False, "<EOS>": True}
    assert "no projection" in plane_summary(projection, len(vocab))


def test_arrows_go_from_the_embedding_to_embedding_plus_position(toy):
    trace = toy.run("what is what")
    _, projection = vocabulary_frame(toy, "decoder", trace.tokens)
    arrows = position_arrows_frame(trace, "", trace.tokens, projection)
    assert arrows["label"].tolist() == ["0: what", "1: is", "2: what", "3: <EOS>"]
    np.testing.assert_allclose(arrows[["x", "y"]].to_numpy(), trace["hook_embed"].numpy(), rtol=1e-6)
    moved = trace["hook_embed"] + trace["hook_pos_embed"]
    np.testing.assert_allclose(trace["blocks.0.hook_resid_pre"].numpy(), moved.numpy(), rtol=1e-6)
    np.testing.assert_allclose(arrows[["x2", "y2"]].to_numpy(), moved.numpy(), rtol=1e-6)
    # the lesson's point: "what" at positions 0 and 2 starts at one point and ends at two
    assert arrows.loc[0, ["x", "y"]].tolist() == arrows.loc[2, ["x", "y"]].tolist()
    assert not np.allclose(arrows.loc[0, ["x2", "y2"]].to_numpy(float), arrows.loc[2, ["x2", "y2"]].to_numpy(float))
    # PE[0] = (sin 0, cos 0) = (0, 1): position 0's arrow points straight up, its label above its head
    # (up and to the right: straight above, it would touch "awesome"'s point)
    assert arrows.loc[0, "angle"] == pytest.approx(0.0, abs=1e-4)
    vocab = vocabulary_frame(toy, "decoder", trace.tokens)[0]
    domains = square_domains((vocab, "x", "y"), (arrows, "x", "y"), (arrows, "x2", "y2"))
    _, placed, _ = plane_labels(vocab, arrows, domains, 400, False, True)
    assert placed.loc[0, "label_dy"] < 0 and placed.loc[3, "label_dy"] > 0  # and PE[3] points down
    # PE[1] = (sin 1, cos 1): up and to the right
    assert arrows.loc[1, "angle"] == pytest.approx(np.degrees(np.arctan2(np.sin(1), np.cos(1))), abs=1e-3)


def test_the_plane_chart_keeps_one_unit_the_same_length_on_both_axes(toy):
    trace = toy.run("what is statquest")
    vocab, projection = vocabulary_frame(toy, "decoder", trace.tokens)
    arrows = position_arrows_frame(trace, "", trace.tokens, projection)
    spec = embedding_plane_chart(vocab, arrows, projection.axis_titles, "t", short_titles=projection.short_titles).to_dict()
    assert spec["width"] == spec["height"]
    x_dom, y_dom = square_domains((vocab, "x", "y"), (arrows, "x2", "y2"))
    assert x_dom[1] - x_dom[0] == pytest.approx(y_dom[1] - y_dom[0])
    ranges = {p["name"]: p["value"] for p in spec["params"] if p["name"] in ("x_lo", "x_hi", "y_lo", "y_hi")}
    drawn = square_domains((vocab, "x", "y"), (arrows, "x", "y"), (arrows, "x2", "y2"))  # the chart's own axes' ranges
    assert [ranges["x_lo"], ranges["x_hi"]] == pytest.approx(drawn[0]) and [ranges["y_lo"], ranges["y_hi"]] == pytest.approx(drawn[1])
    assert ranges["x_hi"] - ranges["x_lo"] == pytest.approx(ranges["y_hi"] - ranges["y_lo"])
    marks = layer_names(spec)
    assert marks[:4] == ["circle", "text", "rule", "point"]
    head = spec["layer"][3]
    assert head["encoding"]["angle"]["field"] == "angle" and head["encoding"]["angle"]["scale"] is None
    assert spec["layer"][0]["encoding"]["x"]["title"] == "embedding dim 1"
    assert {t["field"] for t in spec["layer"][2]["encoding"]["tooltip"]} == {"label", "x", "y", "x2", "y2"}
    assert '"bind": "scales"' in json.dumps(spec)  # drag to pan, scroll to zoom
    # the plot itself is width x height px: Streamlit's "fit" squeezed the axes into it and the plane lost its square
    assert spec["autosize"]["type"] == "pad"
    word_text = spec["layer"][1]
    assert word_text["mark"]["dx"] == {"expr": "datum.label_dx"} and word_text["transform"] == [{"filter": "datum.label_shown"}]


def plane_layout(bundle, prompt: str, side: str = "decoder"):
    trace = bundle.run(prompt)
    tokens = side_tokens(trace, side)
    vocab, projection = vocabulary_frame(bundle, side, tokens)
    arrows = position_arrows_frame(trace, side_stack(bundle, side), tokens, projection)
    many = len(vocab) > 60
    domains = square_domains((vocab, "x", "y"), (arrows, "x", "y"), (arrows, "x2", "y2"))
    return plane_labels(vocab, arrows, domains, 400, many, len(arrows) <= (8 if many else 16))


@pytest.mark.parametrize("model, prompt, side", [
    ("statquest-decoder", "what is statquest", "decoder"),
    ("statquest-decoder", "statquest is what is awesome", "decoder"),
    ("statquest-translator", "let's go", "encoder"),  # "2: <EOS>" was written over "0: let's"
    ("statquest-translator", "to go", "encoder"),
])
def test_the_lesson_planes_write_every_label_and_none_over_another(model, prompt, side):
    vocab, arrows, layout = plane_layout(load_checkpoint(CHECKPOINTS / model), prompt, side)
    assert layout.shown.all()  # 4 or 5 words and their arrows: room for all
    assert vocab["label_shown"].sum() == len(vocab) and arrows["label_shown"].all()
    assert overlaps(layout.boxes) == []


def test_a_crowded_plane_leaves_labels_out_rather_than_stack_them():
    """tiny-stories' 279 words on one PCA plane: the prompt's words sit close together."""
    bundle = load_checkpoint(CHECKPOINTS / "tiny-stories")
    prompt = "the pizza came out of the oven and it tasted good . when mary and john went to the store , john gave a drink to"
    vocab, arrows, layout = plane_layout(bundle, prompt)
    assert overlaps(layout.boxes) == []
    shown = vocab[vocab["label_shown"]]
    assert len(shown) >= 12 and shown["in prompt"].all()  # only the prompt's words get labels
    assert not arrows["label_shown"].any()  # 27 arrows: their "i: word" only in the tooltip
    # no label covers a prompt word's point either
    (x_lo, x_hi), (y_lo, y_hi) = square_domains((vocab, "x", "y"), (arrows, "x", "y"), (arrows, "x2", "y2"))
    prompt_points = vocab[vocab["in prompt"]]
    px = np.column_stack([(prompt_points["x"] - x_lo) / (x_hi - x_lo) * 400, (y_hi - prompt_points["y"]) / (y_hi - y_lo) * 400])
    dots = point_boxes(px, 2.5)
    for box in layout.boxes[layout.shown]:
        assert all(0 not in pair for pair in overlaps(np.vstack([box, dots])))


def test_words_at_one_point_share_one_label():
    vocab = pd.DataFrame({"word": ["a", "b", "c"], "x": [0.0, 0.0, 1.0], "y": [0.0, 0.0, 1.0], "in prompt": [True, False, False],
                          "kind": ["word in your prompt", "other word", "other word"]})
    arrows = pd.DataFrame({"label": ["0: a"], "word": ["a"], "position": [0], "x": [0.0], "y": [0.0], "x2": [0.5], "y2": [0.2],
                           "angle": [68.2]})
    placed, _, layout = plane_labels(vocab, arrows, ([-1.0, 2.0], [-1.0, 2.0]), 400, False, True)
    assert placed["label"].tolist()[:1] == ["a, b"] and placed["label_shown"].tolist() == [True, False, True]
    assert overlaps(layout.boxes) == []


def test_more_than_two_numbers_are_projected_with_one_pca_for_both_ends(big):
    trace = big.run("the cat sat on the mat")
    table, _ = embedding_matrix(big, "decoder")
    vocab, projection = vocabulary_frame(big, "decoder", trace.tokens)
    assert projection.is_pca and projection.axis_titles[0].startswith("PCA axis 1")
    x = table.numpy() - table.numpy().mean(0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    expected = x @ vt[:2].T
    np.testing.assert_allclose(np.abs(vocab[["x", "y"]].to_numpy()), np.abs(expected), rtol=1e-4, atol=1e-5)
    assert vocab["x"].var() >= vocab["y"].var()
    arrows = position_arrows_frame(trace, "", trace.tokens, projection)
    ends = (trace["blocks.0.hook_resid_pre"].numpy() - projection.mean) @ projection.axes
    np.testing.assert_allclose(arrows[["x2", "y2"]].to_numpy(), ends, rtol=1e-5, atol=1e-6)
    assert 0 < float(sum(projection.explained)) <= 1
    spec = embedding_plane_chart(vocab, arrows, projection.axis_titles, "t", short_titles=projection.short_titles).to_dict()
    assert spec["layer"][0]["encoding"]["x"]["title"].startswith("PCA axis 1")


def test_projection_of_raw_numbers_is_the_identity():
    raw = Projection(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_allclose(raw(torch.tensor([[5.0, 6.0]])), [[5.0, 6.0]])


def test_a_translator_shows_either_vocabulary(translator):
    trace = translator.run("let's go")
    assert side_stack(translator, "encoder") == "encoder" and side_tokens(trace, "encoder") == trace.src_tokens
    assert side_stack(random_bundle(), "decoder") == ""  # a decoder-only model's names have no prefix
    enc_vocab, enc_proj = vocabulary_frame(translator, "encoder", side_tokens(trace, "encoder"))
    dec_vocab, _ = vocabulary_frame(translator, "decoder", side_tokens(trace, "decoder"))
    assert enc_vocab["word"].tolist() == list(translator.src_tokenizer.vocab)
    assert dec_vocab["word"].tolist() == list(translator.tokenizer.vocab)
    frame = prompt_embedding_frame(trace, "encoder", trace.src_tokens)
    np.testing.assert_allclose(frame["value"].to_numpy(), trace["encoder.hook_embed"].reshape(-1).numpy())
    arrows = position_arrows_frame(trace, "decoder", trace.tokens, vocabulary_frame(translator, "decoder", trace.tokens)[1])
    assert arrows["word"].tolist() == trace.tokens
    np.testing.assert_allclose(arrows[["x2", "y2"]].to_numpy(), trace["decoder.blocks.0.hook_resid_pre"].numpy(), rtol=1e-6)
    embedding_plane_chart(enc_vocab, position_arrows_frame(trace, "encoder", trace.src_tokens, enc_proj),
                          enc_proj.axis_titles, "t").to_dict()
