"""Subword tokens grouped into the words people read, and attention between words.

Why: a subword tokenizer splits " unbelievable" into " un", "believ", "able"; a page that talks
about words (which word looks at which) reads better with one row per word. The rules work on
the tokens as model/hf/tokenizer.py shows them, for GPT-2's byte-level BPE and SentencePiece
alike:
- a token that starts with a whitespace mark ("␣", "↵", "⇥") starts a word, unless the token
  before it is only whitespace (a lone "␣" belongs to the word after it);
- every other token (a word's later pieces, punctuation, <0xNN> byte pieces) joins the word
  before it;
- a special token ("<s>", "<|endoftext|>") is a word of its own.

Attention from word A to word B is the mean over A's tokens (as queries) of the sum over B's
tokens (as keys): the convention of Clark et al. 2019 ("What does BERT look at?"), which keeps
each row a distribution (summing over keys loses nothing, averaging over queries weighs A's
tokens alike).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Collection, Sequence

import numpy as np

from .tokenizer import SHOWN, show_bytes

WHITESPACE = frozenset(SHOWN.values())
BYTE_PIECE = re.compile(r"(<0x[0-9A-F]{2}>)")


def word_spans(tokens: Sequence[str], specials: Collection[str] = ()) -> list[tuple[int, int]]:
    """[start, end) token positions of each word, in order, covering every token."""
    # byte pieces join their word even where a tokenizer lists them as special (SentencePiece's <0xNN>)
    special = [t in specials and not BYTE_PIECE.fullmatch(t) for t in tokens]
    starts = []
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i else ""
        lone_space = bool(before) and all(c in WHITESPACE for c in before)
        if i == 0 or special[i] or special[i - 1] or (token[:1] in WHITESPACE and not lone_space):
            starts.append(i)
    return list(zip(starts, [*starts[1:], len(tokens)]))


def word_text(tokens: Sequence[str]) -> str:
    """A word's tokens as one string, shown as its tokens are ("␣cat" for " c" + "at"), but byte
    pieces that together spell a character become that character ("␣na<0xC3>" + "<0xAF>ve" -> "␣naïve")."""
    data = b"".join(bytes([int(part[3:5], 16)]) if BYTE_PIECE.fullmatch(part) else part.encode()
                    for token in tokens for part in BYTE_PIECE.split(token) if part)
    return show_bytes(data)


@dataclass(frozen=True)
class Words:
    """The words of a stream of tokens: ``spans[w]`` = [start, end) of word w, ``texts[w]`` as read."""

    spans: tuple[tuple[int, int], ...]
    texts: tuple[str, ...]

    @classmethod
    def of(cls, tokens: Sequence[str], specials: Collection[str] = ()) -> Words:
        spans = tuple(word_spans(tokens, specials))
        return cls(spans, tuple(word_text(tokens[a:b]) for a, b in spans))

    def __len__(self) -> int:
        return len(self.spans)

    @property
    def n_tokens(self) -> int:
        return self.spans[-1][1] if self.spans else 0

    def labels(self) -> list[str]:
        """"3: cat" for a one-token word, "4–6: unbelievable" for tokens 4 to 6 (positions, as the token labels)."""
        return [f"{a}: {t}" if b - a == 1 else f"{a}–{b - 1}: {t}" for (a, b), t in zip(self.spans, self.texts)]

    def word_of(self, token: int) -> int:
        """The word holding token position ``token``."""
        starts = [a for a, _ in self.spans]
        return int(np.searchsorted(starts, token, side="right")) - 1

    def tokens_of(self, first: int, stop: int) -> slice:
        """The token positions of words first..stop-1."""
        return slice(self.spans[first][0], self.spans[stop - 1][1])


def _starts(spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Each span's start, counted from the first span's (reduceat's indices)."""
    return np.asarray([a for a, _ in spans], dtype=int) - spans[0][0]


def group_attention(pattern: np.ndarray, query_spans: Sequence[tuple[int, int]], key_spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """[..., query tokens, key tokens] attention -> [..., query words, key words]: the mean over
    each query word's tokens of the sum over each key word's tokens. The matrix covers exactly the
    tokens of the spans given (the spans are contiguous)."""
    summed = np.add.reduceat(np.asarray(pattern, dtype=float), _starts(key_spans), axis=-1)
    lengths = np.asarray([b - a for a, b in query_spans], dtype=float)
    return np.add.reduceat(summed, _starts(query_spans), axis=-2) / lengths[:, None]


def group_hidden(hidden: np.ndarray, query_spans: Sequence[tuple[int, int]], key_spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """[query tokens, key tokens] booleans (hidden by the mask) -> [query words, key words]: a
    word pair is hidden when the mask hides every one of its token pairs."""
    keys = np.logical_and.reduceat(np.asarray(hidden, dtype=bool), _starts(key_spans), axis=-1)
    return np.logical_and.reduceat(keys, _starts(query_spans), axis=-2)
