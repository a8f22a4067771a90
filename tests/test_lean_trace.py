"""A lean trace (what the app makes) keeps no per-head attention maps, yet every lookup of one
gives exactly what the forward pass computed: compared with a pass that recorded them all,
for each architecture (local layers with a distance bias, a translator's cross-attention,
RoPE with grouped-query attention)."""

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
    assert list(lean) == [n for n in full if n in lean or n in derived] and set(lean) == set(full)
    for name in derived:
        assert torch.equal(lean[name], full[name]), name
    assert lean.attention_modules() == Trace(full, []).attention_modules()


def test_the_last_map_is_kept_and_only_that():
    trace = random_bundle().run("the cat sat on the mat")
    first = trace["pattern", 0]
    assert trace["pattern", 0] is first  # the page reads it again: not computed twice
    trace["scaled", 0]
    assert trace["pattern", 0] is not first and torch.equal(trace["pattern", 0], first)
