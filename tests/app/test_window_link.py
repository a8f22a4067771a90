"""The window of a long matrix in the link: read once, written when the user moves a slider,
taken out when the window moves by itself; never rewritten while the user types."""

from app_pages import window_link
from tests.app.app_runner import custom_model, open_app
from tests.model_factory import random_bundle

LONG = " ".join(["the cat sat on the mat and it was happy"] * 10)  # 100 words


def test_parse_reads_numbers_and_old_bound_labels():
    assert window_link.parse("50") == 50
    assert window_link.parse("50: the") == 50
    assert window_link.parse(" 7 ") == 7
    for bad in ("", "-3", "1e400", "inf", "x: 5", "9" * 12):
        assert window_link.parse(bad) is None, bad


def test_read_once_per_session_and_forget():
    state, params = {}, {"qstart": "20: the", "kstart": "nonsense"}
    window_link.read_once(state, params)
    assert state["qstart"] == 20 and "kstart" not in state
    state["qstart"] = 5
    params["qstart"] = "30"
    window_link.read_once(state, params)  # read once: the session's own window wins afterwards
    assert state["qstart"] == 5
    window_link.forget(params)
    assert params == {}


def _long_model(tmp_path, monkeypatch):
    return custom_model(random_bundle(max_len=128, n_layers=2, n_heads=4), tmp_path / "long", monkeypatch)


def test_moving_a_slider_writes_the_link_and_typing_never_does(tmp_path, monkeypatch):
    at = open_app("attention", **_long_model(tmp_path, monkeypatch), prompt=LONG)
    assert at.select_slider(key="qstart").value == 60  # the window holds the last word's row
    assert "qstart" not in at.query_params and "kstart" not in at.query_params
    at.select_slider(key="kstart").set_value(0).run()  # the user looks at the first columns
    assert not at.exception
    assert at.query_params["kstart"] == "0" and "qstart" not in at.query_params
    at.text_input(key="prompt").set_value(LONG + " the").run()  # the newest word moves the window
    assert at.select_slider(key="qstart").value == 61
    assert "kstart" not in at.query_params and "qstart" not in at.query_params


def test_a_link_window_opens_on_the_causal_mask_page(tmp_path, monkeypatch):
    at = open_app("causal_mask", **_long_model(tmp_path, monkeypatch), prompt=LONG, qstart="12")
    assert at.select_slider(key="qstart").value == 12
    at.select_slider(key="qstart").set_value(30).run()
    assert at.query_params["qstart"] == "30"
