"""The lessons' hand calculations as views: every number against the trace and the weights.

fully connected layer: final vector . weight row + bias = the trace's logit (to 1e-5);
W_Q x input (+ b_Q) = hook_q, likewise key and value; embedding + position = hook_resid_pre of
layer 0; the rounded sums of products read as a learner would write them by hand.
"""

import math

import numpy as np
import pytest
import torch

from model.checkpoint import load_checkpoint
from viz import encoded, final_layer, qkv_weights, two_architectures
from viz.architecture import architecture_layout

CHECKPOINTS = {name: f"sample_checkpoints/{name}" for name in
               ("statquest-decoder", "statquest-translator", "tiny-stories", "tiny-translator")}
PROMPTS = {"statquest-decoder": "what is statquest", "statquest-translator": "let's go",
           "tiny-stories": "the dog ran to the park and the dog", "tiny-translator": "the cat sees the dog"}


@pytest.fixture(scope="module")
def bundles():
    return {name: load_checkpoint(path) for name, path in CHECKPOINTS.items()}


def unembedding(bundle):
    u = bundle.model.unembed
    return u.weight.detach(), None if u.bias is None else u.bias.detach()


@pytest.mark.parametrize("name", CHECKPOINTS)
def test_each_score_is_the_final_vector_times_the_weight_row_plus_the_bias(bundles, name):
    bundle = bundles[name]
    trace = bundle.run(PROMPTS[name])
    weight, bias = unembedding(bundle)
    for position in range(len(trace.tokens)):
        view = final_layer.final_layer(trace, weight, bias, bundle.tokenizer.vocab, position)
        for row, word_id in enumerate(view.ids):
            by_hand = float(view.final @ weight[word_id].numpy()) + (float(bias[word_id]) if bias is not None else 0.0)
            assert by_hand == pytest.approx(float(trace.logits[position, word_id]), abs=1e-5)
            assert view.logits[row] == pytest.approx(float(trace.logits[position, word_id]), abs=1e-7)
        assert list(view.logits) == sorted(view.logits, reverse=True)  # the top word first
        full = torch.softmax(trace.logits[position], -1)
        assert np.allclose(view.probs, full[view.ids].numpy(), atol=1e-7)  # softmax over the whole vocabulary


def test_the_final_vector_is_the_final_norm_where_there_is_one(bundles):
    toy, big = bundles["statquest-decoder"], bundles["tiny-stories"]
    assert final_layer.final_vector_name(toy.run("what is statquest")) == "blocks.0.hook_resid_post"
    assert final_layer.final_vector_name(big.run("the dog")) == "ln_final.hook_normalized"
    assert final_layer.final_vector_name(bundles["tiny-translator"].run("the cat")) == "decoder.ln_final.hook_normalized"
    assert final_layer.final_vector_name(bundles["statquest-translator"].run("let's go")) == "decoder.blocks.0.hook_resid_post"


def test_the_toy_equation_writes_every_product_and_the_bias(bundles):
    bundle = bundles["statquest-decoder"]
    trace = bundle.run("what is statquest")
    weight, bias = unembedding(bundle)
    view = final_layer.final_layer(trace, weight, bias, bundle.tokenizer.vocab, len(trace.tokens) - 1)
    assert view.words[0] == "awesome" and len(view.words) == 5  # the whole toy vocabulary, the answer first
    x, w, b = view.final, weight[view.ids[0]].numpy(), float(bias[view.ids[0]])
    signed = lambda v: f"({v:.2f})" if f"{v:.2f}".startswith("-") else f"{v:.2f}"  # noqa: E731
    expected = f"{signed(x[0])} × {signed(w[0])} + {signed(x[1])} × {signed(w[1])} + {signed(b)} = {view.logits[0]:.2f}"
    assert view.equation(0) == expected
    table = view.table()
    assert sum(table["softmax %"]) == pytest.approx(100.0)
    assert table["e^score"][0] == pytest.approx(math.exp(view.logits[0]), rel=1e-6)
    frame = view.frame()  # the CSV: every number exact
    assert np.allclose(frame[["weight[0]", "weight[1]"]].to_numpy() @ x + frame["bias"], frame["logit"], atol=1e-5)


def test_a_big_vocabulary_shows_its_top_words_and_says_so(bundles):
    bundle = bundles["tiny-stories"]
    trace = bundle.run(PROMPTS["tiny-stories"])
    view = final_layer.final_layer(trace, *unembedding(bundle), bundle.tokenizer.vocab, len(trace.tokens) - 1)
    assert len(view.words) == final_layer.TOP
    assert view.ids[0] == int(trace.logits[-1].argmax())
    assert "e^score" not in view.table() and any("less than 100" in n for n in view.notes)
    assert "64 products" in view.equation(0)


