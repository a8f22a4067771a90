"""Prefix reuse: a prompt that shares its start with a cached trace's costs only its other tokens.

Why: in a causal decoder-only model no position reads a later one, so every tensor of the
shared positions is the same in the new prompt's pass. Typing at the end of a 1,024-token
prompt then runs the model on the one or two new tokens, with the earlier positions' keys and
values read from the cached trace (its hook_k or hook_rot_k, and hook_v, per layer), and
appends the new rows to every per-position tensor. The masks and distance biases ([query, key])
are made whole by the new run. Equal to a full pass within float rounding (the matrix products
run on other shapes; tests/model/test_prefix_reuse.py checks 1e-5).

Not for a translator (its decoder reads the whole encoder) nor for a run that ablates heads
(a mean ablation averages over every position) or lifts the causal mask (earlier positions then
read later ones): those get a full pass.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import torch

from .trace import Recorder, Trace

WHOLE = ("hook_mask", "hook_distance_bias")  # [query, key] tensors the new run records whole


class PrefixRecorder(Recorder):
    """A lean recorder for the positions after the first ``past`` of ``prefix``."""

    def __init__(self, prefix: Trace, past: int, norm: str) -> None:
        super().__init__(prefix.options, capture=True, lean=norm)
        self.prefix = prefix
        self.past = past

    def with_past(self, name: str, x: torch.Tensor) -> torch.Tensor:
        """x [1, new, head, d_head] after the prefix's first ``past`` rows of ``name``."""
        return torch.cat((self.prefix.tensors[name][: self.past][None], x), dim=1)


def shared_length(prefix: Trace, ids: Sequence[int]) -> int:
    """How many leading ids the trace shares with ``ids``."""
    n = 0
    for a, b in zip(prefix.ids, ids):
        if a != b:
            break
        n += 1
    return n


def reusable(model: torch.nn.Module, prefix: Trace, ids: Sequence[int], options) -> int:
    """How many positions of ``prefix`` a run of ``ids`` under ``options`` may reuse (0: none).
    At least the last position is computed again, so the run has a token to read."""
    if (prefix.model is not model or hasattr(model, "decoder") or prefix.options != options
            or options.ablate or not options.causal):
        return 0
    return min(shared_length(prefix, ids), len(ids) - 1)


def best_prefix(model: torch.nn.Module, candidates: Iterable[Trace], ids: Sequence[int], options) -> tuple[Trace | None, int]:
    """The candidate that spares the most positions, and how many."""
    best, most = None, 0
    for trace in candidates:
        n = reusable(model, trace, ids, options)
        if n > most:
            best, most = trace, n
    return best, most


def extend(model: torch.nn.Module, prefix: Trace, past: int, ids: Sequence[int]) -> dict[str, torch.Tensor | None]:
    """The tensors of a lean pass over ``ids`` (what model.run(ids, lean=True) records), from
    ``prefix``'s first ``past`` positions and a run over the rest."""
    rec = PrefixRecorder(prefix, past, model.cfg.norm)
    model.run_with(rec, list(ids[past:]))
    merged: dict[tuple[int, int], torch.Tensor] = {}  # two names of one tensor stay one tensor
    tensors: dict[str, torch.Tensor | None] = {}
    for name, new in rec.tensors.items():
        old = prefix.tensors.get(name)
        if new is None or name.rpartition(".")[2] in WHOLE:
            tensors[name] = new
            continue
        key = (old.data_ptr(), new.data_ptr())
        if key not in merged:
            merged[key] = torch.cat((old[:past], new))
        tensors[name] = merged[key]
    return tensors
