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

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, Mapping

import torch

from . import names
from .recompute import recomputed_leaves

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

    past = 0  # positions computed before this run (model/prefix.py); 0: the run starts the prompt

    def __init__(self, options: RunOptions = RunOptions(), capture: bool = True, keep_batch: bool = False, lean: str | None = None) -> None:
        self.options = options
        self.capture = capture
        self.keep_batch = keep_batch  # evaluation scores heads over a whole batch at once
        # lean (the model's norm): what a Trace recomputes on lookup gets a None in place of a tensor,
        # so the names keep the pass's order (model/recompute.py, and the per-head maps)
        self.lean = lean is not None
        self.skip = recomputed_leaves(lean) | {f"hook_{kind}" for kind in DERIVED_KINDS} if self.lean else frozenset()
        self.tensors: dict[str, torch.Tensor | None] = {}
        self.masks: dict[tuple, torch.Tensor] = {}  # the run's attention masks, one per way of masking (model/layers.py)

    def __call__(self, name: str, x: torch.Tensor) -> torch.Tensor:
        if self.capture:
            keep = name.rpartition(".")[2] not in self.skip
            self.tensors[name] = (x.detach() if self.keep_batch else x.detach()[0]) if keep else None  # a trace is one prompt
        return x

    def recomputed(self, name: str) -> dict[str, torch.Tensor | None]:
        """Note a name the pass did not compute (a lean trace recomputes it); the tensors so far."""
        self.tensors[name] = None
        return self.tensors


def hook(rec: Recorder | None, name: str, x: torch.Tensor) -> torch.Tensor:
    return x if rec is None else rec(name, x)


