"""A normal Transformer beside a decoder-only one (the end of lesson 2), with the lesson models.

Why: lesson 2 ends by comparing the two: the normal (encoder-decoder) Transformer of lesson 1
reads the input with unmasked self-attention in an encoder, and its decoder uses masked
self-attention plus encoder-decoder attention; a decoder-only Transformer has one stack, masked
self-attention everywhere, and no encoder-decoder attention (masked self-attention over the
prompt does that job). The two diagrams are drawn from the two bundled lesson models' configs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from model.config import ModelConfig

from .architecture import architecture_layout

LESSON = ("Lesson 1's translator is a normal Transformer: an encoder reads the whole input, a decoder writes the "
          "output. Lesson 2's model is decoder-only, like ChatGPT: the prompt and the answer go through one stack.")

ATTENTION_KINDS = {
    "encoder-decoder": [
        ("Encoder: self-attention, unmasked", "every input word looks at every input word, before and after it"),
        ("Decoder: masked self-attention", "each output word looks only at itself and the output words before it"),
        ("Decoder: encoder-decoder attention", "queries from the output word, keys and values from the encoder: "
                                               "each output word can look at every input word"),
    ],
    "decoder-only": [
        ("Masked self-attention only", "each word, of the prompt and of the answer, looks only at itself and the "
                                       "words before it; no encoder, no encoder-decoder attention"),
    ],
}

DIFFERENCES = [  # (what, normal Transformer, decoder-only)
    ("Stacks", "an encoder for the input and a decoder for the output", "one stack for the prompt and the answer"),
    ("Reading the input", "self-attention, unmasked: every input word sees every input word",
     "masked self-attention: each prompt word sees only the words before it"),
    ("Writing the output", "masked self-attention over the output so far, then encoder-decoder attention",
     "masked self-attention over the prompt and the answer so far"),
    ("How the output sees the input", "encoder-decoder attention (keys and values from the encoder)",
     "the same masked self-attention: the prompt is simply earlier words"),
    ("Word embeddings", "two: one for the input vocabulary, one for the output vocabulary", "one vocabulary"),
    ("Training", "the decoder predicts the output words; the input words are never predicted",
     "every position predicts its next word, the prompt's words too"),
]


@dataclass(frozen=True)
class Side:
    """One architecture: its lesson model, its diagram and its attention kinds."""

    title: str
    model: str  # the bundled lesson model's name
    example: str  # the lesson's example, as the model does it
    parameters: int
    layout: dict  # viz.architecture.architecture_layout
    kinds: list[tuple[str, str]]  # (attention kind, what it sees)


@dataclass(frozen=True)
class TwoArchitectures:
    normal: Side
    decoder_only: Side
    notes: list[str] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        """The table of differences (also its CSV)."""
        rows = [*DIFFERENCES,
                ("Lesson model", f"{self.normal.model}: {self.normal.example}", f"{self.decoder_only.model}: {self.decoder_only.example}"),
                ("Parameters", f"{self.normal.parameters:,}", f"{self.decoder_only.parameters:,}")]
        return pd.DataFrame(rows, columns=["what", "Normal Transformer (encoder-decoder)", "Decoder-only"])


def side(title: str, model: str, cfg: ModelConfig, parameters: int, example: str) -> Side:
    kind = "encoder-decoder" if cfg.is_encoder_decoder else "decoder-only"
    return Side(title, model, example, parameters, architecture_layout(cfg), ATTENTION_KINDS[kind])


def two_architectures(normal: Side, decoder_only: Side) -> TwoArchitectures:
    """The two sides; their configs must be one of each kind."""
    if normal.kinds is not ATTENTION_KINDS["encoder-decoder"] or decoder_only.kinds is not ATTENTION_KINDS["decoder-only"]:
        raise ValueError("the first side must be an encoder-decoder model and the second a decoder-only one")
    notes = ["Both lesson models use 2 numbers per word, one attention head of each kind and no feed-forward or "
             "normalization, so the diagrams differ only where the architectures do."]
    return TwoArchitectures(normal, decoder_only, notes)
