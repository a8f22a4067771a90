"""Generation one token at a time: greedy, temperature, top-k, top-p, seeded.

Why step by step: the lessons show the model producing a word, feeding it back in, and
producing the next. Each ``Step`` keeps the distribution it chose from, so the app can draw
the bars the choice was made from, exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol, Sequence

import torch

from .config import ModelConfig
from .tokenizer import Encoding, Tokenizer


class NextWordModel(Protocol):
    """What generation needs of a model (a ModelBundle is one): generation sits below the bundle,
    which uses it for a translator's greedy answer, so it names no bundle."""

    config: ModelConfig
    tokenizer: Tokenizer
    max_tokens: int  # the most tokens a run reads (max_len, or fewer under the memory budget)

    def encode(self, text: str) -> Encoding: ...

    def stream_ids(self, prompt_ids: Sequence[int], continuation: Sequence[int]) -> list[int]: ...

    def logits(self, prompt_ids: Sequence[int], continuation: Sequence[int] = ()) -> torch.Tensor: ...


@dataclass(frozen=True)
class Sampling:
    temperature: float = 0.0  # 0 = greedy (always the top word, as in the lessons)
    top_k: int = 0  # keep the k most likely words; 0 = all
    top_p: float = 1.0  # keep the smallest set of words whose probability adds up to p
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.temperature >= 0:
            raise ValueError("temperature must be >= 0")
        if self.top_k < 0:
            raise ValueError("top_k must be >= 0")
        if not 0 < self.top_p <= 1:
            raise ValueError("top_p must be in (0, 1]")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0


def distribution(logits: torch.Tensor, sampling: Sampling = Sampling()) -> torch.Tensor:
    """The probabilities [vocab] a word is drawn from, after temperature, top-k and top-p.

    Greedy (temperature 0) reports the plain softmax, since the top word is the same at
    every temperature; words removed by top-k / top-p get probability exactly 0.
    """
    logits = logits.float()
    scaled = logits if sampling.greedy else logits / sampling.temperature
    probs = torch.softmax(scaled, dim=-1)
    keep = torch.ones_like(probs, dtype=torch.bool)
    order = torch.argsort(probs, descending=True, stable=True)
    if sampling.top_k:
        keep[order[sampling.top_k :]] = False
    if sampling.top_p < 1:
        cumulative = torch.cumsum(probs[order], dim=0)
        # keep a word if the words before it hold less than top_p (the first word always stays)
        before = cumulative - probs[order]
        keep[order[before >= sampling.top_p]] = False
    probs = torch.where(keep, probs, torch.zeros_like(probs))
    return probs / probs.sum()


def choose(probs: torch.Tensor, sampling: Sampling, generator: torch.Generator | None) -> int:
    if sampling.greedy:
        return int(torch.argmax(probs))
    return int(torch.multinomial(probs, 1, generator=generator))


@dataclass(frozen=True)
class Step:
    stream: list[int]  # what the (decoder) stream held when this word was chosen
    probs: torch.Tensor  # [vocab] the distribution it was chosen from
    token_id: int
    token: str


def steps(
    bundle: NextWordModel, prompt_ids: Sequence[int], sampling: Sampling = Sampling(), max_new: int | None = None,
    start: Sequence[int] = (),
) -> Iterator[Step]:
    """Yield one Step per generated word until ``<EOS>``, the model's maximum length, or max_new.

    ``start``: words already generated (the app's step-by-step generation goes on from them).
    """
    generator = torch.Generator().manual_seed(sampling.seed)
    continuation: list[int] = list(start)
    max_new = None if max_new is None else max_new + len(continuation)
    while max_new is None or len(continuation) < max_new:
        stream = bundle.stream_ids(prompt_ids, continuation)
        if len(stream) >= bundle.max_tokens:
            return  # a new word would sit past the last position the model has (or the budget allows)
        probs = distribution(bundle.logits(prompt_ids, continuation)[-1], sampling)
        token_id = choose(probs, sampling, generator)
        yield Step(stream, probs, token_id, bundle.tokenizer.vocab[token_id])
        if token_id == bundle.tokenizer.eos_id:
            return
        continuation.append(token_id)


def translation_limit(n_input: int) -> int:
    """At most this many words of a translator's own greedy answer: twice the input and a few
    more. A model that never says ``<EOS>`` would otherwise run one pass per position up to a
    long context (thousands of passes for one keystroke)."""
    return 2 * n_input + 8


def greedy_continuation(bundle: NextWordModel, prompt_ids: Sequence[int]) -> list[int]:
    """The model's greedy answer without its final ``<EOS>`` (what a translator's trace shows)."""
    ids = [s.token_id for s in steps(bundle, prompt_ids, max_new=translation_limit(len(prompt_ids)))]
    return ids[:-1] if ids and ids[-1] == bundle.tokenizer.eos_id else ids


def generate(bundle: NextWordModel, text: str, sampling: Sampling = Sampling(), max_new: int | None = None) -> list[str]:
    """Prompt text -> the generated words (the translation, for a translator), ``<EOS>`` included."""
    encoding = bundle.encode(text)
    if encoding.is_empty:
        return []
    return [s.token for s in steps(bundle, encoding.ids, sampling, max_new)]
