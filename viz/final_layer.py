"""The last step of both lessons with its numbers: the fully connected layer, then softmax.

Why: the videos end by multiplying the final vector by each output word's weights, adding the
word's bias, and turning those scores into percentages with softmax. This view writes that sum
of products out for one position, with the final vector read from the trace (after the final
norm where the model has one), the weights and biases read from the model's unembedding, and the
scores printed from the trace's own logits (tests check that the sum of products equals them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
import torch

from model.trace import Trace

from .common import to_numpy
from .numbers import fmt_vector, rounded, signed

DIGITS = 2  # one number of decimals for the whole table
FULL_DIM = 4  # up to this many numbers per word every product is written out
FULL_VOCAB = 12  # up to this many words every word has a row; more: the top words
TOP = 8

LESSON = ("The fully connected layer gives every word of the vocabulary one score: the final vector's numbers, each "
          "times that word's weight, added up, plus the word's bias. Softmax then turns the scores into percentages "
          "(e to the power of each score, divided by the sum over all words); the top word is the output.")


def final_vector_name(trace: Trace) -> str:
    """What enters the unembedding: the final norm's output where the model has one, else the
    last block's stream (the decoder's, for a translator: its blocks come last in the trace)."""
    for name in ("decoder.ln_final.hook_normalized", "ln_final.hook_normalized"):
        if name in trace:
            return name
    return [n for n in trace if n.endswith("hook_resid_post")][-1]


@dataclass(frozen=True)
class FinalLayer:
    """One position's fully connected layer: the view's data, its notes and its CSV."""

    position: int
    token: str
    final_name: str  # the trace name the final vector was read from
    final: np.ndarray  # [d_model]
    words: list[str]  # the rows shown, highest score first
    ids: list[int]
    weights: np.ndarray  # [rows, d_model]: each shown word's row of the unembedding
    bias: np.ndarray  # [rows] (zeros for a model without an output bias)
    logits: np.ndarray  # [rows]: the trace's own scores
    probs: np.ndarray  # [rows]: softmax over the whole vocabulary
    n_vocab: int
    has_bias: bool
    notes: list[str] = field(default_factory=list)

    @property
    def full(self) -> bool:
        """Every product written out (the lessons' 2 numbers per word)."""
        return self.final.shape[0] <= FULL_DIM

    def equation(self, row: int) -> str:
        """"1.23 × 0.50 + (-0.40) × 2.10 + 0.30 = 1.77" (final number × weight, then the bias)."""
        x, w = self.final, self.weights[row]
        if self.full:
            terms = " + ".join(f"{signed(a, DIGITS)} × {signed(b, DIGITS)}" for a, b in zip(x, w))
        else:
            terms = f"{rounded(float(x @ w), DIGITS)} (the {len(x)} products added up)"
        bias = f" + {signed(self.bias[row], DIGITS)}" if self.has_bias else ""
        return f"{terms}{bias} = {rounded(self.logits[row], DIGITS)}"

    def table(self) -> dict[str, list]:
        """The rows as the lesson writes them (text_blocks columns by name; numbers raw, shown with DIGITS)."""
        limit = self.final.shape[0] if self.full else 3
        columns = {
            "word": list(self.words),
            "weights": [fmt_vector(w, DIGITS, limit) for w in self.weights],
            **({"bias": [float(b) for b in self.bias]} if self.has_bias else {}),
            "score = final · weights" + (" + bias" if self.has_bias else ""): [self.equation(i) for i in range(len(self.words))],
        }
        if self.n_vocab <= FULL_VOCAB:  # e^score is readable only for the toy scores
            columns["e^score"] = [float(v) for v in np.exp(self.logits.astype(float))]
        columns["softmax %"] = [float(p) * 100 for p in self.probs]
        return columns

    def frame(self) -> pd.DataFrame:
        """Every number at full precision (the CSV)."""
        weights = {f"weight[{j}]": self.weights[:, j] for j in range(self.weights.shape[1])}
        finals = {f"final[{j}]": np.full(len(self.words), self.final[j]) for j in range(self.final.shape[0])}
        return pd.DataFrame({"position": self.position, "word": self.words, "id": self.ids, **finals, **weights,
                             "bias": self.bias, "logit": self.logits, "probability": self.probs})


def final_layer(trace: Trace, weight: torch.Tensor, bias: torch.Tensor | None, vocab: Sequence[str], position: int,
                top: int = TOP) -> FinalLayer:
    """The fully connected layer at ``position``.

    weight [vocab, d_model] and bias [vocab] (None: no output bias) are the model's unembedding.
    A vocabulary of up to FULL_VOCAB words shows every word; a larger one the ``top`` words by score.
    """
    name = final_vector_name(trace)
    final = to_numpy(trace[name][position])
    logits = trace.logits[position].float()
    probs = torch.softmax(logits, dim=-1)
    order = torch.argsort(logits, descending=True, stable=True)
    ids = [int(i) for i in (order if len(vocab) <= FULL_VOCAB else order[:top])]
    W = to_numpy(weight)[ids]
    b = to_numpy(bias)[ids] if bias is not None else np.zeros(len(ids))
    notes = []
    if name.endswith("ln_final.hook_normalized"):
        notes.append("This model normalizes the stream before the last layer, so the final vector is the final layer "
                     "norm's output (" + name + ").")
    if len(ids) < len(vocab):
        notes.append(f"The {len(ids)} highest scores of {len(vocab):,} words; softmax divides by the sum over all "
                     f"{len(vocab):,}, so these percentages add up to less than 100.")
    return FinalLayer(position, trace.tokens[position], name, final, [vocab[i] for i in ids], ids, W, b,
                      to_numpy(logits)[ids], to_numpy(probs)[ids], len(vocab), bias is not None, notes)


def softmax_line(view: FinalLayer) -> str | None:
    """"softmax for awesome: 8405.01 ÷ (8405.01 + 41.92 + ...) = 99.50%" (every word shown only)."""
    if len(view.words) < view.n_vocab or view.n_vocab > FULL_VOCAB:
        return None
    e = np.exp(view.logits.astype(float))
    total = " + ".join(rounded(v, DIGITS) for v in e)
    return (f"softmax for {view.words[0]}: {rounded(e[0], DIGITS)} ÷ ({total}) = "
            f"{rounded(100 * view.probs[0], DIGITS)}%")


def final_vector_line(view: FinalLayer) -> str:
    return fmt_vector(view.final, DIGITS, FULL_DIM if view.full else 6)
