"""The debugging pages (issue 19): Logit lens, Attribution, Patching, Compare, the Attention page's
rollout mode and the sidebar's export, on every bundled model and on tiny Hugging Face GPT-2 and
Llama folders; every number on the page checked against model/analysis."""

import io
import json
import zipfile

import numpy as np
import pytest
import torch

from app_pages import export_run
from app_pages.shared import default_prompt
from model.analysis.attribution import logit_attribution
from model.analysis.compare import compare_patterns
from model.analysis.lens import logit_lens
from model.analysis.patching import DEFAULT_PAIRS, patch_grids, patch_head_outputs, patch_resid, prepare
from model.analysis.rollout import attention_rollout
from model.checkpoint import load_any
from tests.app.app_runner import component_data, open_app, rendered

BUNDLED = ["statquest-decoder", "statquest-translator", "tiny-stories", "tiny-translator"]
HF_PROMPT = "the cat sat on the mat"


def load(model: str):
    return load_any(f"sample_checkpoints/{model}")


def values(data) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in data["values"]], dtype=float).reshape(len(data["rows"]), len(data["cols"]))


@pytest.fixture(scope="module")
def hf_folders(tmp_path_factory):
    pytest.importorskip("transformers")
    from tests.model.hf_factory import hf_folder

    root = tmp_path_factory.mktemp("hf")
    return {family: hf_folder(root, family) for family in ("gpt2", "llama")}


def hf_params(hf_folders, family, monkeypatch, **more) -> dict:
    monkeypatch.setenv("ATTENTION_LAB_CHECKPOINT_ROOTS", str(hf_folders[family].parent))
    return {"model": "Checkpoint folder...", "ckpt": str(hf_folders[family]), "prompt": HF_PROMPT, **more}


def check_lens(at, bundle, prompt):
    assert not at.exception
    data = component_data(at)
    trace = bundle.run(prompt)
    word = bundle.tokenizer.vocab[int(trace.logits[-1].argmax())]  # the default: the model's own next word
    want = logit_lens(bundle, trace, word).word_probs.T.numpy() * 100  # [pos, stream]
    np.testing.assert_allclose(values(data), want, atol=1e-3)
    np.testing.assert_allclose(values(data)[:, -1], trace.logits.softmax(-1)[:, bundle.tokenizer.id_of(word)] * 100, atol=1e-3)
    assert data["rows"][0].startswith("0: ") and data["cols"][0] == "embedding"


@pytest.mark.parametrize("model", BUNDLED)
def test_lens_page(model):
    bundle = load(model)
    at = open_app("lens", model=model)
    check_lens(at, bundle, at.session_state["prompt"])


def test_lens_page_follows_a_typed_word_and_refuses_an_unknown_one():
    bundle = load("tiny-stories")
    at = open_app("lens", model="tiny-stories", lens_word="john")
    trace = bundle.run(at.session_state["prompt"])
    np.testing.assert_allclose(values(component_data(at)), logit_lens(bundle, trace, "john").word_probs.T.numpy() * 100, atol=1e-3)
    at = open_app("lens", model="tiny-stories", lens_word="zebra")
    assert not at.exception and "no word" in rendered(at.warning[0].value)


def check_attribution(at, bundle, prompt, word, other):
    assert not at.exception
    result = logit_attribution(bundle, bundle.run(prompt), word, other)
    np.testing.assert_allclose(values(component_data(at)), result.heads.numpy(), atol=1e-5)
    text = rendered(" ".join(m.value for m in at.markdown))
    assert f"is **{result.total:.3f}**" in text and f"add up to {float(result.values.sum()):.3f}" in text


@pytest.mark.parametrize("model", BUNDLED)
def test_attribution_page(model):
    bundle = load(model)
    at = open_app("attribution", model=model)
    prompt = at.session_state["prompt"]
    top = bundle.run(prompt).logits[-1].argsort(descending=True).tolist()
    word = bundle.tokenizer.vocab[top[0]]
    other = "john" if model == "tiny-stories" else bundle.tokenizer.vocab[top[1]]
    check_attribution(at, bundle, prompt, word, other)


