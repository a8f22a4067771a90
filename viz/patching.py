"""Activation patching as grids (layer x position for the residual stream, layer x head for each
kind of head's output), from model.analysis.patching's normalised metric.

Why red-blue around 0 and a fixed 1: 0 means "patching this changed nothing" (the corrupted
run's answer, white) and 1 "patching this alone restores the clean run's answer" (full blue);
a patch can overshoot 1 or go below 0 (red: it pushes toward the corrupted answer), so the
scale is symmetric and at least -1..1.

A translator's grids say which stream and which positions they patch: its residual grid is the
encoder's stream over the source words (the decoder reads the same words in both runs), and it
has three kinds of heads (the encoder's, the decoder's own, and the decoder's cross-attention).
"""

from __future__ import annotations

from model.analysis.patching import Grids

from .common import token_labels
from .grids import matrix_data, matrix_table
from .lens import stream_title
from .views import Panel

LEGEND_LO, LEGEND_HI = "−1: toward the corrupted answer", "1: the clean answer restored"
# 0 is the corrupted run, 1 the clean one; a patch can overshoot either way, so not "0..1"
VALUE_TITLE = "restored (0 = corrupted, 1 = clean)"

RESID_TITLE = "The residual stream, patched one (layer, position) at a time"
RESID_NOTE = ("Each cell: the corrupted run with the clean run's stream copied in at that point and position only. "
              "Rows follow the stream from the embedding down to the output; columns are the tokens in order. "
              "Hover for the exact number.")
ENCODER_RESID_TITLE = "The encoder's residual stream, patched one (layer, source word) at a time"
ENCODER_RESID_NOTE = ("Each cell: the corrupted sentence's run with the clean run's encoder stream copied in at that point "
                      "and source word only; the decoder reads the same words in both runs. Rows follow the encoder's "
                      "stream from the embedding down to what the decoder reads; columns are the source words in order. "
                      "Hover for the exact number.")
# per kind of head (model.analysis.patching.Heads.key): title, note
HEAD_TEXT = {
    "attn": ("Each head's output, patched at every position",
             "Each cell: the corrupted run with one head's output copied from the clean run. A head that scores high "
             "carries the detail that changed."),
    "encoder.attn": ("Encoder self-attention: each head's output, patched at every source word",
                     "Each cell: the corrupted run with one encoder head's output copied from the clean run, at every "
                     "source word. A head that scores high moves the changed word's meaning through the encoder."),
    "decoder.attn": ("Decoder self-attention: each head's output, patched at every word of the decoder's input",
                     "Each cell: one head of the decoder's masked self-attention copied from the clean run, at every "
                     "position of the decoder's input (the same words in both runs, so only what it read from the "
                     "encoder through earlier layers can differ)."),
    "decoder.cross_attn": ("Cross-attention (the decoder reading the encoder): each head's output, patched at every "
                           "word of the decoder's input",
                           "Each cell: one cross-attention head copied from the clean run. A head that scores high "
                           "carries the changed source word into the translation."),
}


def _bound(grid) -> float:
    return max(1.0, float(grid.abs().max()))


def _translator(grids: Grids) -> bool:
    return bool(grids.target_tokens)


def stream_rows(grids: Grids, n_layers: int) -> list[str]:
    """The residual grid's row titles: the stream entering each layer, then the final stream (a
    translator's encoder's: ``n_layers`` its layers, the grid's title names the stream)."""
    return [stream_title(r, n_layers) for r in grids.rows]


def resid_data(grids: Grids, n_layers: int) -> dict:
    """Rows: the stream entering each layer, then the final stream; columns: positions (tokens)."""
    translator = _translator(grids)
    return matrix_data(grids.resid, stream_rows(grids, n_layers), token_labels(grids.tokens),
                       ENCODER_RESID_TITLE if translator else RESID_TITLE, "point in the encoder's stream" if translator
                       else "point in the stream", "source word" if translator else "position (token)", VALUE_TITLE,
                       diverging=True, bound=_bound(grids.resid), digits=1, legend_lo=LEGEND_LO, legend_hi=LEGEND_HI,
                       legend_means=None)


def resid_table(grids: Grids, n_layers: int):
    return matrix_table(grids.resid, stream_rows(grids, n_layers), token_labels(grids.tokens), "stream", "position", "restored")


def resid_panel(grids: Grids, n_layers: int) -> Panel:
    """``n_layers``: the layers of the patched stream (a translator's encoder's)."""
    translator = _translator(grids)
    return Panel("patch-resid", resid_data(grids, n_layers), lambda: resid_table(grids, n_layers),
                 "patching-encoder-residual" if translator else "patching-residual",
                 (ENCODER_RESID_NOTE if translator else RESID_NOTE,))


def _layer_head_labels(grid) -> tuple[list[str], list[str]]:
    n_layers, n_heads = grid.shape
    return [f"layer {l + 1}" for l in range(n_layers)], [f"head {h + 1}" for h in range(n_heads)]


def heads_data(grid, title: str) -> dict:
    rows, cols = _layer_head_labels(grid)
    return matrix_data(grid, rows, cols, title, "layer", "head", VALUE_TITLE, diverging=True, bound=_bound(grid),
                       digits=2, legend_lo=LEGEND_LO, legend_hi=LEGEND_HI, legend_means=None)


def heads_table(grid):
    rows, cols = _layer_head_labels(grid)
    return matrix_table(grid, rows, cols, "layer", "head", "restored")


def head_panels(grids: Grids) -> list[Panel]:
    """One grid per kind of head, in the model's order (a decoder-only model has one)."""
    panels = []
    for key, grid in grids.heads.items():
        title, note = HEAD_TEXT[key]
        suffix = "" if key == "attn" else "-" + key.replace(".", "-").replace("_", "-")
        panels.append(Panel(f"patch-heads{suffix}", heads_data(grid, title), lambda grid=grid: heads_table(grid),
                            f"patching-heads{suffix}", (note,)))
    return panels
