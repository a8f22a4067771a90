"""The debugging pages' views, as a projector shows them: no collapsed chart, no cut word, upright head
numbers, a legend that says what its colours mean."""

from pathlib import Path

import pytest
import torch

from model.analysis.attribution import logit_attribution
from model.analysis.compare import compare_patterns
from model.analysis.lens import logit_lens
from model.checkpoint import load_checkpoint
from tests.model_factory import random_bundle
from viz import attribution as va
from viz import compare as vc
from viz import lens as vl
from viz import palette
from viz import patching as patching_views
from viz.heads import head_score_chart, head_table

CHECKPOINTS = Path(__file__).parents[2] / "sample_checkpoints"


@pytest.fixture(scope="module")
def toy():
    return load_checkpoint(CHECKPOINTS / "statquest-decoder")


def test_the_attribution_bars_get_their_height_around_which_the_labels_go(toy):
    """Streamlit's default autosize ("fit") squeezed labels, axis and title into the bars' 64 px:
    the lesson model's 4 bars became one line with their labels written over each other, and on
    16 px rows Vega left out every other label."""
    trace = toy.run("what is statquest")
    frame = va.parts_frame(logit_attribution(toy, trace, "awesome", "<EOS>"))
    spec = va.parts_chart(frame, "score").streamlit_spec()
    assert spec["autosize"]["type"] == "pad" and spec["height"] == 24 * len(frame) == 96
    assert spec["encoding"]["y"]["axis"]["labelOverlap"] is False  # every part named


def test_a_short_prompts_lens_prints_whole_words(toy):
    result = logit_lens(toy, toy.run("what is statquest"))
    data = vl.lens_data(result, toy.tokenizer.vocab, 1, "t")
    words = {toy.tokenizer.vocab[i] for i in result.top_ids[..., 0].reshape(-1).tolist()}
    assert "statquest" in words and "statquest" in data["texts"]  # was "statqu…"
    assert not any(text.endswith("…") for text in data["texts"])
    assert data["cell"] >= len("statquest") * vl.CHAR_PX + 10


def test_a_long_prompts_lens_keeps_small_cells_and_cuts_long_words():
    assert vl.word_cell(["a", "statquest"], 20) == (vl.WORD_CELL, vl.WORD_CHARS)
    assert vl.word_cell(["an-extraordinarily-long-word"], 3)[1] == vl.WIDE_CHARS
    assert vl._cut("an-extraordinarily-long-word", vl.WIDE_CHARS).endswith("…")


def test_head_numbers_stand_upright():
    bundle = random_bundle()
    trace = bundle.run("the cat sat on the mat")
    ids = [bundle.tokenizer.id_of(t) for t in trace.tokens]
    spec = head_score_chart(head_table(trace, ids, {})).to_dict()
    assert spec["spec"]["encoding"]["x"]["axis"]["labelAngle"] == 0


def test_every_debugging_grid_says_what_its_colours_mean(toy):
    """The canvas grids of the lens, attribution, comparison and patching pages: words beside each legend."""
    trace = toy.run("what is statquest")
    lens = vl.lens_data(logit_lens(toy, trace), toy.tokenizer.vocab, 1, "t")
    assert lens["legend_means"] == palette.SEQUENTIAL_MEANS
    heads = va.heads_data(logit_attribution(toy, trace, "awesome", "<EOS>"), "t")
    assert heads["legend_means"] == "blue: raises it, red: lowers it"
    cmp = compare_patterns(trace, toy.run("what statquest is"), trace.attention_modules()[0], 0)
    assert "second prompt" in vc.difference_data(cmp, "t")["legend_means"]
    assert vc.pattern_data(cmp, 0, "t")["legend_means"] == palette.SEQUENTIAL_MEANS
    patched = patching_views.heads_data(torch.tensor([[0.5]]), "t")
    assert patched["legend_means"] is None and "clean answer" in patched["legend_hi"]  # its ends say it