def test_attribution_defaults_to_mary_minus_john_on_the_story_example():
    at = open_app("attribution", model="tiny-stories")
    assert "logit(mary) − logit(john)" in rendered(" ".join(m.value for m in at.markdown))
    at = open_app("attribution", model="tiny-stories", attr_word="john", attr_other="-")
    check_attribution(at, load("tiny-stories"), at.session_state["prompt"], "john", None)


def check_patching(at, bundle, clean, corrupted):
    assert not at.exception
    want = patch_grids(prepare(bundle, clean, corrupted))
    grids = [values(component_data(at, i)) for i in range(len(at.get("bidi_component")))]
    assert len(grids) == 1 + len(want.heads)  # the residual stream, then one grid per kind of head
    np.testing.assert_allclose(grids[0], want.resid.numpy(), atol=1e-4)
    for got, heads in zip(grids[1:], want.heads.values()):
        np.testing.assert_allclose(got, heads.numpy(), atol=1e-4)
    if not bundle.is_translator:  # the page's grids are the library's own functions' numbers
        setup = prepare(bundle, clean, corrupted)
        np.testing.assert_allclose(grids[0], patch_resid(setup)[1].numpy(), atol=1e-4)
        np.testing.assert_allclose(grids[1], patch_head_outputs(setup).numpy(), atol=1e-4)
    text = rendered(" ".join(m.value for m in at.markdown))
    assert f"Clean run **{want.clean_diff:.3f}**" in text and f"corrupted run **{want.corrupted_diff:.3f}**" in text
    return want


@pytest.mark.parametrize("model", BUNDLED)
def test_patching_page_starts_from_the_models_default_pair(model):
    at = open_app("patching", model=model)
    assert (at.text_input(key="clean").value, at.text_input(key="corrupted").value) == DEFAULT_PAIRS[model]
    check_patching(at, load(model), *DEFAULT_PAIRS[model])


def test_patching_page_follows_both_prompt_boxes_and_refuses_unequal_lengths():
    bundle = load("tiny-stories")
    at = open_app("patching", model="tiny-stories")
    clean, corrupted = "When John and Mary went to the park, Mary gave a ball to", "When John and Mary went to the park, John gave a ball to"
    at.text_input(key="clean").input(clean).run()
    at.text_input(key="corrupted").input(corrupted).run()
    check_patching(at, bundle, clean, corrupted)
    at.text_input(key="corrupted").input("When John went to the park").run()
    assert not at.exception and "same number of tokens" in rendered(at.warning[0].value)


@pytest.mark.parametrize("model", ["statquest-translator", "tiny-translator"])
def test_patching_page_on_a_translator_says_which_stream_and_positions(model):
    bundle = load(model)
    at = open_app("patching", model=model)
    want = check_patching(at, bundle, *DEFAULT_PAIRS[model])
    titles = [component_data(at, i)["title"] for i in range(4)]
    assert titles[0].startswith("The encoder's residual stream") and "source word" in titles[0]
    assert [t.split(":")[0] for t in titles[1:]] == ["Encoder self-attention", "Decoder self-attention",
                                                     "Cross-attention (the decoder reading the encoder)"]
    resid = component_data(at, 0)
    assert resid["cols"] == [f"{i}: {t}" for i, t in enumerate(bundle.encode(DEFAULT_PAIRS[model][0]).tokens)]
    assert resid["rows"][0] == "embedding" and resid["rows"][-1] == f"after layer {bundle.config.n_encoder_layers} (output)"
    text = rendered(" ".join(m.value for m in at.markdown))
    assert f"the decoder's input, {' '.join(want.target_tokens)} (the same in both runs" in text
    if model == "tiny-translator":
        assert (want.answer, want.distractor) == ("rojo", "azul") and "logit('rojo') − logit('azul')" in text
    # another pair of the translator's sentences, typed
    clean, corrupted = ("the big dog", "the small dog") if model == "tiny-translator" else ("to go", "let's go")
    at.text_input(key="clean").input(clean).run()
    at.text_input(key="corrupted").input(corrupted).run()
    check_patching(at, bundle, clean, corrupted)


