"""Activation patching: which activations of a clean run restore its answer in a corrupted run.

Reference: TransformerLens ``patching.py`` (``get_act_patch_resid_pre``,
``get_act_patch_attn_head_out_all_pos``, ``get_act_patch_attn_head_pattern_all_pos``) and the
IOI metric of Wang et al. (2022) / the TransformerLens "Exploratory Analysis Demo": the logit
difference answer - distractor at the last position, normalised so that the corrupted run
scores 0 and the clean run 1. Each patch copies one activation of the clean run into the
corrupted run: the residual stream at one (layer, position) (``{l}_pre`` is the input of block
l, ``final_post`` the stream entering the final norm), one head's output (its ``hook_z`` at
every position) or one head's pattern (every position). All the patched runs of one grid go
through the model as one batch, with a ``PatchingRecorder``: the shared model is never changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..bundle import ModelBundle
from ..trace import PatchingRecorder, RunOptions
from ..names import act_name
from .stream import word_id

# Per bundled recipe: (clean, corrupted), of equal token length. tiny-stories: the subject is
# swapped, so the answer flips from one name to the other. statquest-decoder answers "awesome"
# to everything; swapping two words moves how sure it is (awesome - <EOS>: 5.30 -> 2.57), which
# shows the lesson's point that word order reaches the model only through positions.
DEFAULT_PAIRS: dict[str, tuple[str, str]] = {
    "tiny-stories": ("When Mary and John went to the store, John gave a drink to",
                     "When Mary and John went to the store, Mary gave a drink to"),
    "statquest-decoder": ("what is statquest", "what statquest is"),
}


def default_pair(bundle: ModelBundle) -> tuple[str, str] | None:
    return DEFAULT_PAIRS.get(bundle.extra.get("recipe", bundle.name))


@dataclass
class PatchingSetup:
    """The two prompts' runs and the metric's two ends."""

    bundle: ModelBundle
    clean_ids: list[int]
    corrupted_ids: list[int]
    tokens: list[str]  # the clean prompt's tokens (the grid's positions)
    answer: str  # the clean run's answer
    distractor: str  # the corrupted run's answer
    clean_tensors: dict[str, torch.Tensor]
    clean_diff: float  # logit(answer) - logit(distractor) at the last position, clean run
    corrupted_diff: float
    options: RunOptions = RunOptions()

    def normalise(self, diffs: torch.Tensor) -> torch.Tensor:
        """0 = the corrupted run's logit difference, 1 = the clean run's."""
        return (diffs - self.corrupted_diff) / (self.clean_diff - self.corrupted_diff)


def _top_word(bundle: ModelBundle, logits: torch.Tensor, skip: str | None = None) -> str:
    for i in logits.argsort(descending=True).tolist():
        if bundle.tokenizer.vocab[i] != skip:
            return bundle.tokenizer.vocab[i]
    raise ValueError("the vocabulary has a single word")


def prepare(bundle: ModelBundle, clean: str, corrupted: str, answer: str | None = None, distractor: str | None = None,
            options: RunOptions = RunOptions()) -> PatchingSetup:
    """Run both prompts once; the answer defaults to the clean run's top word, the distractor to
    the corrupted run's (or the clean run's second, when both runs agree)."""
    if bundle.is_translator:
        raise ValueError("patching reads one stream; for a translator it is not defined yet")
    clean_ids, corrupted_ids = bundle.encode(clean).ids, bundle.encode(corrupted).ids
    if not clean_ids or len(clean_ids) != len(corrupted_ids):
        raise ValueError(f"the clean and corrupted prompts must have the same number of tokens "
                         f"(here {len(clean_ids)} and {len(corrupted_ids)})")
    clean_logits, clean_tensors = bundle.model.run(clean_ids, options)
    corrupted_logits = bundle.model.run(corrupted_ids, options, capture=False)[0]
    answer = answer or _top_word(bundle, clean_logits[-1])
    distractor = distractor or _top_word(bundle, corrupted_logits[-1], skip=answer)
    a, d = word_id(bundle, answer), word_id(bundle, distractor)
    clean_diff = float(clean_logits[-1, a] - clean_logits[-1, d])
    corrupted_diff = float(corrupted_logits[-1, a] - corrupted_logits[-1, d])
    if abs(clean_diff - corrupted_diff) < 1e-6:
        raise ValueError(f"both prompts give the same logit difference {answer!r} - {distractor!r}: nothing to restore")
    return PatchingSetup(bundle, clean_ids, corrupted_ids, bundle.encode(clean).tokens, answer, distractor,
                         clean_tensors, clean_diff, corrupted_diff, options)


def run_patches(setup: PatchingSetup, patches: list[tuple[str, tuple]]) -> torch.Tensor:
    """One patched run per (trace name, index into that tensor), batched -> logit differences [run].

    The index selects what is copied from the clean run, e.g. ``(3, slice(None))`` = position 3
    of a [pos, d_model] stream. An empty index copies nothing (the corrupted run itself)."""
    n = len(patches)
    masks: dict[str, torch.Tensor] = {}
    for row, (name, index) in enumerate(patches):
        if name not in masks:
            masks[name] = torch.zeros(n, *setup.clean_tensors[name].shape, dtype=torch.bool)
        if index:
            masks[name][(row, *index)] = True
    rec = PatchingRecorder({name: (mask, setup.clean_tensors[name]) for name, mask in masks.items()}, setup.options)
    ids = torch.tensor([setup.corrupted_ids] * n, dtype=torch.long)
    with torch.inference_mode():
        logits = setup.bundle.model(ids, rec)[:, -1]  # [run, vocab]
    a, d = word_id(setup.bundle, setup.answer), word_id(setup.bundle, setup.distractor)
    return logits[:, a] - logits[:, d]


def resid_streams(setup: PatchingSetup) -> list[tuple[str, str]]:
    """(label, trace name) of the grid's rows: every block's input, then the final stream."""
    n_layers = setup.bundle.config.n_layers
    rows = [(f"{l}_pre", act_name("resid_pre", l)) for l in range(n_layers)]
    return rows + [("final_post", act_name("resid_post", n_layers - 1))]


def patch_resid(setup: PatchingSetup) -> tuple[list[str], torch.Tensor]:
    """(row labels, normalised metric [row, position]) for the residual stream at every (layer, position)."""
    rows = resid_streams(setup)
    n_pos = len(setup.clean_ids)
    patches = [(name, (p, slice(None))) for _, name in rows for p in range(n_pos)]
    return [label for label, _ in rows], setup.normalise(run_patches(setup, patches)).view(len(rows), n_pos)


def _head_grid(setup: PatchingSetup, kind: str, index) -> torch.Tensor:
    cfg = setup.bundle.config
    patches = [(act_name(kind, l), index(h)) for l in range(cfg.n_layers) for h in range(cfg.n_heads)]
    return setup.normalise(run_patches(setup, patches)).view(cfg.n_layers, cfg.n_heads)


def patch_head_outputs(setup: PatchingSetup) -> torch.Tensor:
    """Normalised metric [layer, head]: each head's output (hook_z, every position) patched."""
    return _head_grid(setup, "z", lambda h: (slice(None), h, slice(None)))


def patch_head_patterns(setup: PatchingSetup) -> torch.Tensor:
    """Normalised metric [layer, head]: each head's attention pattern (every query) patched."""
    return _head_grid(setup, "pattern", lambda h: (h, slice(None), slice(None)))
