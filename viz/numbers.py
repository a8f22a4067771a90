"""How numbers are written in tables and cells: rounded, vectors shortened, -∞ for the mask.

Why one module: the step-by-step table, the causal-mask panels and the Vega heatmaps print the
same numbers, and a rule written twice drifts (one panel printed "-0.00" where another printed
"0.00"). ``prints_numbers`` is the one rule for when a heatmap is small enough to print its cells.
"""

from __future__ import annotations

import numpy as np

PRINTED_CELLS, PRINTED_COLS = 150, 14  # the most cells, and columns, whose numbers still fit inside them


def prints_numbers(n_rows: int, n_cols: int) -> bool:
    """Small heatmaps print each cell's value in it."""
    return n_rows * n_cols <= PRINTED_CELLS and n_cols <= PRINTED_COLS


def fmt_vector(values, digits: int = 3, limit: int = 6) -> str:
    """[0.123, -3.400] (the first numbers and "…" when it is long)."""
    return fmt_vectors(np.asarray(values, dtype=float).reshape(1, -1), digits, limit)[0]


def fmt_vectors(rows, digits: int = 3, limit: int = 6) -> list[str]:
    """fmt_vector of each row of a [n, d] array, in one pass: the step-by-step table writes three
    vectors for every key on every keystroke, where one call per vector adds up."""
    matrix = np.asarray(rows, dtype=float)
    more = ", …" if matrix.shape[1] > limit else ""
    return ["[" + ", ".join(rounded(x, digits) for x in row) + more + "]" for row in matrix[:, :limit].tolist()]


def rounded(x: float, digits: int) -> str:
    """x to ``digits`` decimals, without the "-0.000" of tiny negatives."""
    text = f"{float(x):.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def signed(x: float, digits: int) -> str:
    """rounded(), in parentheses when negative: a term of a written-out sum ("0.40 × (-1.93)")."""
    text = rounded(x, digits)
    return f"({text})" if text.startswith("-") else text


def fmt_mask(x: float) -> str:
    return "-∞" if np.isneginf(x) else f"{x:g}"
