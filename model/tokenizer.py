"""Word-level tokenizer, as in both StatQuest lessons: one token per word.

Why word-level: the lessons draw one embedding per *word*, and a learner should see the
words they typed on every axis. Text is lower-cased; punctuation becomes its own token;
an apostrophe inside a word keeps it whole ("let's" is one token, as the lesson has it).

Behaviour a caller can rely on (the app shows all of it):
- Unknown words map to ``<unk>`` when the vocabulary has one, and are always reported by
  position and spelling in ``Encoding.unknown``. The lessons' toy vocabularies have no
  ``<unk>`` (the decoder toy must keep exactly 37 parameters), so there unknown words are
  left out of the model input, still reported, with ``Encoding.unknown_dropped`` set.
- Text the user types is never parsed as a special token: "<EOS>" typed in a prompt is the
  three ordinary tokens "<", "eos", ">". Specials are added by the tokenizer itself
  (``append_eos``: the lessons end every prompt with ``<EOS>``).
- Over-long input is cut to ``max_tokens`` (first tokens kept) and the number of words cut is
  reported in ``Encoding.truncated``.
- An empty prompt encodes to no word tokens (only the appended ``<EOS>``, if any):
  ``Encoding.is_empty``; the model refuses to run it (``bundle.EmptyPromptError``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from .json_text import JsonTextError, parse_json

EOS, PAD, UNK = "<EOS>", "<pad>", "<unk>"
SPECIALS = (EOS, PAD, UNK)

_WORD = re.compile(r"\w+(?:'\w+)?|[^\w\s]")


class TokenizerError(ValueError):
    """A tokenizer description that cannot be used."""


def split_words(text: str) -> list[str]:
    """Lower-case and split into word and punctuation tokens (the tokenizer's only rule)."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class Encoding:
    ids: list[int]
    tokens: list[str]  # what the model reads, in order (``<unk>`` where a word was unknown)
    words: list[str]  # what the user typed for each token ("" for added specials)
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (word index, spelling)
    unknown_dropped: bool = False  # True when the vocabulary has no <unk> to stand in
    truncated: int = 0  # words cut because the prompt was longer than the model takes

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def is_empty(self) -> bool:
        """No word of the prompt reaches the model (only the added <EOS>, if any)."""
        return not any(self.words)


class VocabularyLookup:
    """Token <-> id for any tokenizer holding ``vocab`` (shown tokens by id) and ``_index``
    (their inverse); shared by the word-level one here and the subword one in model/hf."""

    vocab: tuple[str, ...]
    _index: dict[str, int]
    subword = False  # one token per word (model/hf's tokenizers set it: words of several tokens)

    def __len__(self) -> int:
        return len(self.vocab)

    def id_of(self, token: str) -> int:
        return self._index[token]

    def has(self, token: str) -> bool:
        return token in self._index


@dataclass(frozen=True)
class Tokenizer(VocabularyLookup):
    vocab: tuple[str, ...]
    append_eos: bool = False  # the lessons' prompts end with <EOS> before the model answers
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.vocab:
            raise TokenizerError("the vocabulary is empty")
        if len(set(self.vocab)) != len(self.vocab):
            raise TokenizerError("the vocabulary lists a word twice")
        if EOS not in self.vocab:
            raise TokenizerError(f"the vocabulary has no {EOS} token")
        object.__setattr__(self, "_index", {w: i for i, w in enumerate(self.vocab)})

    @classmethod
    def from_words(cls, words: Iterable[str], *, specials: Iterable[str] = SPECIALS, append_eos: bool = False) -> "Tokenizer":
        """Specials first (so their ids are small and stable), then words in the given order."""
        specials = list(specials)
        rest = [w for w in dict.fromkeys(words) if w not in specials]
        return cls(tuple(specials + rest), append_eos=append_eos)

    @property
    def eos_id(self) -> int:
        return self._index[EOS]

    @property
    def unk_id(self) -> int | None:
        return self._index.get(UNK)

    @property
    def pad_id(self) -> int | None:
        return self._index.get(PAD)

    def encode(self, text: str, max_tokens: int | None = None) -> Encoding:
        """Text -> ids, with every unknown word and any truncation reported."""
        words = split_words(text)
        room = None if max_tokens is None else max(0, max_tokens - (1 if self.append_eos else 0))
        ids: list[int] = []
        tokens: list[str] = []
        kept_words: list[str] = []
        unknown: list[tuple[int, str]] = []
        truncated = 0
        for position, word in enumerate(words):
            if room is not None and len(ids) >= room:
                truncated = len(words) - position
                break
            if word in self._index and word not in SPECIALS:
                token = word
            else:
                unknown.append((position, word))
                if self.unk_id is None:
                    continue
                token = UNK
            ids.append(self._index[token])
            tokens.append(token)
            kept_words.append(word)
        if self.append_eos:
            ids.append(self.eos_id)
            tokens.append(EOS)
            kept_words.append("")
        return Encoding(ids, tokens, kept_words, unknown, bool(unknown) and self.unk_id is None, truncated)

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.vocab[int(i)] for i in ids]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "word", "vocab": list(self.vocab), "append_eos": self.append_eos}

    @classmethod
    def from_dict(cls, data: Any) -> "Tokenizer":
        if not isinstance(data, dict) or data.get("type") != "word":
            raise TokenizerError('expected an object with "type": "word"')
        vocab = data.get("vocab")
        if not isinstance(vocab, list) or not all(isinstance(w, str) for w in vocab):
            raise TokenizerError('"vocab" must be a list of strings')
        append_eos = data.get("append_eos", False)
        if not isinstance(append_eos, bool):
            raise TokenizerError('"append_eos" must be true or false')
        return cls(tuple(vocab), append_eos=append_eos)


def tokenizers_to_json(target: Tokenizer, source: Tokenizer | None = None) -> str:
    """tokenizer.json holds one tokenizer, or a source and a target one for a translator."""
    data = target.to_dict() if source is None else {"source": source.to_dict(), "target": target.to_dict()}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def tokenizers_from_json(text: str) -> tuple[Tokenizer, Tokenizer | None]:
    """Inverse of tokenizers_to_json: (target, source or None)."""
    try:
        data = parse_json(text)
    except JsonTextError as err:
        raise TokenizerError(str(err)) from None
    return tokenizers_from_data(data)


def tokenizers_from_data(data: Any) -> tuple[Tokenizer, Tokenizer | None]:
    """tokenizer.json's parsed content: (target, source or None)."""
    if isinstance(data, dict) and "source" in data:
        return Tokenizer.from_dict(data.get("target")), Tokenizer.from_dict(data["source"])
    return Tokenizer.from_dict(data), None
