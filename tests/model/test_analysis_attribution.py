"""Direct logit attribution (model/analysis/attribution.py): the parts sum to the model's own
logit difference, and each head's part is what that head wrote."""

import pytest
import torch

from model.analysis.attribution import head_results, logit_attribution, residual_parts
from model.checkpoint import load_checkpoint
from tests.model_factory import random_bundle

CASES = [dict(norm="pre"), dict(norm="none"), dict(norm="none", attn_out_proj=False, d_ff=0, n_heads=1),
         dict(norm="pre", attn_out_proj=False, n_heads=1), dict(architecture="encoder-decoder", norm="pre")]


@pytest.mark.parametrize("overrides", CASES, ids=lambda o: "-".join(map(str, o.values())))
@pytest.mark.parametrize("position", [0, -1])
def test_parts_sum_to_the_logit_difference(overrides, position):
    bundle = random_bundle(**overrides)
    trace = bundle.run("the cat sat on the mat")
    result = logit_attribution(bundle, trace, "dog", "cat", position)
    want = trace.logits[position, bundle.tokenizer.id_of("dog")] - trace.logits[position, bundle.tokenizer.id_of("cat")]
    assert result.total == pytest.approx(float(want), abs=1e-6)
    assert float(result.values.sum()) == pytest.approx(result.total, abs=1e-4)


def test_parts_sum_to_the_stream_and_heads_to_the_attention_output():
    bundle = random_bundle(norm="pre", n_layers=2, n_heads=4)
    trace = bundle.run("the cat sat on the mat")
    labels, parts = residual_parts(bundle, trace, 3)
    torch.testing.assert_close(parts.sum(0), trace["blocks.1.hook_resid_post"][3], atol=1e-5, rtol=0)
    attn = bundle.model.blocks[1].attn
    heads = head_results(attn, trace["blocks.1.attn.hook_z"][3])
    torch.testing.assert_close(heads.sum(0) + attn.W_O.bias, trace["blocks.1.hook_attn_out"][3], atol=1e-5, rtol=0)
    assert labels[:3] == ["embed", "pos_embed", "L0H0"] and "1_mlp_out" in labels and labels[-1] == "attn_bias"


def test_story_model_mary_minus_john():
    bundle = load_checkpoint("sample_checkpoints/tiny-stories")
    trace = bundle.run("When Mary and John went to the store, John gave a drink to")
    result = logit_attribution(bundle, trace, "mary", "john")
    assert result.total > 5  # the model prefers the indirect object
    assert float(result.values.sum()) == pytest.approx(result.total, abs=1e-4)
    assert result.heads.shape == (4, 8)
    assert result.heads[3].max() > 3  # the last layer holds the subject inhibitor (L3H0 in the model card)


def test_post_norm_is_refused():
    bundle = random_bundle(norm="post")
    with pytest.raises(ValueError, match="post-norm"):
        logit_attribution(bundle, bundle.run("the cat"), "dog")
