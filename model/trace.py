"""Trace: every intermediate tensor of one forward pass, by name, plus run-time interventions.

Why one object: every page of the app is a view of the same pass, so a number shown on two
pages is the same number. Names follow TransformerLens (``blocks.0.attn.hook_pattern``),
derived from the module tree, so interpretability users read a trace without a legend.

Shapes (batch dimension dropped: a trace is one prompt):
    hook_embed, hook_pos_embed, blocks.{l}.hook_resid_*     [pos, d_model]
    blocks.{l}.attn.hook_q / hook_k / hook_v / hook_z       [pos, head, d_head]
    blocks.{l}.attn.hook_rot_q / hook_rot_k  q and k turned by RoPE (only with
                                    positional = "rope"; then there is no hook_pos_embed) [pos, head, d_head]
    blocks.{l}.attn.hook_dots       raw q.k                 [head, query_pos, key_pos]
    blocks.{l}.attn.hook_scaled     dots / sqrt(d_head)     [head, query_pos, key_pos]
    blocks.{l}.attn.hook_distance_bias  a local layer's learned bias per distance back
                                    (only with distance_bias) [head, query_pos, key_pos]
    blocks.{l}.attn.hook_mask       0 or -inf               [query_pos, key_pos]
    blocks.{l}.attn.hook_attn_scores  scaled (+ bias) + mask [head, query_pos, key_pos]
    blocks.{l}.attn.hook_pattern    softmax of the scores   [head, query_pos, key_pos]
    logits                                                  [pos, vocab]
Encoder-decoder traces prefix ``encoder.`` / ``decoder.``; decoder blocks add ``cross_attn.*``.
With grouped-query attention (Llama, Qwen2: fewer key/value heads than query heads) hook_k,
hook_rot_k and hook_v hold one entry per *query* head, the key/value head that query head
reads repeated across its group (TransformerLens' ``ungroup_grouped_query_attention``), so
``hook_k[:, h]`` always pairs with ``hook_q[:, h]`` and every per-head view works unchanged.
model.names makes and reads these names; a Trace also answers ``trace["pattern", 0]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, Mapping

import torch

from . import names

if TYPE_CHECKING:  # the tokenizer needs no trace; only the annotation names it
    from .tokenizer import Encoding


@dataclass(frozen=True)
class RunOptions:
    """Interventions are arguments of a run, never edits of the (shared) model.

    ablate: attention module name -> heads to switch off, e.g. {"blocks.0.attn": (1,)}.
    ablation: "zero" replaces the head's weighted values (hook_z) by 0, "mean" by their mean
        over the positions of this prompt.
    causal: False removes the causal mask from every masked self-attention (and a local
        layer's window with it: every word then sees every word).
    masked_keys: prompt positions no attention may look at (the decoder-only stream, or the
        encoder's input for a translator).
    """

    ablate: tuple[tuple[str, tuple[int, ...]], ...] = ()
    ablation: str = "zero"
    causal: bool = True
    masked_keys: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.ablation not in ("zero", "mean"):
            raise ValueError(f"ablation must be 'zero' or 'mean', not {self.ablation!r}")

    @classmethod
    def make(cls, ablate: Mapping[str, object] | None = None, **kwargs) -> "RunOptions":
        """Hashable options from a friendly dict, so runs can be cached by their options."""
        items = tuple(sorted((name, tuple(sorted({int(h) for h in heads}))) for name, heads in (ablate or {}).items()))
        masked = tuple(sorted({int(p) for p in kwargs.pop("masked_keys", ())}))
        return cls(ablate=tuple(i for i in items if i[1]), masked_keys=masked, **kwargs)

    def heads_off(self, module_name: str) -> tuple[int, ...]:
        for name, heads in self.ablate:
            if name == module_name:
                return heads
        return ()


class Recorder:
    """Passed down the forward pass; records named tensors and carries the run's options.

    With ``capture=False`` it records nothing, so training and generation pay nothing.
    """

    def __init__(self, options: RunOptions = RunOptions(), capture: bool = True, keep_batch: bool = False, lean: bool = False) -> None:
        self.options = options
        self.capture = capture
        self.keep_batch = keep_batch  # evaluation scores heads over a whole batch at once
        # lean: the per-head [head, q, k] maps are not kept; a Trace computes them from q and k on demand
        self.skip = frozenset(f"hook_{kind}" for kind in DERIVED_KINDS) if lean else frozenset()
        self.tensors: dict[str, torch.Tensor] = {}

    def __call__(self, name: str, x: torch.Tensor) -> torch.Tensor:
        if self.capture and name.rpartition(".")[2] not in self.skip:
            self.tensors[name] = x.detach() if self.keep_batch else x.detach()[0]  # a trace is one prompt
        return x


def hook(rec: Recorder | None, name: str, x: torch.Tensor) -> torch.Tensor:
    return x if rec is None else rec(name, x)


class PatchingRecorder(Recorder):
    """A batched run in which chosen parts of named tensors are replaced as they are recorded.

    Activation patching as a run-time intervention (like ablation): ``patches`` maps a trace
    name to ``(mask, source)``; where ``mask`` [batch, *shape] is True the tensor takes
    ``source``'s value (a [*shape] tensor from another run, broadcast over the batch). Each row
    of the batch is one patched run; the shared model is never changed. Records nothing.
    """

    def __init__(self, patches: Mapping[str, tuple[torch.Tensor, torch.Tensor]], options: RunOptions = RunOptions()) -> None:
        super().__init__(options, capture=False, keep_batch=True)
        self.patches = dict(patches)

    def __call__(self, name: str, x: torch.Tensor) -> torch.Tensor:
        patch = self.patches.get(name)
        return x if patch is None else torch.where(patch[0], patch[1], x)


# What a lean trace computes on demand: each is layers x heads x tokens^2 floats, 604 MB per kind
# for a GPT-2-small-shaped model at 1,024 tokens, and q and k (turned, with RoPE) give them all.
DERIVED_KINDS = ("dots", "scaled", "attn_scores", "pattern")


@dataclass
class Trace(Mapping[str, torch.Tensor]):
    """The named tensors of one pass, with the tokens that label their axes.

    A lean trace (``model.run(..., lean=True)``, what the app makes) holds no per-head maps
    (DERIVED_KINDS): a lookup of one computes it from the module's stored q and k (rot_q and
    rot_k with RoPE), distance bias and mask, with the forward pass's own function
    (model.layers.attention_maps), so it equals what the pass computed. The last map computed
    is kept (one slot, counted by model/budget.py), as a page reads the same pattern repeatedly.
    """

    tensors: dict[str, torch.Tensor]
    tokens: list[str]  # the (decoder) stream, in order
    src_tokens: list[str] | None = None  # the encoder's input, for a translator
    n_prompt: int = 0  # how many stream tokens came from the prompt (the rest were generated)
    options: RunOptions = field(default_factory=RunOptions)
    encoding: Encoding | None = None  # the prompt's: unknown words, truncation

    def __post_init__(self) -> None:
        self._last: tuple[str, torch.Tensor] | None = None  # the one derived map kept

    def __getitem__(self, key: str | tuple) -> torch.Tensor:
        """By name, or by its parts as names.act_name takes them: ``trace["pattern", 0]``,
        ``trace["resid_pre", 1]``, ``trace["pattern", 0, "decoder", "cross_attn"]``."""
        name = names.act_name(*key) if isinstance(key, tuple) else key
        tensor = self.tensors.get(name)
        if tensor is None:
            tensor = self._derive(name)
        if tensor is None:
            raise KeyError(f"the trace has no tensor named {name!r}")
        return tensor

    def _derivable(self, name: str) -> tuple[str, str] | None:
        """(module, kind) when ``name`` is a per-head map this lean trace computes on demand."""
        module, _, leaf = name.rpartition(".")
        kind = leaf.removeprefix("hook_")
        if kind not in DERIVED_KINDS or name in self.tensors or f"{module}.hook_q" not in self.tensors:
            return None
        return module, kind

    def _derive(self, name: str) -> torch.Tensor | None:
        found = self._derivable(name)
        if found is None:
            return None
        last = self._last
        if last is not None and last[0] == name:
            return last[1]
        from .layers import attention_maps  # layers import this module

        module, kind = found
        get = lambda k: self.tensors.get(f"{module}.hook_{k}")  # noqa: E731
        q, k = get("rot_q"), get("rot_k")
        q, k = (q, k) if q is not None else (get("q"), get("k"))
        bias = get("distance_bias")
        with torch.inference_mode():
            maps = attention_maps(q[None], k[None], None if bias is None else bias[None], get("mask")[None])
        tensor = maps[kind][0]
        self._last = (name, tensor)
        return tensor

    def __contains__(self, key: object) -> bool:
        if isinstance(key, tuple):
            key = names.act_name(*key)
        return key in self.tensors or (isinstance(key, str) and self._derivable(key) is not None)

    def at(self, module: str, kind: str) -> torch.Tensor:
        """The tensor ``kind`` of an attention module: ``trace.at("blocks.0.attn", "k")``."""
        return self[names.in_module(module, kind)]

    def has(self, module: str, kind: str) -> bool:
        return names.in_module(module, kind) in self

    def __iter__(self) -> Iterator[str]:
        """Every name, stored or computed on demand: a module's maps follow its mask."""
        for name in self.tensors:
            yield name
            if name.endswith(".hook_mask"):
                module = name.rpartition(".")[0]
                yield from (n for n in (f"{module}.hook_{k}" for k in DERIVED_KINDS) if self._derivable(n))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    @property
    def derived_slot_bytes(self) -> int:
        """The most the one kept derived map can hold: the largest [head, q, k] of the trace."""
        sizes = [self.tensors[n].shape[1] * self.tensors[n].shape[0] * self.tensors[f"{n.rpartition('.')[0]}.hook_k"].shape[0]
                 for n in self.tensors if n.endswith(".hook_q") and self._derivable(n.replace(".hook_q", ".hook_pattern"))]
        return max(sizes, default=0) * 4

    @property
    def logits(self) -> torch.Tensor:
        return self.tensors["logits"]

    def attention_modules(self) -> list[str]:
        """Every attention module of the pass in order, e.g. ["blocks.0.attn", ...]."""
        return [names.module_of(n) for n in self if n.endswith(".hook_pattern")]

    def pattern(self, module: str) -> torch.Tensor:
        return self.at(module, "pattern")

    def query_tokens(self, module: str) -> list[str]:
        """Tokens along the query axis of an attention module."""
        return self.src_tokens if names.stack_of(module) == "encoder" and self.src_tokens is not None else self.tokens

    def key_tokens(self, module: str) -> list[str]:
        """Tokens along the key axis: the encoder's for encoder and cross attention."""
        if self.src_tokens is not None and names.module_kind(module) in ("encoder", "cross"):
            return self.src_tokens
        return self.tokens

    def summary(self) -> list[tuple[str, tuple[int, ...]]]:
        return [(name, tuple(self[name].shape)) for name in self]

    def to_json_dict(self) -> dict:
        return {
            "tokens": self.tokens,
            "src_tokens": self.src_tokens,
            "tensors": {name: {"shape": list(self[name].shape), "values": self[name].float().tolist()} for name in self},
        }
