"""Overview page under AppTest: the diagram, tokens and answer follow the model and the prompt."""


import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.app_runner import component_tables, component_text, components, open_page



def open_overview(**params) -> AppTest:
    return open_page("overview", **params)


def diagram_of(at: AppTest) -> str:
    """The architecture diagram's texts (components.architecture), one per line."""
    layout = next(c for c in components(at) if "nodes" in c)
    return "\n".join([line for n in layout["nodes"] for line in n["lines"]] + [t for e in layout["edges"] for t in e["label"]])


def tokens_table(at: AppTest) -> pd.DataFrame:
    table = next(t for t in component_tables(at) if t["caption"] == "Your prompt as tokens")
    return pd.DataFrame(table["rows"], columns=[c["name"] for c in table["columns"]])


def codes(at: AppTest) -> list[str]:
    """The texts of the page's code boxes (the answer, and the generated words)."""
    return ["".join(t for _, t in b["parts"]) for c in components(at) for b in c.get("blocks", []) if b["kind"] == "code"]


@pytest.mark.parametrize("model, diagram, tokens, answer", [
    ("statquest-decoder", "Masked self-attention", ["what", "is", "statquest", "<EOS>"], "awesome <EOS>"),
    ("statquest-translator", "Encoder-decoder attention", ["let's", "go", "<EOS>"], "vamos <EOS>"),
])
def test_overview_shows_the_architecture_tokens_and_answer(model, diagram, tokens, answer):
    at = open_overview(model=model)
    assert diagram in diagram_of(at)
    table = tokens_table(at)
    assert table["token"].tolist() == tokens and table["id"].notna().all()
    assert answer in codes(at)
    assert any("parameters" in m.value for m in at.markdown)
    assert any(e.label == "Model card" for e in at.expander)
    links = [e.proto.page for e in at.get("page_link")]
    assert {"embeddings", "positional", "attention", "mask", "next"} <= set(links)


def test_the_overview_follows_the_prompt():
    at = open_overview(model="statquest-decoder")
    before = diagram_of(at)
    at.text_input(key="prompt").input("statquest is").run()
    assert not at.exception
    assert tokens_table(at)["token"].tolist() == ["statquest", "is", "<EOS>"]
    assert "3 tokens" in diagram_of(at) and before != diagram_of(at)


def test_unknown_words_are_listed():
    at = open_overview(model="statquest-decoder", prompt="what is pizza statquest")
    table = tokens_table(at)
    assert "pizza" in table["you typed"].tolist()
    row = table[table["you typed"] == "pizza"].iloc[0]
    assert "left out" in row["note"]
    # where it was typed, with no position or id (the model never reads it)
    assert table["you typed"].tolist() == ["what", "is", "pizza", "statquest", ""]
    assert pd.isna(row["position"]) and pd.isna(row["id"]) and table["position"].dropna().tolist() == [0, 1, 2, 3]
    assert any("pizza" in w.value for w in at.warning)
    # under the prompt box: in the page it came and went with every half-typed word, moving the page
    assert any("pizza" in w.value for w in at.sidebar.warning)
    assert not any("pizza" in w.value for w in at.main.warning)


def test_generated_words_from_the_next_token_page_are_shown():
    at = open_overview(model="statquest-decoder")
    at.session_state["continuation"] = (3,)
    at.run()
    assert not at.exception
    assert "Generated on the Next token page (every page shows this longer sentence):" in component_text(at)
    assert "awesome" in codes(at) and "awesome <EOS>" in codes(at)


def test_typed_markup_is_never_rendered():
    at = open_overview(model="statquest-decoder", prompt="**what** <b>is</b> [statquest](http://x)")
    rendered = " ".join(m.value for m in at.markdown)
    assert "<b>" not in rendered and "http://x" not in rendered
    assert "<b>" not in diagram_of(at)
