"""Word-level tokenizer: the lesson's splitting, unknown words named, defined edge cases."""

from model.tokenizer import EOS, Tokenizer, split_words, tokenizers_from_json, tokenizers_to_json


def test_splitting_keeps_lets_whole_and_splits_punctuation():
    assert split_words("Let's go!") == ["let's", "go", "!"]
    assert split_words("What is StatQuest?") == ["what", "is", "statquest", "?"]
    assert split_words("  ") == []


def test_unknown_words_are_named_and_mapped_to_unk():
    tok = Tokenizer.from_words(["the", "cat"])
    enc = tok.encode("The zebra cat")
    assert enc.tokens == ["the", "<unk>", "cat"]
    assert enc.unknown == [(1, "zebra")] and not enc.unknown_dropped
    assert enc.words == ["the", "zebra", "cat"]


def test_without_unk_unknown_words_are_left_out_but_reported():
    tok = Tokenizer(("what", "is", "statquest", "awesome", EOS), append_eos=True)
    enc = tok.encode("what is the statquest")
    assert enc.tokens == ["what", "is", "statquest", EOS]
    assert enc.unknown == [(2, "the")] and enc.unknown_dropped


def test_typed_special_tokens_stay_ordinary_words():
    tok = Tokenizer.from_words(["a"])
    enc = tok.encode("a <EOS> <pad>")
    assert EOS not in enc.tokens and "<pad>" not in enc.tokens
    assert [w for _, w in enc.unknown] == ["<", "eos", ">", "<", "pad", ">"]


def test_empty_prompt():
    tok = Tokenizer(("go", EOS), append_eos=True)
    enc = tok.encode("")
    assert enc.tokens == [EOS] and enc.is_empty
    assert Tokenizer.from_words(["go"]).encode("   ").ids == []


def test_over_long_prompt_is_cut_and_reported():
    tok = Tokenizer(("go", EOS), append_eos=True)
    enc = tok.encode("go " * 10, max_tokens=6)
    assert enc.tokens == ["go"] * 5 + [EOS]  # room kept for the <EOS> the lesson appends
    assert enc.truncated == 5


def test_json_round_trip_for_one_and_two_vocabularies():
    a, b = Tokenizer.from_words(["x"]), Tokenizer(("y", EOS), append_eos=True)
    assert tokenizers_from_json(tokenizers_to_json(a)) == (a, None)
    assert tokenizers_from_json(tokenizers_to_json(a, b)) == (a, b)
