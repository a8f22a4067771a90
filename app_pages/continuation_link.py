"""The generated words in the shareable link: ``gen`` holds their token ids ("4,3").

Why ids and not words: a word-level and a subword vocabulary both name each token by one id,
and an id needs no escaping in a URL. The session's ``continuation`` is the truth; the link
is read once, when a session opens it, and written after that. What a link brings is checked
first: anything that is not a list of ids of this model's output vocabulary, no longer than
the model reads, is dropped with a notice instead of failing the app.
"""

from __future__ import annotations

from typing import MutableMapping

KEY = "gen"
_READ = "_gen_link_read"  # session flag: the link has been read once


def parse(text: str, vocab_size: int, max_tokens: int) -> tuple[int, ...] | None:
    """"4,3" -> (4, 3); "" -> () (generation reset); None for anything else."""
    text = text.strip()
    if not text:
        return ()
    parts = text.split(",")
    if len(parts) > max_tokens or not all(p.strip().isdigit() and len(p.strip()) <= 9 for p in parts):
        return None
    ids = tuple(int(p) for p in parts)
    return ids if all(i < vocab_size for i in ids) else None


def text_of(continuation: tuple[int, ...]) -> str:
    return ",".join(str(i) for i in continuation)


def sync(state: MutableMapping, params: MutableMapping, vocab_size: int, max_tokens: int) -> bool:
    """Read ``gen`` into ``state["continuation"]`` once per session, then keep the link equal to
    the state (no ``gen`` while nothing was generated). Returns False when the link's value was
    refused (the caller says so)."""
    usable = True
    if not state.get(_READ):
        state[_READ] = True
        if KEY in params and "continuation" not in state:
            ids = parse(str(params[KEY]), vocab_size, max_tokens)
            usable = ids is not None
            if usable:
                state["continuation"] = ids
    continuation = state.get("continuation")
    if continuation is None:
        params.pop(KEY, None)
    elif params.get(KEY) != text_of(continuation):
        params[KEY] = text_of(continuation)
    return usable
