"""Every page under Streamlit's AppTest, for every bundled model: runs, follows the prompt, restores from the URL."""

import hashlib

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.checkpoints import bundled_models
from tests.app.app_runner import component_tables, component_text, open_app

PAGES = ["overview", "embeddings", "positional", "attention", "causal_mask", "next_token", "architectures", "heads"]
MODELS = list(bundled_models())
PROMPT_FREE = {"architectures"}  # draws the two lesson models' architectures, whatever the prompt
OTHER_PROMPT = {"statquest-decoder": "statquest is what", "statquest-translator": "to go"}


def open_page(page: str, **params) -> AppTest:
    return open_app(page, **params)


def shown(at: AppTest) -> str:
    """Everything a page shows as text, chart data and tables included."""
    parts = []
    for kind in ("markdown", "text", "caption", "code", "subheader", "header", "info", "warning", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [e.value.to_csv() for e in at.dataframe] + [component_text(at)]
    # a cached spec stays the same while its data changes: the datasets' bytes count too
    parts += [e.proto.spec + "".join(d.name + hashlib.sha1(d.data.data).hexdigest() for d in e.proto.datasets)
              for e in at.get("vega_lite_chart")]
    parts += [e.proto.json for e in at.get("bidi_component")]  # the app's own components (app_pages/components)
    return "\n".join(parts)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("page", PAGES)
def test_page_runs_and_follows_the_prompt(page, model):
    """Typing a new prompt shows exactly what the page shows when opened on that prompt (every
    text, table, chart dataset and component payload), and that differs from the first prompt's."""
    at = open_page(page, model=model)
    assert not at.exception, at.exception
    assert not at.error
    before = shown(at)
    prompt = OTHER_PROMPT.get(model, "the")
    at.text_input(key="prompt").input(prompt).run()
    assert not at.exception, at.exception
    after = shown(at)
    assert after == shown(open_page(page, model=model, prompt=prompt)), f"{page} kept something of the first prompt"
    assert (before == after) == (page in PROMPT_FREE), f"{page} did not change with the prompt"


@pytest.mark.parametrize("page", [p for p in PAGES if p not in PROMPT_FREE])
def test_empty_prompt_gives_a_hint_on_every_page(page):
    at = open_page(page, model="statquest-decoder")
    at.text_input(key="prompt").input("").run()
    assert not at.exception
    assert any("Type a prompt" in i.value for i in at.info)


def test_attention_view_is_restored_from_the_url():
    at = open_page("attention", model="statquest-translator", prompt="to go", layer="Encoder-decoder attention, layer 1", query="1: ir")
    assert not at.exception
    assert at.selectbox(key="layer").value == "decoder.blocks.0.cross_attn"
    assert at.selectbox(key="query").value == 1
    assert "Step by step for query word 1" in shown(at)


def test_attention_arithmetic_follows_the_chosen_query():
    at = open_page("attention", model="statquest-decoder")
    at.selectbox(key="query").select(0).run()
    assert "query word 0" in shown(at)
    table = next(t for t in component_tables(at) if "softmax %" in [c["name"] for c in t["columns"]])  # the arithmetic table
    softmax = [c["name"] for c in table["columns"]].index("softmax %")
    assert table["rows"][0][softmax] == pytest.approx(100.0)  # the first word can only look at itself


def test_causal_mask_toggle_shows_the_unmasked_pattern():
    at = open_page("causal_mask", model="statquest-decoder", nomask="true")
    assert not at.exception
    assert at.toggle(key="nomask").value is True
    assert "without the mask" in shown(at)


def test_next_token_generates_step_by_step_and_the_attention_page_grows():
    at = open_page("next_token", model="statquest-decoder")
    at.button(key="gen_next").click().run()
    assert not at.exception
    assert at.session_state["continuation"] == (3,)  # awesome
    at.button(key="gen_next").click().run()
    assert at.session_state["continuation"] == (3, 4)  # <EOS>
    assert any("answer is complete" in s.value for s in at.success)
    at.switch_page("app_pages/attention.py").run()
    assert not at.exception
    assert len(at.selectbox(key="query").options) == 7  # "the last word", then what is statquest <EOS> awesome <EOS>
    at.switch_page("app_pages/next_token.py").run()
    at.button(key="gen_reset").click().run()
    assert at.session_state["continuation"] == ()


def test_translator_generates_to_the_end():
    at = open_page("next_token", model="statquest-translator")
    at.button(key="gen_reset").click().run()
    at.button(key="gen_all").click().run()
    assert not at.exception
    assert at.session_state["continuation"] == (1, 3)  # vamos <EOS>


def test_sampling_controls_are_restored_from_the_url():
    at = open_page("next_token", model="statquest-decoder", temperature="1.5", top_k="2", top_p="0.9", seed="7")
    assert not at.exception
    assert at.slider(key="temperature").value == 1.5 and at.number_input(key="top_k").value == 2
    assert at.slider(key="top_p").value == 0.9 and at.number_input(key="seed").value == 7


def test_switching_a_head_off_moves_the_next_word_probabilities():
    at = open_page("heads", model="statquest-decoder")
    assert not at.exception
    assert any("Pick heads above" in i.value for i in at.info)
    at.multiselect(key="off").select("blocks.0.attn#0").run()
    assert not at.exception
    metric = at.metric[0]
    assert "awesome" in metric.label and metric.delta.startswith(("-", "+"))
    # the shared model is untouched: the other pages still answer "awesome"
    at.switch_page("app_pages/overview.py").run()
    assert "awesome <EOS>" in shown(at)