class PatchingRecorder(Recorder):
    """A batched run in which chosen parts of named tensors are replaced as they are recorded.

    Activation patching as a run-time intervention (like ablation): ``patches`` maps a trace
    name to ``(mask, source)``; where ``mask`` [batch, *shape] is True the tensor takes
    ``source``'s value (a [*shape] tensor from another run, broadcast over the batch). Each row
    of the batch is one patched run; the shared model is never changed. Records nothing.
    """

    def __init__(self, patches: Mapping[str, tuple[torch.Tensor, torch.Tensor]], options: RunOptions = RunOptions(),
                 past: Mapping[str, torch.Tensor] | None = None, n_past: int = 0) -> None:
        super().__init__(options, capture=False, keep_batch=True)
        self.patches = dict(patches)
        # a run of the positions after the first n_past, whose keys and values come from ``past``
        # (one run's tensors, as model/prefix.py reads a cached trace's), the same for every row
        self.past_tensors = past or {}
        self.past = n_past

    def with_past(self, name: str, x: torch.Tensor) -> torch.Tensor:
        """x [batch, new, head, d_head] after the first ``past`` rows of ``name``, for every row."""
        before = self.past_tensors[name][: self.past]
        return torch.cat((before[None].expand(x.shape[0], *before.shape), x), dim=1)

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
    (model.layers.attention_maps), so it equals what the pass computed. With the ``model`` it
    came from, it also recomputes the names model/recompute.py lists (norm outputs, sublayer
    outputs, the MLP's hidden layer, the logits) from the residual stream and q/k/v/z it keeps.
    The last result is kept when it fits one slot of the largest per-head map (counted by
    model/budget.py), as a page reads the same pattern repeatedly.
    ``tensors`` may hold None for a name the pass made but a lean trace recomputes: the names
    then keep the pass's order.
    """

    tensors: dict[str, torch.Tensor]
    tokens: list[str]  # the (decoder) stream, in order
    src_tokens: list[str] | None = None  # the encoder's input, for a translator
    n_prompt: int = 0  # how many stream tokens came from the prompt (the rest were generated)
    options: RunOptions = field(default_factory=RunOptions)
    encoding: Encoding | None = None  # the prompt's: unknown words, truncation
    model: torch.nn.Module | None = None  # the shared, read-only model, for the names it recomputes
    ids: tuple[int, ...] = ()  # the stream's token ids (model/prefix.py extends a trace by them)

    def __post_init__(self) -> None:
        self.order = tuple(self.tensors)  # every name of the pass, in its order
        self.tensors = {name: t for name, t in self.tensors.items() if t is not None}
        self._recomputed = frozenset(n for n in self.order if n not in self.tensors)
        self._last: tuple[object, torch.Tensor] | None = None  # the one recomputed result kept

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
        """(module, kind) when ``name`` is a per-head map this lean trace computes on demand;
        ("", name) when model/recompute.py recomputes it."""
        if name in self.tensors:
            return None
        module, _, leaf = name.rpartition(".")
        kind = leaf.removeprefix("hook_")
        if kind in DERIVED_KINDS and f"{module}.hook_q" in self.tensors:
            return module, kind
        if name in self._recomputed and self.model is not None:
            return "", name
        return None

    def _compute(self, name: str) -> torch.Tensor | None:
        """``name`` computed, without touching the kept slot (a recomputation's own steps)."""
        found = self._derivable(name)
        if found is None:
            return self.tensors.get(name)
        module, kind = found
        if not module:
            from .recompute import recompute  # layers (which recompute uses) import this module

            return recompute(self.model, self._stored_or_computed, name)
        return self._maps(module, slice(None), slice(None))[kind]

    def _maps(self, module: str, heads: slice, rows: slice) -> dict[str, torch.Tensor]:
        """The per-head maps [head, row, key] of those heads and query rows, from the module's q
        and k (turned, with RoPE), distance bias and mask, by the forward pass's own function."""
        from .layers import attention_maps

        get = lambda k: self.tensors.get(f"{module}.hook_{k}")  # noqa: E731
        q, k = get("rot_q"), get("rot_k")
        q, k = (q, k) if q is not None else (get("q"), get("k"))
        bias = get("distance_bias")
        with torch.inference_mode():
            maps = attention_maps(q[rows, heads][None], k[:, heads][None], None if bias is None else bias[heads, rows][None],
                                  get("mask")[rows][None])
        return {kind: m[0] for kind, m in maps.items()}

    def attention_shape(self, module: str) -> tuple[int, int, int]:
        """(heads, queries, keys) of the module's per-head maps, read from q and k: no map is computed."""
        if f"{module}.hook_pattern" in self.tensors:
            return tuple(self.tensors[f"{module}.hook_pattern"].shape)
        q, k = self.tensors[f"{module}.hook_q"], self.tensors[f"{module}.hook_k"]
        return int(q.shape[1]), int(q.shape[0]), int(k.shape[0])

    def head_maps(self, module: str, head: int | None = None, rows: slice = slice(None)) -> dict[str, torch.Tensor]:
        """dots, scaled, attn_scores and pattern of one head (every head: None) for the query rows
        ``rows``, each [head, rows, key]: a lean trace computes only those rows of that head (equal
        to the whole maps' rows within float rounding), a fraction of one lookup of a whole map."""
        heads = slice(None) if head is None else slice(head, head + 1)
        found = self._derivable(f"{module}.hook_pattern")
        if found is None or not found[0]:  # the pass kept its maps
            return {kind: self[f"{module}.hook_{kind}"][heads, rows] for kind in DERIVED_KINDS}
        return self._maps(module, heads, rows)

    def _stored_or_computed(self, name: str) -> torch.Tensor:
        tensor = self._compute(name)
        if tensor is None:
            raise KeyError(f"the trace has no tensor named {name!r}")
        return tensor

    def _derive(self, name: str) -> torch.Tensor | None:
        if self._derivable(name) is None:
            return None
        return self._kept(name, lambda: self._compute(name))

    def _kept(self, key: object, make) -> torch.Tensor:
        """The last result again, or ``make()``'s, kept when it fits the slot."""
        last = self._last
        if last is not None and last[0] == key:
            return last[1]
        tensor = make()
        if tensor.numel() * tensor.element_size() <= self.derived_slot_bytes:
            self._last = (key, tensor)
        return tensor

    def logits_at(self, position: int) -> torch.Tensor:
        """One row of the logits [vocab] (a negative position counts from the end): a lean trace
        recomputes only that row (equal to the whole recomputation's within float rounding)."""
        position %= len(self.tokens)
        if "logits" in self.tensors or self.model is None:
            return self["logits"][position]
        return self._kept(("logits", position), lambda: self._logits_of_rows(position, position + 1)[0])

    def logits_rows(self, start: int, stop: int) -> torch.Tensor:
        """Rows start..stop-1 of the logits [rows, vocab]: a lean trace recomputes only those
        (a 1,024-token prompt's whole logits are 196 MB for GPT-2's vocabulary)."""
        if "logits" in self.tensors or self.model is None:
            return self["logits"][start:stop]
        return self._kept(("logits", start, stop), lambda: self._logits_of_rows(start, stop))

    def _logits_of_rows(self, start: int, stop: int) -> torch.Tensor:
        from .recompute import final_stream, logits_of

        final = final_stream(self.model, self._stored_or_computed)
        with torch.inference_mode():
            return logits_of(self.model, final[start:stop])

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
        """Every name, kept or computed on demand, in the order the pass made them; a trace made
        from a full pass's tensors (no Nones) lists its per-head maps after each mask."""
        for name in self.order:
            if name in self.tensors or self._derivable(name):
                yield name
            if name.endswith(".hook_mask") and not self._recomputed:
                module = name.rpartition(".")[0]
                yield from (n for n in (f"{module}.hook_{k}" for k in DERIVED_KINDS) if self._derivable(n))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    @functools.cached_property
    def derived_slot_bytes(self) -> int:
        """The most the one kept derived map can hold: the largest [head, q, k] of the trace."""
        sizes = [self.tensors[n].shape[1] * self.tensors[n].shape[0] * self.tensors[f"{n.rpartition('.')[0]}.hook_k"].shape[0]
                 for n in self.tensors if n.endswith(".hook_q") and self._derivable(n.replace(".hook_q", ".hook_pattern"))]
        return max(sizes, default=0) * 4

    @property
    def logits(self) -> torch.Tensor:
        return self["logits"]

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
