"""The one payload a page places: what a widget draws, its notes, and the table behind it.

Why a type: a page only places things. Every number, pixel size and lesson sentence of a widget
is made by one view function in viz/ and handed over in a ``Panel``, so the page file holds no
arithmetic and the view can be tested without Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pandas as pd


@dataclass(frozen=True)
class Panel:
    """One widget. ``data``: a component payload (a heatmap's dict) or a chart (SpecChart);
    ``csv``: makes the table behind it, only when its button is clicked; ``name``: a stable id
    (the page's widget key and the CSV's file name); ``notes``: plain text shown under it (the
    page escapes it: it may hold words of the prompt)."""
    name: str
    data: Any
    csv: Callable[[], pd.DataFrame]
    file_name: str
    notes: tuple[str, ...] = field(default=())
