"""Every page of the app on a tiny random Hugging Face GPT-2 and Llama folder, under AppTest:
it runs, and shows the subword tokens as people read them ("␣" for a leading space, never
GPT-2's "Ġ" or SentencePiece's "▁"). The folder is found where users keep them: the local
Hugging Face cache (listed in the model picker) and a typed checkpoint folder."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytest.importorskip("transformers")

from model.checkpoint import load_any  # noqa: E402
from tests.app.app_runner import component_data, open_app  # noqa: E402
from tests.model.hf_factory import hf_folder  # noqa: E402
from tests.app.test_model_sources import as_cache_snapshot  # noqa: E402
from tests.app.test_pages import shown  # noqa: E402

APP = Path(__file__).parents[2] / "app.py"
PAGES = re.findall(r'st\.Page\("app_pages/(\w+)\.py"', APP.read_text())  # every page the app navigates to
PROMPT = "The cat sat on the mat"


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A Hugging Face cache holding a tiny GPT-2 and a tiny Llama (grouped-query attention, RoPE)."""
    root = tmp_path_factory.mktemp("hub")
    made = tmp_path_factory.mktemp("made")
    for family in ("gpt2", "llama"):
        as_cache_snapshot(hf_folder(made, family), root / "cache", f"tiny/{family}")
    return root / "cache"


def open_hf(cache, monkeypatch, family: str, page: str | None, **params):
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    return open_app(page, model=f"Hugging Face cache: tiny/{family}", prompt=PROMPT, **params)


def test_every_page_is_found():
    assert {"overview", "positional", "attention", "embeddings"} <= set(PAGES)


@pytest.mark.parametrize("family", ["gpt2", "llama"])
@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_a_hugging_face_model(cache, monkeypatch, family, page):
    at = open_hf(cache, monkeypatch, family, page)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["model_key"].path.endswith("snapshots/0123456789abcdef")
    text = shown(at)
    for mark in ("Ġ", "▁"):  # the tokenizers' own space marks never reach the page, drawn or in a component's JSON
        assert mark not in text and json.dumps(mark)[1:-1] not in text


@pytest.mark.parametrize("family", ["gpt2", "llama"])
def test_attention_page_shows_subword_tokens_as_read(cache, monkeypatch, family):
    at = open_hf(cache, monkeypatch, family, "attention")
    tokens = load_any(at.session_state["model_key"].path).encode(PROMPT).tokens
    assert any(t.startswith("␣") for t in tokens)
    text = shown(at)
    for i, token in enumerate(tokens):  # as drawn, or inside a component's JSON (non-ASCII escaped)
        assert f"{i}: {token}" in text or json.dumps(f"{i}: {token}")[1:-1] in text


def test_positional_page_shows_rope_for_llama(cache, monkeypatch):
    at = open_hf(cache, monkeypatch, "llama", "positional")
    text = shown(at)
    assert "RoPE" in text and "hook_pos_embed" not in text
    charts = [e.proto.spec for e in at.get("vega_lite_chart")]
    assert any("How far RoPE turns" in c for c in charts) and any("placed at different positions" in c for c in charts)


def test_picker_lists_the_cache(cache, monkeypatch):
    at = open_hf(cache, monkeypatch, "gpt2", None)
    options = at.selectbox(key="model").options
    assert "Hugging Face cache: tiny/gpt2" in options and "Hugging Face cache: tiny/llama" in options
    assert at.selectbox(key="model").value == "Hugging Face cache: tiny/gpt2"


@pytest.mark.parametrize("family", ["gpt2", "llama"])
def test_words_toggle_groups_subword_tokens(cache, monkeypatch, family):
    """The Attention page's "Words" toggle (bound to the URL) draws one row and column per word;
    the Overview's has its token table list words."""
    at = open_hf(cache, monkeypatch, family, "attention")
    at.toggle(key="words").set_value(True).run()
    assert not at.exception, at.exception
    assert at.query_params["words"] in ("true", ["true"])  # in the link
    tokens = load_any(at.session_state["model_key"].path).encode(PROMPT).tokens
    bundle = load_any(at.session_state["model_key"].path)
    words = bundle.tokenizer.words(tokens)
    assert len(words) < len(tokens)  # this tiny tokenizer splits some words
    heatmap = component_data(at)
    assert heatmap["rows"] == heatmap["cols"] == words.labels()
    n = len(words)
    for row in range(n):  # each word's row still adds up to 100%
        assert sum(v for v in heatmap["values"][row * n:(row + 1) * n] if v is not None) == pytest.approx(100, abs=1e-3)
    assert heatmap["chosen"] == n - 1 and heatmap["row_pos"][-1] == len(tokens) - 1  # the last word, by its last token
    assert any(note.startswith("Words: ") for note in heatmap["notes"])
    at.toggle(key="words").set_value(False).run()
    assert component_data(at)["rows"] == [f"{i}: {t}" for i, t in enumerate(tokens)]
    overview = open_hf(cache, monkeypatch, family, None)
    overview.toggle(key="words").set_value(True).run()
    tables = [b for e in overview.get("bidi_component") for b in json.loads(e.proto.json).get("blocks", []) if b["kind"] == "table"]
    table = next(t for t in tables if t["caption"] == "Your prompt as words")
    assert [row[1] for row in table["rows"]] == list(words.texts)


def test_a_word_level_model_has_no_words_toggle():
    at = open_app("attention", model="statquest-decoder", words="true")
    assert not at.exception and not [t for t in at.toggle if t.key == "words"]
    assert component_data(at)["rows"] == ["0: what", "1: is", "2: statquest", "3: <EOS>"]
