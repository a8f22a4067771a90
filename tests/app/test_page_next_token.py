"""Next-token page under AppTest: live sampling controls, step-by-step generation that every page sees."""


import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.app_runner import custom_model, open_app

from tests.model_factory import random_bundle



def open_next(**params) -> AppTest:
    at = open_app("next_token", **params)
    assert not at.exception, at.exception
    return at


def chart_data(at: AppTest, index: int):
    chart = at.get("vega_lite_chart")[index]
    return pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_pandas()


def bars(at: AppTest):
    """The data behind the first chart of the page: the next-word bars."""
    return chart_data(at, 0)


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def test_step_by_step_generation_grows_the_trace_of_every_page():
    at = open_next(model="statquest-decoder")
    frame = bars(at)
    assert frame.loc[0, "word"] == "awesome" and frame.loc[0, "status"] == "chosen"
    click(at, "gen_next")
    assert at.session_state["continuation"] == (3,)  # awesome
    assert bars(at).loc[0, "word"] == "<EOS>"
    history = at.dataframe[0].value
    assert history["word"].tolist() == ["awesome"] and history["rank"].tolist() == [1]
    predictions = chart_data(at, 1)  # what the model predicts after every word: the lesson's training targets
    targets = predictions[predictions["is_next"]].sort_values("position")
    assert targets["word"].tolist() == ["is", "statquest", "<EOS>", "awesome"]
    click(at, "gen_next")
    assert at.session_state["continuation"] == (3, 4)  # <EOS>: done
    assert any("<EOS>" in s.value for s in at.success)
    assert at.button(key="gen_next").disabled and at.button(key="gen_all").disabled
    at.switch_page("app_pages/attention.py").run()
    assert not at.exception
    options = at.selectbox(key="query").options  # one per word of: what is statquest <EOS> awesome <EOS>
    assert "4: awesome" in options and "5: <EOS>" in options
    at.switch_page("app_pages/next_token.py").run()
    click(at, "gen_reset")
    assert not at.session_state["continuation"]
    assert bars(at).loc[0, "word"] == "awesome"


def test_generate_to_the_end_and_reset():
    at = open_next(model="statquest-decoder", prompt="statquest is what")
    assert at.button(key="gen_reset").disabled
    click(at, "gen_all")
    assert at.session_state["continuation"] == (3, 4)


def test_the_translator_steps_from_eos_over_the_spanish_words():
    at = open_next(model="statquest-translator")
    assert bars(at)["word"].tolist()[0] == "<EOS>"  # the default trace holds "vamos": <EOS> comes next
    assert set(bars(at)["word"]) == {"ir", "vamos", "y", "<EOS>"}
    click(at, "gen_reset")
    assert at.session_state["continuation"] == ()
    assert bars(at).loc[0, "word"] == "vamos"
    click(at, "gen_next")
    assert at.session_state["continuation"] == (1,)
    click(at, "gen_all")
    assert at.session_state["continuation"] == (1, 3)  # vamos <EOS>


def test_sampling_controls_reshape_the_bars_and_restore_from_the_url():
    at = open_next(model="statquest-decoder", temperature="1.5", top_k="2", top_p="0.9", seed="7")
    assert at.slider(key="temperature").value == 1.5 and at.number_input(key="top_k").value == 2
    assert at.slider(key="top_p").value == 0.9 and at.number_input(key="seed").value == 7
    frame = bars(at)
    assert (frame["probability"] > 0).sum() <= 2 and frame["status"].str.startswith("cut").sum() >= 3
    at.number_input(key="top_k").set_value(0).run()
    at.slider(key="top_p").set_value(1.0).run()
    assert not at.exception
    frame = bars(at)
    assert (frame["probability"] > 0).all()
    assert frame.loc[0, "probability"] < frame.loc[0, "softmax"]  # temperature 1.5 flattens
    at.slider(key="temperature").set_value(0.0).run()
    assert bars(at)["probability"].tolist() == pytest.approx(bars(at)["softmax"].tolist())


def test_a_top_k_larger_than_the_vocabulary_does_not_break_the_page(tmp_path, monkeypatch):
    at = open_next(model="statquest-decoder", top_k="500")  # e.g. a link made for a larger model
    assert at.number_input(key="top_k").value <= 5
    at = open_next(**custom_model(random_bundle(), tmp_path / "random", monkeypatch), prompt="the cat")  # 17 words
    at.number_input(key="top_k").set_value(12).run()
    at.selectbox(key="model").select("statquest-decoder").run()
    at.text_input(key="prompt").input("what is statquest").run()
    assert not at.exception and at.number_input(key="top_k").value == 5


def test_sampled_steps_and_to_the_end_pick_the_same_words(tmp_path, monkeypatch):
    model = custom_model(random_bundle(max_len=8), tmp_path / "random", monkeypatch)
    at = open_next(**model, prompt="the cat", temperature="1.0", seed="3")
    while not at.button(key="gen_next").disabled:
        click(at, "gen_next")
    one_by_one = at.session_state["continuation"]
    assert 1 <= len(one_by_one) <= 6
    click(at, "gen_reset")
    click(at, "gen_all")
    assert at.session_state["continuation"] == one_by_one
