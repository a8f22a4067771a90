"""Logit lens: what the model would predict if its stream stopped after each step.

Reference: nostalgebraist (2020), "interpreting GPT: the logit lens"; TransformerLens'
``ActivationCache.accumulated_resid(incl_mid=True, apply_ln=True)`` followed by
``model.unembed``: the streams are ``{l}_pre`` (input of block l), ``{l}_mid`` (after its
attention; ``{l}_mid_cross`` after a translator's cross-attention) and ``final_post``, each
through the final norm with its statistics recomputed on that stream (as TransformerLens does
for the lens), then the unembedding with its bias. Without a final norm (the lessons' models,
or post-norm models, whose streams are already normalized) the stream is unembedded as it is.
At ``final_post`` this is exactly the model's logits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from ..bundle import ModelBundle
from ..trace import Trace
from ..names import act_name
from .stream import output_stream, stream_to_logits, word_id


def lens_streams(bundle: ModelBundle, trace: Trace) -> list[tuple[str, str]]:
    """(label, trace name) of every stream the lens reads, in the order the model builds them."""
    stack, out = output_stream(bundle), []
    for layer in range(bundle.config.n_layers):
        out.append((f"{layer}_pre", act_name("resid_pre", layer, stack=stack)))
        out.append((f"{layer}_mid", act_name("resid_mid", layer, stack=stack)))
        cross = act_name("resid_mid_cross", layer, stack=stack)
        if cross in trace:
            out.append((f"{layer}_mid_cross", cross))
    out.append(("final_post", act_name("resid_post", bundle.config.n_layers - 1, stack=stack)))
    return out


@dataclass
class LensResult:
    labels: list[str]  # one per stream: "0_pre", "0_mid", ..., "final_post"
    tokens: list[str]  # the stream's tokens (positions)
    logits: torch.Tensor  # [stream, pos, vocab]
    top_ids: torch.Tensor  # [stream, pos, k]
    top_probs: torch.Tensor  # [stream, pos, k]
    word: str | None = None
    word_probs: torch.Tensor | None = None  # [stream, pos]: probability of ``word``
    log_norm: torch.Tensor | None = None  # [stream, pos]: logsumexp of the logits, so another word costs a lookup

    def to_json_dict(self, vocab: list[str]) -> dict:
        data = {
            "labels": self.labels,
            "tokens": self.tokens,
            "top_words": [[[vocab[i] for i in pos] for pos in s] for s in self.top_ids.tolist()],
            "top_probs": self.top_probs.tolist(),
        }
        if self.word is not None:
            data["word"] = self.word
            data["word_probs"] = self.word_probs.tolist()
        return data


def logit_lens(bundle: ModelBundle, trace: Trace, word: str | None = None, k: int = 5) -> LensResult:
    """Every stream x position -> its top ``k`` words and (with ``word``) that word's probability."""
    streams = lens_streams(bundle, trace)
    stacked = torch.stack([trace[name] for _, name in streams])  # [stream, pos, d_model]
    logits = stream_to_logits(bundle, stacked)  # [stream, pos, vocab]
    log_norm = logits.logsumexp(-1)
    top_logits, top_ids = logits.topk(min(k, logits.shape[-1]), dim=-1)
    result = LensResult([label for label, _ in streams], list(trace.tokens), logits, top_ids,
                        (top_logits - log_norm[..., None]).exp(), log_norm=log_norm)
    return result if word is None else with_word(bundle, result, word)


def with_word(bundle: ModelBundle, result: LensResult, word: str) -> LensResult:
    """``result`` with ``word``'s probability at every stream and position, from the logits it
    holds (the app keeps one lens per trace and follows any typed word with this)."""
    return replace(result, word=word, word_probs=(result.logits[..., word_id(bundle, word)] - result.log_norm).exp())
