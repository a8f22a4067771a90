"""The causal-mask page's views: the four stages in a row, the run without the mask, the encoder
for contrast; each with the lesson's sentence that explains it.

The lesson: adding -∞ to the scores of later words makes their softmax percentage exactly 0,
so a word only looks at itself and the words before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from model import names
from model.trace import Trace

from . import mask as vm
from .attention import attention_frame, has_distance_bias, local_window, module_title, n_heads
from .canvas import heatmap_data
from .views import Panel
from .windows import Window, needs_window, window_at

TITLE = "Causal mask: a word may only look back"
LESSON = (
    "In masked self-attention a word looks only at itself and the words before it. In the video's sentence "
    "\"The pizza came out of the oven and it tasted good!\", the word \"it\" may look at \"The pizza came out of the "
    "oven and it\" but not at \"tasted good!\". The model adds a mask to the scaled scores: 0 where a word may look, "
    "minus infinity (-∞) where it may not, and softmax turns -∞ into exactly 0%. That is what lets a decoder "
    "learn from a whole sentence at once and still generate one word at a time: no word can peek at the words it must predict."
)
PAGE_PX = 860  # the width the panels of one row share
LABELS_PX = 110  # the query labels of a panel


@dataclass(frozen=True)
class StageGrid:
    """The four stages, ``per_row`` at a time: four in a row while they fit a 1400 px screen,
    else 2 x 2. ``widths``: one row's column widths in px, the last a spacer that keeps small
    panels together on the left."""
    panels: list[Panel]
    per_row: int
    widths: list[int]


def stage_grid(trace: Trace, config, module: str, head: int, query: int, window: Window | None) -> StageGrid:
    frames = vm.mask_frames(trace, module, head, window)
    n = max(frames["mask"]["query_pos"].nunique(), frames["mask"]["key_pos"].nunique())
    per_row = 4 if n <= 6 else 2
    # the query labels go on the first of four panels in a row; on every panel of a 2 x 2 grid,
    # whose right-hand panels stand too far from the left ones to read their rows across
    cell = min(40, (PAGE_PX - 20 - LABELS_PX - 4 * 30) // (4 * n) if per_row == 4 else (400 - LABELS_PX) // n)
    panel = max(n * cell + 30, 175)  # room for the title, the legend and the CSV button
    widths = [LABELS_PX + panel] + [panel] * (per_row - 1) if per_row == 4 else [LABELS_PX + panel] * 2
    domain = vm.score_domain(frames["scores"])
    biased = has_distance_bias(trace, module)
    panels = []
    for i, (stage, frame) in enumerate(frames.items()):
        data = vm.mask_data(frame, stage, vm.stage_title(stage, biased), query=query, domain=domain, cell=cell,
                            row_labels=per_row == 2 or i == 0, scale="linear" if window is None else "sqrt",
                            local_window=local_window(config, module))
        panels.append(Panel(f"mask-{stage}", data, lambda frame=frame, stage=stage: vm.csv_frame(frame, stage),
                            f"{stage}-{module}-head{head + 1}"))
    return StageGrid(panels, per_row, widths + [max(1, PAGE_PX - sum(widths))])


def looks_at_note(trace: Trace, module: str, query: int) -> str:
    """Which words the query word may look at, and why the others are hidden."""
    visible, hidden = vm.visible_keys(trace, module, query)
    before, after = vm.hidden_before_and_after(hidden, query)
    seen = f"words {vm.span(visible)}" if visible else "no word"
    parts = []
    if after:
        parts.append(f"the -∞ on words {vm.span(after)}, after it, turn into 0%")
    if before:
        parts.append(f"so do those on words {vm.span(before)}, too far back for this layer's window" if after else
                     f"the -∞ on words {vm.span(before)}, too far back for this layer's window, turn into 0%")
    if parts:
        rest = "; " + "; ".join(parts) + "."
    else:
        rest = ". It is the last word, so nothing is hidden from it: pick an earlier word to see the -∞ hide the words after it."
    return f"Query word {query} ({trace.query_tokens(module)[query]}), outlined in red, may look at {seen}{rest}"


def local_layer_note(trace: Trace, config, module: str) -> str | None:
    """A local layer hides words too far back as well as later words: say so where it shows."""
    window = local_window(config, module)
    if not window:
        return None
    bias = (" Each of its heads also learned a bias for each distance back, added to the scores (panel 2), so "
            "that it can prefer, say, the word just before." if has_distance_bias(trace, module) else "")
    return (f"This is a local layer: it sees only the last {window} words (the word itself and the {window - 1} before it), "
            "as in GPT-3's banded layers or Mistral's sliding window. Its mask hides the words further back with "
            f"-∞ too, so the band of 0s runs along the diagonal.{bias}")


def without_mask_view(trace: Trace, unmasked: Trace, config, module: str, head: int,
                      window: Window | None) -> tuple[str, list[Panel]]:
    """(the lesson's note, the panels): the head with the mask, without it, and the change.
    A long prompt leaves out "with": the softmax stage above shows it."""
    local = " (and, in a local layer, at the words before its window)" if local_window(config, module) else ""
    note = (f"Now every word also looks at the words after it{local}: the upper-right triangle fills in. "
            "Because each layer reads the one before, every later layer changes too. That is how a normal Transformer's "
            "encoder reads its input, but a decoder that looked ahead could not learn to predict the next word.")
    frames = vm.compare_frames(trace, unmasked, module, head, window)
    n = frames["with"]["query_pos"].nunique()
    shown = ["with", "without", "change"] if n <= 8 else ["without", "change"]
    cell = min(40, (PAGE_PX // len(shown) - 140) // max(n, 1))
    scale = "sqrt" if window is not None else "linear"
    make = {
        "with": lambda: {**heatmap_data(frames["with"], "With the mask (as trained)", scale=scale), "cell": cell},
        "without": lambda: {**heatmap_data(frames["without"], "Without the mask", scale=scale), "cell": cell},
        "change": lambda: vm.change_data(frames["change"], "Change (percentage points)", cell=cell),
    }
    return note, [Panel(f"nomask-{name}", make[name](), lambda name=name: frames[name], f"{name}-mask-{module}-head{head + 1}")
                  for name in shown]


DECODER_ONLY = "This is a decoder-only model: every attention in it is masked. A normal Transformer's encoder is not masked. "
ENCODER_NOTE = ("The encoder reads the whole input sentence at once, so every input word looks at every other one, "
                "before and after it.")


def encoder_contrast(trace: Trace, module: str, head: int, unmasked_shown: bool) -> Panel | str:
    """A translator's encoder self-attention (no mask: every input word looks at every other) as a
    panel, placed under ENCODER_NOTE; for a decoder-only model, the note that it has no unmasked
    attention."""
    encoders = [m for m in trace.attention_modules() if names.module_kind(m) == "encoder"]
    if not encoders:
        return DECODER_ONLY + ("The panels above show what this head would do unmasked." if unmasked_shown else
                               "Switch on \"Show without the mask\" to see what this head would do unmasked.")
    layer = names.layer_of(module)
    encoder = next((m for m in encoders if names.layer_of(m) == layer), encoders[0])
    n = trace.pattern(encoder).shape[1]
    head = min(head, n_heads(trace, encoder) - 1)
    frame = attention_frame(trace, encoder, head, window_at(n, n, 0, 0) if needs_window(n, n) else None)
    data = heatmap_data(frame, f"{module_title(encoder)}, head {head + 1}")
    return Panel("mask-encoder", data, lambda: frame, f"encoder-{encoder}")
