"""PNG and SVG buttons under a Vega chart (chart_export.js): Streamlit's chart menu saves PNG
only, and a paper wants SVG. The script saves the drawing Vega has already made in the page (an
SVG), so the file is exactly what is on screen."""

from __future__ import annotations

from dataclasses import dataclass

from .base import mount


@dataclass
class ChartExport:
    """Mirrored by the ``ChartExport`` typedef in chart_export.js."""
    name: str  # the files' name, without extension


def chart_export(name: str, key: str) -> None:
    """The buttons for the Vega chart drawn just before them, in the same container."""
    mount("chart_export", ChartExport(name), key)
