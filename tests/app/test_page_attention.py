"""Attention page under AppTest: heatmap beside one query's arithmetic, for both lesson models,
following the prompt, restored from the URL, and windowed for long prompts."""

import base64
import json
import math
import zlib

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.app_runner import component_data, component_tables, component_text, custom_model, open_app

from tests.model_factory import random_bundle



def open_attention(**params) -> AppTest:
    at = open_app("attention", **params)
    assert not at.exception, at.exception
    return at


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def tables(at: AppTest) -> list[pd.DataFrame]:
    """The page's tables drawn by its table component, as DataFrames."""
    return [pd.DataFrame(t["rows"], columns=[c["name"] for c in t["columns"]]) for t in component_tables(at)]


def arithmetic(at: AppTest) -> pd.DataFrame:
    return next(t for t in tables(at) if "softmax %" in t.columns)


def shown(at: AppTest) -> str:
    parts = [str(e.value) for kind in ("markdown", "caption") for e in getattr(at, kind)]
    parts += [component_text(at)] + [t.to_csv() for t in tables(at)]
    return "\n".join(parts)


@pytest.mark.parametrize("model, modules, words", [
    ("statquest-decoder", ["blocks.0.attn"], ["0: what", "1: is", "2: statquest", "3: <EOS>"]),
    ("statquest-translator", ["encoder.blocks.0.attn", "decoder.blocks.0.attn", "decoder.blocks.0.cross_attn"],
     ["0: let's", "1: go", "2: <EOS>"]),
])
def test_heatmap_and_arithmetic_for_the_lesson_models(model, modules, words):
    at = open_attention(model=model)
    assert at.selectbox(key="layer").options == [
        {"blocks.0.attn": "Masked self-attention, layer 1", "encoder.blocks.0.attn": "Encoder self-attention, layer 1",
         "decoder.blocks.0.attn": "Decoder masked self-attention, layer 1",
         "decoder.blocks.0.cross_attn": "Encoder-decoder attention, layer 1"}[m] for m in modules]
    heatmap = component_data(at)
    assert heatmap["rows"] == words  # rows in token order
    n = len(words)
    for row in range(n):  # each query's percentages sum to 100, as the table's softmax column
        assert sum(heatmap["values"][row * n:(row + 1) * n]) == pytest.approx(100, abs=1e-3)
    assert heatmap["chosen"] == n - 1  # the last word's row is outlined, as the query picker says
    table = arithmetic(at)
    assert table["key word"].tolist() == words
    assert table["softmax %"].sum() == pytest.approx(100, abs=1e-3)
    assert f"Step by step for query word {len(words) - 1}" in shown(at)  # the last word by default
    assert "hook_resid_mid" in shown(at)
    if model == "statquest-translator":  # three attention cells: every one in the grid of small multiples
        grid = component_data(at, -1)
        assert sorted(p["module"] for p in grid["panels"]) == sorted(modules)
        assert all(len(zlib.decompress(base64.b64decode(p["pixels"]))) == math.prod(p["shape"]) for p in grid["panels"])
        assert [p["selected"] for p in grid["panels"]].count(True) == 1


def test_the_page_follows_the_prompt():
    at = open_attention(model="statquest-decoder")
    before = arithmetic(at)["key word"].tolist()
    at.text_input(key="prompt").input("statquest is what").run()
    assert not at.exception
    assert arithmetic(at)["key word"].tolist() != before
    assert arithmetic(at)["key word"].tolist()[0] == "0: statquest"


def test_the_first_word_only_looks_at_itself():
    at = open_attention(model="statquest-decoder")
    at.selectbox(key="query").select(0).run()
    table = arithmetic(at)
    assert table["softmax %"].tolist()[0] == pytest.approx(100.0)
    assert table["+ mask"].tolist() == ["0", "-∞", "-∞", "-∞"]


def test_view_is_restored_from_the_url():
    at = open_attention(model="statquest-translator", layer="Encoder-decoder attention, layer 1", query="0: <EOS>")
    assert at.selectbox(key="layer").value == "decoder.blocks.0.cross_attn"
    assert at.selectbox(key="query").value == 0
    table = arithmetic(at)
    assert table["key word"].tolist() == ["0: let's", "1: go", "2: <EOS>"]  # keys: the input sentence
    assert "Step by step for query word 0" in shown(at)
    assert "hook_cross_attn_out" in shown(at)


def test_long_prompt_is_windowed_with_an_overview(tmp_path, monkeypatch):
    model = custom_model(random_bundle(max_len=128, n_layers=2, n_heads=4), tmp_path / "long", monkeypatch)
    prompt = " ".join(["the cat sat on the mat and it was happy"] * 10)
    at = open_attention(**model, prompt=prompt, head="head 3", qstart="50: the")
    assert at.selectbox(key="head").value == 2
    assert at.select_slider(key="qstart").value == 50  # the window from the URL
    specs = charts(at)
    heatmap = component_data(at)
    rows = heatmap["rows"]
    assert len(rows) == 40 and rows[0] == "50: the"
    assert heatmap["scale"] == "sqrt"  # small percentages of a long prompt spread over more colours
    overview = next(d for d in map(json.loads, (e.proto.json for e in at.get("bidi_component"))) if "whole matrix" in d.get("title", ""))
    assert len(overview["rows"]) == 34 and overview["rows"][0] == "0–2"  # 100 words in blocks of 3 (at most 40 a side)
    k0 = at.select_slider(key="kstart").value
    assert overview["box"] == {"r0": 50 / 3, "r1": 90 / 3, "c0": k0 / 3, "c1": (k0 + 40) / 3}  # the window above, outlined
    assert not specs  # no Vega chart left on the page
    assert len(arithmetic(at)) == 100  # every key of the last word
    assert "too many cells" in component_text(at)  # the heatmap's caption
    at.selectbox(key="query").select(10).run()  # a word outside the window: the window moves to it
    assert not at.exception
    assert at.select_slider(key="qstart").value <= 10 < at.select_slider(key="qstart").value + 40


def test_table_cells_are_plain_json():
    """The table component gets numbers as numbers, blanks for what JSON cannot hold, and text as
    text (numpy scalars included)."""
    import numpy as np

    from app_pages.components.text_blocks import _json_cell

    assert _json_cell(np.float32(0.5)) == 0.5 and _json_cell(3) == 3.0
    assert _json_cell(float("-inf")) is None and _json_cell(np.float64("nan")) is None
    assert _json_cell(np.bool_(True)) == "True" and _json_cell(np.str_("0: the")) == "0: the"
    assert _json_cell(None) is None and _json_cell(pd.NA) is None
    assert _json_cell("<b>x</b>") == "<b>x</b>"  # as text: table.js sets it with textContent


def test_the_query_picker_s_default_label_does_not_change_while_typing():
    """Its label once named the last word, and a busy browser sometimes kept showing an earlier
    one beside the heading's current word; now it names none and the heading names the word."""
    at = open_app("attention", model="statquest-decoder", prompt="statquest")
    labels = [at.selectbox(key="query").options[0]]
    for prompt in ("statquest is", "statquest is what"):
        at.text_input(key="prompt").input(prompt).run()
        assert not at.exception
        labels.append(at.selectbox(key="query").options[0])
    assert labels == ["the last word (the newest)"] * 3
    assert "Step by step for query word 3: <EOS>" in component_text(at)
