"""The building blocks: positional encoding, attention, feed-forward, norm, block.

The same blocks hold the lessons' models and the Hugging Face families (model/hf): GPT-2
(GELU, biases everywhere) and Llama/Qwen2 (RMSNorm, RoPE, SwiGLU, grouped-query attention),
each switched on by a field of ModelConfig.

Each ``forward`` takes a ``Recorder`` (or None) and calls ``hook(rec, name, x)`` at every
intermediate, with names derived from the module tree (``self.name`` is filled in by the
model after construction). That is the whole tracing mechanism: no state is kept on the
modules between passes, and interventions arrive through the recorder's options.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .config import ModelConfig
from .trace import Recorder, hook


def sinusoidal_encoding(max_len: int, d_model: int) -> torch.Tensor:
    """The paper's squiggles: PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(...)."""
    position = torch.arange(max_len, dtype=torch.float32)[:, None]  # [pos, 1]
    two_i = torch.arange(0, d_model, 2, dtype=torch.float32)  # [ceil(d/2)]
    angle = position / torch.pow(10000.0, two_i / d_model)  # [pos, ceil(d/2)]
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d_model // 2])
    return pe


class Named(nn.Module):
    """A module that knows its own dotted name, so its hooks are named from the tree."""

    name: str = ""

    def hook_name(self, leaf: str) -> str:
        return f"{self.name}.{leaf}" if self.name else leaf


class PositionalEncoding(Named):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.learned = cfg.positional == "learned"
        if self.learned:
            self.W_pos = nn.Parameter(torch.randn(cfg.max_len, cfg.d_model) * 0.02)
        else:  # a buffer, not a weight: the checkpoint need not (and does not) store it
            self.register_buffer("W_pos", sinusoidal_encoding(cfg.max_len, cfg.d_model), persistent=False)

    def forward(self, n_positions: int, start: int = 0) -> torch.Tensor:
        return self.W_pos[start:start + n_positions]  # [pos, d_model]


class Rotary(nn.Module):
    """RoPE (Su et al. 2021) in Llama's layout: number i of a head and number i + d_head/2 form a
    pair, turned by the angle pos * theta^(-2i/d_head); q.k then depends on how far apart the two
    words are, not on where they sit."""

    def __init__(self, d_head: int, theta: float) -> None:
        super().__init__()
        inv_freq = 1.0 / (theta ** (torch.arange(0, d_head, 2, dtype=torch.float) / d_head))  # [d_head / 2]
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def angles(self, n_positions: int, start: int = 0) -> torch.Tensor:
        """[pos, d_head / 2]: the angle of each pair at each position."""
        return torch.arange(start, start + n_positions, dtype=torch.float)[:, None] * self.inv_freq

    def forward(self, x: torch.Tensor, start: int = 0) -> torch.Tensor:  # x [B, pos, head, d_head]
        angle = self.angles(x.shape[1], start).repeat(1, 2)[:, None]  # [pos, 1, d_head]
        first, second = x.chunk(2, dim=-1)
        return x * angle.cos() + torch.cat((-second, first), dim=-1) * angle.sin()


class LayerNorm(Named):
    """LayerNorm, or RMSNorm (Llama) with ``norm_type="rmsnorm"``; traced as hook_normalized."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        kind = nn.RMSNorm if cfg.norm_type == "rmsnorm" else nn.LayerNorm
        self.norm = kind(cfg.d_model, eps=cfg.norm_eps)

    def forward(self, x: torch.Tensor, rec: Recorder | None) -> torch.Tensor:
        return hook(rec, self.hook_name("hook_normalized"), self.norm(x))


DERIVED_MAPS = ("dots", "scaled", "attn_scores", "pattern")  # per-head [head, q, k] maps a lean trace computes on demand


def attention_maps(q: torch.Tensor, k: torch.Tensor, bias: torch.Tensor | None, mask: torch.Tensor,
                   hook_map=lambda kind, x: x) -> dict[str, torch.Tensor]:
    """q [B, q, head, d_head] and k [B, k, head, d_head] (turned, with RoPE), the distance bias
    [B|1, head, q, k] or None, the mask [B|1, q, k] -> dots, scaled, attn_scores and pattern
    [B, head, q, k]. One function for the forward pass and for a lean trace's lookups
    (model/trace.py), so both give the same numbers. ``hook_map(kind, x)`` may replace a map
    (patching) as the forward pass's hooks do."""
    dots = hook_map("dots", torch.einsum("bqhd,bkhd->bhqk", q, k))
    scaled = hook_map("scaled", dots / math.sqrt(q.shape[-1]))
    scores = hook_map("attn_scores", (scaled if bias is None else scaled + bias) + mask[:, None])
    # A query whose every key is masked attends to nothing (0), rather than producing NaN.
    pattern = hook_map("pattern", torch.softmax(scores, dim=-1).nan_to_num(0.0))
    return {"dots": dots, "scaled": scaled, "attn_scores": scores, "pattern": pattern}


