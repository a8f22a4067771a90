"""Forward pass with and without the full trace, per model and prompt length.

Why: the app records every intermediate of every pass; this measures what that costs
(target: at most 1.5x a pass without it) and how the cost grows with the prompt.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import torch

from model.bundle import ModelBundle
from model.checkpoint import load_checkpoint
from model.config import ModelConfig
from model.tokenizer import Tokenizer
from model.trace import RunOptions
from model.transformer import build_model

LENGTHS = (8, 32, 128, 512)
ROOT = Path(__file__).resolve().parents[1]


def random_bundle(name: str, n_words: int, **shape) -> ModelBundle:
    """A random pre-norm model over the words w0, w1, ... (seed 0): the bench's stand-ins."""
    torch.manual_seed(0)
    tokenizer = Tokenizer.from_words(f"w{i}" for i in range(n_words))
    cfg = ModelConfig(vocab_size=len(tokenizer), norm="pre", qkv_bias=True, attn_out_proj=True, **shape)
    return ModelBundle(cfg, build_model(cfg), tokenizer, name=name)


def long_context_bundle() -> ModelBundle:
    """4 layers x 4 heads, max length 512: the size the performance targets are set for."""
    return random_bundle("random-4x4-512", 500, d_model=128, n_heads=4, n_layers=4, d_ff=512, positional="learned", max_len=512)


def bench_models() -> list[ModelBundle]:
    bundles = [load_checkpoint(p) for p in sorted((ROOT / "sample_checkpoints").iterdir()) if (p / "config.json").is_file()]
    return bundles + [long_context_bundle()]


def _time_pair(plain, traced, repeats: int) -> tuple[float, float]:
    """Median ms of each, run in turns (plain, traced, traced, plain, ...): a shared machine's slow
    moments then fall on both alike, where timing one after the other once gave a 2x ratio."""
    plain(), traced()  # warm-up
    samples: dict[str, list[float]] = {"plain": [], "traced": []}
    for turn in range(repeats):
        pair = (("plain", plain), ("traced", traced))
        for name, fn in pair if turn % 2 == 0 else pair[::-1]:
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return statistics.median(samples["plain"]) * 1000, statistics.median(samples["traced"]) * 1000


def forward_rows(quick: bool = False) -> list[dict]:
    rows = []
    for bundle in bench_models():
        vocab = bundle.prompt_tokenizer.vocab
        for length in sorted({min(n, bundle.config.max_len) for n in LENGTHS}):
            ids = [i % len(vocab) for i in range(length)]
            repeats = 3 if quick else (20 if length <= 128 else 11)  # 512 tokens: 5 gave 1.18-1.89x in one hour

            def run(capture: bool):
                if bundle.is_translator:  # decoder stream as long as the source
                    tgt = [bundle.tokenizer.eos_id] * length
                    return lambda: bundle.model.run(ids, tgt, RunOptions(), capture)
                return lambda: bundle.model.run(ids, RunOptions(), capture)

            plain, traced = _time_pair(run(False), run(True), repeats)
            rows.append({"model": bundle.name, "tokens": length, "plain_ms": round(plain, 3), "traced_ms": round(traced, 3),
                         "ratio": round(traced / plain, 2)})
    return rows

