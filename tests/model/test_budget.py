"""The trace memory budget (model/budget.py): the count matches real traces, and a long-context
model fed a 10,000-character prompt stays under the budget without allocating gigabytes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from model.budget import BUDGET_ENV, longest_within, trace_bytes, trace_budget_bytes, working_bytes
from model import trace_cache
from model.checkpoint import load_checkpoint
from tests.model_factory import WORDS, random_bundle

ROOT = Path(__file__).parents[2]


def held_bytes(trace, bundle) -> int:
    """What the trace holds beyond the model's own weights and buffers."""
    model_storages = {t.untyped_storage().data_ptr() for t in [*bundle.model.parameters(), *bundle.model.buffers()]}
    return trace_cache.held_bytes(trace, exclude=model_storages)


CONFIGS = [
    dict(),
    dict(norm="none", d_ff=0, n_heads=1, attn_out_proj=False, qkv_bias=False),
    dict(norm="post", positional="learned"),
    dict(local_layers=1, local_window=3, distance_bias=True),
    dict(architecture="encoder-decoder"),
    dict(architecture="encoder-decoder", norm="post", d_ff=0),
    dict(positional="rope", norm_type="rmsnorm", mlp="swiglu", n_kv_heads=2, qkv_bias=False, mlp_bias=False),  # Llama
    dict(positional="rope", norm_type="rmsnorm", mlp="swiglu", n_kv_heads=4),  # Qwen2-style, no grouping
    dict(mlp="gelu_tanh", tie_embeddings=True, positional="learned"),  # GPT-2
]


@pytest.mark.parametrize("overrides", CONFIGS, ids=[json.dumps(c) for c in CONFIGS])
def test_the_count_is_what_a_trace_holds(overrides):
    bundle = random_bundle(**overrides)
    assert bundle.config.estimated_parameters() == sum(p.numel() for p in bundle.model.parameters())
    for n_words in (1, 7, 30):
        trace = bundle.run(" ".join(WORDS[i % len(WORDS)] for i in range(n_words)), continuation=[3, 4, 5])
        n_src = len(trace.src_tokens) if trace.src_tokens else 0
        assert trace_bytes(bundle.config, len(trace.tokens), n_src) == held_bytes(trace, bundle)


@pytest.mark.parametrize("name", ["statquest-decoder", "statquest-translator", "tiny-stories", "tiny-translator"])
def test_the_count_is_exact_for_every_bundled_model(name):
    bundle = load_checkpoint(ROOT / "sample_checkpoints" / name)
    prompt = {"statquest-decoder": "what is statquest", "statquest-translator": "let's go"}.get(name) or bundle.extra["example_prompts"][0]
    trace = bundle.run(prompt)
    n_src = len(trace.src_tokens) if trace.src_tokens else 0
    assert trace_bytes(bundle.config, len(trace.tokens), n_src) == held_bytes(trace, bundle)


def test_longest_within_is_the_largest_length_that_fits():
    cfg = random_bundle(max_len=4096, n_heads=8, n_layers=4).config
    budget = 64 * 2**20
    n = longest_within(cfg, budget)
    assert 1 <= n < 4096
    assert trace_bytes(cfg, n) + working_bytes(cfg, n) <= budget < trace_bytes(cfg, n + 1) + working_bytes(cfg, n + 1)
    assert longest_within(random_bundle().config, budget) == 32  # the model's own max_len when it fits
    assert longest_within(cfg, 1) == 1  # a model always reads something


def test_the_budget_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(BUDGET_ENV, "64")
    assert trace_budget_bytes() == 64 * 2**20
    for nonsense in ("", "lots", "nan", "-5", "inf", "1e400"):
        monkeypatch.setenv(BUDGET_ENV, nonsense)
        assert trace_budget_bytes() == 256 * 2**20


def test_a_prompt_past_the_budget_is_cut_and_reported(monkeypatch):
    monkeypatch.setenv(BUDGET_ENV, "8")
    bundle = random_bundle(max_len=8192, n_heads=8, n_layers=4)
    assert bundle.cut_by_budget and bundle.max_tokens < 8192
    encoding = bundle.encode("the cat " * 5_000)
    assert len(encoding.ids) == bundle.max_tokens and encoding.truncated == 10_000 - bundle.max_tokens
    trace = bundle.run("the cat " * 5_000)
    assert held_bytes(trace, bundle) <= 8 * 2**20


def test_a_translator_that_never_stops_writes_a_bounded_answer(monkeypatch):
    bundle = random_bundle(architecture="encoder-decoder", max_len=8192)
    with torch.no_grad():  # the decoder's <EOS> can never win: the model talks on forever
        bundle.model.unembed.bias[bundle.tokenizer.eos_id] = -1e4
    trace = bundle.run("the cat sat")
    assert len(trace.tokens) == 1 + 2 * 4 + 8  # <EOS>, then at most twice the input (3 words + <EOS>) and 8


LONG_CONTEXT_RUN = """
import resource, sys
sys.path.insert(0, {root!r})
from tests.model_factory import random_bundle
from model.budget import trace_budget_bytes
from tests.model.test_budget import held_bytes
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
bundle = random_bundle(max_len=8192, d_model=64, n_heads=16, n_layers=6, d_ff=128)
prompt = ("the cat sat on the mat and it was happy " * 300)[:10_000]
trace = bundle.run(prompt)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(held_bytes(trace, bundle), trace_budget_bytes(), len(trace.tokens), (after - before) * 1024)
"""


@pytest.mark.slow
def test_a_long_context_model_and_a_10000_character_prompt_stay_under_the_budget():
    """In a fresh process, so that the peak memory is this run's own (ru_maxrss)."""
    env = {**os.environ}
    env.pop(BUDGET_ENV, None)
    out = subprocess.run([sys.executable, "-c", LONG_CONTEXT_RUN.format(root=str(ROOT))], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=240, check=True).stdout.split()
    held, budget, n_tokens, peak_growth = map(int, out)
    assert held <= budget == 256 * 2**20
    assert 100 < n_tokens < 2_000  # cut: the words alone would be 2,300 tokens, and max_len is 8,192
    # Without the budget this trace would hold trace_bytes(cfg, 2_300) (7.7 GB); with it, the
    # process grows by the trace plus the pass's temporaries, well under a gigabyte.
    assert peak_growth < 3 * budget
