"""The lessons' hand calculations on their pages, under AppTest: what the page prints is the
trace's and the weights' numbers (fully connected layer on Next token, W_Q × input on Attention,
embedding + position = encoded on Embeddings) and the Two architectures page names each kind."""

import json

import numpy as np
import pytest

from model.checkpoint import load_checkpoint
from tests.app.app_runner import component_tables, component_text, open_app


def table(at, caption: str, index: int = 0) -> dict[str, list]:
    """A text_blocks table of the page by caption, as columns by name."""
    found = [t for t in component_tables(at) if t["caption"] == caption][index]
    return {c["name"]: [row[i] for row in found["rows"]] for i, c in enumerate(found["columns"])}


def code_lines(at) -> list[str]:
    return ["".join(t for _, t in b["parts"]) for e in at.get("bidi_component")
            for b in json.loads(e.proto.json).get("blocks", []) if b["kind"] == "code"]


def two(v: float) -> str:
    text = f"{v:.2f}"
    return f"({text})" if text.startswith("-") else text


@pytest.fixture(scope="module")
def decoder():
    return load_checkpoint("sample_checkpoints/statquest-decoder")


@pytest.fixture(scope="module")
def translator():
    return load_checkpoint("sample_checkpoints/statquest-translator")


def test_next_token_writes_each_score_as_the_sum_of_products_of_the_trace(decoder):
    at = open_app("next_token", model="statquest-decoder")
    assert not at.exception, at.exception
    trace = decoder.run("what is statquest")
    x = trace["blocks.0.hook_resid_post"][-1].numpy()  # no final norm in the toy: the last block's output
    W, b = decoder.model.unembed.weight.detach().numpy(), decoder.model.unembed.bias.detach().numpy()
    shown = table(at, "The fully connected layer, word by word")
    assert shown["word"][0] == "awesome" and sorted(shown["word"]) == sorted(decoder.tokenizer.vocab)
    for word, equation, bias, percent in zip(shown["word"], shown["score = final · weights + bias"], shown["bias"], shown["softmax %"]):
        i = decoder.tokenizer.id_of(word)
        logit = float(trace.logits[-1, i])
        assert float(x @ W[i] + b[i]) == pytest.approx(logit, abs=1e-5)  # the lesson's sum is the trace's logit
        assert equation == f"{two(x[0])} × {two(W[i, 0])} + {two(x[1])} × {two(W[i, 1])} + {two(b[i])} = {logit:.2f}"
        assert bias == pytest.approx(float(b[i]), abs=1e-6)
        assert percent == pytest.approx(100 * float(trace.logits[-1].softmax(-1)[i]), abs=1e-4)
    assert "blocks.0.hook_resid_post" in component_text(at)


def test_next_token_scores_the_chosen_position_of_the_translator(translator):
    at = open_app("next_token", model="statquest-translator")
    at.selectbox(key="fc_position").set_value(0).run()  # after <EOS>: the first output word
    assert not at.exception, at.exception
    trace = translator.run("let's go")
    shown = table(at, "The fully connected layer, word by word")
    assert shown["word"][0] == "vamos"
    W, b = translator.model.unembed.weight.detach().numpy(), translator.model.unembed.bias.detach().numpy()
    x = trace["decoder.blocks.0.hook_resid_post"][0].numpy()
    for word, equation in zip(shown["word"], shown["score = final · weights + bias"]):
        i = translator.tokenizer.id_of(word)
        assert float(x @ W[i] + b[i]) == pytest.approx(float(trace.logits[0, i]), abs=1e-5)
        assert equation.endswith(f"= {float(trace.logits[0, i]):.2f}")


def test_attention_shows_query_as_w_q_times_the_input_equal_to_hook_q(decoder):
    at = open_app("attention", model="statquest-decoder")
    assert not at.exception, at.exception
    trace = decoder.run("what is statquest")
    attn = decoder.model.blocks[0].attn
    x = trace["blocks.0.hook_resid_pre"][3].numpy()  # the last word, <EOS>: the default query
    lines = code_lines(at)
    for kind, linear, hook in (("query", attn.W_Q, "q"), ("key", attn.W_K, "k"), ("value", attn.W_V, "v")):
        W = linear.weight.detach().numpy()
        result = trace[f"blocks.0.attn.hook_{hook}"][3, 0].numpy()
        assert np.allclose(W @ x, result, atol=1e-5)  # the multiplication is the trace's
        for i in range(2):
            assert f"{kind}[{i}] = {two(W[i, 0])} × {two(x[0])} + {two(W[i, 1])} × {two(x[1])} = {result[i]:.2f}" in lines
        shown = table(at, {"q": "W_Q", "k": "W_K", "v": "W_V"}[hook])
        assert shown["× input[0]"] == pytest.approx(W[:, 0].tolist())


