"""W_Q, W_K, W_V (and W_O) of one attention head, and "query = W_Q × input" with real numbers.

Why: the lessons make each word's query, key and value by multiplying its numbers by three
weight matrices, the same for every word. Shown in full for the toy models (2 numbers per
word), the multiplication can be checked by hand: the input is read from the trace, the
weights from the model, and the result printed is the trace's own hook_q / hook_k / hook_v
(tests check that the products add up to it). Bigger models show the head's slices as heatmaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from torch import nn

from model import names
from model.trace import Trace

from .common import matrix_frame, to_numpy
from .embeddings import matrix_heatmap
from .numbers import fmt_vector, rounded, signed
from .spec import SpecChart

DIGITS = 2
FULL_DIM = 4  # up to this many numbers per word the matrices are written out in full
KINDS = (("query", "W_Q", "q"), ("key", "W_K", "k"), ("value", "W_V", "v"))

LESSON = ("Every word makes its query, key and value with the same three weight matrices: query = W_Q × the word's "
          "numbers, key = W_K × them, value = W_V × them. Each number of the result is one row of the matrix times "
          "the input, multiplied number by number and added up.")


def attention_module(model: nn.Module, module: str) -> nn.Module:
    """The model's attention module of a trace module name ("decoder.blocks.0.cross_attn")."""
    p = names.parse(module)
    stack = getattr(model, p.stack) if p.stack else model
    return getattr(stack.blocks[p.layer], p.sub)


@dataclass(frozen=True)
class Projection:
    """One of query, key, value for one word: result = matrix × input (+ bias)."""

    kind: str  # "query" | "key" | "value"
    weight_name: str  # "W_Q"
    matrix: np.ndarray  # [d_head, d_model]: this head's rows
    bias: np.ndarray | None  # [d_head]
    word: str  # "2: statquest", the word whose numbers go in
    input_name: str
    input: np.ndarray  # [d_model]
    result_name: str
    result: np.ndarray  # [d_head]: the trace's own numbers

    def equations(self) -> list[str]:
        """"query[0] = 0.12 × 1.00 + (-0.30) × 0.50 = 0.27", one per number of the result."""
        lines = []
        for i, row in enumerate(self.matrix):
            terms = " + ".join(f"{signed(w, DIGITS)} × {signed(x, DIGITS)}" for w, x in zip(row, self.input))
            bias = f" + {signed(self.bias[i], DIGITS)}" if self.bias is not None else ""
            lines.append(f"{self.kind}[{i}] = {terms}{bias} = {rounded(self.result[i], DIGITS)}")
        return lines


@dataclass(frozen=True)
class HeadWeights:
    """The head's weights, the three multiplications for the chosen word, notes and the CSV."""

    module: str
    head: int
    projections: list[Projection]
    w_o: np.ndarray | None  # [d_model, d_head]: the columns of W_O that read this head
    notes: list[str] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return self.projections[0].matrix.shape[1] <= FULL_DIM

    def matrices(self) -> dict[str, np.ndarray]:
        shown = {p.weight_name: p.matrix for p in self.projections}
        return {**shown, **({"W_O": self.w_o} if self.w_o is not None else {})}

    def matrix_table(self, name: str) -> dict[str, list]:
        """One matrix as a small table: a row per output number, a column per input number."""
        m = self.matrices()[name]
        return {"row": [f"{name}[{i}]" for i in range(m.shape[0])],
                **{f"× input[{j}]": [float(v) for v in m[:, j]] for j in range(m.shape[1])}}

    def frame(self) -> pd.DataFrame:
        """Every weight of the head, one row per number (the CSV)."""
        parts = []
        for name, m in self.matrices().items():
            r, c = np.indices(m.shape)
            parts.append(pd.DataFrame({"matrix": name, "row": r.ravel(), "col": c.ravel(), "weight": m.ravel()}))
        return pd.concat(parts, ignore_index=True)

    def heatmap(self, name: str) -> tuple[pd.DataFrame, SpecChart]:
        """A bigger model's slice as a heatmap: rows = the head's numbers, columns = the model's."""
        m = self.matrices()[name]
        rows, cols = ("model dim", "head dim") if name == "W_O" else ("head dim", "model dim")
        frame = matrix_frame(m, [str(i + 1) for i in range(m.shape[0])], [str(j + 1) for j in range(m.shape[1])])
        frame = frame.assign(row_label=[f"{rows} {i + 1}" for i in frame["row"]],
                             col_label=[f"{cols} {j + 1}" for j in frame["col"]])
        title = f"{name}, head {self.head + 1}: {m.shape[0]} x {m.shape[1]}"
        return frame, matrix_heatmap(frame, title=title, x_title=cols, y_title=rows, value_title="weight")


