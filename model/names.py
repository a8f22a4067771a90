"""Trace names: the one place that writes them and reads them back.

Why one place: the model derives its names from its module tree (model.layers.Named), and every
view needs the same names to find its numbers. Written by hand in each view, a typo or a new
stack shows up only as a KeyError on one page; here a name is made from its parts, in the spirit
of TransformerLens' ``utils.get_act_name``:

    act_name("pattern", 0)                                  -> "blocks.0.attn.hook_pattern"
    act_name("pattern", 1, stack="decoder", sub="cross_attn") -> "decoder.blocks.1.cross_attn.hook_pattern"
    act_name("resid_pre", 0)                                -> "blocks.0.hook_resid_pre"
    act_name("embed", stack="encoder")                      -> "encoder.hook_embed"
    act_name("normalized")                                  -> "ln_final.hook_normalized"
    act_name("normalized", 0, sub="ln1")                    -> "blocks.0.ln1.hook_normalized"
    act_name("logits")                                      -> "logits"

and ``parse`` reads any name (or module path) back into those parts. ``stack`` is "" for a
decoder-only model (its names have no prefix), "encoder" or "decoder" for a translator.
"""

from __future__ import annotations

from typing import NamedTuple

STACKS = ("encoder", "decoder")
ATTENTION = ("attn", "cross_attn")  # the attention modules of a block
# hooks inside an attention module (blocks.{l}.attn.hook_*)
ATTENTION_KINDS = frozenset({"q", "k", "v", "rot_q", "rot_k", "dots", "scaled", "distance_bias", "mask", "attn_scores", "pattern", "z"})
# hooks on the block itself (blocks.{l}.hook_*): the residual stream and what each sublayer adds to it
BLOCK_KINDS = frozenset({"resid_pre", "resid_mid", "resid_mid_cross", "resid_post", "attn_out", "cross_attn_out", "mlp_out"})
STACK_KINDS = frozenset({"embed", "pos_embed"})  # before the first block
NORMS = ("ln1", "ln_cross", "ln2")  # a block's layer norms (pre- and post-norm models), each hook_normalized
KINDS = ATTENTION_KINDS | BLOCK_KINDS | STACK_KINDS | {"normalized", "post", "logits"}


class Parsed(NamedTuple):
    """The parts of a trace name or module path; kind is None for a module path ("blocks.0.attn")."""

    stack: str  # "", "encoder" or "decoder"
    layer: int | None
    sub: str | None  # the module inside the block (attn, cross_attn, mlp, ln1, ...) or ln_final
    kind: str | None  # the hook without "hook_" ("pattern", "resid_pre", ...), or "logits"


def _default_sub(kind: str, layer: int | str | None) -> str | None:
    if kind in ATTENTION_KINDS:
        return "attn"
    if kind == "post":
        return "mlp"
    if kind == "normalized" and layer is None:
        return "ln_final"
    return None


def act_name(kind: str, layer: int | str | None = None, stack: str = "", sub: str | None = None) -> str:
    """The trace name of ``kind`` (see the module's examples). ``layer`` may be a placeholder
    such as "{l}" for a template that stands for every layer (viz.architecture)."""
    if kind not in KINDS:
        raise ValueError(f"unknown trace name kind {kind!r}; known: {', '.join(sorted(KINDS))}")
    if stack not in ("", *STACKS):
        raise ValueError(f"stack must be '', 'encoder' or 'decoder', not {stack!r}")
    if kind == "logits":
        return "logits"
    sub = sub or _default_sub(kind, layer)
    needs_layer = kind in ATTENTION_KINDS | BLOCK_KINDS or kind == "post" or (kind == "normalized" and sub != "ln_final")
    if needs_layer and layer is None:
        raise ValueError(f"{kind!r} is recorded once per layer: give the layer")
    if kind == "normalized" and sub not in (*NORMS, "ln_final"):
        raise ValueError(f"'normalized' is recorded by a layer norm ({', '.join(NORMS)}, ln_final), not {sub!r}")
    parts = [stack] if stack else []
    if layer is not None and sub != "ln_final":
        parts += ["blocks", str(layer)]
    if sub:
        parts.append(sub)
    return ".".join([*parts, f"hook_{kind}"])


