"""Where a chart's text labels go, so that no two are drawn on top of each other.

Why our own: Vega draws every text mark where it is told and Vega-Lite has no label placement,
so close points (a word's embedding next to another's, neighbouring dots on a squiggle) wrote
their words over each other. Here each label, most important first, tries a few spots around its
point (right, left, above, below, then further out) and takes the first one that overlaps no
label already placed and no point; a label with no free spot is left out (the tooltip has it).
Labels that would cross only lines or minor points prefer the spot that crosses the fewest.

Everything is in pixels of the plot area (x to the right, y down); the chart draws each label
centred at its point plus (dx, dy), through Vega-Lite's xOffset / yOffset channels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# A character's width in font sizes in the charts' Source Sans, a little on the roomy side:
# most letters and digits take about half the size, these less or more.
CHAR_EM, NARROW_EM, WIDE_EM, CAPITAL_EM = 0.5, 0.28, 0.82, 0.6
NARROW, WIDE = set("iljtfr.,:;'!|() "), set("mwMW@%")
BOLD = 1.1  # bold letters are this much wider
ROOMY = 1.05
LINE_EM = 1.35  # a text box as the browser draws it: the line, not only the letters
PAD = 1.0  # px kept free between two labels

# Spots around a point, in order of preference: as (x, y) directions; a label's centre goes
# half its width (height) plus the gap away along each.
AROUND = ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, -1), (-1, 1), (1, 1))
# Straight above or below, then to the right of either (never to the left: a label then always
# starts right of its point, so a wider chart, which moves later points further right, keeps
# labels that were apart apart).
UP_DOWN = ((0, -1), (0, 1), (1, -1), (1, 1))
DOWN_UP = ((0, 1), (0, -1), (1, 1), (1, -1))


def text_size(text: str, font_size: float, bold: bool = False) -> tuple[float, float]:
    """A label's width and height in px, estimated from its letters (never measured: no browser here)."""
    ems = sum(NARROW_EM if c in NARROW else WIDE_EM if c in WIDE else CAPITAL_EM if not c.islower() and not c.isdigit()
              else CHAR_EM for c in text)
    return ems * font_size * ROOMY * (BOLD if bold else 1.0), font_size * LINE_EM


def point_boxes(xy: np.ndarray, radius: float) -> np.ndarray:
    """[n, 4] boxes (x0, y0, x1, y1) around points, e.g. the dots a label must not cover."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    return np.column_stack([xy - radius, xy + radius])


@dataclass(frozen=True)
class Layout:
    """Each label's centre offset from its point (px) and whether it is drawn; ``boxes`` [n, 4]
    are the drawn labels' boxes (NaN for left-out ones)."""

    dx: np.ndarray
    dy: np.ndarray
    shown: np.ndarray
    boxes: np.ndarray


def overlaps(boxes: np.ndarray, pad: float = 0.0) -> list[tuple[int, int]]:
    """Pairs of drawn boxes that overlap by more than ``pad`` px (the tests' check)."""
    b = np.asarray(boxes, dtype=float)
    keep = np.flatnonzero(~np.isnan(b).any(axis=1))
    pairs = []
    for n, i in enumerate(keep):
        for j in keep[n + 1:]:
            if (min(b[i, 2], b[j, 2]) - max(b[i, 0], b[j, 0]) > pad
                    and min(b[i, 3], b[j, 3]) - max(b[i, 1], b[j, 1]) > pad):
                pairs.append((int(i), int(j)))
    return pairs


def _hits(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Which of ``others`` [m, 4] overlap ``box`` (with PAD to spare)."""
    if not len(others):
        return np.zeros(0, dtype=bool)
    return ((others[:, 0] < box[2] + PAD) & (others[:, 2] > box[0] - PAD)
            & (others[:, 1] < box[3] + PAD) & (others[:, 3] > box[1] - PAD))


def _crossed(box: np.ndarray, segments: np.ndarray) -> int:
    """How many segments [m, 4] (x1, y1, x2, y2) pass through the box (Liang-Barsky, all at once)."""
    if not len(segments):
        return 0
    x1, y1, x2, y2 = segments.T
    dx, dy = x2 - x1, y2 - y1
    lo, hi = np.zeros(len(segments)), np.ones(len(segments))
    inside = np.ones(len(segments), dtype=bool)
    for p, q in ((-dx, x1 - box[0]), (dx, box[2] - x1), (-dy, y1 - box[1]), (dy, box[3] - y1)):
        parallel = p == 0
        inside &= ~(parallel & (q < 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
        lo = np.where(~parallel & (p < 0), np.maximum(lo, t), lo)
        hi = np.where(~parallel & (p > 0), np.minimum(hi, t), hi)
    return int((inside & (lo <= hi)).sum())


def place_labels(anchors, sizes, directions, gap: float | Sequence[float] = 4.0, *, rings: int = 1,
                 hard: np.ndarray | None = None, soft: np.ndarray | None = None, lines: np.ndarray | None = None,
                 bounds: tuple[float, float, float, float] | None = None) -> Layout:
    """Place labels in the order given (most important first).

    ``anchors`` [n, 2] px; ``sizes`` [n, 2] (width, height); ``directions`` one sequence of
    (x, y) for all labels or one per label; ``gap`` px between point and label (one or per label);
    ``rings`` how many times to try the directions again, each a line height further out.
    ``hard`` boxes no label may cover (points); ``soft`` boxes and ``lines`` segments a label
    may cover when it must, the fewest preferred; ``bounds`` (x0, y0, x1, y1) the area labels
    stay inside.
    """
    anchors = np.asarray(anchors, dtype=float).reshape(-1, 2)
    sizes = np.asarray(sizes, dtype=float).reshape(-1, 2)
    n = len(anchors)
    per_label = n and len(directions) == n and not np.isscalar(directions[0][0])
    gaps = np.broadcast_to(np.asarray(gap, dtype=float), (n,))
    taken = [np.asarray(hard, dtype=float).reshape(-1, 4)] if hard is not None else []
    soft = np.asarray(soft, dtype=float).reshape(-1, 4) if soft is not None else np.zeros((0, 4))
    lines = np.asarray(lines, dtype=float).reshape(-1, 4) if lines is not None else np.zeros((0, 4))
    dx, dy = np.zeros(n), np.zeros(n)
    shown = np.zeros(n, dtype=bool)
    boxes = np.full((n, 4), np.nan)
    for i in range(n):
        (x, y), (w, h) = anchors[i], sizes[i]
        blocked = np.concatenate(taken) if taken else np.zeros((0, 4))
        best = None
        for ring in range(rings):
            for k, (ux, uy) in enumerate(directions[i] if per_label else directions):
                extra = gaps[i] + ring * (h + 2 * PAD)
                cx, cy = x + ux * (w / 2 + extra), y + uy * (h / 2 + extra)
                box = np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
                if bounds is not None and (box[0] < bounds[0] or box[1] < bounds[1] or box[2] > bounds[2] or box[3] > bounds[3]):
                    continue
                if _hits(box, blocked).any():
                    continue
                cost = int(_hits(box, soft).sum()) + _crossed(box, lines)
                if best is None or cost < best[0]:
                    best = (cost, cx - x, cy - y, box)
                if cost == 0:
                    break
            if best is not None:  # a spot in this ring: never go further out
                break
        if best is not None:
            _, dx[i], dy[i], boxes[i] = best
            shown[i] = True
            taken.append(best[3][None, :])
    return Layout(dx, dy, shown, boxes)
