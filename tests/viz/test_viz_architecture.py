"""viz/architecture.py: the diagram and the parameter table follow the loaded model's config exactly,
and the diagram's boxes, arrows and frames fit together (no overlaps, arrows from box to box)."""

import re

import pytest

from model.checkpoint import load_checkpoint
from tests.model_factory import random_bundle
from viz.architecture import PAD_X, SMALL, architecture_frame, architecture_layout, text_width
from viz.parameters import parameter_frame
from app_pages.checkpoints import SAMPLE_CHECKPOINTS


@pytest.fixture(scope="module")
def toy():
    return load_checkpoint(SAMPLE_CHECKPOINTS / "statquest-decoder")


@pytest.fixture(scope="module")
def toy_translator():
    return load_checkpoint(SAMPLE_CHECKPOINTS / "statquest-translator")


def texts(layout: dict) -> str:
    """Every text the diagram shows, one per line."""
    parts = [line for n in layout["nodes"] for line in n["lines"]] + [f["label"] for f in layout["frames"]]
    parts += [t for e in layout["edges"] for t in e["label"]] + [t["text"] for t in layout["titles"]]
    return "\n".join(parts)


def path_ends(d: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """First and last point of an arrow's path ("M x,y V y" or "M x,y C ... x,y")."""
    start = tuple(map(float, re.match(r"M([\d.]+),([\d.]+)", d).groups()))
    if (vertical := re.search(r"V([\d.]+)$", d)):
        return start, (start[0], float(vertical.group(1)))
    return start, tuple(map(float, d.split()[-1].split(",")))


def check_geometry(layout: dict) -> None:
    nodes = layout["nodes"]
    for n in nodes:
        assert 0 <= n["x"] and n["x"] + n["w"] <= layout["width"] and 0 <= n["y"] and n["y"] + n["h"] <= layout["height"]
        for line in n["lines"]:  # every line fits its box (an ellipse is given extra width for its curve)
            assert text_width(line) <= n["w"] - 2 * PAD_X + 1e-6, line
    for a, b in ((a, b) for i, a in enumerate(nodes) for b in nodes[i + 1:]):
        apart = a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"] or a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"]
        assert apart, (a["name"], b["name"])
    for e in layout["edges"]:
        assert e["lx"] + max((text_width(t, SMALL) for t in e["label"]), default=0) <= layout["width"]
        if e["kind"] != "flow":
            continue
        (x0, y0), (x1, y1) = path_ends(e["d"])
        source = next(n for n in nodes if abs(n["y"] + n["h"] - y0) < 0.1 and abs(n["x"] + n["w"] / 2 - x0) < 0.1)
        target = next(n for n in nodes if abs(n["y"] - y1) < 0.1 and abs(n["x"] + n["w"] / 2 - x1) < 0.1)
        assert target["y"] > source["y"] and x0 == x1


def test_the_boxes_fit_together_in_every_kind_of_model(toy, toy_translator):
    configs = [toy.config, toy_translator.config, random_bundle(n_layers=3, positional="learned").config,
               random_bundle(norm="post").config, random_bundle(architecture="encoder-decoder").config]
    for cfg in configs:
        layout = architecture_layout(cfg, n_tokens=7, n_src_tokens=5)
        check_geometry(layout)
        frame = architecture_frame(cfg)
        assert [n["lines"][0] for n in layout["nodes"]] == frame["step"].tolist()  # every stage, in the frame's order
        for node, repeated, stack in zip(layout["nodes"], frame["repeated"], frame["stack"]):
            box = next(f for f in layout["frames"] if f["x"] <= node["x"] and node["x"] + node["w"] <= f["x"] + f["w"])
            inside = box["y"] <= node["y"] and node["y"] + node["h"] <= box["y"] + box["h"]
            assert inside == repeated, (stack, node["name"])
        assert layout["label"].startswith("The model's architecture: ")


def test_the_lesson_2_toy_draws_exactly_its_steps(toy):
    frame = architecture_frame(toy.config)
    assert frame["step"].tolist() == [
        "Prompt words", "Word embedding", "+ Positional encoding", "Masked self-attention", "+ residual",
        "Fully connected layer", "Softmax",
    ]
    assert frame.loc[frame["step"] == "Word embedding", "detail"].item() == "5 words x 2 numbers"
    assert frame.loc[frame["step"] == "Fully connected layer", "detail"].item() == "2 numbers -> 5 scores"
    assert frame["repeated"].tolist() == [False, False, False, True, True, False, False]
    shown = texts(architecture_layout(toy.config))
    assert "1 x block" in shown and "1 head x d_head 2" in shown and "sine/cosine squiggles" in shown
    assert "Feed-forward" not in shown and "layer norm" not in shown.lower() and "Encoder" not in shown


