"""Scores that say what an attention head does, from its attention pattern.

Pure functions on tensors (no model dependency), so the dashboard can score
heads of any traced model. A *pattern* for one layer is a tensor
``[n_heads, n_query, n_key]`` or, for a batch, ``[batch, n_heads, n_query,
n_key]``; rows are softmax outputs (sum to 1) and causal (key <= query).
Every score is a mean of attention probabilities, hence in [0, 1], and with a
batch it is averaged over the batch too. Each function returns ``[n_heads]``.

Why these four: they are the classic, easy-to-verify head types of small
language models -- previous-token heads, first-token "attention sinks"
(a head with nothing to do parks its attention on position 0), duplicate-token
heads (look at earlier copies of the current token), and induction heads
(on "... A B ... A" attend to B, the token after the earlier A, to copy it).

For reference, a uniform causal head scores ``mean_{q>=1} 1/(q+1)`` on both
previous-token and first-token (0.36 at length 4, ~0.1 at length 30), so a
threshold around 0.4 separates real specialists from diffuse heads.
"""

from __future__ import annotations

import random
from typing import Mapping, Optional, Sequence, Union

import torch

Patterns = Union[Mapping[int, torch.Tensor], Sequence[torch.Tensor]]

KINDS = ("previous_token", "first_token", "duplicate_token", "induction")
KIND_LABELS = {
    "previous_token": "previous-token",
    "first_token": "first-token sink",
    "duplicate_token": "duplicate-token",
    "induction": "induction",
}


def _as_batched(pattern: torch.Tensor) -> torch.Tensor:
    """[H, Q, K] -> [1, H, Q, K]; float32, detached."""
    if pattern.dim() == 3:
        pattern = pattern.unsqueeze(0)
    if pattern.dim() != 4:
        raise ValueError(f"pattern must be [H,Q,K] or [B,H,Q,K], got {tuple(pattern.shape)}")
    return pattern.detach().float()


def previous_token_score(pattern: torch.Tensor) -> torch.Tensor:
    """Mean over query positions q in [1, Q) of ``pattern[h, q, q-1]``.

    q = 0 is skipped: it has no previous token (and must attend to itself).
    """
    p = _as_batched(pattern)
    if p.shape[-2] < 2:
        raise ValueError("need at least 2 query positions")
    return torch.diagonal(p, offset=-1, dim1=-2, dim2=-1).mean(dim=(0, 2))


def first_token_score(pattern: torch.Tensor) -> torch.Tensor:
    """Mean over query positions q in [1, Q) of ``pattern[h, q, 0]``.

    q = 0 is skipped: under a causal mask it attends to position 0 trivially.
    """
    p = _as_batched(pattern)
    if p.shape[-2] < 2:
        raise ValueError("need at least 2 query positions")
    return p[..., 1:, 0].mean(dim=(0, 2))


def duplicate_token_score(pattern: torch.Tensor, token_ids: torch.Tensor) -> torch.Tensor:
    """Attention from a token to its own earlier occurrences.

    For each query position q whose token also occurs at some k < q, take
    ``sum_{k < q, ids[k] == ids[q]} pattern[h, q, k]``; the score is the mean
    over all such q (over the batch too). 0 if no token repeats.
    ``token_ids``: ``[Q]`` or ``[B, Q]`` matching the pattern's batch.
    """
    p = _as_batched(pattern)
    ids = torch.as_tensor(token_ids)
    ids = ids.unsqueeze(0) if ids.dim() == 1 else ids
    if ids.shape[0] != p.shape[0] or ids.shape[1] != p.shape[-2]:
        raise ValueError(f"token_ids {tuple(ids.shape)} do not match pattern {tuple(p.shape)}")
    q_len = ids.shape[1]
    earlier = torch.ones(q_len, q_len, dtype=torch.bool).tril(diagonal=-1)
    same = (ids[:, :, None] == ids[:, None, :]) & earlier          # [B, Q, K]
    valid = same.any(dim=-1)                                        # [B, Q]
    if not valid.any():
        return torch.zeros(p.shape[1])
    mass = (p[..., :q_len] * same[:, None].float()).sum(dim=-1)    # [B, H, Q]
    return (mass * valid[:, None].float()).sum(dim=(0, 2)) / valid.sum()


