"""Blocks of text in one component (text_blocks.js): headings, lines, notes, code boxes and
tables; the attention page's step-by-step column, the overview's tokens and answer.

Why one component and not markdown elements and data grids: each Streamlit element is re-rendered
on every keystroke, and the data grid cost the browser the most. Every text
is set as DOM text, never as HTML.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .base import mount


@dataclass
class TextBlock:
    """A heading, line, note or code box: mirrored by the ``TextBlock`` typedef in text_blocks.js."""
    kind: str  # "heading" | "line" | "note" | "code"
    parts: list[list[str]]  # [[style, text], ...]; style "", "code", "strong" or "strong code"


@dataclass
class Column:
    """A table column's look: mirrored by the ``Column`` typedef in text_blocks.js."""
    name: str
    kind: str  # "text" | "number" | "bar"
    help: str | None = None  # the header's tooltip
    digits: int | None = None  # decimals (numbers: 3, bars: 1)
    group: bool | None = None  # thousands separators
    max: float | None = None  # a bar's full length (100)
    suffix: str | None = None  # after a bar's number
    wrap: bool | None = None  # long text may wrap


@dataclass
class Table:
    """Mirrored by the ``Table`` typedef in text_blocks.js."""
    columns: list[Column]
    rows: list[list]  # numbers raw, None as a blank
    pinned: int = 1  # how many columns stay in view when the table scrolls sideways
    caption: str = ""  # names it for screen readers
    kind: str = field(default="table", init=False)


def _json_cell(value):
    """Numbers as they are (NaN and infinities as blanks: JSON has none), the rest as text."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else None
    return None if value is None or value is pd.NA else str(value)


def table(frame: pd.DataFrame | Mapping[str, Sequence], columns: Mapping[str, Mapping] | None = None, pinned: int = 1,
          caption: str = "") -> Table:
    """A plain table, one row per row of ``frame`` (a DataFrame, or columns by name). ``columns``
    gives each column's look by name (Column's fields: kind "text" by default for text, "number"
    for numbers; "bar" draws a bar up to ``max`` beside the number). The first ``pinned``
    columns stay in view when the table scrolls sideways; ``caption`` names it for screen readers."""
    data = {name: frame[name].tolist() for name in frame.columns} if isinstance(frame, pd.DataFrame) else frame
    columns = columns or {}
    spec = []
    for name, values in data.items():
        look = dict(columns.get(name, {}))
        numeric = all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) for v in values)
        look.setdefault("kind", "number" if numeric and len(values) else "text")
        spec.append(Column(name=str(name), **look))
    rows = [[_json_cell(v) for v in row] for row in zip(*data.values())]
    return Table(spec, rows, pinned, caption)


def heading(text: str) -> TextBlock:
    """A heading (as markdown's #####)."""
    return TextBlock("heading", [["", text]])


def line(*parts: str | tuple[str, str]) -> TextBlock:
    """A paragraph: plain strings, or (style, text) with style "code",
    "strong" or "strong code" (as markdown's `x`, **x** and **`x`**)."""
    return TextBlock("line", [["", p] if isinstance(p, str) else list(p) for p in parts])


def note(text: str) -> TextBlock:
    """A caption (as st.caption)."""
    return TextBlock("note", [["", text]])


def code(text: str) -> TextBlock:
    """A box of monospaced text that wraps (as st.code without highlighting or copy button)."""
    return TextBlock("code", [["", text]])


@dataclass
class TextBlocks:
    """Mirrored by the ``TextBlocks`` typedef in text_blocks.js."""
    blocks: list[TextBlock | Table]


def text_blocks(blocks: list[TextBlock | Table], key: str | None = None) -> None:
    """Headings, lines, notes, code boxes and tables (built with the functions above) as one
    component. Why one: as separate markdown elements, captions and tables, each re-rendered on
    every keystroke, the step-by-step column cost more."""
    mount("text_blocks", TextBlocks(list(blocks)), key, width="stretch")
