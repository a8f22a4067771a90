"""How much memory one trace holds, worked out from the config before any forward pass.

Why: a trace keeps the intermediate tensors of a pass, and the attention ones grow with
layers x heads x tokens^2 (a lean trace keeps the per-head maps of one module at a time). A tiny checkpoint whose config allows a long context (max_len up
to 8192, 64 heads, 48 layers) plus a pasted 10,000-character prompt would otherwise take
gigabytes of a shared server. The app cuts a prompt to the longest length whose trace fits
the budget (``longest_within``), before the model runs, and bounds its trace cache by the
same measure.

The count mirrors what ``model/layers.py`` records (see the shape table in ``model/trace.py``);
``tests/model/test_budget.py`` checks it against real traces, so a new hook that is not counted here
fails that test.
"""

from __future__ import annotations

import os

from .config import ModelConfig

FLOAT_BYTES = 4  # every recorded tensor is float32
BUDGET_ENV = "ATTENTION_LAB_TRACE_MB"
DEFAULT_BUDGET_MB = 256


def trace_budget_bytes() -> int:
    """The server's budget for one trace: ``ATTENTION_LAB_TRACE_MB`` (default 256 MB)."""
    text = os.environ.get(BUDGET_ENV, "").strip()
    try:
        mb = float(text) if text else DEFAULT_BUDGET_MB
    except ValueError:
        mb = DEFAULT_BUDGET_MB
    if not 1 <= mb <= 1_000_000:  # NaN and nonsense fall back to the default too
        mb = DEFAULT_BUDGET_MB
    return int(mb * 2**20)


def _attention_floats(cfg: ModelConfig, n_q: int, n_k: int, distance_bias: bool) -> int:
    """hook_q, hook_z [q, d]; hook_k, hook_v [k, d] (per query head under grouped-query
    attention); with RoPE hook_rot_q [q, d] and hook_rot_k [k, d]; the distance bias (if any)
    [head, q, k]. A lean trace keeps no dots, scaled, scores or pattern: they are computed on
    demand (model/trace.py), in the one slot counted by ``trace_bytes``. The masks [q, k] are
    counted by the stack: layers that mask alike share one (model/layers.py)."""
    per_head_maps = 1 if distance_bias else 0
    vectors = (3 if cfg.positional == "rope" else 2) * (n_q + n_k) * cfg.d_model
    return vectors + per_head_maps * cfg.n_heads * n_q * n_k


def _stack_floats(cfg: ModelConfig, n: int, n_layers: int, causal: bool, memory: int) -> int:
    """One stack (the encoder, the decoder or the only one) over n positions; ``memory`` is the
    encoder's length for a decoder's cross-attention (0: none).

    A lean trace keeps the residual stream between blocks and each attention's vectors, mask and
    bias; norm outputs, sublayer outputs, the MLP's hidden layer and the positional encoding are
    recomputed on lookup (model/recompute.py). With a post-norm each sublayer's residual is its
    norm's output and is kept (once: a block's resid_post is the last of them, and the next
    block's resid_pre)."""
    d = cfg.d_model
    total = n * d + (0 if cfg.positional == "rope" else n * d)  # hook_embed; embed + pos, the first resid_pre
    windows = {cfg.window_of(layer) if causal else 0 for layer in range(n_layers)}
    total += len(windows) * n * n + (n * memory if memory else 0)  # one mask per way of masking, and the cross-attention's
    for layer in range(n_layers):
        bias = causal and cfg.distance_bias and cfg.window_of(layer) > 0
        total += _attention_floats(cfg, n, n, bias)
        if memory:
            total += _attention_floats(cfg, n, memory, False)
        streams = (1 + bool(memory) + bool(cfg.d_ff)) if cfg.norm == "post" else 1  # resid_post (or each post-norm output)
        total += streams * n * d
    return total


def trace_bytes(cfg: ModelConfig, n_stream: int, n_src: int = 0) -> int:
    """Bytes of the tensors one lean trace keeps: ``n_stream`` tokens in the (decoder) stream and,
    for a translator, ``n_src`` in the encoder's input."""
    # the one recomputed result a trace keeps: at most the largest [head, q, k] of its attention modules
    floats = cfg.n_heads * max(n_stream * n_stream, n_src * max(n_src, n_stream) if cfg.is_encoder_decoder else 0)
    if cfg.is_encoder_decoder:
        floats += _stack_floats(cfg, n_src, cfg.n_encoder_layers, causal=False, memory=0)
        floats += _stack_floats(cfg, n_stream, cfg.n_layers, causal=True, memory=n_src)
    else:
        floats += _stack_floats(cfg, n_stream, cfg.n_layers, causal=True, memory=0)
    return floats * FLOAT_BYTES


WORKING_MAPS = 5  # [head, q, k] tensors one attention module holds at once in the pass: dots, scaled, scores, softmax, pattern


def working_bytes(cfg: ModelConfig, n: int) -> int:
    """What is held beside the trace at a peak: one attention module's per-head maps in the pass
    (a lean trace keeps none of them, but the pass computes them all), or a lookup of the whole
    logits (recomputed, too big to be kept)."""
    return max(WORKING_MAPS * cfg.n_heads * n * n, n * cfg.vocab_size) * FLOAT_BYTES


def longest_within(cfg: ModelConfig, budget_bytes: int) -> int:
    """The most tokens (at most ``max_len``) whose trace and the pass that makes it fit the
    budget, with a translator's input and output both that long; at least 1, so a model always
    reads something."""
    fits = lambda n: trace_bytes(cfg, n, n if cfg.is_encoder_decoder else 0) + working_bytes(cfg, n) <= budget_bytes  # noqa: E731
    lo, hi = 1, cfg.max_len
    if fits(hi):
        return hi
    while lo < hi:  # the largest n that fits; trace_bytes grows with n
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo
