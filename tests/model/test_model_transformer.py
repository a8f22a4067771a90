"""The traced forward pass: names, causality, and interventions that leave the weights alone."""

import pytest
import torch

from model.trace import RunOptions
from tests.model_factory import random_bundle


@pytest.mark.parametrize("norm", ["none", "pre", "post"])
def test_causal_attention_never_looks_ahead(norm):
    trace = random_bundle(norm=norm).run("the cat sat on the mat")
    for module in trace.attention_modules():
        pattern = trace.pattern(module)  # [head, q, k]
        future = torch.ones(pattern.shape[-2:], dtype=torch.bool).triu(1)
        assert (pattern[:, future] == 0).all()


@pytest.mark.parametrize("norm", ["none", "pre", "post"])
def test_appending_tokens_does_not_change_earlier_positions(norm):
    bundle = random_bundle(norm=norm)
    short = bundle.run("the cat sat")
    long = bundle.run("the cat sat on the mat and it was happy")
    n = len(short.tokens)
    for name, tensor in short.items():
        other = long[name]
        if name.endswith(("hook_dots", "hook_scaled", "hook_attn_scores", "hook_pattern")):
            torch.testing.assert_close(other[:, :n, :n], tensor, atol=1e-5, rtol=0, msg=name)
        elif name.endswith("hook_mask"):
            assert torch.equal(other[:n, :n], tensor), name
        else:
            torch.testing.assert_close(other[:n], tensor, atol=1e-5, rtol=0, msg=name)


def test_trace_names_follow_the_module_tree():
    bundle = random_bundle()
    trace = bundle.run("the cat sat")
    names = list(trace)
    assert names[:3] == ["hook_embed", "hook_pos_embed", "blocks.0.hook_resid_pre"]
    assert names[-2:] == ["ln_final.hook_normalized", "logits"]
    for l in range(2):
        for leaf in ("ln1.hook_normalized", "attn.hook_q", "attn.hook_dots", "attn.hook_scaled", "attn.hook_mask",
                     "attn.hook_attn_scores", "attn.hook_pattern", "attn.hook_z", "hook_attn_out", "hook_resid_mid",
                     "ln2.hook_normalized", "mlp.hook_post", "hook_mlp_out", "hook_resid_post"):
            assert f"blocks.{l}.{leaf}" in trace
    assert trace["blocks.0.attn.hook_q"].shape == (3, 4, 4)
    assert trace["blocks.1.attn.hook_pattern"].shape == (4, 3, 3)
    assert trace.logits.shape == (3, len(bundle.tokenizer))


def test_residual_stream_adds_up():
    trace = random_bundle(norm="none").run("the cat sat on")
    torch.testing.assert_close(trace["blocks.0.hook_resid_pre"], trace["hook_embed"] + trace["hook_pos_embed"])
    torch.testing.assert_close(trace["blocks.0.hook_resid_mid"], trace["blocks.0.hook_resid_pre"] + trace["blocks.0.hook_attn_out"])
    torch.testing.assert_close(trace["blocks.0.hook_resid_post"], trace["blocks.0.hook_resid_mid"] + trace["blocks.0.hook_mlp_out"])


def test_encoder_decoder_names_and_shapes():
    bundle = random_bundle(architecture="encoder-decoder")
    trace = bundle.run("the cat sat", continuation=[5, 6])
    assert trace.src_tokens == ["the", "cat", "sat", "<EOS>"]
    assert trace.tokens[0] == "<EOS>" and len(trace.tokens) == 3
    assert trace.attention_modules() == [
        "encoder.blocks.0.attn", "encoder.blocks.1.attn",
        "decoder.blocks.0.attn", "decoder.blocks.0.cross_attn", "decoder.blocks.1.attn", "decoder.blocks.1.cross_attn",
    ]
    assert trace.pattern("decoder.blocks.0.cross_attn").shape == (4, 3, 4)  # output words x input words
    assert (trace["encoder.blocks.0.attn.hook_mask"] == 0).all()  # the encoder is not masked
    assert trace["decoder.blocks.0.attn.hook_mask"].isinf().sum() == 3  # the decoder is
    assert trace.key_tokens("decoder.blocks.0.cross_attn") == trace.src_tokens


@pytest.mark.parametrize("mode", ["zero", "mean"])
def test_switching_a_head_off(mode):
    bundle = random_bundle()
    weights = {k: v.clone() for k, v in bundle.model.state_dict().items()}
    base = bundle.run("the cat sat on the mat")
    off = bundle.run("the cat sat on the mat", options=RunOptions.make(ablate={"blocks.0.attn": [1]}, ablation=mode))
    z, z_off = base["blocks.0.attn.hook_z"], off["blocks.0.attn.hook_z"]
    expected = torch.zeros_like(z[:, 1]) if mode == "zero" else z[:, 1].mean(0, keepdim=True).expand_as(z[:, 1])
    torch.testing.assert_close(z_off[:, 1], expected)
    torch.testing.assert_close(z_off[:, [0, 2, 3]], z[:, [0, 2, 3]])  # other heads untouched
    assert not torch.allclose(off.logits, base.logits)
    for k, v in bundle.model.state_dict().items():
        assert torch.equal(v, weights[k]), f"{k} changed"
    torch.testing.assert_close(bundle.run("the cat sat on the mat").logits, base.logits)  # nothing lingers


def test_removing_the_causal_mask():
    bundle = random_bundle()
    trace = bundle.run("the cat sat on", options=RunOptions(causal=False))
    assert (trace["blocks.0.attn.hook_mask"] == 0).all()
    assert (trace.pattern("blocks.0.attn")[:, 0, 1:] > 0).all()  # the first word now sees later ones


def test_masking_key_positions():
    trace = random_bundle().run("the cat sat on", options=RunOptions.make(masked_keys=[1]))
    assert (trace.pattern("blocks.0.attn")[:, :, 1] == 0).all()
    torch.testing.assert_close(trace.pattern("blocks.0.attn").sum(-1), torch.ones(4, 4))
    # a query whose every key is hidden attends to nothing instead of producing NaN
    alone = random_bundle().run("the cat", options=RunOptions.make(masked_keys=[0]))
    assert (alone.pattern("blocks.0.attn")[:, 0] == 0).all() and not alone.logits.isnan().any()