@pytest.mark.parametrize("name", CHECKPOINTS)
def test_query_key_value_are_the_weights_times_the_input(bundles, name):
    bundle = bundles[name]
    trace = bundle.run(PROMPTS[name])
    for module in trace.attention_modules():
        for head in range(bundle.config.n_heads):
            query = len(trace.query_tokens(module)) - 1
            view = qkv_weights.head_weights(trace, bundle.model, module, head, query, bundle.config.norm)
            for p in view.projections:
                by_hand = p.matrix @ p.input + (p.bias if p.bias is not None else 0)
                assert np.allclose(by_hand, p.result, atol=1e-5), (module, head, p.kind)
                assert np.array_equal(p.result, trace[p.result_name][int(p.word.split(":")[0]), head].numpy())


def test_the_toy_query_equations_read_as_the_hand_calculation(bundles):
    bundle = bundles["statquest-decoder"]
    trace = bundle.run("what is statquest")
    view = qkv_weights.head_weights(trace, bundle.model, "blocks.0.attn", 0, 2, "none")
    q = view.projections[0]
    W = bundle.model.blocks[0].attn.W_Q.weight.detach().numpy()
    x = trace["blocks.0.hook_resid_pre"][2].numpy()  # no norm: the attention reads the stream itself
    assert q.input_name == "blocks.0.hook_resid_pre" and np.array_equal(q.input, x)
    signed = lambda v: f"({v:.2f})" if f"{v:.2f}".startswith("-") else f"{v:.2f}"  # noqa: E731
    hook_q = trace["blocks.0.attn.hook_q"][2, 0].numpy()
    assert q.equations()[1] == f"query[1] = {signed(W[1, 0])} × {signed(x[0])} + {signed(W[1, 1])} × {signed(x[1])} = {hook_q[1]:.2f}"
    assert view.full and view.w_o is None and list(view.matrices()) == ["W_Q", "W_K", "W_V"]
    assert view.matrix_table("W_K")["× input[1]"] == pytest.approx(bundle.model.blocks[0].attn.W_K.weight[:, 1].tolist())


def test_cross_attention_keys_come_from_the_encoder_output(bundles):
    bundle = bundles["statquest-translator"]
    trace = bundle.run("let's go")
    module = "decoder.blocks.0.cross_attn"
    view = qkv_weights.head_weights(trace, bundle.model, module, 0, 0, "none")
    key = view.projections[1]
    looked_at = int(trace.pattern(module)[0, 0].argmax())
    assert key.input_name == "encoder.blocks.0.hook_resid_post"
    assert key.word == f"{looked_at}: {trace.src_tokens[looked_at]}"
    assert view.projections[0].input_name == "decoder.blocks.0.hook_resid_mid"


def test_a_bigger_head_gets_heatmaps_of_its_slices(bundles):
    bundle = bundles["tiny-stories"]
    trace = bundle.run("the dog")
    view = qkv_weights.head_weights(trace, bundle.model, "blocks.1.attn", 3, 1, "pre")
    assert not view.full and list(view.matrices()) == ["W_Q", "W_K", "W_V", "W_O"]
    W_O = bundle.model.blocks[1].attn.W_O.weight.detach().numpy()
    assert np.array_equal(view.w_o, W_O[:, 3 * 8:4 * 8])
    frame, chart = view.heatmap("W_Q")
    assert len(frame) == 8 * 64 and frame["value"].to_numpy() @ np.ones(len(frame)) == pytest.approx(view.matrices()["W_Q"].sum(), abs=1e-4)
    assert view.frame().groupby("matrix").size().to_dict() == {"W_Q": 512, "W_K": 512, "W_V": 512, "W_O": 512}


@pytest.mark.parametrize("name,stack", [("statquest-decoder", ""), ("statquest-translator", "encoder"),
                                        ("statquest-translator", "decoder"), ("tiny-stories", "")])
def test_embedding_plus_position_is_the_first_blocks_input(bundles, name, stack):
    trace = bundles[name].run(PROMPTS[name])
    tokens = trace.src_tokens if stack == "encoder" else trace.tokens
    view = encoded.encoded_words(trace, stack, tokens)
    prefix = f"{stack}." if stack else ""
    assert np.allclose(view.embed + view.position, trace[f"{prefix}blocks.0.hook_resid_pre"].numpy(), atol=1e-6)
    assert np.array_equal(view.encoded, trace[f"{prefix}blocks.0.hook_resid_pre"].numpy())
    assert len(view.table()["= encoded"]) == len(tokens)


