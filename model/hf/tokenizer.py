"""Subword tokenizers (BPE, byte-level BPE, SentencePiece-style) from a Hugging Face tokenizer.json.

Why the ``tokenizers`` library: it is the reference implementation of these files (the same
code transformers runs), small, and needs no download. This class gives it the project's
tokenizer interface (``Encoding`` with tokens, ids, what the user typed, unknown words and
truncation), so every page reads a GPT-2 or Llama prompt as it reads a lesson's.

Tokens are shown as people read them, one display string per id (``vocab``), all distinct so
``id_of`` maps a shown token back to its id:
- a space is shown as "␣" (GPT-2's "Ġ" and SentencePiece's "▁" alike), a newline as "↵", a tab
  as "⇥";
- a byte-level token that is not whole UTF-8 text (part of a multi-byte character) shows the
  bytes it cannot spell as <0xNN>, like SentencePiece's byte fallback tokens (kept as they are);
- special tokens are shown as written ("<|endoftext|>", "<s>").
Text the user types is never read as a special token: "<|endoftext|>" typed in a prompt is
ordinary text (specials the tokenizer's template adds, such as Llama's <s>, are still added).
"""

from __future__ import annotations

import functools
import json
import unicodedata
from typing import TYPE_CHECKING, Iterable, Sequence

from tokenizers import Tokenizer as Backend

from ..tokenizer import Encoding, TokenizerError, VocabularyLookup

if TYPE_CHECKING:
    from .words import Words

SHOWN = {" ": "␣", "\n": "↵", "\t": "⇥"}
METASPACE = "▁"


@functools.cache
def byte_decoder() -> dict[str, int]:
    """GPT-2's byte-level alphabet reversed: the printable character that stands for each byte."""
    kept = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars, extra = list(kept), 0
    for b in range(256):
        if b not in kept:
            kept.append(b)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(kept, chars)}


def show_text(text: str) -> str:
    """Whitespace as visible marks, other control characters as <0xNN>."""
    return "".join(SHOWN.get(c) or (f"<0x{ord(c):02X}>" if unicodedata.category(c) == "Cc" else c) for c in text)


def show_bytes(data: bytes) -> str:
    """UTF-8 text where the bytes spell it, <0xNN> for each byte that does not."""
    out, i = [], 0
    while i < len(data):
        for n in (1, 2, 3, 4):  # the shortest whole character starting at byte i
            try:
                out.append(show_text(data[i:i + n].decode("utf-8")))
                i += n
                break
            except UnicodeDecodeError:
                continue
        else:
            out.append(f"<0x{data[i]:02X}>")
            i += 1
    return "".join(out)


def _is_byte_level(spec: dict) -> bool:
    """Whether the tokenizer's decoder (or pre-tokenizer) is GPT-2's ByteLevel."""
    def types(part) -> list[str]:
        if not isinstance(part, dict):
            return []
        inner = part.get("decoders") or part.get("pretokenizers") or []
        return [part.get("type")] + [t for p in inner if isinstance(p, dict) for t in types(p)]
    return "ByteLevel" in types(spec.get("decoder")) + types(spec.get("pre_tokenizer"))


class SubwordTokenizer(VocabularyLookup):
    """The project's tokenizer interface (see model/tokenizer.py) over a ``tokenizers`` backend."""

    append_eos = False  # the template, not the app, decides what is added around a prompt
    subword = True  # a word may be several tokens (model/hf/words.py groups them)

    def __init__(self, backend: Backend, vocab_size: int, byte_level: bool, eos_id: int | None = None, unk_token: str | None = None) -> None:
        n = backend.get_vocab_size(with_added_tokens=True)
        if n > vocab_size:
            raise TokenizerError(f"the tokenizer has {n} tokens but the model only {vocab_size}")
        self.backend = backend
        backend.encode_special_tokens = True  # typed text is never a special token
        specials = {i for i, t in backend.get_added_tokens_decoder().items() if t.special}
        shown, seen = [], set()
        for i in range(vocab_size):
            raw = backend.id_to_token(i)
            if raw is None:
                text = f"<unused {i}>"  # the model's vocabulary is padded past the tokenizer's
            elif i in specials:
                text = raw
            elif byte_level and all(c in byte_decoder() for c in raw):
                text = show_bytes(bytes(byte_decoder()[c] for c in raw))
            else:
                text = show_text(raw.replace(METASPACE, " "))
            for candidate in (text, raw, f"{raw}#{i}"):  # distinct, so a shown token names one id
                if candidate is not None and candidate not in seen:
                    text = candidate
                    break
            seen.add(text)
            shown.append(text)
        self.vocab: tuple[str, ...] = tuple(shown)
        self.specials = frozenset(shown[i] for i in specials if i < vocab_size)  # as shown: words of their own
        self._index = {t: i for i, t in enumerate(self.vocab)}
        self.eos_id = eos_id if eos_id is not None and 0 <= eos_id < vocab_size else None
        self.unk_id = backend.token_to_id(unk_token) if isinstance(unk_token, str) else None
        self.pad_id = None

    @classmethod
    def from_json(cls, text: str, vocab_size: int, eos_id: int | None = None) -> "SubwordTokenizer":
        try:
            spec = json.loads(text)
            backend = Backend.from_str(text)
        except Exception as err:  # the library raises its own exception types for a bad file
            raise TokenizerError(f"not a tokenizer the tokenizers library can read ({err})") from None
        spec = spec if isinstance(spec, dict) else {}
        model = spec.get("model") if isinstance(spec.get("model"), dict) else {}
        return cls(backend, vocab_size, _is_byte_level(spec), eos_id, model.get("unk_token"))

    def encode(self, text: str, max_tokens: int | None = None) -> Encoding:
        """Text -> ids with the template's specials; cut to max_tokens (the number cut reported)."""
        enc = self.backend.encode(text)
        ids, offsets = list(enc.ids), list(enc.offsets)
        truncated = 0
        if max_tokens is not None and len(ids) > max_tokens:
            truncated = len(ids) - max_tokens
            ids, offsets = ids[:max_tokens], offsets[:max_tokens]
        words = [text[a:b] for a, b in offsets]  # "" for a special the template added
        unknown = [(i, w) for i, (t, w) in enumerate(zip(ids, words)) if t == self.unk_id]
        return Encoding(ids, self.decode(ids), words, unknown, False, truncated)

    def words(self, tokens: Sequence[str]) -> Words:
        """The shown tokens grouped into the words people read (model/hf/words.py)."""
        from .words import Words  # it reads this module's marks

        return Words.of(tokens, self.specials)

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Each id as shown (one string per token)."""
        return [self.vocab[int(i)] for i in ids]

    def text(self, ids: Iterable[int]) -> str:
        """The ids as running text, the way the model's authors decode them."""
        return self.backend.decode([int(i) for i in ids], skip_special_tokens=False)
