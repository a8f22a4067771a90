"""The Embeddings page under AppTest: both lesson models, the prompt drives it, the URL restores the view."""


import pytest
from streamlit.testing.v1 import AppTest

from tests.app.app_runner import chart_text as charts
from tests.app.app_runner import components, custom_model, open_app

from tests.model_factory import random_bundle

PAGE = "app_pages/embeddings.py"


def open_page(**params) -> AppTest:
    at = open_app("embeddings", **params)
    assert not at.exception, at.exception
    return at


def embeddings_heatmap(at: AppTest) -> dict:
    return next(d for d in components(at) if d.get("title", "").endswith("embeddings"))


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


@pytest.mark.parametrize("model, other", [("statquest-decoder", "statquest is what"), ("statquest-translator", "to go")])
def test_page_shows_table_heatmap_and_plane_and_follows_the_prompt(model, other):
    at = open_page(model=model)
    assert len(at.get("vega_lite_chart")) == 1  # the vocabulary plane
    heatmap = embeddings_heatmap(at)  # the prompt's embeddings, on the canvas heatmap
    assert heatmap["cols"] == ["dim 1", "dim 2"] and len(heatmap["values"]) == 2 * len(heatmap["rows"])
    assert len(at.dataframe) == 1  # the same numbers as a table
    assert len(at.main.get("download_button")) == 4  # and the two word orders' embedding + position tables
    before_table, before_charts = at.dataframe[0].value, charts(at)
    assert "embedding dim 1" in before_charts and "embedding dim 2" in before_charts  # 2 numbers: the raw plane
    at.text_input(key="prompt").input(other).run()
    assert not at.exception, at.exception
    assert charts(at) != before_charts and embeddings_heatmap(at)["rows"] != heatmap["rows"]
    assert at.dataframe[0].value.index.tolist() != before_table.index.tolist()


def test_decoder_table_rows_are_the_prompt_in_order():
    at = open_page(model="statquest-decoder", prompt="what is what")
    assert at.dataframe[0].value.index.tolist() == ["0: what", "1: is", "2: what", "3: <EOS>"]
    assert "hook_embed" in captions(at) and "blocks.0.hook_resid_pre" in captions(at)


def test_translator_side_is_restored_from_the_url():
    at = open_page(model="statquest-translator", prompt="let's go")
    assert at.get("button_group")[0].value == "encoder"
    assert at.dataframe[0].value.index.tolist() == ["0: let's", "1: go", "2: <EOS>"]
    at = open_page(model="statquest-translator", prompt="let's go", side="decoder: output words")
    assert at.get("button_group")[0].value == "decoder"
    assert at.dataframe[0].value.index.tolist()[0] == "0: <EOS>"
    assert "decoder.hook_embed" in captions(at)


def test_a_bigger_model_is_projected_and_a_long_prompt_windowed(tmp_path, monkeypatch):
    model = custom_model(random_bundle(d_model=16, max_len=128), tmp_path / "wide", monkeypatch)
    prompt = " ".join(["the cat sat on the mat"] * 14)  # 84 words
    at = open_page(**model, prompt=prompt)
    assert "PCA axis 1" in charts(at)
    slider = at.slider(key="emb_start")
    last = int(slider.max)
    assert last == 84 - 60  # 60 arrows and rows at a time
    slider.set_value(last).run()
    assert not at.exception, at.exception
    assert at.slider(key="emb_start").value == last
    rows = embeddings_heatmap(at)["rows"]  # in position order
    assert rows[0] == f"{last}: the" and rows[-1] == "83: mat" and len(rows) == 60