def test_the_same_words_in_another_order_keep_their_embeddings_not_their_encodings(bundles):
    bundle = bundles["statquest-translator"]
    mine = encoded.encoded_words(bundle.run("let's go"), "encoder", ["let's", "go", "<EOS>"])
    other_trace = bundle.run(encoded.reordered("let's go"))
    assert other_trace.src_tokens == ["go", "let's", "<EOS>"]
    other = encoded.encoded_words(other_trace, "encoder", other_trace.src_tokens)
    assert np.array_equal(mine.embed[0], other.embed[1]) and not np.allclose(mine.encoded[0], other.encoded[1])
    notes = encoded.order_notes(mine, other)
    assert len(notes) == 3 and notes[0].startswith("“let's”: the same embedding at position 0 and at position 1")
    assert notes[2].startswith("“<EOS>” stands at the same position in both")
    assert np.array_equal(mine.encoded[2], other.encoded[2])  # so it is the same encoded vector


def test_reordered_reverses_the_words_and_keeps_a_closing_special_token():
    assert encoded.reordered("what is statquest") == "statquest is what"
    assert encoded.reordered("what is statquest <EOS>") == "statquest is what <EOS>"
    assert encoded.reordered("  let's   go ") == "go let's"


def test_two_architectures_names_each_attention_kind(bundles):
    t, d = bundles["statquest-translator"], bundles["statquest-decoder"]
    view = two_architectures.two_architectures(
        two_architectures.side("normal", "statquest-translator", t.config, t.n_parameters, "let's go -> vamos"),
        two_architectures.side("decoder-only", "statquest-decoder", d.config, d.n_parameters, "awesome"))
    assert [k for k, _ in view.normal.kinds] == ["Encoder: self-attention, unmasked", "Decoder: masked self-attention",
                                                 "Decoder: encoder-decoder attention"]
    assert [k for k, _ in view.decoder_only.kinds] == ["Masked self-attention only"]
    assert view.normal.layout == architecture_layout(t.config)
    assert any("Encoder-decoder attention" in n["lines"][0] for n in view.normal.layout["nodes"])
    assert not any("Encoder-decoder attention" in n["lines"][0] for n in view.decoder_only.layout["nodes"])
    frame = view.frame()
    assert frame.iloc[-1].tolist() == ["Parameters", f"{t.n_parameters:,}", f"{d.n_parameters:,}"]
    assert d.n_parameters == 37  # the lesson's count
    with pytest.raises(ValueError):
        two_architectures.two_architectures(view.decoder_only, view.normal)


def test_the_softmax_line_divides_e_to_the_score_by_the_sum_over_every_word(bundles):
    bundle = bundles["statquest-decoder"]
    trace = bundle.run("what is statquest")
    view = final_layer.final_layer(trace, *unembedding(bundle), bundle.tokenizer.vocab, 3)
    e = np.exp(trace.logits[3].double().numpy())
    top = int(trace.logits[3].argmax())
    assert e[top] / e.sum() * 100 == pytest.approx(float(view.probs[0]) * 100, abs=1e-4)
    total = " + ".join(f"{v:.2f}" for v in sorted(e, reverse=True))
    assert final_layer.softmax_line(view) == f"softmax for awesome: {e[top]:.2f} ÷ ({total}) = {e[top] / e.sum() * 100:.2f}%"
    big = bundles["tiny-stories"]
    assert final_layer.softmax_line(final_layer.final_layer(big.run("the dog"), *unembedding(big), big.tokenizer.vocab, 1)) is None


@pytest.mark.parametrize("family", ["gpt2", "qwen2"])
def test_hugging_face_models_add_up_too(tmp_path, family):
    """GPT-2 (no output bias, a final norm) and Qwen2 (RoPE, grouped-query attention, q/k/v biases)."""
    pytest.importorskip("transformers")
    from model.checkpoint import load_any
    from tests.model.hf_factory import hf_folder

    bundle = load_any(hf_folder(tmp_path, family))
    trace = bundle.run("hello world again")
    view = final_layer.final_layer(trace, *unembedding(bundle), bundle.tokenizer.vocab, len(trace.tokens) - 1)
    assert not view.has_bias and view.final_name == "ln_final.hook_normalized"
    assert np.allclose(view.weights @ view.final, view.logits, atol=1e-5)
    for head in range(bundle.config.n_heads):
        heads = qkv_weights.head_weights(trace, bundle.model, "blocks.1.attn", head, 1, bundle.config.norm)
        for p in heads.projections:
            assert np.allclose(p.matrix @ p.input + (p.bias if p.bias is not None else 0), p.result, atol=1e-5)
    assert any("RoPE" in n for n in heads.notes) == (family == "qwen2")
    assert any("Grouped-query" in n for n in heads.notes) == (family == "qwen2")
    assert (encoded.encoded_words(trace, "", trace.tokens) is None) == (family == "qwen2")  # RoPE adds no positions
