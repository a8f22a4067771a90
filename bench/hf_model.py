"""A GPT-2-small-shaped Hugging Face folder (124M parameters, 12 layers x 12 heads, d 768, 1,024
positions, random weights) for the benchmark: load time, traced pass and held trace memory at
64 and 1,024 tokens, the cost of a pattern lookup in a lean trace, and of one more token after a
cached trace (prefix reuse, model/prefix.py) with the pattern lookup that redraws the page.

Why generated: the real weights are a download (never at run time), and the figures depend on
the shape, not the values. The folder (about 500 MB of float32) lives in a temporary folder
the caller owns; it is never committed. The tokenizer is a byte-level BPE trained on a few
sentences (the config's 50,257 ids are more than it spells: the ids past it are never read).
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

GPT2_SMALL = dict(model_type="gpt2", vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12,
                  activation_function="gelu_new", layer_norm_epsilon=1e-5, tie_word_embeddings=True, eos_token_id=0)
BENCH_BUDGET_MB = "600"  # a 1,024-token lean trace (238 MiB) and its pass's working maps (240 MB) fit
CORPUS = ["the cat sat on the mat and the dog sat on the log", "attention mixes the words of a prompt"] * 50


def gpt2_small_folder(folder: Path, seed: int = 0) -> Path:
    """config.json, model.safetensors (HF GPT-2 names, Conv1D layout) and tokenizer.json."""
    folder.mkdir(parents=True, exist_ok=True)
    cfg = GPT2_SMALL
    d, n_layer, vocab = cfg["n_embd"], cfg["n_layer"], cfg["vocab_size"]
    g = torch.Generator().manual_seed(seed)
    rand = lambda *shape: torch.randn(*shape, generator=g) * 0.02  # noqa: E731
    state = {"wte.weight": rand(vocab, d), "wpe.weight": rand(cfg["n_positions"], d),
             "ln_f.weight": torch.ones(d), "ln_f.bias": torch.zeros(d)}
    for i in range(n_layer):
        h = f"h.{i}."
        state |= {h + "ln_1.weight": torch.ones(d), h + "ln_1.bias": torch.zeros(d),
                  h + "ln_2.weight": torch.ones(d), h + "ln_2.bias": torch.zeros(d),
                  h + "attn.c_attn.weight": rand(d, 3 * d), h + "attn.c_attn.bias": torch.zeros(3 * d),
                  h + "attn.c_proj.weight": rand(d, d), h + "attn.c_proj.bias": torch.zeros(d),
                  h + "mlp.c_fc.weight": rand(d, 4 * d), h + "mlp.c_fc.bias": torch.zeros(4 * d),
                  h + "mlp.c_proj.weight": rand(4 * d, d), h + "mlp.c_proj.bias": torch.zeros(d)}
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "config.json").write_text(json.dumps(cfg, indent=2))
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(CORPUS, trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>"],
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.save(str(folder / "tokenizer.json"))
    return folder


def prompt_of(bundle, n_tokens: int) -> str:
    """A prompt the model reads as exactly ``n_tokens`` tokens (each word one token here)."""
    words = ["the", " cat", " sat", " on", " mat", " and", " dog", " log"]
    text = "".join(words[i % len(words)] for i in range(n_tokens))
    assert len(bundle.encode(text).ids) == n_tokens, len(bundle.encode(text).ids)
    return text


def hf_rows(folder: Path, repeats: int = 3) -> list[dict]:
    from model.budget import BUDGET_ENV, trace_bytes
    from model.checkpoint import load_any
    from model.trace_cache import held_bytes

    os.environ.setdefault(BUDGET_ENV, BENCH_BUDGET_MB)  # for this row only: the other rows keep the default
    start = time.perf_counter()
    bundle = load_any(folder)
    load_s = time.perf_counter() - start
    model_storages = {t.untyped_storage().data_ptr() for t in [*bundle.model.parameters(), *bundle.model.buffers()]}
    rows = []
    for n in (64, 1024):
        text = prompt_of(bundle, n)
        passes, lookups = [], []
        shorter = bundle.run(prompt_of(bundle, n - 1))
        extends = []
        for _ in range(repeats):
            start = time.perf_counter()
            trace = bundle.run(text)
            passes.append(time.perf_counter() - start)
            start = time.perf_counter()
            trace["pattern", 11]
            lookups.append(time.perf_counter() - start)
            start = time.perf_counter()  # the keystroke's model work: one token after a cached trace
            bundle.run(text, prefixes=[shorter])["pattern", 11]
            extends.append(time.perf_counter() - start)
        held = held_bytes(trace, exclude=model_storages)
        rows.append({"model": "gpt2-small-shaped (random)", "tokens": n, "load_s": round(load_s, 2),
                     "traced_pass_ms": round(1000 * statistics.median(passes)), "pattern_lookup_ms": round(1000 * statistics.median(lookups), 1),
                     "one_more_token_ms": round(1000 * statistics.median(extends)),
                     "held_trace_mb": round(held / 2**20, 1), "budget_count_mb": round(trace_bytes(bundle.config, n) / 2**20, 1)})
        del trace, shorter
    if os.environ.get(BUDGET_ENV) == BENCH_BUDGET_MB:
        del os.environ[BUDGET_ENV]
    return rows


def keystroke_prompt(bundle, n_tokens: int) -> str:
    """A prompt of ``n_tokens`` - 1 tokens after which any typed letter is one more token (the
    keystroke benchmark waits for that position's label)."""
    text = prompt_of(bundle, n_tokens - 1)
    for letter in "abcdefghijklmnopqrstuvwxyz":
        assert len(bundle.encode(text + letter).ids) == n_tokens, letter
    return text


def hf_browser_rows(folder: Path, cold_start_seconds, n: int = 15) -> list[dict]:
    """Keystroke at the end of a 64- and a 1,024-token prompt to the redrawn attention page
    (bench/keystroke.py, against the floor app), and cold start with ``--model FOLDER``. Also
    the keystroke that makes a prompt 65 tokens long: the first that shows a window of the
    matrix (viz/windows.py), with its sliders and overview, the costliest keystroke in between."""
    from bench.keystroke import keystroke_rows
    from model.budget import BUDGET_ENV
    from model.checkpoint import load_any

    os.environ.setdefault(BUDGET_ENV, BENCH_BUDGET_MB)  # the app's server gets it too (env below)
    bundle = load_any(folder)
    params = {"model": "Checkpoint folder...", "ckpt": str(folder)}
    cases = [(params, keystroke_prompt(bundle, n_tokens), n_tokens - 1) for n_tokens in (64, 65, 1024)]
    env = {"ATTENTION_LAB_CHECKPOINT_ROOTS": str(folder.parent), BUDGET_ENV: BENCH_BUDGET_MB}
    rows, memory = keystroke_rows(cases, n=n, root_env=env)
    if os.environ.get(BUDGET_ENV) == BENCH_BUDGET_MB:
        del os.environ[BUDGET_ENV]
    for row in rows:
        row["tokens"] += 1  # the prompt's length once the letter is typed
    cold = cold_start_seconds("serve.py", 3, args=("--model", str(folder)), env=env)
    return rows + [{"app": "cold start, serve.py --model (s)", "tokens": "", "n": 3, "median_ms": round(1000 * cold),
                    "p95_ms": "", "max_ms": "", "server_peak_rss_mb": memory.get("server_peak_rss_mb")}]


if __name__ == "__main__":
    import tempfile

    from model.runtime import configure

    configure()
    with tempfile.TemporaryDirectory() as tmp:
        for row in hf_rows(gpt2_small_folder(Path(tmp) / "gpt2-small-random")):
            print(row)
