"""A lean trace (what the app makes) keeps no per-head attention maps, norm outputs, sublayer
outputs, MLP hidden layer or logits, yet every lookup of one gives exactly what the forward pass
computed: compared with a pass that recorded them all, for each architecture (local layers with
a distance bias, a translator's cross-attention, RoPE with grouped-query attention, post-norm,
no norm or MLP)."""

import json

import pytest
import torch

from model.trace import DERIVED_KINDS, Trace
from tests.model_factory import WORDS, random_bundle

CONFIGS = [
    dict(),
    dict(local_layers=1, local_window=3, distance_bias=True),
    dict(architecture="encoder-decoder"),
    dict(positional="rope", norm_type="rmsnorm", mlp="swiglu", n_kv_heads=2, qkv_bias=False, mlp_bias=False),
    dict(norm="post", positional="learned"),
    dict(architecture="encoder-decoder", norm="post", d_ff=0),
    dict(norm="none", d_ff=0, n_heads=1, attn_out_proj=False, qkv_bias=False),
    dict(mlp="gelu_tanh", tie_embeddings=True, positional="learned"),  # GPT-2
]



@pytest.mark.parametrize("overrides", CONFIGS, ids=[json.dumps(c) for c in CONFIGS])
def test_lookups_equal_the_full_pass(overrides):
    bundle = random_bundle(**overrides)
    with torch.no_grad():  # a learned bias (it starts at 0), so a map that leaves it out shows
        for name, p in bundle.model.named_parameters():
            if name.endswith("distance_bias"):
                p.add_(torch.randn_like(p))
    prompt = " ".join(WORDS[i % len(WORDS)] for i in range(9))
    lean = bundle.run(prompt, continuation=[3, 4])
    stream = bundle.stream_ids(bundle.encode(prompt).ids, [3, 4])
    if bundle.is_translator:
        stream = [bundle.tokenizer.eos_id, 3, 4]
        _, full = bundle.model.run(bundle.encode(prompt).ids, stream, capture=True)
    else:
        _, full = bundle.model.run(stream, capture=True)
    derived = [n for n in full if n.rpartition(".hook_")[2] in DERIVED_KINDS]
    assert derived and not any(n in lean.tensors for n in derived)  # nothing of them is held
    recomputed = [n for n in full if n not in lean.tensors]
    assert "logits" in recomputed and any(n.endswith("hook_attn_out") for n in recomputed)
    assert list(lean) == list(full)  # every name, in the pass's order
    for name in full:
        assert torch.equal(lean[name], full[name]), name
    assert torch.equal(lean.logits, full["logits"])
    for position in (0, 2, -1):
        assert torch.allclose(lean.logits_at(position), full["logits"][position], rtol=0, atol=1e-6)
    assert torch.allclose(lean.logits_rows(1, 3), full["logits"][1:3], rtol=0, atol=1e-6)
    assert lean.attention_modules() == Trace(full, []).attention_modules()


def test_the_last_map_is_kept_and_only_that():
    trace = random_bundle().run("the cat sat on the mat")
    first = trace["pattern", 0]
    assert trace["pattern", 0] is first  # the page reads it again: not computed twice
    trace["scaled", 0]
    assert trace["pattern", 0] is not first and torch.equal(trace["pattern", 0], first)


def test_a_trace_without_its_model_recomputes_only_the_maps():
    trace = random_bundle().run("the cat sat on the mat")
    bare = Trace(dict(zip(trace.order, (trace.tensors.get(n) for n in trace.order))), trace.tokens)
    assert "blocks.0.attn.hook_pattern" in bare and "logits" not in bare
    with pytest.raises(KeyError):
        bare["logits"]


def test_a_result_bigger_than_the_slot_is_not_kept():
    trace = random_bundle().run("the cat sat")  # slot: 4 heads x 3 x 3 floats; logits: 3 x 14 floats
    assert trace.derived_slot_bytes == 4 * 3 * 3 * 4
    assert trace["logits"] is not trace["logits"]
    row = trace.logits_at(-1)  # 14 floats: fits
    assert trace.logits_at(2) is row


@pytest.mark.parametrize("overrides", CONFIGS[:4], ids=[json.dumps(c) for c in CONFIGS[:4]])
def test_some_rows_of_one_head_equal_those_of_the_whole_maps(overrides):
    bundle = random_bundle(**overrides)
    lean = bundle.run(" ".join(WORDS[i % len(WORDS)] for i in range(9)), continuation=[3, 4])
    full = Trace({n: lean[n] for n in lean}, lean.tokens, lean.src_tokens)  # every map computed whole, and held
    for module in lean.attention_modules():
        n_heads, n_q, n_k = lean.attention_shape(module)
        assert (n_heads, n_q, n_k) == tuple(full.pattern(module).shape)
        for head, rows in ((None, slice(None)), (1, slice(2, 5)), (n_heads - 1, slice(n_q - 1, None))):
            part, whole = lean.head_maps(module, head, rows), full.head_maps(module, head, rows)
            assert set(part) == set(DERIVED_KINDS)
            for kind in DERIVED_KINDS:
                assert torch.allclose(part[kind], whole[kind], rtol=0, atol=1e-6), (module, head, rows, kind)
