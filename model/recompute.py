"""Recompute what a lean trace does not keep, from what it keeps and the model's own weights.

Why: a GPT-2-small-shaped trace at 1,024 tokens that kept every intermediate held 805 MB, 196 MB
of it logits. A lean trace keeps the residual stream between blocks, each attention's q, k, v
and z (and RoPE's turned q and k), its mask and distance bias; every other name is one or two
steps of the forward pass away from those and is recomputed here, with the pass's own modules on
the pass's own [1, pos, d] shapes, so a lookup equals what the pass computed (bitwise;
tests/model/test_lean_trace.py). Which names are dropped depends on the norm: with a post-norm the
norm's output *is* the next residual stream, kept anyway.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from . import names

# Leaves of the names a lean pass records no tensor for (model.trace.Recorder), by the model's norm.
ALWAYS = ("hook_pos_embed", "hook_attn_out", "hook_cross_attn_out", "hook_mlp_out", "hook_post", "logits")
BY_NORM = {"pre": ("hook_normalized", "hook_resid_mid", "hook_resid_mid_cross"),
           "none": ("hook_resid_mid", "hook_resid_mid_cross"), "post": ()}


def recomputed_leaves(norm: str) -> frozenset[str]:
    return frozenset(ALWAYS + BY_NORM[norm])


def _stack(model: nn.Module, stack: str) -> nn.Module:
    return model.get_submodule(stack) if stack else model


def output_stack_name(model: nn.Module) -> str:
    """The stack whose stream ends in the logits: the decoder's for a translator."""
    return "decoder" if hasattr(model, "decoder") else ""


def final_stream(model: nn.Module, get: Callable[[str], torch.Tensor]) -> torch.Tensor:
    """What enters the unembedding: the final norm's output, or the last block's stream."""
    stack = output_stack_name(model)
    module = _stack(model, stack)
    if module.ln_final is not None:
        return get(names.act_name("normalized", stack=stack))
    return get(names.act_name("resid_post", len(module.blocks) - 1, stack))


def logits_of(model: nn.Module, final: torch.Tensor) -> torch.Tensor:
    """[pos, d_model] -> [pos, vocab], as the pass does it."""
    return model.unembed(final[None])[0]


def recompute(model: nn.Module, get: Callable[[str], torch.Tensor], name: str) -> torch.Tensor:
    """The tensor ``name`` of the pass; ``get`` gives any other name (kept or recomputed)."""
    stack, layer, sub, kind = names.parse(name)
    at = lambda k, s=None: get(names.act_name(k, layer, stack, s))  # noqa: E731  the same block's
    with torch.inference_mode():
        if kind == "logits":
            return logits_of(model, final_stream(model, get))
        stack_module = _stack(model, stack)
        if kind == "pos_embed":
            return stack_module.pos(get(names.act_name("embed", stack=stack)).shape[0]).detach()  # a view of the table, as recorded
        if sub == "ln_final":
            last = get(names.act_name("resid_post", len(stack_module.blocks) - 1, stack))
            return stack_module.ln_final(last[None], None)[0]
        block = stack_module.blocks[layer]
        mlp_input = "resid_mid_cross" if block.cross_attn is not None else "resid_mid"
        if kind == "normalized":
            source = {"ln1": "resid_pre", "ln_cross": "resid_mid", "ln2": mlp_input}[sub]
            return getattr(block, sub)(at(source)[None], None)[0]
        if kind == "resid_mid":
            return at("resid_pre") + at("attn_out")
        if kind == "resid_mid_cross":
            return at("resid_mid") + at("cross_attn_out")
        if kind in ("attn_out", "cross_attn_out"):
            attn = block.attn if kind == "attn_out" else block.cross_attn
            z = at("z", "attn" if kind == "attn_out" else "cross_attn")
            out = z.reshape(1, z.shape[0], -1)
            return (out if attn.W_O is None else attn.W_O(out))[0]
        if kind == "post":
            h = at("normalized", "ln2") if block.norm_mode == "pre" else at(mlp_input)
            return block.mlp.hidden(h[None])[0]
        if kind == "mlp_out":
            return block.mlp.W_out(at("post")[None])[0]
    raise KeyError(f"a lean trace cannot recompute {name!r}")