def _slice(linear: nn.Linear, group: int, d_head: int) -> tuple[np.ndarray, np.ndarray | None]:
    rows = slice(group * d_head, (group + 1) * d_head)
    bias = None if linear.bias is None else to_numpy(linear.bias[rows])
    return to_numpy(linear.weight[rows]), bias


def memory_name(trace: Trace) -> str:
    """The encoder's output, which cross-attention turns into keys and values."""
    for name in ("encoder.ln_final.hook_normalized",):
        if name in trace:
            return name
    return [n for n in trace if n.startswith("encoder.") and n.endswith("hook_resid_post")][-1]


def head_weights(trace: Trace, model: nn.Module, module: str, head: int, query_pos: int, norm: str = "none") -> HeadWeights:
    """The head's W_Q, W_K, W_V slices (and W_O's columns), with query, key and value made for one word.

    Self-attention: all three from the query word's input. Cross-attention: the query from the
    output word, the key and value from the encoder's output at the input word it looks at most.
    """
    attn = attention_module(model, module)
    d_head, per_kv = attn.d_head, attn.n_heads // attn.n_kv_heads
    labels = {"q": trace.query_tokens(module), "k": trace.key_tokens(module)}
    cross = names.module_kind(module) == "cross"
    key_pos = int(trace.pattern(module)[head, query_pos].argmax()) if cross else query_pos
    projections, notes = [], []
    for kind, weight_name, hook in KINDS:
        linear = getattr(attn, weight_name)
        matrix, bias = _slice(linear, head if hook == "q" else head // per_kv, d_head)
        pos = query_pos if hook == "q" else key_pos
        input_name = memory_name(trace) if cross and hook != "q" else names.attention_input(module, norm)
        tokens = labels["q"] if hook == "q" else labels["k"]
        projections.append(Projection(kind, weight_name, matrix, bias, f"{pos}: {tokens[pos]}", input_name,
                                      to_numpy(trace[input_name][pos]), names.in_module(module, hook),
                                      to_numpy(trace.at(module, hook)[pos, head])))
    w_o = None if attn.W_O is None else to_numpy(attn.W_O.weight[:, head * d_head:(head + 1) * d_head])
    if cross:
        notes.append(f"Encoder-decoder attention: the key and value are made from the encoder's output for the input "
                     f"word this word looks at most ({projections[1].word}); the query from the output word.")
    if trace.has(module, "rot_q"):
        notes.append("RoPE then turns the query and the key by an angle that grows with the position "
                     "(hook_rot_q, hook_rot_k) before their dot product.")
    if per_kv > 1:
        notes.append(f"Grouped-query attention: {per_kv} query heads share this key/value head.")
    if w_o is not None:
        notes.append("W_O mixes every head's new numbers back into the model's numbers; these are the columns that read "
                     "this head.")
    return HeadWeights(module, head, projections, w_o, notes)


def product_line(p: Projection) -> str:
    """"query = W_Q × [1.00, 0.50] = [0.27, -0.12]" (the bias where the model has one)."""
    bias = f" + b_{p.weight_name[-1]}" if p.bias is not None else ""
    return (f"{p.kind} = {p.weight_name} × {fmt_vector(p.input, DIGITS)}{bias} = {fmt_vector(p.result, DIGITS)}")
