"""Attention rollout: how much each output position draws on each input position, through
every layer, counting the residual connection.

Reference: Abnar & Zuidema (2020), "Quantifying Attention Flow in Transformers", eq. for
rollout: per layer the heads' patterns are averaged, the residual is added as an identity,
``A' = 0.5 A + 0.5 I``, rows are normalised to sum to 1, and the layers are multiplied,
``R_l = A'_l R_{l-1}`` (later layers on the left). Only self-attention is rolled out: a
translator's cross-attention mixes the other stream's positions.
"""

from __future__ import annotations

import torch

from ..bundle import ModelBundle
from ..trace import Trace
from ..names import act_name


def rollout_patterns(patterns: list[torch.Tensor]) -> torch.Tensor:
    """patterns: one [head, q, k] per layer (q == k) -> cumulative rollout [layer, q, k]."""
    out, rolled = [], None
    for pattern in patterns:
        a = 0.5 * pattern.mean(0) + 0.5 * torch.eye(pattern.shape[-1])
        a = a / a.sum(-1, keepdim=True)
        rolled = a if rolled is None else a @ rolled
        out.append(rolled)
    return torch.stack(out)


def attention_rollout(bundle: ModelBundle, trace: Trace, stack: str | None = None) -> torch.Tensor:
    """Rollout [layer, q, k] of one stream's self-attention: ``stack`` is "encoder" or "decoder"
    for a translator (default: its decoder), ignored for a decoder-only model."""
    if bundle.is_translator:
        stack = stack or "decoder"
        if stack not in ("encoder", "decoder"):
            raise ValueError(f"stack must be 'encoder' or 'decoder', not {stack!r}")
        n_layers = bundle.config.n_encoder_layers if stack == "encoder" else bundle.config.n_layers
    else:
        n_layers, stack = bundle.config.n_layers, ""
    return rollout_patterns([trace[act_name("pattern", l, stack=stack)] for l in range(n_layers)])
