"""The app's own components (st.components.v2), one module per kind of picture beside its .js
and .css: the canvas heatmap (heatmap), the grid of heads (head_grid), blocks of text and tables
(text_blocks) and the overview's architecture diagram (architecture); base.py registers and mounts
them all.

Why not Vega charts, st.dataframe and markdown: on each keystroke Vega re-created every mark of
these charts and the data grid rebuilt its table; on the first page Streamlit's data grid, code
block and Graphviz chart made a fresh browser load megabytes of script before it drew anything.

Each component's data is a dataclass here, mirrored by a JSDoc typedef in its script; every
component also gets the app's one palette (viz.palette) as ``colours``; dom.js holds the
script helpers they share, colour.js the colour scale (base.py writes both into each script). Text from the prompt is only ever set as DOM text, never as HTML.
"""

from .architecture import Architecture, architecture
from .base import picked
from .chart_export import ChartExport, chart_export
from .head_grid import GridPanel, HeadGrid, head_grid
from .heatmap import Heatmap, TipExtra, heatmap, on_pick_query
from .text_blocks import Column, Table, TextBlock, code, heading, line, note, table, text_blocks

__all__ = [
    "Architecture", "ChartExport", "Column", "GridPanel", "HeadGrid", "Heatmap", "Table", "TextBlock", "TipExtra",
    "architecture", "chart_export", "code", "head_grid", "heading", "heatmap", "line", "note", "on_pick_query", "picked",
    "table", "text_blocks",
]
