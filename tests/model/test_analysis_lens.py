"""Logit lens (model/analysis/lens.py): the last stream is the model's own output, the first is
the embedding read through the same norm and unembedding."""

import pytest
import torch

from model.analysis.lens import lens_streams, logit_lens
from model.checkpoint import load_checkpoint
from tests.model_factory import random_bundle

CASES = [dict(norm="pre"), dict(norm="none"), dict(norm="post"), dict(norm="none", attn_out_proj=False, d_ff=0, n_heads=1),
         dict(architecture="encoder-decoder", norm="pre")]


@pytest.mark.parametrize("overrides", CASES, ids=lambda o: "-".join(map(str, o.values())))
def test_lens_at_the_last_stream_equals_the_models_logits(overrides):
    bundle = random_bundle(**overrides)
    trace = bundle.run("the cat sat on the mat")
    result = logit_lens(bundle, trace, word="cat")
    assert result.labels[-1] == "final_post"
    torch.testing.assert_close(result.logits[-1], trace.logits, atol=1e-5, rtol=0)
    torch.testing.assert_close(result.word_probs[-1], trace.logits.softmax(-1)[:, bundle.tokenizer.id_of("cat")], atol=1e-6, rtol=0)


def test_lens_of_the_bundled_story_model_ends_on_its_answer():
    bundle = load_checkpoint("sample_checkpoints/tiny-stories")
    trace = bundle.run("When Mary and John went to the store, John gave a drink to")
    result = logit_lens(bundle, trace, word="mary", k=3)
    torch.testing.assert_close(result.logits[-1], trace.logits, atol=1e-5, rtol=0)
    assert bundle.tokenizer.vocab[int(result.top_ids[-1, -1, 0])] == "mary"
    assert result.top_probs.shape == (len(result.labels), len(trace.tokens), 3)
    assert (result.top_probs[..., :-1] >= result.top_probs[..., 1:]).all()


def test_first_stream_is_the_embedding_read_through_norm_and_unembedding():
    bundle = random_bundle(norm="pre")
    trace = bundle.run("the dog ran")
    x = trace["hook_embed"] + trace["hook_pos_embed"]
    ln, unembed = bundle.model.ln_final.norm, bundle.model.unembed
    by_hand = ((x - x.mean(-1, keepdim=True)) / (x.var(-1, unbiased=False, keepdim=True) + ln.eps).sqrt() * ln.weight + ln.bias) @ unembed.weight.T + unembed.bias
    torch.testing.assert_close(logit_lens(bundle, trace).logits[0], by_hand, atol=1e-5, rtol=0)


def test_streams_are_every_block_boundary_and_mid_block_in_order():
    bundle = random_bundle(architecture="encoder-decoder", n_layers=2)
    labels = [label for label, _ in lens_streams(bundle, bundle.run("the cat"))]
    assert labels == ["0_pre", "0_mid", "0_mid_cross", "1_pre", "1_mid", "1_mid_cross", "final_post"]


def test_unknown_word_is_a_clear_error():
    bundle = random_bundle()
    with pytest.raises(ValueError, match="no word 'zebra'"):
        logit_lens(bundle, bundle.run("the cat"), word="zebra")


def test_another_word_from_the_same_lens_equals_a_lens_made_for_it():
    from model.analysis.lens import with_word
    from model.checkpoint import load_checkpoint

    bundle = load_checkpoint("sample_checkpoints/tiny-stories")
    trace = bundle.run("When Mary and John went to the store, John gave a drink to")
    plain = logit_lens(bundle, trace, None, k=1)
    for word in ("mary", "john"):
        torch.testing.assert_close(with_word(bundle, plain, word).word_probs, logit_lens(bundle, trace, word).word_probs,
                                   atol=1e-6, rtol=0)
        torch.testing.assert_close(with_word(bundle, plain, word).word_probs,
                                   plain.logits.softmax(-1)[..., bundle.tokenizer.id_of(word)], atol=1e-6, rtol=0)
