"""Which stack a view shows: the decoder-only stream, or a translator's input or output side.

Why: the Embeddings and Positional pages show one stack at a time; its names (model.names), its
tokens and its label in a copied link all follow from the side the user picked.
"""

from __future__ import annotations

from model.bundle import ModelBundle
from model.trace import Trace


def side_stack(bundle: ModelBundle, side: str) -> str:
    """The stack of a side, as model.names takes it: "" for a decoder-only model (its names have
    no prefix); "encoder" (input words) or "decoder" (output words) for a translator."""
    return side if bundle.is_translator else ""


def side_tokens(trace: Trace, side: str) -> list[str]:
    """The tokens along the stack's position axis, in order."""
    return trace.src_tokens if side == "encoder" and trace.src_tokens is not None else trace.tokens


def side_title(side: str) -> str:
    """The label of a translator's side, also its value in a copied link (?side=...): no parentheses,
    see viz.attention.module_title."""
    return "encoder: input words" if side == "encoder" else "decoder: output words"
