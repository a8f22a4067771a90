"""The Heads page's views: every head's scores, and one run with chosen heads switched off; each
with the lesson's sentence that explains it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from model.names import layer_of, module_kind
from model.trace import Trace

from .heads import ablation_chart, ablation_frame, head_score_chart, head_table
from .views import Panel

TITLE = "Heads: who does what, and what happens without them"
LESSON = (
    "Heads in trained models often learn recognisable jobs. A previous-token head looks at the word just before; "
    "a first-token head parks its attention on the first word when it has nothing to do; a duplicate-token head "
    "looks at earlier copies of the current word; an induction head looks at the word that came after the previous "
    "copy of the current word, so the model can repeat a pattern. Switch heads off below and watch the next-word "
    "probabilities move: the heads are silenced for this run only, the model itself is never changed."
)
SCORES_NOTE = ("Previous-token, first-token and duplicate-token scores are measured on your prompt; induction on "
               "random words repeated twice. A label is given at a score of 0.4 or more (0 = never, 1 = always).")
TRANSLATOR_NOTE = ("Head labels are computed for decoder-only models. In this translator you can still switch heads off "
                   "and watch the next Spanish word change. The decoder is reading:")
TABLE_NAMES = {"previous_token": "previous-token", "first_token": "first-token", "duplicate_token": "duplicate-token"}
SCORE_COLUMNS = ("previous-token", "first-token", "duplicate-token", "induction")


@dataclass(frozen=True)
class HeadScores:
    """The score chart (with its CSV and note) and the same scores as a readable table."""
    panel: Panel
    table: pd.DataFrame


def head_scores(trace: Trace, token_ids: list[int], induction: dict[tuple[int, int], float] | None) -> HeadScores:
    table = head_table(trace, token_ids, induction)
    readable = table.drop(columns=["module"]).rename(columns=TABLE_NAMES)
    return HeadScores(Panel("head-scores", head_score_chart(table), lambda: table, "head-scores", notes=(SCORES_NOTE,)), readable)


def head_options(trace: Trace) -> list[str]:
    """Every head as "module#head", the value the URL keeps."""
    return [f"{m}#{h}" for m in trace.attention_modules() for h in range(trace.pattern(m).shape[0])]


KIND_WORDS = {"masked": "decoder", "encoder": "encoder", "cross": "enc-dec"}


def head_option_label(option: str, kinds: bool = False) -> str:
    """"blocks.0.attn#2" -> "layer 1, head 3" (``kinds``: with the attention's kind, for a
    translator): short, so that the picked chips show whole instead of "Masked self-attention, la…"."""
    module, head = option.split("#")
    kind = f"{KIND_WORDS[module_kind(module)]} " if kinds else ""
    return f"{kind}layer {layer_of(module) + 1}, head {int(head) + 1}"


def ablated_heads(options: list[str]) -> dict[str, list[int]]:
    """{"blocks.0.attn": [1, 2]} from ["blocks.0.attn#1", "blocks.0.attn#2"]."""
    ablate: dict[str, list[int]] = {}
    for option in options:
        module, head = option.split("#")
        ablate.setdefault(module, []).append(int(head))
    return ablate


@dataclass(frozen=True)
class Ablation:
    """The chart of next-word probabilities with and without the heads, and its headline: the top
    word's probability before and after, and the new top word where it changed (else None)."""
    panel: Panel
    word: str
    p_before: float
    p_after: float
    new_top: str | None


def ablation(trace: Trace, after: Trace, vocab) -> Ablation:
    frame = ablation_frame(trace.logits_at(-1), after.logits_at(-1), vocab)
    top_before, top_after = frame.iloc[0]["word"], frame.loc[frame["heads switched off"].idxmax(), "word"]
    chart = ablation_chart(frame, f"Next word after {trace.tokens[-1]!r}")
    return Ablation(Panel("ablation", chart, lambda: frame, "ablation"), top_before, float(frame.iloc[0]["with all heads"]),
                    float(frame.iloc[0]["heads switched off"]), None if top_after == top_before else top_after)