class Attention(Named):
    """Multi-head attention, written out so every step of the lesson is a named tensor.

    Self-attention when ``x_kv`` is ``x_q``; encoder-decoder (cross) attention when the keys
    and values come from the encoder. ``causal`` masks later positions, as in the decoder.
    With grouped-query attention each key/value head serves a group of query heads; the trace
    records keys and values per query head (see model/trace.py).
    """

    def __init__(self, cfg: ModelConfig, causal: bool, window: int = 0) -> None:
        super().__init__()
        self.causal = causal
        self.window = window  # 0: every earlier word; N: only the last N words (a local layer)
        self.n_heads, self.d_head, self.n_kv_heads = cfg.n_heads, cfg.d_head, cfg.kv_heads
        d, d_kv = cfg.d_model, cfg.kv_heads * cfg.d_head
        self.W_Q = nn.Linear(d, d, bias=cfg.qkv_bias)
        self.W_K = nn.Linear(d, d_kv, bias=cfg.qkv_bias)
        self.W_V = nn.Linear(d, d_kv, bias=cfg.qkv_bias)
        self.W_O = nn.Linear(d, d, bias=cfg.out_bias) if cfg.attn_out_proj else None
        self.rotary = Rotary(cfg.d_head, cfg.rope_theta) if cfg.positional == "rope" else None
        # One learned number per head and distance back (0 = the word itself), added to the scores.
        self.distance_bias = nn.Parameter(torch.zeros(cfg.n_heads, window)) if (window and cfg.distance_bias) else None

    def mask(self, n_q: int, n_k: int, key_padding: torch.Tensor | None, rec: Recorder | None, masked_keys: bool,
             cross: bool = False) -> torch.Tensor:
        """Additive mask [batch or 1, query_pos, key_pos]: 0 where a query may look, -inf where not.
        One tensor for every layer of a traced run that masks alike, never changed in place: a
        long prompt's trace held one equal [pos, pos] mask per layer, and made each anew."""
        causal = self.causal and (rec is None or rec.options.causal)
        hidden = tuple(p for p in rec.options.masked_keys if p < n_k) if rec is not None and masked_keys else ()
        key = (cross, n_q, n_k, causal, self.window if causal else 0, hidden)  # a cross-attention's own, as budget.py counts
        if rec is not None and key_padding is None and key in rec.masks:
            return rec.masks[key]
        blocked = torch.zeros(1, n_q, n_k, dtype=torch.bool)
        if causal:
            blocked = blocked | torch.ones(n_q, n_k, dtype=torch.bool).triu(1)
            if self.window:  # and words more than window - 1 back
                blocked = blocked | torch.ones(n_q, n_k, dtype=torch.bool).tril(-self.window)
        if key_padding is not None:  # [batch, key_pos], True at padding
            blocked = blocked | key_padding[:, None, :]
            if self.window and n_q == n_k:
                # A padding position past the end would see only padding in its window: let it see
                # itself (its output is never used), so that no row is all -inf (NaN gradients).
                blocked = blocked & ~(torch.eye(n_q, dtype=torch.bool)[None] & key_padding[:, :, None])
        if hidden:
            blocked = blocked.clone()
            blocked[..., list(hidden)] = True
        mask = torch.zeros(blocked.shape).masked_fill(blocked, float("-inf"))
        if rec is not None and key_padding is None:
            rec.masks[key] = mask
        return mask

    def forward(
        self,
        x_q: torch.Tensor,  # [batch, query_pos, d_model]
        x_kv: torch.Tensor,  # [batch, key_pos, d_model]
        rec: Recorder | None,
        key_padding: torch.Tensor | None = None,
        masked_keys: bool = False,  # whether RunOptions.masked_keys index these keys
    ) -> torch.Tensor:
        B, n_q, _ = x_q.shape
        h, dh, kv = self.n_heads, self.d_head, self.n_kv_heads
        past = 0 if rec is None else rec.past  # positions before x_q whose keys and values a prefix trace holds
        q = hook(rec, self.hook_name("hook_q"), self.W_Q(x_q).view(B, n_q, h, dh))  # [B, q, head, d_head]
        k = self.W_K(x_kv).view(B, x_kv.shape[1], kv, dh)  # [B, k, kv_head, d_head]
        v = self.W_V(x_kv).view(B, x_kv.shape[1], kv, dh)
        hook(rec, self.hook_name("hook_k"), self.per_query_head(k))  # [B, k, head, d_head]
        v = hook(rec, self.hook_name("hook_v"), self.per_query_head(v))
        if self.rotary is not None:  # keys turned before sharing: the same numbers, h / kv times less work
            q = hook(rec, self.hook_name("hook_rot_q"), self.rotary(q, past))
            k = self.rotary(k, past)
            hook(rec, self.hook_name("hook_rot_k"), self.per_query_head(k))
        k = self.per_query_head(k)
        if past:
            k = rec.with_past(self.hook_name("hook_rot_k" if self.rotary is not None else "hook_k"), k)
            v = rec.with_past(self.hook_name("hook_v"), v)
        n_k = k.shape[1]
        # Masks and biases over every query (a prefix run's earlier rows too), then this run's rows.
        bias = None
        if self.distance_bias is not None:
            bias = hook(rec, self.hook_name("hook_distance_bias"), self.distance_bias_scores(past + n_q, n_k)[None])[:, :, past:]
        mask = hook(rec, self.hook_name("hook_mask"), self.mask(past + n_q, n_k, key_padding, rec, masked_keys, x_kv is not x_q))[:, past:]  # [B|1, q, k]
        maps = attention_maps(q, k, bias, mask, lambda kind, x: hook(rec, self.hook_name(f"hook_{kind}"), x))
        z = torch.einsum("bhqk,bkhd->bqhd", maps["pattern"], v)  # [B, q, head, d_head]
        z = hook(rec, self.hook_name("hook_z"), self.ablate(z, rec))
        out = z.reshape(B, n_q, h * dh)
        return out if self.W_O is None else self.W_O(out)

    def per_query_head(self, x: torch.Tensor) -> torch.Tensor:
        """[B, pos, kv_head, d_head] -> [B, pos, head, d_head]: query head i reads key/value head
        i // (n_heads / n_kv_heads), as in Hugging Face's repeat_kv."""
        return x if self.n_kv_heads == self.n_heads else x.repeat_interleave(self.n_heads // self.n_kv_heads, dim=2)

    def distance_bias_scores(self, n_q: int, n_k: int) -> torch.Tensor:
        """[head, query_pos, key_pos]: each head's bias for how far back the key is, 0 outside the
        window (where the mask hides the key anyway, unless the run removes the mask)."""
        back = torch.arange(n_q)[:, None] - torch.arange(n_k)[None, :]
        inside = (back >= 0) & (back < self.window)
        return self.distance_bias[:, back.clamp(0, self.window - 1)] * inside

    def ablate(self, z: torch.Tensor, rec: Recorder | None) -> torch.Tensor:
        heads = rec.options.heads_off(self.name) if rec is not None else ()
        heads = [i for i in heads if 0 <= i < self.n_heads]
        if not heads:
            return z
        z = z.clone()
        if rec.options.ablation == "mean":
            z[:, :, heads] = z[:, :, heads].mean(dim=1, keepdim=True)
        else:
            z[:, :, heads] = 0.0
        return z


class FeedForward(Named):
    """W_out(act(W_in x)); with ``mlp="swiglu"`` (Llama) W_out(silu(W_gate x) * W_in x).
    Names as TransformerLens: W_in is Llama's up_proj, W_gate its gate_proj."""

    ACTIVATIONS = {
        "relu": torch.relu,
        "gelu": nn.functional.gelu,
        "gelu_tanh": lambda x: nn.functional.gelu(x, approximate="tanh"),  # GPT-2's gelu_new
    }

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.W_in = nn.Linear(cfg.d_model, cfg.d_ff, bias=cfg.mlp_bias)
        self.W_gate = nn.Linear(cfg.d_model, cfg.d_ff, bias=cfg.mlp_bias) if cfg.mlp == "swiglu" else None
        self.W_out = nn.Linear(cfg.d_ff, cfg.d_model, bias=cfg.mlp_bias)
        self.act = None if cfg.mlp == "swiglu" else self.ACTIVATIONS[cfg.mlp]

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """[B, pos, d_model] -> the hidden layer [B, pos, d_ff] (a lean trace recomputes it here)."""
        if self.W_gate is None:
            return self.act(self.W_in(x))
        return nn.functional.silu(self.W_gate(x)) * self.W_in(x)

    def forward(self, x: torch.Tensor, rec: Recorder | None) -> torch.Tensor:
        return self.W_out(hook(rec, self.hook_name("hook_post"), self.hidden(x)))


class Block(Named):
    """Attention (+ cross-attention for a translator's decoder) (+ feed-forward), each with a residual.

    The residual adds stay visible: ``x = x + attn(x)``. With ``norm="pre"`` the sublayer reads
    a normalized copy (GPT-2); with ``norm="post"`` the sum is normalized (the 2017 paper).
    """

    def __init__(self, cfg: ModelConfig, causal: bool, cross: bool, window: int = 0) -> None:
        super().__init__()
        self.norm_mode = cfg.norm
        with_norm = cfg.norm != "none"
        self.attn = Attention(cfg, causal=causal, window=window)
        self.ln1 = LayerNorm(cfg) if with_norm else None
        self.cross_attn = Attention(cfg, causal=False) if cross else None
        self.ln_cross = LayerNorm(cfg) if (cross and with_norm) else None
        self.mlp = FeedForward(cfg) if cfg.d_ff else None
        self.ln2 = LayerNorm(cfg) if (cfg.d_ff and with_norm) else None

    def forward(
        self,
        x: torch.Tensor,  # [B, pos, d_model]
        rec: Recorder | None,
        key_padding: torch.Tensor | None = None,
        memory: torch.Tensor | None = None,  # encoder output, for cross-attention
        memory_padding: torch.Tensor | None = None,
        self_keys_are_prompt: bool = True,
    ) -> torch.Tensor:
        pre, post = self.norm_mode == "pre", self.norm_mode == "post"
        x = hook(rec, self.hook_name("hook_resid_pre"), x)
        h = self.ln1(x, rec) if pre else x
        x = x + hook(rec, self.hook_name("hook_attn_out"), self.attn(h, h, rec, key_padding, masked_keys=self_keys_are_prompt))
        x = hook(rec, self.hook_name("hook_resid_mid"), self.ln1(x, rec) if post else x)
        if self.cross_attn is not None:
            h = self.ln_cross(x, rec) if pre else x
            x = x + hook(rec, self.hook_name("hook_cross_attn_out"), self.cross_attn(h, memory, rec, memory_padding, masked_keys=True))
            x = hook(rec, self.hook_name("hook_resid_mid_cross"), self.ln_cross(x, rec) if post else x)
        if self.mlp is not None:
            h = self.ln2(x, rec) if pre else x
            x = x + hook(rec, self.hook_name("hook_mlp_out"), self.mlp(h, rec))
            x = self.ln2(x, rec) if post else x
        return hook(rec, self.hook_name("hook_resid_post"), x)
