"""Two prompts' patterns for one head, side by side, and their difference, aligned by position
(model.analysis.compare): the same canvas heatmap as the attention page, in percent.

Why by position: row i, column j is the same (query, key) position in both prompts, so the
difference shows what changing the words moved; labels name both words where they differ.
"""

from __future__ import annotations

import numpy as np

from model.analysis.compare import PatternComparison

from .grids import matrix_data, matrix_table


def pair_labels(a: list[str], b: list[str]) -> list[str]:
    """"3: john" where both prompts have the same word, "3: john | mary" where they differ."""
    return [f"{i}: {x}" if x == y else f"{i}: {x} | {y}" for i, (x, y) in enumerate(zip(a, b))]


def _labels(tokens: list[str]) -> list[str]:
    return [f"{i}: {t}" for i, t in enumerate(tokens)]


def pattern_data(cmp: PatternComparison, which: int, title: str, masked=None) -> dict:
    """Prompt ``which`` (0 or 1)'s pattern over the common positions, in %; ``masked``: the cells
    the mask hides (the same positions in both prompts), drawn hatched."""
    m = (cmp.a if which == 0 else cmp.b) * 100
    data = matrix_data(m, _labels(cmp.query_tokens[which]), _labels(cmp.key_tokens[which]), title,
                       "query (the word looking)", "key (the word looked at)", "attention %", bound=100, digits=0,
                       legend_hi="100", masked=masked)
    if masked is not None:
        data["mask_text"] = "hidden by the mask"
    return data


def hidden_cells(trace, cmp: PatternComparison):
    """[q, k] booleans over the comparison's overlap: where the first prompt's mask is -∞."""
    n_q, n_k = cmp.a.shape
    return np.isneginf(trace.at(cmp.module, "mask")[:n_q, :n_k].numpy())


def difference_data(cmp: PatternComparison, title: str) -> dict:
    """Second minus first prompt, in percentage points: blue gained, red lost."""
    return matrix_data(cmp.difference * 100, pair_labels(*cmp.query_tokens), pair_labels(*cmp.key_tokens), title,
                       "query position", "key position", "change (points)", diverging=True, digits=0,
                       legend_means="blue: more with the second prompt, red: less",
                       tip_extra=[{"title": "first prompt %", "values": (cmp.a * 100).ravel().tolist(), "digits": 3},
                                  {"title": "second prompt %", "values": (cmp.b * 100).ravel().tolist(), "digits": 3}])


DIFFERENCE_NOTE = ("Rows and columns are positions, labelled with both prompts' words where they differ. "
                   "Hover a cell for both percentages.")


def difference_notes(n_a: int, n_b: int) -> list[str]:
    """The difference panel's notes; with prompts of different lengths, first which positions are
    compared. A note of the component, not an element of its own: an element that comes and goes
    above the heatmaps as the lengths change made the browser build all three again."""
    lengths = [f"The prompts have {n_a} and {n_b} tokens: the first {min(n_a, n_b)} positions are compared."] if n_a != n_b else []
    return lengths + [DIFFERENCE_NOTE]


def comparison_table(cmp: PatternComparison):
    """Every common (query, key) cell: both percentages and the change (the CSV)."""
    rows, cols = pair_labels(*cmp.query_tokens), pair_labels(*cmp.key_tokens)
    table = matrix_table(cmp.a * 100, rows, cols, "query", "key", "first %")
    table["second %"] = (cmp.b * 100).reshape(-1).numpy()
    table["change"] = (cmp.difference * 100).reshape(-1).numpy()
    return table
