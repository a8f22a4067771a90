"""Prompt comparison: one head's attention pattern on two prompts, aligned by position.

Why by position: the two prompts may differ in words and in length; row i, column j is the
same (query position, key position) in both, so their difference shows what the change of
words moved. The overlap is the first min(len) positions of each axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..trace import Trace


@dataclass
class PatternComparison:
    module: str
    head: int
    query_tokens: tuple[list[str], list[str]]  # each prompt's query tokens, over the overlap
    key_tokens: tuple[list[str], list[str]]
    a: torch.Tensor  # [q, k] first prompt's pattern over the overlap
    b: torch.Tensor  # [q, k] second prompt's
    difference: torch.Tensor  # b - a

    def to_json_dict(self) -> dict:
        return {"module": self.module, "head": self.head, "query_tokens": list(self.query_tokens),
                "key_tokens": list(self.key_tokens), "a": self.a.tolist(), "b": self.b.tolist(),
                "difference": self.difference.tolist()}


def compare_patterns(trace_a: Trace, trace_b: Trace, module: str, head: int) -> PatternComparison:
    """``module`` as in the trace (e.g. "blocks.1.attn"); the patterns cut to their common size."""
    pa, pb = trace_a.pattern(module)[head], trace_b.pattern(module)[head]
    nq, nk = min(pa.shape[0], pb.shape[0]), min(pa.shape[1], pb.shape[1])
    a, b = pa[:nq, :nk], pb[:nq, :nk]
    return PatternComparison(
        module, head,
        (trace_a.query_tokens(module)[:nq], trace_b.query_tokens(module)[:nq]),
        (trace_a.key_tokens(module)[:nk], trace_b.key_tokens(module)[:nk]),
        a, b, b - a,
    )
