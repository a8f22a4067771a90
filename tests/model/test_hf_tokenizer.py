"""Subword tokenizers from tokenizer.json: the same ids as transformers' tokenizer, tokens shown
as people read them, and the project's Encoding rules (what was typed, truncation, specials)."""

from __future__ import annotations

import pytest

from model.hf.tokenizer import SubwordTokenizer, show_bytes
from tests.model.hf_factory import byte_level_bpe, metaspace_bpe

TEXTS = ["the cat sat on the mat.", "Let's go to StatQuest!  Two  spaces", "naïve café 東京 🙂 ü\n\tx", "unseen: ζ ∑ @@@"]


@pytest.fixture(scope="module", params=["byte_level", "metaspace"])
def trained(request, tmp_path_factory):
    tok = byte_level_bpe() if request.param == "byte_level" else metaspace_bpe()
    path = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    tok.save(str(path))
    return request.param, path


def test_same_ids_as_transformers(trained):
    transformers = pytest.importorskip("transformers")
    kind, path = trained
    ours = SubwordTokenizer.from_json(path.read_text(encoding="utf-8"), vocab_size=1000)
    theirs = transformers.PreTrainedTokenizerFast(tokenizer_file=str(path))
    for text in TEXTS:
        ids = ours.encode(text).ids
        assert ids == theirs(text)["input_ids"], (kind, text)
        assert len(ids) >= 5


def test_byte_level_tokens_are_shown_readably():
    tok = SubwordTokenizer.from_json(byte_level_bpe().to_str(), vocab_size=400)
    enc = tok.encode("the sat\non ζ")
    # GPT-2's "Ġsat" and "Ċ"; ζ (0xCE 0xB6) was never merged, and a byte that is not a whole
    # character shows as <0xNN>; each piece is labelled with the character it came from.
    assert enc.tokens == ["the", "␣sat", "↵", "on", "␣", "<0xCE>", "<0xB6>"]
    assert enc.words == ["the", " sat", "\n", "on", " ", "ζ", "ζ"]
    assert tok.text(enc.ids) == "the sat\non ζ"
    assert len(set(tok.vocab)) == len(tok.vocab) == 400  # padded to the model's vocabulary, all distinct
    assert tok.vocab[-1] == "<unused 399>"
    assert [tok.id_of(t) for t in enc.tokens] == enc.ids


def test_show_bytes():
    assert show_bytes("é".encode()) == "é"
    assert show_bytes(b" \xe2\x80") == "␣<0xE2><0x80>"
    assert show_bytes(b"a\x00\tb") == "a<0x00>⇥b"


def test_metaspace_byte_fallback_and_template():
    tok = SubwordTokenizer.from_json(metaspace_bpe().to_str(), vocab_size=400)
    enc = tok.encode("the ζ")
    assert enc.tokens[0] == "<s>" and enc.words[0] == ""  # added by the template, not typed
    assert enc.tokens[1] == "␣the"  # SentencePiece's "▁the"
    assert enc.tokens[-2:] == ["<0xCE>", "<0xB6>"]  # byte fallback kept as written
    assert enc.unknown == [] and not enc.is_empty


def test_typed_special_is_ordinary_text_and_truncation_reported():
    raw = byte_level_bpe()
    tok = SubwordTokenizer.from_json(raw.to_str(), vocab_size=raw.get_vocab_size(), eos_id=raw.token_to_id("<|endoftext|>"))
    assert tok.eos_id == 0 and tok.vocab[0] == "<|endoftext|>"
    enc = tok.encode("a <|endoftext|> b")
    assert tok.eos_id not in enc.ids and len(enc.ids) > 3
    full = tok.encode("the cat sat on the mat")
    cut = tok.encode("the cat sat on the mat", max_tokens=3)
    assert cut.ids == full.ids[:3] and cut.truncated == len(full.ids) - 3 > 0


def test_tokenizer_larger_than_the_model_is_refused():
    from model.tokenizer import TokenizerError

    with pytest.raises(TokenizerError, match="tokens but the model only 10"):
        SubwordTokenizer.from_json(byte_level_bpe().to_str(), vocab_size=10)
