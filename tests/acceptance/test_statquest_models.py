"""The two bundled lesson models give the lessons' outputs, and the recipes reproduce them."""

from pathlib import Path

import pytest
import torch

from model.checkpoint import load_checkpoint
from model.generate import generate
from model.recipes import RECIPES

CHECKPOINTS = Path(__file__).parents[2] / "sample_checkpoints"


def test_decoder_answers_awesome():
    bundle = load_checkpoint(CHECKPOINTS / "statquest-decoder")
    assert bundle.n_parameters == 37
    assert bundle.config.d_model == 2 and bundle.config.n_heads == 1 and bundle.config.max_len == 6
    assert bundle.config.d_ff == 0 and bundle.config.norm == "none" and not bundle.config.qkv_bias
    assert bundle.tokenizer.vocab == ("what", "is", "statquest", "awesome", "<EOS>")
    assert generate(bundle, "what is statquest") == ["awesome", "<EOS>"]
    assert generate(bundle, "statquest is what") == ["awesome", "<EOS>"]


def test_translator_says_vamos():
    bundle = load_checkpoint(CHECKPOINTS / "statquest-translator")
    assert bundle.config.d_model == 2 and bundle.config.n_heads == 1
    assert set(bundle.src_tokenizer.vocab) == {"let's", "to", "go", "<EOS>"}
    assert set(bundle.tokenizer.vocab) == {"ir", "vamos", "y", "<EOS>"}
    assert generate(bundle, "let's go") == ["vamos", "<EOS>"]
    assert generate(bundle, "to go") == ["ir", "<EOS>"]
    trace = bundle.run("let's go")
    assert trace.src_tokens == ["let's", "go", "<EOS>"] and trace.tokens == ["<EOS>", "vamos"]


@pytest.mark.slow  # retrains each model from its recipe
@pytest.mark.parametrize("name", ["statquest-decoder", "statquest-translator"])
def test_recipe_reproduces_the_committed_weights(name):
    trained = RECIPES[name](seed=0, progress=False)
    committed = load_checkpoint(CHECKPOINTS / name)
    for key, value in committed.model.state_dict().items():
        torch.testing.assert_close(trained.bundle.model.state_dict()[key], value, atol=1e-4, rtol=1e-4, msg=key)
