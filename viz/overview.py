"""The Overview page's views: the prompt as tokens, why the answer stopped, the lesson's steps.

Why this page first: a learner sees the whole data flow of the lesson at once (words ->
tokens -> embeddings + positions -> attention -> next-word probabilities), drawn from the
loaded model's own config, and can jump from each step to the page that shows its numbers.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import pandas as pd

from model.hf.words import Words

TITLE = "Overview: from your words to the next word"
LESSON = (
    "A Transformer turns each word into numbers (word embedding), adds the word's position (positional "
    "encoding), lets every word look at the others (attention) and adds the result back (residual "
    "connection), and finally scores every word of its vocabulary to choose what comes next. "
    "Every page of this app shows one of these steps with the real numbers of the model chosen in the sidebar, for your prompt."
)
ARCHITECTURE_NOTE = ("Sizes on the arrows are this prompt's: rows = tokens, columns = numbers per token. "
                     "The dashed box is repeated once per layer; point at a box to see where its numbers are in the trace.")
TOKEN_COLUMNS = {
    "position": {"kind": "number", "digits": 0, "help": "Where the token sits in the prompt, from 0"},
    "id": {"kind": "number", "digits": 0, "help": "The token's row in the word-embedding table"},
    "you typed": {"help": "The word as you typed it (blank: a token the model adds)"},
}
WORD_COLUMNS = {
    "positions": {"help": "Where the word's tokens sit in the prompt, from 0"},
    "word": {"help": "The word as the model reads it (␣: a space before it)"},
    "tokens": {"help": "The word's tokens, in order"},
    "ids": {"help": "The tokens' rows in the word-embedding table"},
}
PARAMETER_COLUMNS = {"part": {"wrap": True}, "tensors": {"digits": 0}, "shapes": {"wrap": True},
                     "parameters": {"digits": 0, "group": True}}
MAX_ANSWER = 20  # words: a long answer costs one forward pass per word, on every new prompt


def tokens_frame(encoding, tokenizer) -> pd.DataFrame:
    """The prompt as the model reads it: one row per token, and each word it left out (a model
    without <unk>) where it was typed, with no position or id."""
    dropped = dict(encoding.unknown) if encoding.unknown_dropped else {}  # typed word index -> spelling
    kept = (w for w in itertools.count() if w not in dropped)  # the typed words the model reads, in order
    rows = []
    for i, (token, word) in enumerate(zip(encoding.tokens, encoding.words)):
        token_id = tokenizer.id_of(token)
        if word:
            note, order = ("unknown word: read as <unk>" if token_id == tokenizer.unk_id else ""), next(kept)
        else:  # a token the model adds: before the typed words, or (as <EOS>) after them
            note, order = "added by the model", -1 if i == 0 and any(encoding.words) else math.inf
        rows.append({"position": i, "token": token, "id": token_id, "you typed": word, "note": note, "order": order})
    rows += [{"position": pd.NA, "token": "", "id": pd.NA, "you typed": word, "note": "left out: not in the vocabulary",
              "order": w} for w, word in dropped.items()]
    frame = pd.DataFrame(rows, columns=["position", "token", "id", "you typed", "note", "order"])
    frame = frame.sort_values("order", kind="stable").drop(columns="order").reset_index(drop=True)
    return frame.astype({"position": "Int64", "id": "Int64"})


def words_frame(encoding, words: Words) -> pd.DataFrame:
    """The prompt as words (a subword tokenizer's tokens grouped, model/hf/words.py): one row per
    word, with its tokens and their ids."""
    rows = []
    for (a, b), text in zip(words.spans, words.texts):
        rows.append({"positions": f"{a}" if b - a == 1 else f"{a}–{b - 1}", "word": text,
                     "tokens": " · ".join(encoding.tokens[a:b]), "ids": ", ".join(map(str, encoding.ids[a:b])),
                     "note": "" if any(encoding.words[a:b]) else "added by the model"})
    return pd.DataFrame(rows, columns=["positions", "word", "tokens", "ids", "note"])


def finished_answer(words: list[str], max_len: int, max_answer: int = MAX_ANSWER) -> tuple[list[str], str]:
    """(the greedy answer as shown, why it stopped)."""
    if words and words[-1] == "<EOS>":
        return words, "it wrote <EOS>"
    if len(words) == max_answer:
        return words + ["..."], f"this page shows only the first {max_answer} words"
    return words, f"it reached its maximum length of {max_len} tokens"


def translation_in_trace(tokens: list[str], n_prompt: int, max_len: int) -> tuple[list[str], str]:
    """A translator's default trace already holds its greedy translation: (it, why it stopped)."""
    words = list(tokens[n_prompt:])
    if len(tokens) < max_len:
        return words + ["<EOS>"], "it wrote <EOS>"
    return words, f"it reached its maximum length of {max_len} tokens"


@dataclass(frozen=True)
class Step:
    page: str
    icon: str
    label: str  # one line: a link does not wrap


def data_flow(config, n_inputs: int, translator: bool) -> list[Step]:
    """The lesson's steps in order, each with this prompt's sizes and the page that shows it."""
    words = "input words" if translator else "tokens"
    heads = f"{config.n_heads} head{'s' if config.n_heads > 1 else ''}"
    return [
        Step("app_pages/embeddings.py", ":material/scatter_plot:",
             f"1. Word embeddings: {n_inputs} {words} become {config.d_model} numbers each"),
        Step("app_pages/positional.py", ":material/waves:", "2. Positional encoding: squiggles add each position"),
        Step("app_pages/attention.py", ":material/grid_on:", f"3. Attention: queries meet keys, values get mixed ({heads})"),
        Step("app_pages/causal_mask.py", ":material/filter_alt:", "4. Causal mask: a word only looks back"),
        Step("app_pages/next_token.py", ":material/bar_chart:",
             f"5. Next word: {config.vocab_size} scores, softmax, one word at a time"),
    ]