def induction_score(pattern: torch.Tensor, half_len: int, offset: int = 0) -> torch.Tensor:
    """Induction on a sequence of L = ``half_len`` random tokens repeated twice.

    The repeated block occupies positions [offset, offset + 2L) (``offset`` =
    number of prefix tokens, e.g. 1 for a BOS token). Query positions are the
    whole second copy, q in [offset + L, offset + 2L); each attends to the
    token *after* its earlier occurrence, key ``q - L + 1`` (so keys range over
    [offset + 1, offset + L]; the last query's target is the first token of the
    second copy). Score = mean over those q of ``pattern[h, q, q - L + 1]``.
    """
    p = _as_batched(pattern)
    if half_len < 1 or p.shape[-2] < offset + 2 * half_len:
        raise ValueError(f"pattern too short for offset={offset}, half_len={half_len}")
    qs = torch.arange(offset + half_len, offset + 2 * half_len)
    return p[..., qs, qs - half_len + 1].mean(dim=(0, 2))


def repeated_random_tokens(vocab_ids: Sequence[int], half_len: int, n: int, seed: int,
                           prefix_ids: Sequence[int] = ()) -> torch.LongTensor:
    """``n`` rows of ``prefix_ids + x + x`` where x is ``half_len`` random tokens.

    Tokens in x are distinct when the vocabulary allows it (so "the token after
    the earlier occurrence" is unambiguous), drawn from ``vocab_ids`` with
    ``random.Random(seed)`` -- stable across torch versions. Shape
    ``[n, len(prefix_ids) + 2 * half_len]``; use ``offset=len(prefix_ids)`` in
    ``induction_score``.
    """
    pool = sorted(set(int(v) for v in vocab_ids))
    if not pool:
        raise ValueError("vocab_ids is empty")
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        x = rng.sample(pool, half_len) if len(pool) >= half_len else rng.choices(pool, k=half_len)
        rows.append(list(prefix_ids) + x + x)
    return torch.tensor(rows, dtype=torch.long).reshape(n, len(prefix_ids) + 2 * half_len)


def _layers(patterns: Patterns) -> list[tuple[int, torch.Tensor]]:
    if isinstance(patterns, Mapping):
        return sorted(patterns.items())
    return list(enumerate(patterns))


def score(pattern: torch.Tensor, kind: str, *, token_ids: Optional[torch.Tensor] = None,
          half_len: Optional[int] = None, offset: int = 0) -> torch.Tensor:
    """Dispatch to one of the four scores by name (see ``KINDS``)."""
    if kind == "previous_token":
        return previous_token_score(pattern)
    if kind == "first_token":
        return first_token_score(pattern)
    if kind == "duplicate_token":
        if token_ids is None:
            raise ValueError("duplicate_token needs token_ids")
        return duplicate_token_score(pattern, token_ids)
    if kind == "induction":
        if half_len is None:
            raise ValueError("induction needs half_len")
        return induction_score(pattern, half_len, offset)
    raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")


def head_scores(patterns: Patterns, kinds: Optional[Sequence[str]] = None, *,
                token_ids: Optional[torch.Tensor] = None, half_len: Optional[int] = None,
                offset: int = 0) -> list[dict]:
    """A table of scores: one row ``{layer, head, kind, score}`` per head and kind.

    ``patterns``: ``{layer: pattern}`` or a list indexed by layer, all from the
    same input. ``kinds=None`` computes every kind the inputs allow
    (duplicate_token needs ``token_ids``, induction needs ``half_len``; for
    induction, feed ``repeated_random_tokens`` and pass the same ``offset``).
    """
    if kinds is None:
        kinds = [k for k in KINDS if not (k == "duplicate_token" and token_ids is None)
                 and not (k == "induction" and half_len is None)]
    rows = []
    for layer, pattern in _layers(patterns):
        for kind in kinds:
            values = score(pattern, kind, token_ids=token_ids, half_len=half_len, offset=offset)
            rows += [{"layer": int(layer), "head": h, "kind": kind, "score": float(v)}
                     for h, v in enumerate(values.tolist())]
    return rows


def label_heads(rows: Sequence[dict], threshold: Union[float, Mapping[str, float]] = 0.4
                ) -> list[dict]:
    """Group ``head_scores`` rows per head and name what each head does.

    Returns one dict per (layer, head), sorted: ``{layer, head, scores: {kind:
    score}, labels: [human label, ...]}``; labels are kinds whose score is >=
    the threshold (a float, or a per-kind mapping), best score first. An empty
    list means "no clear role".
    """
    heads: dict[tuple[int, int], dict[str, float]] = {}
    for r in rows:
        heads.setdefault((r["layer"], r["head"]), {})[r["kind"]] = r["score"]
    out = []
    for (layer, head), scores in sorted(heads.items()):
        def thr(kind: str) -> float:
            return threshold.get(kind, float("inf")) if isinstance(threshold, Mapping) else threshold
        hits = sorted((k for k, s in scores.items() if s >= thr(k)), key=lambda k: -scores[k])
        out.append({"layer": layer, "head": head, "scores": dict(scores),
                    "labels": [KIND_LABELS[k] for k in hits]})
    return out
