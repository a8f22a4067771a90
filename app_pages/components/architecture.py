"""The overview's architecture diagram: boxes, arrows and the dashed repeated block as SVG
(architecture.js), at the positions viz.architecture.architecture_layout computed."""

from __future__ import annotations

from dataclasses import dataclass

from .base import mount


@dataclass
class Architecture:
    """Mirrored by the ``Architecture`` typedef in architecture.js (the parts' own fields are
    viz.architecture's)."""
    width: float
    height: float
    label: str  # the diagram's name for screen readers
    font: float  # px
    small: float  # px: the node text's size, the arrows' and frames'
    line: float  # px from one line of a node's text to the next
    colors: dict  # {edge, cross, box, text}
    titles: list[dict]  # [{x, y, text}]
    frames: list[dict]  # [{x, y, w, h, label}]
    nodes: list[dict]  # [{x, y, w, h, shape: "box" | "ellipse", fill, lines, tooltip}]
    edges: list[dict]  # [{d (an SVG path), kind: "flow" | "cross", label, lx, ly}]


def architecture(data: Architecture | dict, key: str | None = None) -> None:
    """The model's architecture diagram as SVG, each box's tooltip naming where its numbers are
    in the trace."""
    mount("architecture", data if isinstance(data, Architecture) else Architecture(**data), key)
