"""Activation patching as two grids (layer x position for the residual stream, layer x head for
the heads' outputs), from model.analysis.patching's normalised metric.

Why red-blue around 0 and a fixed 1: 0 means "patching this changed nothing" (the corrupted
run's answer, white) and 1 "patching this alone restores the clean run's answer" (full blue);
a patch can overshoot 1 or go below 0 (red: it pushes toward the corrupted answer), so the
scale is symmetric and at least -1..1.
"""

from __future__ import annotations

from .common import token_labels
from .grids import matrix_data, matrix_table
from .lens import stream_title

LEGEND_LO, LEGEND_HI = "−1: toward the corrupted answer", "1: the clean answer restored"


def _bound(grid) -> float:
    return max(1.0, float(grid.abs().max()))


def resid_data(result: dict, n_layers: int, title: str) -> dict:
    """Rows: the stream entering each layer, then the final stream; columns: positions (tokens)."""
    rows = [stream_title(r, n_layers) for r in result["rows"]]
    return matrix_data(result["resid"], rows, token_labels(result["tokens"]), title, "point in the stream",
                       "position (token)", "restored (0..1)", diverging=True, bound=_bound(result["resid"]), digits=1,
                       legend_lo=LEGEND_LO, legend_hi=LEGEND_HI, legend_means=None)


def heads_data(result: dict, title: str) -> dict:
    grid = result["heads"]
    n_layers, n_heads = grid.shape
    return matrix_data(grid, [f"layer {l + 1}" for l in range(n_layers)], [f"head {h + 1}" for h in range(n_heads)], title,
                       "layer", "head", "restored (0..1)", diverging=True, bound=_bound(grid), digits=2,
                       legend_lo=LEGEND_LO, legend_hi=LEGEND_HI, legend_means=None)


def resid_table(result: dict, n_layers: int):
    return matrix_table(result["resid"], [stream_title(r, n_layers) for r in result["rows"]], token_labels(result["tokens"]),
                        "stream", "position", "restored")


def heads_table(result: dict):
    n_layers, n_heads = result["heads"].shape
    return matrix_table(result["heads"], [f"layer {l + 1}" for l in range(n_layers)],
                        [f"head {h + 1}" for h in range(n_heads)], "layer", "head", "restored")
