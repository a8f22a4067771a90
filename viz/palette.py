"""The app's one palette of data colours: every heatmap, picture and component colours from here.

Why one: copies of a palette in each script drift apart, and then the grid of heads and the
heatmap beside it disagree on what a colour means. The components get this palette in their
data (app_pages/components) and the pictures of viz.raster are coloured from it.
"""

from __future__ import annotations

# Vega's "blues" (vega-scale's continuous scheme), so canvas heatmaps match the Vega charts.
BLUES = ("#cfe1f2", "#bed8ec", "#a8cee5", "#8fc1de", "#74b2d7", "#5ba3cf", "#4592c6", "#3181bd", "#206fb2",
         "#125ca4", "#0a4a90")
# Vega's "redblue": red for negative, blue for positive (the causal-mask page's scores).
REDBLUE = ("#67001f", "#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7", "#d1e5f0", "#92c5de", "#4393c3",
           "#2166ac", "#053061")
MASKED = "#e2e2e2"  # a cell the causal mask hides: grey, apart from the blues of "little attention"
MASKED_LINE = "#c8c8c8"  # the hatch stroke across such a cell ("not allowed", not "weak")


def hex_rgb(colour: str) -> tuple[int, int, int]:
    """"#rrggbb" -> (r, g, b)."""
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def palette_data() -> dict:
    """The palette as a component receives it (plain JSON)."""
    return {"blues": list(BLUES), "redblue": list(REDBLUE), "masked": MASKED, "masked_line": MASKED_LINE}
