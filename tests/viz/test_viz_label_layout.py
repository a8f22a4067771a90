"""viz/label_layout.py: labels placed most important first, none on top of another or of a point."""

import numpy as np
import pytest

from viz.label_layout import AROUND, UP_DOWN, overlaps, place_labels, point_boxes, text_size


def test_labels_of_points_close_together_go_around_them_and_never_overlap():
    anchors = 100 + np.array([[0, 0], [6, 2], [3, 8], [10, 5], [2, 12], [8, 10]], dtype=float)  # six words within 12 px
    sizes = [text_size(w, 12) for w in ("what", "is", "statquest", "awesome", "<EOS>", "to")]
    dots = point_boxes(anchors, 3)
    layout = place_labels(anchors, sizes, AROUND, 5, rings=2, hard=dots)
    assert layout.shown.sum() >= 5
    assert overlaps(layout.boxes) == []
    for box in layout.boxes[layout.shown]:  # nor over any of the points
        assert all(0 not in pair for pair in overlaps(np.vstack([box, dots])))
    assert (layout.dx[0], layout.dy[0]) == (pytest.approx(-(sizes[0][0] / 2 + 5)), 0)  # the first takes the first choice: left
    left_out = ~layout.shown
    assert np.isnan(layout.boxes[left_out]).all()


def test_a_label_without_room_is_left_out_and_bounds_hold():
    anchors = np.array([[50.0, 10.0], [52.0, 10.0]])
    sizes = [text_size("0.84", 11)] * 2
    layout = place_labels(anchors, sizes, UP_DOWN, 6, bounds=(0, 0, 100, 40))
    assert layout.shown.tolist() == [True, False]  # above is out of bounds, below is taken: no third spot
    assert layout.dy[0] > 0 and 0 <= layout.boxes[0, 1] and layout.boxes[0, 3] <= 40


def test_lines_are_avoided_where_there_is_a_choice():
    line = np.array([[0.0, 50.0, 200.0, 50.0]])  # a horizontal line through the point
    layout = place_labels([[100.0, 50.0]], [text_size("word", 12)], AROUND, 5, lines=line)
    assert layout.dx[0] == 0 and layout.dy[0] < 0  # left and right lie on the line: above instead