def module_name(layer: int | str, stack: str = "", sub: str = "attn") -> str:
    """A block's module path: "blocks.0.attn" (the key of RunOptions.ablate), "blocks.0.mlp"."""
    if sub not in (*ATTENTION, "mlp", *NORMS):
        raise ValueError(f"a block holds {', '.join((*ATTENTION, 'mlp', *NORMS))}, not {sub!r}")
    return ".".join([*([stack] if stack else []), "blocks", str(layer), sub])


def parse(name: str) -> Parsed:
    """"decoder.blocks.0.cross_attn.hook_pattern" -> Parsed("decoder", 0, "cross_attn", "pattern");
    a module path such as "blocks.1.attn" parses with kind None."""
    if name == "logits":
        return Parsed("", None, None, "logits")
    parts = name.split(".")
    stack = parts.pop(0) if parts and parts[0] in STACKS else ""
    kind = parts.pop()[len("hook_"):] if parts and parts[-1].startswith("hook_") else None
    layer = None
    if len(parts) >= 2 and parts[0] == "blocks" and parts[1].isdigit():
        layer = int(parts[1])
        parts = parts[2:]
    if len(parts) > 1 or (kind is None and layer is None) or (kind is not None and kind not in KINDS):
        raise ValueError(f"{name!r} is not a trace name")
    return Parsed(stack, layer, parts[0] if parts else None, kind)


def layer_of(name: str) -> int | None:
    """The (0-based) layer a name or module belongs to, or None (embeddings, logits, ln_final)."""
    return parse(name).layer


def stack_of(name: str) -> str:
    return parse(name).stack


def in_module(module: str, kind: str) -> str:
    """The name of ``kind`` in an attention module: in_module("blocks.0.attn", "k") -> "blocks.0.attn.hook_k"."""
    p = parse(module)
    return act_name(kind, p.layer, p.stack, p.sub)


def module_of(name: str) -> str:
    """The attention module a name inside one belongs to: "blocks.0.attn.hook_k" -> "blocks.0.attn"."""
    p = parse(name)
    if p.sub not in ATTENTION or p.layer is None:
        raise ValueError(f"{name!r} is not inside an attention module")
    return module_name(p.layer, p.stack, p.sub)


def module_kind(module: str) -> str:
    """"cross" (encoder-decoder), "encoder" (unmasked self-attention) or "masked" (decoder)."""
    p = parse(module)
    if p.sub == "cross_attn":
        return "cross"
    return "encoder" if p.stack == "encoder" else "masked"


# --- the residual stream around an attention module --------------------------------------------


class ResidualStep(NamedTuple):
    """Names of one residual add around an attention module: stream_out = stream_in + added
    (with post-norm, stream_out is the layer norm of that sum)."""

    stream_in: str
    added: str
    stream_out: str


def residual_step(module: str) -> ResidualStep:
    """Self-attention adds hook_attn_out to hook_resid_pre, giving hook_resid_mid; cross-attention
    adds hook_cross_attn_out to hook_resid_mid, giving hook_resid_mid_cross."""
    p = parse(module)
    if p.sub == "cross_attn":
        kinds = ("resid_mid", "cross_attn_out", "resid_mid_cross")
    else:
        kinds = ("resid_pre", "attn_out", "resid_mid")
    return ResidualStep(*(act_name(k, p.layer, p.stack) for k in kinds))


def attention_input(module: str, norm: str = "none") -> str:
    """What an attention module reads: with pre-norm the normalized stream, else the stream itself
    (with post-norm the layer norm runs after the residual sum)."""
    p = parse(module)
    if norm == "pre":
        return act_name("normalized", p.layer, p.stack, "ln1" if p.sub == "attn" else "ln_cross")
    return residual_step(module).stream_in
