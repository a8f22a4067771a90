"""The Attention page's views between words (a subword model's tokens grouped, model/hf/words.py)
and the grid of heads made from a shorter prompt's pictures: the same numbers as made anew."""

from __future__ import annotations

import numpy as np
import pytest

from model.hf.words import Words
from tests.model_factory import random_bundle
from viz import canvas, head_grid, windows
from viz import attention as va
from viz.attention_layout import attention_layout


@pytest.fixture(scope="module")
def gpt2(tmp_path_factory):
    """A tiny random Hugging Face GPT-2 folder, its tokenizer trained on a few sentences."""
    pytest.importorskip("transformers")
    from model.checkpoint import load_any
    from tests.model.hf_factory import hf_folder

    return load_any(hf_folder(tmp_path_factory.mktemp("hf"), "gpt2"))


def test_heatmap_between_words_sums_rows_to_100(gpt2):
    trace = gpt2.run("the cat sat on the mat")
    words = gpt2.tokenizer.words(trace.tokens)
    assert len(words) == 6 < len(trace.tokens) == 8  # "cat" and "mat" are two tokens each
    module = "blocks.1.attn"
    frame = va.attention_frame(trace, module, 2, words=words)
    assert len(frame) == 36
    sums = frame.groupby("query_word")["percent"].sum()
    np.testing.assert_allclose(sums, 100, atol=1e-4)  # the sum over a key word's tokens keeps each row a distribution
    pattern = trace.pattern(module)[2].numpy()
    cell = frame[(frame["query_word"] == 5) & (frame["key_word"] == 1)].iloc[0]  # "mat" looking at "cat"
    assert cell["weight"] == pytest.approx(pattern[6:8, 1:3].sum(axis=1).mean(), abs=1e-6)
    assert (cell["query_pos"], cell["key_pos"], cell["query_label"], cell["key_label"]) == (7, 1, "6–7: ␣mat", "1–2: ␣cat")
    assert (frame["masked"] == (frame["key_word"] > frame["query_word"])).all()  # only later words are hidden
    data = canvas.heatmap_data(frame, "t", query=7)
    assert data["rows"] == words.labels() and data["row_pos"] == [0, 2, 3, 4, 5, 7]  # a click picks a word's last token
    assert data["chosen"] == 5
    layout = attention_layout(trace, module, "t", False, words)
    assert layout.cols == 6


def test_one_token_per_word_is_the_token_heatmap(gpt2):
    trace = gpt2.run("the sat on the")
    words = gpt2.tokenizer.words(trace.tokens)
    assert len(words) == len(trace.tokens) == 4
    by_word, by_token = va.attention_frame(trace, "blocks.0.attn", 1, words=words), va.attention_frame(trace, "blocks.0.attn", 1)
    for column in ("query_pos", "key_pos", "query_label", "key_label", "weight", "percent", "masked"):
        assert by_word[column].tolist() == pytest.approx(by_token[column].tolist()) if column in ("weight", "percent") \
            else by_word[column].tolist() == by_token[column].tolist(), column


def test_a_long_prompt_of_words_is_windowed_and_pooled():
    bundle = random_bundle(max_len=256)
    trace = bundle.run(" ".join(["the cat sat on the mat"] * 30))
    n = len(trace.tokens)
    assert n == 180
    spans = [(a, min(a + 2, n)) for a in range(0, n, 2)]  # two tokens a word
    words = Words(tuple(spans), tuple(f"w{i}" for i in range(len(spans))))
    assert va.matrix_size(trace, "blocks.1.attn", words) == (90, 90) and windows.needs_window(90, 90)
    window = windows.window_at(90, 90, 49, 30)
    frame = va.attention_frame(trace, "blocks.1.attn", 3, window, words)
    assert len(frame) == 40 * 40 and frame["query_word"].min() == 49 and frame["key_word"].min() == 30
    pattern = trace.pattern("blocks.1.attn")[3].numpy()
    cell = frame[(frame["query_word"] == 60) & (frame["key_word"] == 31)].iloc[0]
    assert cell["weight"] == pytest.approx(pattern[120:122, 62:64].sum(axis=1).mean(), abs=1e-6)
    overview = va.overview_frame(trace, "blocks.1.attn", 3, max_side=30, words=words)
    assert int(overview["block"][0]) == 3 and overview["query_to"].max() == 90
    data = va.overview_data(overview, "o", window)
    assert data["rows"][:2] == ["0–5", "6–11"] and data["row_pos"][:2] == [1, 7]  # tokens of 3 words; a block's first word's last token


@pytest.mark.parametrize("max_side", [120, 7])
def test_grid_from_a_shorter_or_longer_prompt_equals_the_grid_made_anew(max_side):
    bundle = random_bundle(max_len=64)
    base = " ".join(["the cat sat on the mat"] * 4)  # 24 tokens: in blocks of 4 with max_side 7
    shorter, longer, other = bundle.run(base), bundle.run(base + " a"), bundle.run(base + " dog ran")

    def levels(pictures):
        return [p["levels"].astype(int) for p in pictures]

    before = head_grid.grid_pictures_reusing(shorter, (), max_side=max_side)
    for trace in (longer, other):  # typed on: one more token, or two
        reused = head_grid.grid_pictures_reusing(trace, [before], max_side=max_side)
        anew = head_grid.grid_pictures(trace, max_side=max_side)
        assert all(np.abs(a - b).max() <= 1 for a, b in zip(levels(reused.pictures), levels(anew)))  # within float rounding
    back = head_grid.grid_pictures_reusing(shorter, [head_grid.grid_pictures_reusing(other, (), max_side=max_side)], max_side=max_side)
    assert all(np.abs(a - b).max() <= 1 for a, b in zip(levels(back.pictures), levels(before.pictures)))  # a backspace
    ablated = bundle.run(base + " a", options=__import__("model.trace", fromlist=["RunOptions"]).RunOptions.make({"blocks.0.attn": [1]}))
    assert head_grid._reusable_rows(ablated, before) == 0  # another run's pictures are not shared


def test_pictures_of_another_model_are_not_reused():
    other = head_grid.grid_pictures_reusing(random_bundle(n_heads=8).run("the cat sat"), ())
    trace = random_bundle().run("the cat sat")
    reused = head_grid.grid_pictures_reusing(trace, [other])
    assert [p["levels"].tolist() for p in reused.pictures] == [p["levels"].tolist() for p in head_grid.grid_pictures(trace)]
