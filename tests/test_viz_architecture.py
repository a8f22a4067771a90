"""viz/architecture.py: the diagram and the parameter table follow the loaded model's config exactly."""

import pytest

from model.checkpoint import load_checkpoint
from tests.model_factory import random_bundle
from viz.architecture import architecture_dot, architecture_frame, parameter_frame
from app_pages.shared import SAMPLE_CHECKPOINTS


@pytest.fixture(scope="module")
def toy():
    return load_checkpoint(SAMPLE_CHECKPOINTS / "statquest-decoder")


@pytest.fixture(scope="module")
def toy_translator():
    return load_checkpoint(SAMPLE_CHECKPOINTS / "statquest-translator")


def balanced(dot: str) -> bool:
    return dot.startswith("digraph") and dot.count("{") == dot.count("}") and dot.count('"') % 2 == 0


def test_the_lesson_2_toy_draws_exactly_its_steps(toy):
    frame = architecture_frame(toy.config)
    assert frame["step"].tolist() == [
        "Prompt words", "Word embedding", "+ Positional encoding", "Masked self-attention", "+ residual",
        "Fully connected layer", "Softmax",
    ]
    assert frame.loc[frame["step"] == "Word embedding", "detail"].item() == "5 words x 2 numbers"
    assert frame.loc[frame["step"] == "Fully connected layer", "detail"].item() == "2 numbers -> 5 scores"
    assert frame["repeated"].tolist() == [False, False, False, True, True, False, False]
    dot = architecture_dot(toy.config)
    assert balanced(dot)
    assert "1 x block" in dot and "1 head x d_head 2" in dot and "sine/cosine" in dot
    assert "Feed-forward" not in dot and "layer norm" not in dot.lower() and "Encoder" not in dot


def test_a_larger_model_draws_its_extra_stuff():
    cfg = random_bundle(n_layers=3, positional="learned").config
    frame = architecture_frame(cfg)
    assert frame["step"].tolist().index("Final layer norm") == frame["step"].tolist().index("Fully connected layer") - 1
    dot = architecture_dot(cfg)
    assert balanced(dot)
    assert "3 x block" in dot and "4 heads x d_head 4 + W_O" in dot and "16 -> 32 -> 16" in dot
    assert "layer norm first" in dot and "learned, 32 positions" in dot
    post = architecture_dot(random_bundle(norm="post").config)
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
    dot = architecture_dot(cfg, n_tokens=2, n_src_tokens=3)
    assert balanced(dot)
    assert "enc_res1 -> dec_cross" in dot and "keys and values  (3 x 2)" in dot and "style=dashed" in dot
    assert 'label="Encoder"' in dot and 'label="Decoder"' in dot
    assert "2 numbers -> 4 scores" in dot


def test_shapes_on_the_arrows_follow_the_prompt(toy):
    dot = architecture_dot(toy.config, n_tokens=4)
    assert "4 tokens" in dot and "4 x 2" in dot and "4 x 5" in dot
    assert "tokens" not in architecture_dot(toy.config)


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