def test_the_translators_cross_attention_makes_its_key_from_the_encoder_output(translator):
    at = open_app("attention", model="statquest-translator", layer="Encoder-decoder attention, layer 1", query="0: <EOS>")
    assert not at.exception, at.exception
    trace = translator.run("let's go")
    module = "decoder.blocks.0.cross_attn"
    src = int(trace.pattern(module)[0, 0].argmax())
    memory = trace["encoder.blocks.0.hook_resid_post"][src].numpy()
    W = translator.model.decoder.blocks[0].cross_attn.W_K.weight.detach().numpy()
    k = trace[f"{module}.hook_k"][src, 0].numpy()
    assert f"key[0] = {two(W[0, 0])} × {two(memory[0])} + {two(W[0, 1])} × {two(memory[1])} = {k[0]:.2f}" in code_lines(at)
    assert "from the encoder's output" in " ".join(m.value for m in at.markdown)


def test_a_bigger_model_shows_the_heads_slices_as_heatmaps():
    at = open_app("attention", model="tiny-stories", layer="Masked self-attention, layer 2", head="head 3")
    assert not at.exception, at.exception
    assert not any("W_Q" in c.proto.spec for c in at.get("vega_lite_chart"))  # drawn on request only
    at.toggle(key="att_weights").set_value(True).run()
    assert not at.exception, at.exception
    titles = [json.loads(c.proto.spec).get("title") for c in at.get("vega_lite_chart")]
    assert {"W_Q, head 3: 8 x 64", "W_K, head 3: 8 x 64", "W_V, head 3: 8 x 64", "W_O, head 3: 64 x 8"} <= set(map(str, titles))


def test_embeddings_add_position_to_embedding_and_compare_another_order(translator):
    at = open_app("embeddings", model="statquest-translator")
    assert not at.exception, at.exception
    box = at.text_input(key="order_prompt")
    assert box.value == "" and box.placeholder == "your words reversed"
    for index, prompt, order in ((0, "let's go", ["let's", "go", "<EOS>"]), (1, "go let's", ["go", "let's", "<EOS>"])):
        trace = translator.run(prompt)
        shown = table(at, "Embedding + position = encoded", index)
        assert shown["word"] == [f"{i}: {w}" for i, w in enumerate(order)]
        pre = trace["encoder.blocks.0.hook_resid_pre"].numpy()
        embed, pos = trace["encoder.hook_embed"].numpy(), trace["encoder.hook_pos_embed"].numpy()
        assert np.allclose(embed + pos, pre, atol=1e-6)  # the lesson's sum is the first block's input
        assert shown["= encoded"] == [f"[{p[0]:.2f}, {p[1]:.2f}]".replace("-0.00", "0.00") for p in pre]
        assert shown["embedding"] == [f"[{e[0]:.2f}, {e[1]:.2f}]".replace("-0.00", "0.00") for e in embed]
    assert "“let's”: the same embedding at position 0 and at position 1" in component_text(at)


def test_the_second_order_box_follows_a_link_and_the_decoder_prompt():
    at = open_app("embeddings", model="statquest-decoder")
    assert table(at, "Embedding + position = encoded", 1)["word"][:3] == ["0: statquest", "1: is", "2: what"]
    at.text_input(key="prompt").input("is what").run()  # the empty box follows the prompt
    assert table(at, "Embedding + position = encoded", 1)["word"][:2] == ["0: what", "1: is"]
    at = open_app("embeddings", model="statquest-decoder", order_prompt="is what statquest")
    assert not at.exception, at.exception
    assert at.text_input(key="order_prompt").value == "is what statquest"  # a copied link keeps its order
    assert table(at, "Embedding + position = encoded", 1)["word"][:3] == ["0: is", "1: what", "2: statquest"]


def test_two_architectures_page_names_the_attention_kinds_of_each_lesson_model():
    at = open_app("architectures")
    assert not at.exception, at.exception
    diagrams = [json.loads(e.proto.json) for e in at.get("bidi_component") if "nodes" in json.loads(e.proto.json)]
    assert len(diagrams) == 2
    steps = [{line for n in d["nodes"] for line in n["lines"]} for d in diagrams]
    assert "Encoder-decoder attention" in steps[0] and "Encoder-decoder attention" not in steps[1]
    normal = table(at, "Attention kinds of the Normal Transformer (lesson 1: encoder-decoder)")
    assert normal["attention"] == ["Encoder: self-attention, unmasked", "Decoder: masked self-attention",
                                   "Decoder: encoder-decoder attention"]
    assert table(at, "Attention kinds of the Decoder-only Transformer (lesson 2, like ChatGPT)")["attention"] == ["Masked self-attention only"]
    differences = table(at, "Normal Transformer vs decoder-only")
    assert differences["Decoder-only"][-1] == "37"  # the lesson's 37 parameters


def test_a_hostile_second_order_from_a_link_is_never_rendered():
    from tests.app.test_security import HTML, IMAGE, LINK, assert_nothing_live

    at = open_app("embeddings", model="statquest-decoder", order_prompt=f"is {IMAGE} what {LINK} {HTML}")
    assert_nothing_live(at)
    assert any("Read as" in c.value for c in at.caption)  # the unknown words are named, escaped
