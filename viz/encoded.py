"""Embedding + position = encoded vector, per word, and the same words in another order.

Why: the lessons add each word's positional encoding to its embedding by hand and show that
"Squatch eats pizza" and "Pizza eats Squatch" end up with different numbers although every word
keeps its embedding. The sum printed is the trace's own input of the first block (hook_resid_pre
of layer 0; tests check it equals embedding + position); the comparison puts two prompts side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.names import act_name
from model.trace import Trace

from .common import to_numpy, token_labels
from .numbers import fmt_vectors

DIGITS = 2
LIMIT = 4  # numbers per vector written out (all of them in the CSV)

LESSON = ("Each word's embedding plus its position's encoding, number by number, gives the encoded vector that goes "
          "into attention. The same word keeps its embedding wherever it stands; at another position it gets another "
          "encoding, so the same words in another order give different encoded vectors.")


@dataclass(frozen=True)
class EncodedWords:
    """One prompt's words: embedding [n, d], position [n, d], encoded [n, d] (the trace's)."""

    tokens: list[str]
    embed: np.ndarray
    position: np.ndarray
    encoded: np.ndarray
    names: tuple[str, str, str]  # the trace names of the three
    notes: list[str] = field(default_factory=list)

    def table(self) -> dict[str, list]:
        """The video's sum, one row per word (text_blocks columns by name)."""
        return {"word": token_labels(self.tokens), "embedding": fmt_vectors(self.embed, DIGITS, LIMIT),
                "+ position": fmt_vectors(self.position, DIGITS, LIMIT), "= encoded": fmt_vectors(self.encoded, DIGITS, LIMIT)}

    def frame(self) -> pd.DataFrame:
        """Every number at full precision (the CSV)."""
        spread = {f"{what}[{j}]": m[:, j] for what, m in (("embedding", self.embed), ("position", self.position),
                                                          ("encoded", self.encoded)) for j in range(m.shape[1])}
        return pd.DataFrame({"position": np.arange(len(self.tokens)), "word": self.tokens, **spread})


def encoded_words(trace: Trace, stack: str, tokens: list[str]) -> EncodedWords | None:
    """None for a model without added positions (RoPE turns queries and keys instead)."""
    embed, pos, pre = act_name("embed", stack=stack), act_name("pos_embed", stack=stack), act_name("resid_pre", 0, stack)
    if pos not in trace:
        return None
    return EncodedWords(list(tokens), to_numpy(trace[embed]), to_numpy(trace[pos]), to_numpy(trace[pre]), (embed, pos, pre))


def reordered(prompt: str) -> str:
    """The prompt's words in reverse order ("let's go" -> "go let's"); special tokens such as
    <EOS> at the end stay at the end."""
    words = prompt.split()
    tail = []
    while words and words[-1].startswith("<") and words[-1].endswith(">"):
        tail.insert(0, words.pop())
    return " ".join([*reversed(words), *tail])


def order_notes(mine: EncodedWords, other: EncodedWords, limit: int = 3) -> list[str]:
    """For words in both prompts at different positions: the same embedding, other encoded numbers."""
    moved, stayed = [], []
    first = {t: i for i, t in reversed(list(enumerate(other.tokens)))}
    for i, token in enumerate(mine.tokens):
        j = first.get(token)
        if j is None:
            continue
        if j == i:
            stayed.append(f"“{token}”")
            continue
        if len(moved) >= limit:
            continue
        same = np.allclose(mine.embed[i], other.embed[j], atol=1e-6)
        a, b = fmt_vectors(np.stack([mine.encoded[i], other.encoded[j]]), DIGITS, LIMIT)
        moved.append(f"“{token}”: {'the same' if same else 'another'} embedding at position {i} and at position {j}, "
                     f"but encoded {a} at {i} and {b} at {j}.")
    if not moved:
        moved.append("No word stands at two different positions in the two prompts: type the same words in another order.")
    if stayed:
        moved.append(f"{', '.join(stayed[:limit])} {'stands' if len(stayed) == 1 else 'stand'} at the same position in "
                     "both: the same embedding plus the same encoding, so the same encoded vector.")
    return moved
