"""The analysis methods on Hugging Face models (model/hf): GPT-2 (learned positions, biases,
LayerNorm) and Llama (RoPE: no hook_pos_embed; RMSNorm: no centring, no bias; no o_proj bias).
Tiny random folders built as tests/model/hf_factory.py does; nothing is downloaded."""

import pytest
import torch

pytest.importorskip("transformers")

from model.analysis.attribution import logit_attribution, residual_parts  # noqa: E402
from model.analysis.lens import logit_lens  # noqa: E402
from model.analysis.patching import patch_head_outputs, patch_resid, prepare  # noqa: E402
from model.checkpoint import load_any  # noqa: E402
from tests.model.hf_factory import hf_folder  # noqa: E402

FAMILIES = ["gpt2", "llama"]
PROMPT = "the cat sat on the mat"


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    return {family: load_any(hf_folder(tmp_path_factory.mktemp(family), family)) for family in FAMILIES}


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("position", [0, 3, -1])
def test_attribution_parts_sum_to_the_logit_difference(bundles, family, position):
    bundle = bundles[family]
    trace = bundle.run(PROMPT)
    word, other = trace.tokens[2], trace.tokens[1]
    result = logit_attribution(bundle, trace, word, other, position)
    tok = bundle.tokenizer
    want = trace.logits[position, tok.id_of(word)] - trace.logits[position, tok.id_of(other)]
    assert result.total == pytest.approx(float(want), abs=1e-6)
    assert float(result.values.sum()) == pytest.approx(result.total, abs=1e-4)
    # one word alone too: the unembedding has no bias in either family
    single = logit_attribution(bundle, trace, word, position=position)
    assert float(single.values.sum()) == pytest.approx(float(trace.logits[position, tok.id_of(word)]), abs=1e-4)


@pytest.mark.parametrize("family", FAMILIES)
def test_parts_are_the_stream(bundles, family):
    bundle = bundles[family]
    trace = bundle.run(PROMPT)
    labels, parts = residual_parts(bundle, trace, 2)
    torch.testing.assert_close(parts.sum(0), trace["blocks.1.hook_resid_post"][2], atol=1e-5, rtol=0)
    if family == "gpt2":  # learned positions and c_proj biases
        assert "pos_embed" in labels and labels[-1] == "attn_bias"
    else:  # RoPE adds nothing to the stream; o_proj has no bias
        assert "pos_embed" not in labels and "attn_bias" not in labels


@pytest.mark.parametrize("family", FAMILIES)
def test_lens_at_the_last_stream_is_the_logits(bundles, family):
    bundle = bundles[family]
    trace = bundle.run(PROMPT)
    result = logit_lens(bundle, trace, trace.tokens[1])
    torch.testing.assert_close(result.logits[-1], trace.logits, atol=1e-4, rtol=0)


@pytest.mark.parametrize("family", FAMILIES)
def test_patching_the_final_stream_restores_the_clean_run(bundles, family):
    bundle = bundles[family]
    setup = prepare(bundle, PROMPT, "the dog sat on the mat" if family == "gpt2" else "the cat sat on the log")
    assert len(setup.clean_ids) == len(setup.corrupted_ids)  # one word swapped for one of the same token count
    rows, grid = patch_resid(setup)
    # 1e-3: the metric divides by the clean - corrupted difference, small in a random model
    torch.testing.assert_close(grid[-1, -1], torch.tensor(1.0), atol=1e-3, rtol=0)  # the last position's final stream
    torch.testing.assert_close(grid[0, 0], torch.tensor(0.0), atol=1e-3, rtol=0)  # the first word is the same in both
    assert patch_head_outputs(setup).shape == (bundle.config.n_layers, bundle.config.n_heads)
    # the runs start at the first differing token, reading earlier keys (turned, with RoPE) from the corrupted run
    assert setup.start > 0
    torch.testing.assert_close(grid, patch_resid(setup, shortcuts=False)[1], atol=1e-3, rtol=0)
    torch.testing.assert_close(patch_head_outputs(setup), patch_head_outputs(setup, shortcuts=False), atol=1e-3, rtol=0)
