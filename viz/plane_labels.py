"""Where the embedding plane's labels go: each prompt word beside its point, each arrow's
"i: word" beyond its head, none over another (viz.label_layout does the placing).

Why apart from viz.embeddings: the plane's projection and chart are one job, turning data
coordinates into the pixels the labels are placed in is another.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .label_layout import AROUND, Layout, place_labels, point_boxes, text_size

WORD_FONT, ARROW_FONT = 13, 12  # px: the words (bold) and the arrows' "i: word" labels


def dot_radius(many: bool) -> float:
    """The vocabulary points' radius in px (Vega's circle size is its area)."""
    return float(np.sqrt((25 if many else 110) / np.pi))


def head_size(labelled: bool, many: bool) -> int:
    return 350 if labelled and not many else 140


def _compass(angle: float) -> list[tuple[int, int]]:
    """The 8 directions around a point, the closest to ``angle`` (degrees clockwise from up) first."""
    def away(d: tuple[int, int]) -> float:
        a = np.degrees(np.arctan2(d[0], -d[1])) % 360
        return min(abs(a - angle), 360 - abs(a - angle))
    return sorted(AROUND, key=away)


def plane_labels(vocab: pd.DataFrame, arrows: pd.DataFrame, domains: tuple[list[float], list[float]], size: int,
                 many: bool, labelled: bool) -> tuple[pd.DataFrame, pd.DataFrame, Layout]:
    """Where the plane's labels go (viz.label_layout): copies of both frames with ``label``,
    ``label_dx``, ``label_dy`` (px from the point) and ``label_shown``, and the layout itself
    (the vocabulary's labels first, then the arrows', in its ``boxes``).

    Most important first: each prompt word in prompt order, then its arrow's "i: word"; then the
    other words (drawn only for a small vocabulary). Words at one and the same point share one
    label ("a, b"). No label covers another, a word's point or an arrow head; a label with no room
    is left out (the tooltip has it).
    """
    (x_lo, x_hi), (y_lo, y_hi) = domains

    def px(x, y) -> np.ndarray:
        return np.column_stack([(np.asarray(x, float) - x_lo) / (x_hi - x_lo) * size,
                                (y_hi - np.asarray(y, float)) / (y_hi - y_lo) * size])

    vocab, arrows = vocab.copy(), arrows.copy()
    at = px(vocab["x"], vocab["y"])
    heads = px(arrows["x2"], arrows["y2"]) if len(arrows) else np.zeros((0, 2))
    in_prompt = vocab["in prompt"].to_numpy(bool)
    # one label per point: words drawn at the same pixel are written together, prompt words first
    first_of: dict[tuple[int, int], int] = {}
    vocab["label"] = vocab["word"].astype(str)
    order = [int(i) for i in (*np.flatnonzero(in_prompt), *([] if many else np.flatnonzero(~in_prompt)))]
    rows = []  # the vocabulary rows that get a label
    for i in order:
        spot = (round(float(at[i, 0]) * 2), round(float(at[i, 1]) * 2))
        if spot in first_of:
            j = first_of[spot]
            vocab.iat[j, vocab.columns.get_loc("label")] += ", " + str(vocab["word"].iat[i])
        else:
            first_of[spot] = i
            rows.append(i)
    row_of_word = {str(w): n for n, w in enumerate(vocab["word"])}
    # the labels, most important first: ("word", vocab row) or ("arrow", arrow row)
    queue: list[tuple[str, int]] = []
    labelled_rows = set(rows)
    for a, word in enumerate(arrows["word"]):
        i = row_of_word.get(str(word))
        if i in labelled_rows:
            queue.append(("word", i))
            labelled_rows.discard(i)
        if labelled:
            queue.append(("arrow", a))
    queue += [("word", i) for i in rows if i in labelled_rows]
    radius = dot_radius(many)
    length = 1.3 * np.sqrt(head_size(labelled, many))
    angles = np.radians(arrows["angle"].to_numpy(float))
    back = np.column_stack([-np.sin(angles), np.cos(angles)]) * 0.55 * length  # screen y points down
    anchors, sizes, dirs, gaps = [], [], [], []
    for kind, i in queue:
        if kind == "word":
            anchors.append(at[i])
            sizes.append(text_size(vocab["label"].iat[i], WORD_FONT, bold=True))
            dirs.append(AROUND)
            gaps.append(radius + 3)
        else:
            anchors.append(heads[i])
            sizes.append(text_size(arrows["label"].iat[i], ARROW_FONT))
            dirs.append(tuple(_compass(float(arrows["angle"].iat[i]))))
            gaps.append(5.0)
    drawn_dots = in_prompt if many else np.ones(len(vocab), dtype=bool)
    hard = np.concatenate([point_boxes(at[drawn_dots], radius), point_boxes(heads + back, 0.4 * length)])
    soft = point_boxes(at[~drawn_dots], radius)
    lines = np.column_stack([px(arrows["x"], arrows["y"]), heads]) if len(arrows) else None
    layout = place_labels(anchors, sizes, dirs, gaps, rings=2, hard=hard, soft=soft, lines=lines,
                          bounds=(0.0, 0.0, float(size), float(size)))
    for frame, kind in ((vocab, "word"), (arrows, "arrow")):
        dx, dy, shown = np.zeros(len(frame)), np.zeros(len(frame)), np.zeros(len(frame), dtype=bool)
        for n, (k, i) in enumerate(queue):
            if k == kind:
                dx[i], dy[i], shown[i] = layout.dx[n], layout.dy[n], layout.shown[n]
        frame["label_dx"], frame["label_dy"], frame["label_shown"] = dx, dy, shown
    return vocab, arrows, layout
