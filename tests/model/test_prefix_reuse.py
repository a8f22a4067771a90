"""Prefix reuse (model/prefix.py): a trace made from a cached trace's first positions and a run
over the rest equals a full pass within 1e-5 on every name, for a plain model, a local-window
model with a distance bias and a RoPE model with grouped-query attention; and it runs the
model on the new positions only."""

import json

import pytest
import torch

from model.budget import trace_bytes
from model.trace import RunOptions
from model.trace_cache import held_bytes
from tests.model_factory import WORDS, random_bundle

CONFIGS = [
    dict(),
    dict(local_layers=1, local_window=3, distance_bias=True),
    dict(positional="rope", norm_type="rmsnorm", mlp="swiglu", n_kv_heads=2, qkv_bias=False, mlp_bias=False),
    dict(norm="post", positional="learned"),
]


def words(n: int, start: int = 0) -> str:
    return " ".join(WORDS[(i + start) % len(WORDS)] for i in range(n))


def bundle_of(overrides):
    bundle = random_bundle(**overrides)
    with torch.no_grad():  # a learned bias (it starts at 0), so a wrong distance shows
        for name, p in bundle.model.named_parameters():
            if name.endswith("distance_bias"):
                p.add_(torch.randn_like(p))
    return bundle


def assert_equal_traces(reused, full):
    assert list(reused) == list(full) and reused.tokens == full.tokens and reused.ids == full.ids
    for name in full:
        a, b = reused[name], full[name]
        assert a.shape == b.shape, name
        assert torch.allclose(a, b, rtol=0, atol=1e-5), (name, (a - b).abs().nan_to_num(0).max())


@pytest.mark.parametrize("overrides", CONFIGS, ids=[json.dumps(c) for c in CONFIGS])
def test_an_extended_prompt_equals_a_full_pass(overrides):
    bundle = bundle_of(overrides)
    prefix = bundle.run(words(9))
    for text in (words(9) + " happy", words(12), words(9)):  # one token more, three more, the same ids again
        reused = bundle.run(text, prefixes=[prefix])
        assert_equal_traces(reused, bundle.run(text))
        assert held_bytes(reused, exclude=_model_storages(bundle)) == trace_bytes(bundle.config, len(reused.tokens))


def _model_storages(bundle):
    return {t.untyped_storage().data_ptr() for t in [*bundle.model.parameters(), *bundle.model.buffers()]}


def test_an_edit_at_the_end_reuses_the_shared_start():
    bundle = bundle_of(CONFIGS[1])
    prefix = bundle.run(words(10))
    text = words(8) + " happy park"  # the last two words changed
    assert_equal_traces(bundle.run(text, prefixes=[bundle.run(words(3)), prefix]), bundle.run(text))


def test_only_the_new_positions_are_run(monkeypatch):
    bundle = bundle_of(CONFIGS[2])
    prefix = bundle.run(words(20))
    seen = []
    original = bundle.model.forward_stack
    monkeypatch.setattr(bundle.model, "forward_stack", lambda ids, *a, **k: seen.append(ids.shape[1]) or original(ids, *a, **k))
    bundle.run(words(22), prefixes=[prefix])
    assert seen == [2]


@pytest.mark.parametrize("options", [RunOptions.make({"blocks.0.attn": [1]}), RunOptions(causal=False)])
def test_ablations_and_no_mask_get_a_full_pass(options, monkeypatch):
    bundle = bundle_of({})
    prefix = bundle.run(words(9), options=options)
    seen = []
    original = bundle.model.forward_stack
    monkeypatch.setattr(bundle.model, "forward_stack", lambda ids, *a, **k: seen.append(ids.shape[1]) or original(ids, *a, **k))
    reused = bundle.run(words(10), options=options, prefixes=[prefix])
    assert seen == [10]
    assert torch.equal(reused["blocks.1.attn.hook_pattern"], bundle.run(words(10), options=options)["blocks.1.attn.hook_pattern"])


def test_other_options_models_and_translators_are_not_reused():
    bundle = bundle_of({})
    prefix = bundle.run(words(9))
    assert bundle.run(words(10), options=RunOptions.make(masked_keys=[2]), prefixes=[prefix]).options.masked_keys == (2,)
    from model.prefix import best_prefix

    assert best_prefix(bundle.model, [prefix], prefix.ids + (3,), RunOptions.make(masked_keys=[2])) == (None, 0)
    assert best_prefix(random_bundle(seed=1).model, [prefix], prefix.ids + (3,), RunOptions()) == (None, 0)
    assert best_prefix(bundle.model, [prefix], prefix.ids + (3,), RunOptions()) == (prefix, 9)
    translator = random_bundle(architecture="encoder-decoder")
    first = translator.run(words(4), continuation=[3])
    assert best_prefix(translator.model, [first], first.ids + (4,), RunOptions()) == (None, 0)


def test_hidden_prompt_positions_carry_over():
    bundle = bundle_of(CONFIGS[1])
    options = RunOptions.make(masked_keys=[2])
    reused = bundle.run(words(12), options=options, prefixes=[bundle.run(words(9), options=options)])
    assert_equal_traces(reused, bundle.run(words(12), options=options))
