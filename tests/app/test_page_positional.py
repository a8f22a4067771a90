"""The Positional-encoding page under AppTest: both lesson models, the prompt drives it, the URL restores the view."""


import pytest
from streamlit.testing.v1 import AppTest

from tests.app.app_runner import chart_text as charts
from tests.app.app_runner import components, custom_model, open_app

from tests.model_factory import random_bundle

PAGE = "app_pages/positional.py"


def open_page(**params) -> AppTest:
    at = open_app("positional", **params)
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("model, other", [("statquest-decoder", "statquest is what"), ("statquest-translator", "to go")])
def test_page_shows_squiggles_matrices_and_the_formula(model, other):
    at = open_page(model=model)
    assert any("10000" in m.value for m in at.latex)
    shown = charts(at)
    assert "dim 1: sin(pos / 10000^(0/2))" in shown and "dim 2: cos(pos / 10000^(0/2))" in shown
    titles = [d.get("title") for d in components(at)]
    assert "The encoding added to each word" in titles
    similarity = next(d for d in components(at) if d.get("title") == "Position similarity (dot product)")
    n = len(similarity["rows"])
    assert similarity["rows"] == similarity["cols"] and len(similarity["values"]) == n * n
    assert similarity["tip_extra"][0]["title"] == "cosine" and similarity["scheme"] == "redblue"
    assert len(at.main.get("download_button")) == 3  # squiggles, matrix, similarity (the explorer is off until asked for)
    at.toggle(key="pe_explore").set_value(True).run()
    assert len(at.main.get("download_button")) == 6  # + explorer squiggles, matrix and wavelengths
    at.text_input(key="prompt").input(other).run()
    assert not at.exception, at.exception
    assert charts(at) != shown


def test_explorer_size_is_restored_from_the_url_and_changes_the_squiggles():
    at = open_page(model="statquest-decoder", pe_explore="true", pe_d_model="16", pe_positions="40")
    assert at.slider(key="pe_d_model").value == 16 and at.slider(key="pe_positions").value == 40
    shown = charts(at)
    assert "The formula: 40 positions x 16 dimensions" in shown and "10000^(4/16)" in shown
    at.slider(key="pe_d_model").set_value(8).run()
    assert not at.exception, at.exception
    assert "x 8 dimensions" in charts(at)


def test_translator_side_is_restored_from_the_url():
    at = open_page(model="statquest-translator", prompt="let's go", side="decoder: output words")
    assert at.get("button_group")[0].value == "decoder"
    assert "decoder.hook_pos_embed" in "\n".join(c.value for c in at.caption)
    assert "0: <EOS>" in charts(at)


def test_big_and_learned_models(tmp_path, monkeypatch):
    wide = custom_model(random_bundle(d_model=16, max_len=128), tmp_path / "wide", monkeypatch)
    learned = custom_model(random_bundle(d_model=8, max_len=32, positional="learned"), tmp_path / "learned", monkeypatch)
    prompt = " ".join(["the cat sat on the mat"] * 12)
    at = open_page(**wide, prompt=prompt, pe_dims=["dim 1", "dim 12"])
    assert at.multiselect(key="pe_dims").value == [0, 11]  # the chosen squiggles, from the URL
    assert "dim 12: cos(pos / 10000^(10/16))" in charts(at)
    assert at.slider(key="pe_start").max > 0  # 73 positions: windowed
    at = open_page(**learned, prompt="the cat sat")
    assert any("learned its own position table" in i.value for i in at.info)
    assert "dim 1: learned" in charts(at) and "The model's learned position table" in [d.get("title") for d in components(at)]
