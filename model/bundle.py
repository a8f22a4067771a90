"""A loaded model with its tokenizer(s): the one object the app and the command line hold.

Why a bundle: turning text into a trace needs the config, the tokenizer(s) and the weights
together, and the rules for what the model reads (the lessons' ``<EOS>`` after the prompt,
the translator's decoder starting from ``<EOS>``) belong in one place, not in every page.
The bundle is shared by every browser session, so nothing here mutates it after loading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import torch

from .budget import longest_within, trace_budget_bytes
from .config import ModelConfig
from .generate import greedy_continuation
from .prefix import best_prefix, extend
from .tokenizer import Encoding, Tokenizer
from .trace import RunOptions, Trace
from .transformer import DecoderOnly, EncoderDecoder, count_parameters


class EmptyPromptError(ValueError):
    """The prompt holds no token the model can read (documented: the app shows a hint)."""


@dataclass
class ModelBundle:
    config: ModelConfig
    model: DecoderOnly | EncoderDecoder
    tokenizer: Tokenizer  # the stream's (decoder-only) or the output language's (translator)
    src_tokenizer: Tokenizer | None = None  # the input language's, for a translator
    name: str = "model"
    card: str = ""  # the checkpoint's README.md, shown in the app
    path: str | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.model.eval()

    @property
    def is_translator(self) -> bool:
        return self.config.is_encoder_decoder

    @property
    def n_parameters(self) -> int:
        return count_parameters(self.model)

    @property
    def prompt_tokenizer(self) -> Tokenizer:
        return self.src_tokenizer if self.src_tokenizer is not None else self.tokenizer

    @property
    def max_tokens(self) -> int:
        """How many tokens a run reads: the model's max_len, or fewer when a trace that long would
        not fit the server's memory budget for one trace (model/budget.py)."""
        return longest_within(self.config, trace_budget_bytes())

    @property
    def cut_by_budget(self) -> bool:
        """Whether ``max_tokens`` is the memory budget's limit rather than the model's own."""
        return self.max_tokens < self.config.max_len

    def encode(self, text: str) -> Encoding:
        """The prompt as the model reads it, cut to ``max_tokens`` (reported)."""
        return self.prompt_tokenizer.encode(text, max_tokens=self.max_tokens)

    def logits(self, prompt_ids: Sequence[int], continuation: Sequence[int] = ()) -> torch.Tensor:
        """Logits [pos, vocab] of the output stream, without recording a trace (for generation)."""
        return self._forward(prompt_ids, continuation, RunOptions(), capture=False)[0]

    def stream_ids(self, prompt_ids: Sequence[int], continuation: Sequence[int]) -> list[int]:
        """What the (decoder) stream reads: the prompt then the generated tokens, or for a
        translator ``<EOS>`` then the translation so far, cut to ``max_tokens``."""
        head = [self.tokenizer.eos_id] if self.is_translator else list(prompt_ids)
        return (head + list(continuation))[: self.max_tokens]

    def _forward(self, prompt_ids, continuation, options, capture):
        if not prompt_ids:
            raise EmptyPromptError("the prompt has no word this model knows")
        stream = self.stream_ids(prompt_ids, continuation)
        # A trace is lean: what a view asks for beyond the residual stream and q/k/v/z is computed then (model/trace.py).
        if self.is_translator:
            logits, tensors = self.model.run(list(prompt_ids), stream, options, capture, lean=True)
        else:
            logits, tensors = self.model.run(stream, options, capture, lean=True)
        return logits, tensors, stream

    def run(self, text: str, continuation: Sequence[int] | None = None, options: RunOptions = RunOptions(),
            prefixes: Iterable[Trace] = ()) -> Trace:
        """Text -> one forward pass -> Trace of every intermediate.

        ``continuation``: tokens after the prompt (decoder-only) or after the decoder's
        starting ``<EOS>`` (translator). For a translator, None means the model's own greedy
        translation, so the trace shows the decoder producing every output word.
        ``prefixes``: earlier traces of this model; the one sharing the longest start with this
        stream spares the pass those positions (model/prefix.py).
        """
        encoding = self.encode(text)
        if encoding.is_empty:
            raise EmptyPromptError("the prompt has no word this model knows")
        if continuation is None:
            continuation = []
            if self.is_translator and encoding.ids:
                continuation = greedy_continuation(self, encoding.ids)
        stream = self.stream_ids(encoding.ids, continuation)
        prefix, past = best_prefix(self.model, prefixes, stream, options)
        if prefix is not None:
            tensors = extend(self.model, prefix, past, stream)
        else:
            _, tensors, stream = self._forward(encoding.ids, continuation, options, capture=True)
        return Trace(
            tensors=tensors,
            tokens=self.tokenizer.decode(stream),
            src_tokens=encoding.tokens if self.is_translator else None,
            n_prompt=1 if self.is_translator else len(encoding.ids),
            options=options,
            encoding=encoding,
            model=self.model,  # for the names a lean trace recomputes on lookup
            ids=tuple(stream),
        )
