"""Direct logit attribution: the final stream at one position, split into the parts that wrote
it, each projected on a word's logit (or on the difference between two words' logits).

Reference: TransformerLens, ``ActivationCache.decompose_resid`` / ``stack_head_results`` /
``apply_ln_to_stack`` / ``logit_attrs``. Parts: ``embed`` and ``pos_embed`` (none with RoPE,
which turns queries and keys instead of adding to the stream); every head
``L{l}H{h}`` (its ``hook_z`` through its slice of W_O, bias left out, as ``stack_head_results``;
a translator's cross-attention heads are ``L{l}C{h}``); every feed-forward block ``{l}_mlp_out``
(its output bias included, as ``decompose_resid``); ``attn_bias`` (every attention's W_O bias,
when W_O has one: GPT-2's c_proj does, Llama's o_proj does not).
A model without W_O (the lessons') writes each head's values straight into its slice of the
stream. The final norm is linear once its scale is frozen at the value it took on the real
stream (``apply_ln_to_stack``): each part is centred (LayerNorm only: RMSNorm does not centre)
and divided by that scale, then projected on ``w_ln * (W_U[word] - W_U[other])``. ``final_bias`` is what the norm's bias and the
unembedding's bias add (TransformerLens folds these into ``b_U`` and leaves them out), so the
parts sum exactly to the model's logit (difference) at that position.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..bundle import ModelBundle
from ..trace import Trace
from ..names import act_name
from .stream import final_stream_name, output_stack, output_stream, word_id


@dataclass
class Attribution:
    labels: list[str]  # one per part
    values: torch.Tensor  # [part]: each part's share of the logit (difference)
    total: float  # the model's own logit (difference) at the position
    position: int
    word: str
    other: str | None  # the word subtracted, if any
    heads: torch.Tensor  # [layer, head]: the self-attention heads' values, for a heatmap

    def ranked(self) -> list[tuple[str, float]]:
        """Parts by size of their effect, largest first (sign kept)."""
        return sorted(zip(self.labels, self.values.tolist()), key=lambda p: -abs(p[1]))

    def to_json_dict(self) -> dict:
        return {"position": self.position, "word": self.word, "other": self.other, "total": self.total,
                "sum_of_parts": float(self.values.sum()), "parts": dict(zip(self.labels, self.values.tolist())),
                "heads": self.heads.tolist()}


def head_results(attn, z: torch.Tensor) -> torch.Tensor:
    """z [..., head, d_head] -> what each head writes to the stream [..., head, d_model] (no bias)."""
    h, dh = z.shape[-2], z.shape[-1]
    if attn.W_O is None:  # the head's values land in its own slice of the stream
        out = torch.zeros(*z.shape[:-1], h * dh, dtype=z.dtype)
        for i in range(h):
            out[..., i, i * dh:(i + 1) * dh] = z[..., i, :]
        return out
    w = attn.W_O.weight.detach().view(-1, h, dh)  # [d_model, head, d_head]
    return torch.einsum("...hd,mhd->...hm", z, w)


def residual_parts(bundle: ModelBundle, trace: Trace, position: int) -> tuple[list[str], torch.Tensor]:
    """(labels, parts [part, d_model]) that sum to the final stream at ``position``."""
    if bundle.config.norm == "post":
        raise ValueError("direct logit attribution needs a stream that is a sum of its parts; a post-norm model "
                         "normalizes the stream inside every block")
    name, stack = output_stream(bundle), output_stack(bundle)
    labels, parts = ["embed"], [trace[act_name("embed", stack=name)][position]]
    if act_name("pos_embed", stack=name) in trace:  # learned or sinusoidal positions; RoPE adds none
        labels.append("pos_embed")
        parts.append(trace[act_name("pos_embed", stack=name)][position])
    bias, has_bias = torch.zeros(bundle.config.d_model), False
    for layer, block in enumerate(stack.blocks):
        for kind, tag in (("attn", "H"), ("cross_attn", "C")):
            attn = getattr(block, kind)
            if attn is None:
                continue
            results = head_results(attn, trace[act_name("z", layer, stack=name, sub=kind)][position])
            labels += [f"L{layer}{tag}{h}" for h in range(results.shape[0])]
            parts += list(results)
            if attn.W_O is not None and attn.W_O.bias is not None:
                bias, has_bias = bias + attn.W_O.bias.detach(), True
        if block.mlp is not None:
            labels.append(f"{layer}_mlp_out")
            parts.append(trace[act_name("mlp_out", layer, stack=name)][position])
    if has_bias:
        labels.append("attn_bias")
        parts.append(bias)
    return labels, torch.stack(parts)


def _unembed_row(bundle: ModelBundle, word: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(W_U row, b_U entry) of one word; 0 where the unembedding has no bias (GPT-2, Llama)."""
    unembed = bundle.model.unembed
    bias = unembed.bias[word].detach().clone() if unembed.bias is not None else torch.zeros(())
    return unembed.weight[word].detach().clone(), bias


def _through_frozen_norm(norm, stream: torch.Tensor, parts: torch.Tensor, direction: torch.Tensor,
                         const: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The final norm made linear with its scale frozen at ``stream``'s: LayerNorm centres and
    divides by the standard deviation, RMSNorm divides by the root mean square (no centring);
    its weight joins the direction, its bias (if any) the constant."""
    eps = norm.eps if norm.eps is not None else torch.finfo(stream.dtype).eps  # nn.RMSNorm's default
    if isinstance(norm, torch.nn.RMSNorm):
        scale = (stream.pow(2).mean() + eps).sqrt()
    else:
        scale = (stream.var(unbiased=False) + eps).sqrt()
        parts = parts - parts.mean(-1, keepdim=True)
    if getattr(norm, "bias", None) is not None:
        const = const + norm.bias.detach() @ direction
    if norm.weight is not None:
        direction = norm.weight.detach() * direction
    return parts / scale, direction, const


def logit_attribution(bundle: ModelBundle, trace: Trace, word: str, other: str | None = None, position: int = -1,
                      parts: tuple[list[str], torch.Tensor] | None = None) -> Attribution:
    """Each part's direct effect on logit(word) (minus logit(other)) at ``position``; ``parts``:
    residual_parts' result for this position, when the caller keeps it (it depends on no word)."""
    position = position % len(trace.tokens)
    labels, parts = parts if parts is not None else residual_parts(bundle, trace, position)
    target = word_id(bundle, word)
    direction, const = _unembed_row(bundle, target)
    if other is not None:
        minus, minus_const = _unembed_row(bundle, word_id(bundle, other))
        direction, const = direction - minus, const - minus_const
    ln_final = output_stack(bundle).ln_final
    if ln_final is not None:
        parts, direction, const = _through_frozen_norm(ln_final.norm, trace[final_stream_name(bundle)][position],
                                                       parts, direction, const)
    values = torch.cat([parts @ direction, const[None]])
    labels = labels + ["final_bias"]
    total = trace.logits[position, target]
    if other is not None:
        total = total - trace.logits[position, word_id(bundle, other)]
    n_heads = bundle.config.n_heads
    heads = torch.tensor([[values[labels.index(f"L{l}H{h}")] for h in range(n_heads)] for l in range(bundle.config.n_layers)])
    return Attribution(labels, values, float(total), position, word, other, heads)