@pytest.mark.parametrize("model", BUNDLED)
def test_compare_page(model):
    bundle = load(model)
    second = default_prompt(bundle).split()[0]  # a one-word second prompt: the overlap only
    at = open_app("compare", model=model, prompt_b=second)
    assert not at.exception
    a, b = bundle.run(at.session_state["prompt"]), bundle.run(second)
    module = a.attention_modules()[0]
    cmp = compare_patterns(a, b, module, 0)
    np.testing.assert_allclose(values(component_data(at, 2)), cmp.difference.numpy() * 100, atol=1e-3)
    np.testing.assert_allclose(values(component_data(at, 0)), cmp.a.numpy() * 100, atol=1e-3)
    n_a, n_b = a.pattern(module).shape[1], b.pattern(module).shape[1]  # they differ: the difference panel says so
    assert component_data(at, 2)["notes"][0] == f"The prompts have {n_a} and {n_b} tokens: the first {min(n_a, n_b)} positions are compared."


@pytest.mark.parametrize("model", BUNDLED)
def test_attention_page_rollout_mode(model):
    bundle = load(model)
    at = open_app("attention", model=model, rollout="true")
    assert not at.exception and at.toggle(key="rollout").value
    trace = bundle.run(at.session_state["prompt"])
    module = trace.attention_modules()[0]
    want = attention_rollout(bundle, trace, "encoder" if bundle.is_translator else None)[0] * 100
    np.testing.assert_allclose(values(component_data(at)), want.numpy(), atol=1e-3)
    np.testing.assert_allclose(values(component_data(at)).sum(1), 100, atol=1e-3)  # every row sums to 100%
    assert component_data(at)["rows"][0] == f"0: {trace.query_tokens(module)[0]}"


def test_export_zip_holds_every_trace_name_and_the_tokens():
    bundle = load("tiny-stories")
    trace = bundle.run("When Mary and John went to the store")
    with zipfile.ZipFile(io.BytesIO(export_run.zip_bytes(trace, bundle.config))) as zf:
        arrays = np.load(io.BytesIO(zf.read("trace.npz")))
        meta = json.loads(zf.read("trace.json"))
    assert sorted(arrays.files) == sorted(trace) and meta["tokens"] == trace.tokens
    np.testing.assert_array_equal(arrays["blocks.2.attn.hook_pattern"], trace["blocks.2.attn.hook_pattern"].numpy())
    assert meta["config"]["n_layers"] == 4


def test_export_button_is_in_the_sidebar_of_every_page():
    for page in ("overview", "lens", "patching"):
        at = open_app(page, model="statquest-decoder")
        assert any(b.proto.label == "Export the run" for b in at.get("download_button")), page


@pytest.mark.parametrize("family", ["gpt2", "llama"])
def test_every_debugging_page_on_a_hugging_face_model(hf_folders, family, monkeypatch):
    bundle = load_any(hf_folders[family])
    trace = bundle.run(HF_PROMPT)
    check_lens(open_app("lens", **hf_params(hf_folders, family, monkeypatch)), bundle, HF_PROMPT)
    top = trace.logits[-1].argsort(descending=True).tolist()
    at = open_app("attribution", **hf_params(hf_folders, family, monkeypatch))
    check_attribution(at, bundle, HF_PROMPT, bundle.tokenizer.vocab[top[0]], bundle.tokenizer.vocab[top[1]])
    corrupted = "the cat sat on the rug"
    if len(bundle.encode(corrupted).ids) == len(bundle.encode(HF_PROMPT).ids):
        at = open_app("patching", **hf_params(hf_folders, family, monkeypatch, clean=HF_PROMPT, corrupted=corrupted))
        check_patching(at, bundle, HF_PROMPT, corrupted)
    at = open_app("compare", **hf_params(hf_folders, family, monkeypatch, prompt_b="the dog sat"))
    assert not at.exception and len(at.get("bidi_component")) == 3
    at = open_app("attention", **hf_params(hf_folders, family, monkeypatch, rollout="true"))
    want = attention_rollout(bundle, trace)[0] * 100
    np.testing.assert_allclose(values(component_data(at)), want.numpy(), atol=1e-3)
    assert torch.isfinite(want).all()
