"""The app's one palette of data colours: every heatmap, picture and component colours from here.

One colour language: signed numbers (embeddings, encodings, scores, similarities, biases) run
along the diverging REDBLUE, red = negative, white = 0, blue = positive, always centred on 0;
percentages and probabilities run along the sequential BLUES, darker = more. The Vega charts take
these lists as their scale's range (vega_scale) and the canvas components get them in their data,
so a colour means the same on every page.

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
SEQUENTIAL, DIVERGING = BLUES, REDBLUE
# What the colours mean, written in every legend (Vega and canvas alike).
DIVERGING_MEANS = "red: negative, blue: positive"  # short enough for a Vega legend title (180 px)
SEQUENTIAL_MEANS = "darker blue: more"
# Angles only (RoPE's turns): a colour wheel, on which 359 degrees sits next to 0.
CYCLIC_SCHEME = "sinebow"
CYCLIC_MEANS = "a colour wheel: 360° meets 0°"
MASKED = "#e2e2e2"  # a cell the causal mask hides: grey, apart from the blues of "little attention"
MASKED_LINE = "#c8c8c8"  # the hatch stroke across such a cell ("not allowed", not "weak")


def hex_rgb(colour: str) -> tuple[int, int, int]:
    """"#rrggbb" -> (r, g, b)."""
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def palette_data() -> dict:
    """The palette as a component receives it (plain JSON)."""
    return {"blues": list(BLUES), "redblue": list(REDBLUE), "masked": MASKED, "masked_line": MASKED_LINE}


def vega_cyclic_scale(lo: str, hi: str) -> dict:
    """The colour wheel over the chart's parameters ``lo`` and ``hi`` (angles, nothing else)."""
    return {"scheme": CYCLIC_SCHEME, "domain": [{"expr": lo}, {"expr": hi}]}


def vega_scale(diverging: bool, lo: float | str, hi: float | str) -> dict:
    """A Vega-Lite colour scale over the palette, as the canvas draws it (colour.js's rampRgb): one
    domain stop per colour, evenly from lo to hi, straight lines in RGB between them. lo and hi
    are numbers, or the names of the chart's parameters (a chart whose domain follows the data)."""
    colours = list(DIVERGING if diverging else SEQUENTIAL)
    steps = len(colours) - 1
    if isinstance(lo, str) or isinstance(hi, str):
        domain = [{"expr": f"{lo} + ({hi} - {lo}) * {i / steps!r}"} for i in range(steps + 1)]
    else:
        domain = [lo + (hi - lo) * i / steps for i in range(steps + 1)]
    return {"domain": domain, "range": colours, "interpolate": "rgb"}
