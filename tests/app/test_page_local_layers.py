"""A model with a local first layer (it sees only the last few words, with a learned bias per
distance back), as tiny-stories is, on the pages that show attention scores and masks: the
window and the bias are named where they change a number, and nothing else breaks."""

import json

import pytest
import torch

from tests.app.app_runner import chart_data, component_data, component_tables, component_text, custom_model, open_app, rendered
from tests.model_factory import random_bundle

PROMPT = "the cat sat on the mat and it ran to the park"


@pytest.fixture
def local_model(tmp_path, monkeypatch) -> dict:
    bundle = random_bundle(local_layers=1, local_window=3, distance_bias=True)
    with torch.no_grad():
        bundle.model.blocks[0].attn.distance_bias.copy_(torch.tensor([[0.0, 2.5, -1.0]] * 4))
    return {**custom_model(bundle, tmp_path / "local", monkeypatch), "prompt": PROMPT}


def arithmetic_table(at) -> dict:
    """The data of the page's step-by-step table (the component with a softmax column)."""
    return next(t for t in component_tables(at) if any(c["name"] == "softmax %" for c in t["columns"]))


def words(at) -> str:
    return "\n".join([str(e.value) for kind in ("markdown", "caption", "subheader", "info") for e in getattr(at, kind)]
                     + [component_text(at)])


def test_attention_page_shows_the_window_and_adds_the_bias(local_model):
    at = open_app("attention", **local_model, query="4: the")
    assert not at.exception, at.exception
    assert "A local layer: each word sees only itself and the 2 words before it" in words(at)
    heatmap = component_data(at, 0)
    assert heatmap["window"] == 3 and sum(heatmap["masked"][4 * 12:5 * 12]) == 12 - 3  # row 4 sees 3 words
    table = arithmetic_table(at)
    names = [c["name"] for c in table["columns"]]
    assert names[names.index("+ distance bias") - 1].startswith("÷ √")
    bias = [row[names.index("+ distance bias")] for row in table["rows"]]
    assert bias[2:5] == pytest.approx([-1.0, 2.5, 0.0])  # 2, 1 and 0 words back from word 4
    at.selectbox(key="layer").select("Masked self-attention, layer 2").run()
    assert "+ distance bias" not in [c["name"] for c in arithmetic_table(at)["columns"]]
    assert "A local layer" not in words(at)  # layer 2 sees every earlier word


def test_causal_mask_page_opens_on_a_plain_layer_unless_told(local_model):
    """The lesson's mask first: layer 1 is local (a band), so the page opens on layer 2."""
    at = open_app("causal_mask", **local_model)
    assert not at.exception, at.exception
    assert at.selectbox(key="layer").value == "blocks.1.attn"
    assert "This is a local layer" not in words(at)


def test_causal_mask_page_explains_the_band(local_model):
    at = open_app("causal_mask", **local_model, layer="Masked self-attention, layer 1", query="4: the")
    assert not at.exception, at.exception
    titles = [json.loads(c.proto.json)["title"] for c in at.get("bidi_component")]
    assert titles[:4] == ["1. The mask (0 or -∞)", "2. Scores: q·k ÷ √d + distance bias", "3. Scores + mask", "4. Softmax %"]
    text = words(at)
    assert "This is a local layer: it sees only the last 3 words" in text
    # the note is escaped as a whole (it quotes the prompt): read it as it shows on screen
    assert "words 2–4; the -∞ on words 5–11, after it, turn into 0%; so do those on words 0–1, too far back" in rendered(text)


def test_positional_page_shows_the_learned_distance_bias(local_model):
    at = open_app("positional", **local_model)
    assert not at.exception, at.exception
    assert "Position inside attention: the distance bias" in words(at)
    chart = next(c for c in at.get("vega_lite_chart") if "per distance back" in c.proto.spec)
    cells = chart_data(chart)
    assert set(cells["col_label"]) == {"the word itself", "1 back", "2 back"}
    assert cells.loc[cells["row_label"] == "head 1", "value"].tolist() == pytest.approx([0.0, 2.5, -1.0])


def test_overview_names_the_local_layer(local_model):
    at = open_app(None, **local_model)
    assert not at.exception, at.exception
    layout = next(c for c in map(json.loads, (e.proto.json for e in at.get("bidi_component"))) if "nodes" in c)
    assert "layer 1: only the last 3 words, + distance bias" in [line for n in layout["nodes"] for line in n["lines"]]