def test_a_larger_model_draws_its_extra_stuff():
    cfg = random_bundle(n_layers=3, positional="learned").config
    frame = architecture_frame(cfg)
    assert frame["step"].tolist().index("Final layer norm") == frame["step"].tolist().index("Fully connected layer") - 1
    shown = texts(architecture_layout(cfg))
    assert "3 x block" in shown and "4 heads x d_head 4 + W_O" in shown and "16 -> 32 -> 16" in shown
    assert "(layer norm first)" in shown and "learned, 32 positions" in shown
    post = texts(architecture_layout(random_bundle(norm="post").config))
    assert "+ residual, then layer norm" in post and "Final layer norm" not in post


def test_trace_names_point_at_real_tensors():
    bundle = random_bundle()
    trace = bundle.run("the cat sat")
    for name in architecture_frame(bundle.config)["trace_name"]:
        if not name:
            continue
        name = name.replace("{l}", "0")
        assert name in trace or any(k.startswith(name + ".") for k in trace), name


def test_the_translator_draws_two_stacks_and_the_cross_arrow(toy_translator):
    cfg = toy_translator.config
    frame = architecture_frame(cfg)
    assert set(frame["stack"]) == {"encoder", "decoder", "output"}
    encoder, decoder = frame[frame["stack"] == "encoder"], frame[frame["stack"] == "decoder"]
    assert "Self-attention (unmasked)" in encoder["step"].tolist() and "Encoder-decoder attention" not in encoder["step"].tolist()
    assert decoder["step"].tolist()[3:6] == ["Masked self-attention", "+ residual", "Encoder-decoder attention"]
    layout = architecture_layout(cfg, n_tokens=2, n_src_tokens=3)
    check_geometry(layout)
    cross = next(e for e in layout["edges"] if e["kind"] == "cross")
    assert cross["label"] == ["keys and values", "(3 x 2)"]
    nodes = {n["name"]: n for n in layout["nodes"]}
    (x0, y0), (x1, y1) = path_ends(cross["d"])
    tail, into = nodes["enc_res1"], nodes["dec_cross"]  # from the encoder's output into the cross-attention's left side
    assert (x0, y0) == pytest.approx((tail["x"] + tail["w"] / 2, tail["y"] + tail["h"]), abs=0.1)
    assert (x1, y1) == pytest.approx((into["x"], into["y"] + into["h"] / 2), abs=0.1)
    assert into["y"] > tail["y"] + tail["h"]
    assert [t["text"] for t in layout["titles"]] == ["Encoder", "Decoder"]
    assert "2 numbers -> 4 scores" in texts(layout)


def test_shapes_on_the_arrows_follow_the_prompt(toy):
    labels = [e["label"] for e in architecture_layout(toy.config, n_tokens=4)["edges"]]
    assert labels == [["4 tokens"], [], ["4 x 2"], [], ["4 x 2"], ["4 x 5"]]  # in -> embed -> pos -> attn -> res -> unembed -> softmax
    assert all(not e["label"] for e in architecture_layout(toy.config)["edges"])


def test_text_width_grows_with_the_text():
    assert text_width("") == 0
    assert 0 < text_width("i") < text_width("m") < text_width("mm")
    assert text_width("abc", 20) == pytest.approx(2 * text_width("abc", 10))


def test_parameters_add_up_to_the_models_count(toy, toy_translator):
    frame = parameter_frame(toy.model.named_parameters())
    assert frame["parameters"].sum() == toy.n_parameters == 37  # as the lesson counts them
    assert dict(zip(frame["part"], frame["parameters"])) == {
        "Word embedding": 10, "Self-attention: query, key, value weights": 12,
        "Fully connected layer (one score per word)": 15,
    }
    assert parameter_frame(toy_translator.model.named_parameters())["parameters"].sum() == toy_translator.n_parameters
    for bundle in (random_bundle(architecture="encoder-decoder"), random_bundle(tie_embeddings=True, positional="learned")):
        frame = parameter_frame(bundle.model.named_parameters())
        assert frame["parameters"].sum() == bundle.n_parameters
    assert "Positional encoding (learned)" in frame["part"].tolist() and "Layer norms" in frame["part"].tolist()
