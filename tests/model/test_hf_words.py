"""Subword tokens grouped into words (model/hf/words.py), on tokenizers trained here: GPT-2's
byte-level BPE and SentencePiece-style BPE with byte fallback. Attention between words keeps
each row a distribution, and a prompt of one token per word is left as it is."""

from __future__ import annotations

import numpy as np
import pytest

from model.hf.tokenizer import SubwordTokenizer
from model.hf.words import Words, group_attention, group_hidden, word_spans, word_text
from model.tokenizer import Tokenizer
from tests.model.hf_factory import byte_level_bpe, metaspace_bpe


@pytest.fixture(scope="module")
def gpt2():
    backend = byte_level_bpe()
    return SubwordTokenizer.from_json(backend.to_str(), backend.get_vocab_size())


@pytest.fixture(scope="module")
def llama():
    backend = metaspace_bpe()
    return SubwordTokenizer.from_json(backend.to_str(), backend.get_vocab_size())


def words_of(tokenizer, text: str) -> Words:
    return tokenizer.words(tokenizer.encode(text).tokens)


def test_a_word_starts_at_a_space_mark_and_keeps_its_pieces(gpt2, llama):
    gpt2_tokens = gpt2.encode("the cat sat on the mat").tokens
    assert gpt2_tokens == ["the", "␣c", "at", "␣sat", "␣on", "␣the", "␣m", "at"]  # "cat" and "mat" are two pieces here
    words = gpt2.words(gpt2_tokens)
    assert words.texts == ("the", "␣cat", "␣sat", "␣on", "␣the", "␣mat")  # shown as the tokens are
    assert words.spans == ((0, 1), (1, 3), (3, 4), (4, 5), (5, 6), (6, 8))
    assert words.labels() == ["0: the", "1–2: ␣cat", "3: ␣sat", "4: ␣on", "5: ␣the", "6–7: ␣mat"]
    assert [words.word_of(t) for t in range(8)] == [0, 1, 1, 2, 3, 4, 5, 5]
    # SentencePiece: <s> (a special the template adds) is a word of its own
    assert words_of(llama, "the cat sat on the mat").texts == ("<s>", "␣the", "␣cat", "␣sat", "␣on", "␣the", "␣mat")


def test_byte_pieces_join_their_word_and_spell_its_characters(gpt2, llama):
    for tokenizer in (gpt2, llama):
        tokens = tokenizer.encode("the ζ ok").tokens
        assert "<0xCE>" in tokens and "<0xB6>" in tokens  # ζ was never merged: two byte pieces
        texts = tokenizer.words(tokens).texts
        assert texts[-2:] == ("␣ζ", "␣ok")  # a lone "␣" belongs to the word after it
    # a character split across two tokens ("na<0xC3>" + "<0xAF>ve") is whole in its word
    assert word_text(["na<0xC3>", "<0xAF>ve"]) == "naïve"
    assert words_of(gpt2, "naïve 東京 🙂").texts == ("naïve", "␣東京", "␣🙂")
    # the factory lists SentencePiece's <0xNN> among its specials: still pieces of a word, not words
    assert word_spans(["<s>", "␣", "<0xCE>", "<0xB6>"], {"<s>", "<0xCE>", "<0xB6>"}) == [(0, 1), (1, 4)]


def test_whitespace_and_typed_specials(gpt2):
    words = words_of(gpt2, "tokens,\n\tindented  line ")
    assert words.texts == ("tokens,", "↵⇥indented", "␣␣line", "␣")  # punctuation stays with its word
    typed = words_of(gpt2, "x <|endoftext|> y")  # typed text is never a special token: an ordinary word
    assert typed.texts == ("x", "␣<|endoftext|>", "␣y")
    assert word_spans(["a", "<|endoftext|>", "b"], {"<|endoftext|>"}) == [(0, 1), (1, 2), (2, 3)]  # a real one stands alone


def test_only_subword_tokenizers_group_words(gpt2):
    assert gpt2.subword and not Tokenizer(["<EOS>", "a", "b"]).subword


def causal_pattern(n: int, seed: int = 0) -> np.ndarray:
    """[2 heads, n, n] softmax rows under a causal mask, as a head's hook_pattern."""
    scores = np.random.default_rng(seed).normal(size=(2, n, n))
    scores[:, np.triu_indices(n, 1)[0], np.triu_indices(n, 1)[1]] = -np.inf
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return weights / weights.sum(axis=-1, keepdims=True)


def test_attention_between_words_keeps_rows_distributions(gpt2):
    words = words_of(gpt2, "the cat sat on the mat")
    pattern = causal_pattern(words.n_tokens)
    grouped = group_attention(pattern, words.spans, words.spans)
    assert grouped.shape == (2, 6, 6)
    np.testing.assert_allclose(grouped.sum(axis=-1), 1.0, atol=1e-12)  # the sum over each key word's tokens
    # "cat" (tokens 1, 2) looking at "the" (token 0): the mean of its two tokens' weights on token 0
    np.testing.assert_allclose(grouped[:, 1, 0], pattern[:, 1:3, 0].mean(axis=-1))
    # "mat" (tokens 6, 7) looking at "cat": the mean over its tokens of the sum over cat's tokens
    np.testing.assert_allclose(grouped[:, 5, 1], pattern[:, 6:8, 1:3].sum(axis=-1).mean(axis=-1))
    hidden = np.triu(np.ones((8, 8), dtype=bool), 1)
    word_hidden = group_hidden(hidden, words.spans, words.spans)
    assert (word_hidden == np.triu(np.ones((6, 6), dtype=bool), 1)).all()  # a word sees itself: its first token sees it
    np.testing.assert_array_equal(grouped[:, word_hidden], 0.0)


def test_a_prompt_of_one_token_per_word_is_unchanged(gpt2):
    tokens = gpt2.encode("the sat on the").tokens
    assert tokens == ["the", "␣sat", "␣on", "␣the"]
    words = gpt2.words(tokens)
    assert words.spans == ((0, 1), (1, 2), (2, 3), (3, 4)) and words.labels() == ["0: the", "1: ␣sat", "2: ␣on", "3: ␣the"]
    pattern = causal_pattern(4)
    np.testing.assert_array_equal(group_attention(pattern, words.spans, words.spans), pattern)
