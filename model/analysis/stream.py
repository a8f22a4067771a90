"""What every method here shares: which stream carries the words, and how a stream becomes logits.

A decoder-only model has one stream; a translator's words come out of its decoder stream, so
the methods read that one (trace names prefixed ``decoder.``).
"""

from __future__ import annotations

import torch

from ..bundle import ModelBundle
from ..names import act_name


def output_stream(bundle: ModelBundle) -> str:
    """The stack (model.names) of the stream that ends in the logits."""
    return "decoder" if bundle.is_translator else ""


def output_stack(bundle: ModelBundle):
    """The module stack whose blocks and final norm feed the unembedding."""
    return bundle.model.decoder if bundle.is_translator else bundle.model


def final_stream_name(bundle: ModelBundle) -> str:
    """The stream that enters the final norm (or the unembedding, without one)."""
    return act_name("resid_post", bundle.config.n_layers - 1, stack=output_stream(bundle))


def stream_to_logits(bundle: ModelBundle, x: torch.Tensor) -> torch.Tensor:
    """[..., d_model] -> [..., vocab] through the model's own final norm (recomputed on ``x``)
    and unembedding: what the model would say if the stream stopped at ``x``."""
    stack = output_stack(bundle)
    with torch.inference_mode():
        if stack.ln_final is not None:
            x = stack.ln_final.norm(x)
        return bundle.model.unembed(x)


def word_id(bundle: ModelBundle, word: str) -> int:
    """The output vocabulary's id of ``word`` (case as the tokenizer writes it), or a clear error."""
    tok = bundle.tokenizer
    for spelling in (word, word.lower()):
        if tok.has(spelling):
            return tok.id_of(spelling)
    raise ValueError(f"the model's output vocabulary has no word {word!r}")
