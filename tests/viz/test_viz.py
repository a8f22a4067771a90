"""viz/common.py and viz/heads.py on their data (each page's viz module has its own test file)."""

from pathlib import Path

import numpy as np
import torch

from model.trace import RunOptions
from tests.model_factory import random_bundle
from viz.common import matrix_frame
from viz.heads import ablation_chart, ablation_frame, head_score_chart, head_table
from viz.windows import window_bounds


def test_matrix_frame_keeps_token_order_with_repeats():
    f = matrix_frame(np.arange(6).reshape(2, 3), ["a", "a"], ["x", "y", "x"])
    assert f["row_label"].tolist() == ["0: a"] * 3 + ["1: a"] * 3
    assert f["col_label"].tolist()[:3] == ["0: x", "1: y", "2: x"]
    assert f["value"].tolist() == list(range(6))


def test_windows_stay_inside_the_sequence():
    assert window_bounds(10, 8, 5) == (5, 10) and window_bounds(10, -3, 5) == (0, 5) and window_bounds(3, 0, 5) == (0, 3)


def test_every_viz_module_keeps_to_one_job_in_under_250_lines():
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in (Path(__file__).parents[2] / "viz").glob("*.py")}
    assert len(sizes) > 10 and {name: n for name, n in sizes.items() if n > 250} == {}


def test_head_table_scores_come_from_the_trace():
    bundle = random_bundle()
    trace = bundle.run("the cat sat on the mat and the cat")
    ids = [bundle.tokenizer.id_of(t) for t in trace.tokens]
    table = head_table(trace, ids, {(0, 0): 0.9})
    assert len(table) == 8 and list(table["layer"].unique()) == [1, 2]
    pattern = trace.pattern("blocks.0.attn")[1]
    expected_prev = float(torch.diagonal(pattern, offset=-1).mean())
    assert abs(table.loc[(table["layer"] == 1) & (table["head"] == 2), "previous_token"].item() - expected_prev) < 1e-6
    assert "induction" in table.loc[0, "does"]
    head_score_chart(table).to_dict()


def test_ablation_frame_compares_two_runs():
    bundle = random_bundle()
    base = bundle.run("the cat sat on")
    off = bundle.run("the cat sat on", options=RunOptions.make(ablate={"blocks.1.attn": [0, 1, 2, 3]}))
    frame = ablation_frame(base.logits[-1], off.logits[-1], bundle.tokenizer.vocab)
    assert frame["with all heads"].is_monotonic_decreasing
    p = torch.softmax(base.logits[-1], -1)
    assert abs(frame["with all heads"].iloc[0] - p.max().item()) < 1e-6
    assert np.allclose(frame["change"], frame["heads switched off"] - frame["with all heads"])
    ablation_chart(frame, "t").to_dict()


def test_raster_colours_match_the_vega_blues_at_both_ends():
    import numpy as np

    from viz.raster import BLUES, colorize

    rgb = colorize(np.array([[0.0, 1.0, 0.5, np.nan]]))
    hexes = ["#%02x%02x%02x" % tuple(c) for c in rgb[0]]
    assert hexes[0] == BLUES[0] and hexes[1] == BLUES[-1] and hexes[3] == BLUES[0]  # NaN drawn as 0
    assert rgb[0, 1].sum() < rgb[0, 2].sum() < rgb[0, 0].sum()  # darker means more


def test_the_grid_palette_runs_along_the_blues_with_grey_for_hidden_cells():
    import numpy as np

    from viz.raster import BLUES, HIDDEN_LEVEL, MASKED, levels_rgb, to_levels

    levels = to_levels(np.array([[0.0, 1.0, 0.5, np.nan]]), masked=np.array([[False, False, False, True]]))
    assert levels.tolist() == [[0, 254, 127, HIDDEN_LEVEL]]
    rgb = levels_rgb(levels)
    assert ["#%02x%02x%02x" % tuple(c) for c in rgb[0, :2]] == [BLUES[0], BLUES[-1]]
    assert tuple(rgb[0, 3]) == MASKED


def test_an_altair_chart_becomes_a_spec_with_its_frames_named_by_order():
    """viz.spec.from_altair: each DataFrame once, named frame_0, frame_1... (the same frame in two
    layers is one dataset); a second chart of the same shape with other numbers gives the same
    spec, so the browser can swap the data in place."""
    import json

    import altair as alt
    import pandas as pd

    from viz.spec import from_altair

    def chart(values):
        points, line = pd.DataFrame({"x": [0, 1], "y": values}), pd.DataFrame({"x": [0, 1], "y": [0, 0]})
        base = alt.Chart(points).mark_point().encode(x="x:Q", y="y:Q")
        return alt.layer(base, base.mark_line(), alt.Chart(line).mark_rule().encode(x="x:Q", y="y:Q"))

    one, two = from_altair(chart([1.0, 2.0])), from_altair(chart([5.0, -3.0]))
    assert list(one.datasets) == ["frame_0", "frame_1"]
    assert one.datasets["frame_0"]["y"].tolist() == [1.0, 2.0] and two.datasets["frame_0"]["y"].tolist() == [5.0, -3.0]
    assert one.spec_json == two.spec_json
    spec = json.loads(one.spec_json)
    assert [layer["data"] for layer in spec["layer"]] == [{"name": "frame_0"}, {"name": "frame_0"}, {"name": "frame_1"}]
    assert "datasets" not in spec and "config" not in spec  # no inline data, no Altair default theme
    chart([1.0, 2.0]).to_dict()  # the same chart validates against the schema (as every viz test checks)
