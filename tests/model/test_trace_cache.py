"""The trace cache (model/trace_cache.py): bounded in bytes, least recently used dropped first,
and the memory of dropped traces goes back to the system."""

import os
import subprocess
import sys
from pathlib import Path

import torch

from model.budget import trace_bytes
from model.trace_cache import TraceCache, held_bytes
from tests.model_factory import WORDS, random_bundle

ROOT = Path(__file__).parents[2]
BUNDLE = random_bundle(max_len=256)


def prompt(n: int, salt: int = 0) -> str:
    return " ".join(WORDS[(i + salt) % len(WORDS)] for i in range(n))


def test_the_total_stays_under_the_budget_and_the_oldest_go_first():
    one = held_bytes(BUNDLE.run(prompt(200)))
    released = []
    cache = TraceCache(budget_bytes=int(2.5 * one), on_release=released.append)
    traces = [cache.get(("p", salt), lambda salt=salt: BUNDLE.run(prompt(200, salt))) for salt in range(5)]
    assert len(cache) == 2 and cache.bytes_held <= cache.budget_bytes
    assert sum(released) == 3 * one  # the three oldest, each dropped once
    assert cache.get(("p", 4), lambda: 1 / 0) is traces[4]  # kept: not made again
    assert cache.get(("p", 3), lambda: 1 / 0) is traces[3]
    again = cache.get(("p", 0), lambda: BUNDLE.run(prompt(200, 0)))  # dropped: made again
    assert again is not traces[0] and len(cache) == 2


def test_small_traces_are_bounded_by_count_too():
    cache = TraceCache(budget_bytes=2**30, max_entries=3)
    for salt in range(6):
        cache.get(salt, lambda salt=salt: BUNDLE.run(prompt(3, salt)))
    assert len(cache) == 3


def test_a_trace_bigger_than_the_whole_budget_is_returned_but_not_kept():
    cache = TraceCache(budget_bytes=1024)
    trace = cache.get("big", lambda: BUNDLE.run(prompt(50)))
    assert trace.logits.shape[0] == 50 and len(cache) == 0 and cache.bytes_held == 0


def test_held_bytes_is_the_budget_count():
    trace = BUNDLE.run(prompt(40))  # the positional encoding (a view of the model's table) is not kept: looked up again
    assert held_bytes(trace) == trace_bytes(BUNDLE.config, 40)
    assert "hook_pos_embed" not in trace.tensors and trace["hook_pos_embed"].shape == (40, BUNDLE.config.d_model)


RELEASE_RUN = """
import sys

import torch
sys.path.insert(0, {root!r})
from model import runtime
from model.trace_cache import TraceCache
from tests.model_factory import random_bundle

def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096

runtime.configure()
bundle = random_bundle(max_len=2048, d_model=32, n_heads=8, n_layers=4, d_ff=64)
idle = rss()
cache = TraceCache(budget_bytes=600 * 2**20, on_release=lambda n: runtime.release_memory())
for salt in range(16):  # lean traces: about 30 MB each
    cache.get(salt, lambda salt=salt: bundle.run(" ".join(["the", "cat", "sat", "on"][(i + salt) % 4] for i in range(600 + salt))))
full = rss()
cache.clear()
print(idle, full, rss(), cache.bytes_held)
"""


def test_dropped_traces_give_their_memory_back():
    out = subprocess.run([sys.executable, "-c", RELEASE_RUN.format(root=str(ROOT))], capture_output=True, text=True,
                         cwd=ROOT, timeout=240, check=True, env=dict(os.environ)).stdout.split()
    idle, full, after, held = map(int, out)
    assert held == 0
    assert full - idle > 300 * 2**20  # the cache really held hundreds of megabytes
    assert after - idle < 64 * 2**20, (idle, full, after)  # and they went back to the system


def test_the_cache_lists_its_traces_for_prefix_reuse():
    cache = TraceCache(budget_bytes=2**30)
    first = cache.get("a", lambda: BUNDLE.run(prompt(5)))
    second = cache.get("b", lambda: BUNDLE.run(prompt(6), prefixes=cache.traces()))
    assert cache.traces() == [first, second]
    assert torch.allclose(second["blocks.1.hook_resid_post"], BUNDLE.run(prompt(6))["blocks.1.hook_resid_post"], atol=1e-5)
