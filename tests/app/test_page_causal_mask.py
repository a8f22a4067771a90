"""Causal-mask page under AppTest: the four stages for both lesson models, the run without the
mask, the encoder shown for contrast, and the view restored from the URL."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.app_runner import components, custom_model, open_page

from tests.model_factory import random_bundle



def open_mask(**params) -> AppTest:
    return open_page("causal_mask", **params)


def panels(at: AppTest) -> list[dict]:
    """The page's canvas heatmaps (their component data), in page order."""
    return components(at)


def titles(at: AppTest) -> list[str]:
    """The panels' titles, in page order: the four stages, the run without the mask, the encoder."""
    assert not at.get("vega_lite_chart")  # every panel is a canvas heatmap
    return [p["title"] for p in panels(at)]


def text(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "subheader", "info") for e in getattr(at, kind))


@pytest.mark.parametrize("model", ["statquest-decoder", "statquest-translator"])
def test_four_stages_and_the_lesson(model):
    at = open_mask(model=model)
    assert titles(at)[:4] == ["1. The mask (0 or -∞)", "2. Scores: q·k ÷ √d", "3. Scores + mask", "4. Softmax %"]
    assert "pizza" in text(at)
    if model == "statquest-translator":
        assert at.selectbox(key="layer").options == ["Decoder masked self-attention, layer 1"]  # only masked attention
        assert "the encoder is not masked" in text(at)
        assert "Encoder self-attention, layer 1, head 1" in titles(at)
    else:
        assert "normal Transformer's encoder is not masked" in text(at)


def test_the_mask_page_follows_the_prompt():
    at = open_mask(model="statquest-decoder")
    before = panels(at)
    at.text_input(key="prompt").input("what is").run()
    assert not at.exception
    after = panels(at)
    assert [p["rows"] for p in after] == [["0: what", "1: is", "2: <EOS>"]] * 4 and after != before


def test_show_without_the_mask_runs_the_prompt_unmasked():
    at = open_mask(model="statquest-decoder", nomask="true", query="1: is")
    assert at.toggle(key="nomask").value is True
    assert at.selectbox(key="query").value == 1
    assert {"With the mask (as trained)", "Without the mask", "Change (percentage points)"} <= set(titles(at))
    assert "words 2–3, after it" in text(at)
    without = next(p for p in panels(at) if p["title"] == "Without the mask")
    n = len(without["rows"])
    ahead = [w for k, w in enumerate(without["exact"]) if k % n > k // n]
    assert len(ahead) == 6 and all(w > 0 for w in ahead)  # words now look ahead
    change = next(p for p in panels(at) if p["title"] == "Change (percentage points)")
    assert change["scheme"] == "redblue" and change["tip_extra"][0]["title"] == "with the mask %"
    at.toggle(key="nomask").set_value(False).run()
    assert "Without the mask" not in titles(at)


def test_long_prompt_stages_are_windowed(tmp_path, monkeypatch):
    model = custom_model(random_bundle(max_len=128, n_layers=1, n_heads=2), tmp_path / "long", monkeypatch)
    prompt = " ".join(["the cat sat on the mat and it was happy"] * 10)
    at = open_mask(**model, prompt=prompt, qstart="20: the", nomask="true")
    assert at.select_slider(key="qstart").value == 20
    stage = next(p for p in panels(at) if p["title"] == "3. Scores + mask")
    assert stage["row_pos"][0] == 20 and stage["row_pos"][-1] == 59 and len(stage["cols"]) == 40
    assert "Without the mask" in titles(at) and "With the mask (as trained)" not in titles(at)  # long: panel 4 is "with"
