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
Two shortcuts skip only what cannot change the answer (``shortcuts=False`` computes everything,
tests/model/test_analysis_patching.py checks both agree): a patch whose clean values equal the
corrupted run's is that run itself (score 0, not run); and in a causal decoder every position
before the prompts' first differing token is the same in both runs, so the batch starts there
and reads the earlier positions' keys and values from the corrupted run (as model/prefix.py).

A translator (encoder-decoder) is patched as TransformerLens' ``generic_activation_patch`` patches
its ``HookedEncoderDecoder``: the clean and corrupted prompts are source sentences, and both runs
give the decoder the same ``decoder_input`` (here the start token plus the words both greedy
translations share), so the metric reads the decoder's last position: the clean translation's
next word minus the corrupted one's. The residual grid is the encoder's stream per (layer,
position) (``encoder.{l}.hook_resid_pre``, then the stream entering the encoder's final norm);
the head grids are the encoder's self-attention, the decoder's self-attention and the decoder's
cross-attention heads (``decoder.{l}.cross_attn.hook_z``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import takewhile

import torch

from ..bundle import ModelBundle
from ..generate import greedy_continuation
from ..names import act_name
from ..trace import DERIVED_KINDS, PatchingRecorder, RunOptions
from .stream import word_id

# Per bundled recipe: (clean, corrupted), of equal token length. tiny-stories: the subject is
# swapped, so the answer flips from one name to the other. statquest-decoder answers "awesome"
# to everything; swapping two words moves how sure it is (awesome - <EOS>: 5.30 -> 2.57), which
# shows the lesson's point that word order reaches the model only through positions.
# The translators: one source word changed, so the translations part at one word (tiny-translator:
# "... el coche" then "rojo" or "azul"; statquest-translator: "vamos" or "ir").
DEFAULT_PAIRS: dict[str, tuple[str, str]] = {
    "tiny-stories": ("When Mary and John went to the store, John gave a drink to",
                     "When Mary and John went to the store, Mary gave a drink to"),
    "statquest-decoder": ("what is statquest", "what statquest is"),
    "tiny-translator": ("the small dogs see the red car.", "the small dogs see the blue car."),
    "statquest-translator": ("let's go", "to go"),
}


def default_pair(bundle: ModelBundle) -> tuple[str, str] | None:
    return DEFAULT_PAIRS.get(bundle.extra.get("recipe", bundle.name))


@dataclass(frozen=True)
class Heads:
    """One kind of attention head a grid patches: its stack and module (model.names) and layers."""

    stack: str  # "" (decoder-only), "encoder" or "decoder"
    sub: str  # "attn" or "cross_attn"
    n_layers: int

    @property
    def key(self) -> str:
        """"attn", "encoder.attn", "decoder.attn" or "decoder.cross_attn"."""
        return ".".join(p for p in (self.stack, self.sub) if p)


def head_kinds(bundle: ModelBundle) -> list[Heads]:
    """Every kind of head a model has: its self-attention, or a translator's three kinds."""
    cfg = bundle.config
    if not bundle.is_translator:
        return [Heads("", "attn", cfg.n_layers)]
    return [Heads("encoder", "attn", cfg.n_encoder_layers), Heads("decoder", "attn", cfg.n_layers),
            Heads("decoder", "cross_attn", cfg.n_layers)]


@dataclass
class PatchingSetup:
    """The two prompts' runs and the metric's two ends."""

    bundle: ModelBundle
    clean_ids: list[int]
    corrupted_ids: list[int]
    tokens: list[str]  # the clean prompt's tokens (the residual grid's positions; a translator's source)
    answer: str  # the clean run's answer
    distractor: str  # the corrupted run's answer
    clean_tensors: dict[str, torch.Tensor]
    clean_diff: float  # logit(answer) - logit(distractor) at the last position, clean run
    corrupted_diff: float
    options: RunOptions = RunOptions()
    target_ids: tuple[int, ...] = ()  # a translator's decoder input, the same in both runs (empty otherwise)
    target_tokens: tuple[str, ...] = ()
    corrupted_tensors: dict[str, torch.Tensor] = field(default_factory=dict)
    start: int = 0  # the first position a patched run must compute (the prompts' first difference, or 0)

    def normalise(self, diffs: torch.Tensor) -> torch.Tensor:
        """0 = the corrupted run's logit difference, 1 = the clean run's."""
        return (diffs - self.corrupted_diff) / (self.clean_diff - self.corrupted_diff)


def _top_word(bundle: ModelBundle, logits: torch.Tensor, skip: str | None = None) -> str:
    for i in logits.argsort(descending=True).tolist():
        if bundle.tokenizer.vocab[i] != skip:
            return bundle.tokenizer.vocab[i]
    raise ValueError("the vocabulary has a single word")


def decoder_input(bundle: ModelBundle, clean_ids: list[int], corrupted_ids: list[int], target: str | None = None) -> list[int]:
    """A translator's decoder input for both runs: the start token, then ``target``'s words or
    (None) the words the two greedy translations share, so the last position is where they part."""
    if target is not None:
        words = target.split()
        unknown = [w for w in words if not bundle.tokenizer.has(w)]
        if unknown:
            raise ValueError(f"the output vocabulary has no word {unknown[0]!r}")
        shared = [bundle.tokenizer.id_of(w) for w in words]
    else:
        pairs = zip(greedy_continuation(bundle, clean_ids), greedy_continuation(bundle, corrupted_ids))
        shared = [a for a, _ in takewhile(lambda p: p[0] == p[1], pairs)]
    return bundle.stream_ids(clean_ids, shared)


def _run(bundle: ModelBundle, ids: list[int], target: list[int], options: RunOptions, capture: bool):
    if bundle.is_translator:
        return bundle.model.run(ids, target, options, capture=capture)
    return bundle.model.run(ids, options, capture=capture)


def prepare(bundle: ModelBundle, clean: str, corrupted: str, answer: str | None = None, distractor: str | None = None,
            options: RunOptions = RunOptions(), target: str | None = None) -> PatchingSetup:
    """Run both prompts once; the answer defaults to the clean run's top word, the distractor to
    the corrupted run's (or the clean run's second, when both runs agree). ``target``: a
    translator's decoder input after its start token (default: see decoder_input)."""
    clean_enc = bundle.encode(clean)
    clean_ids, corrupted_ids = clean_enc.ids, bundle.encode(corrupted).ids
    if not clean_ids or len(clean_ids) != len(corrupted_ids):
        raise ValueError(f"the clean and corrupted prompts must have the same number of tokens "
                         f"(here {len(clean_ids)} and {len(corrupted_ids)})")
    stream = decoder_input(bundle, clean_ids, corrupted_ids, target) if bundle.is_translator else []
    clean_logits, clean_tensors = _run(bundle, clean_ids, stream, options, capture=True)
    corrupted_logits, corrupted_tensors = _run(bundle, corrupted_ids, stream, options, capture=True)
    answer = answer or _top_word(bundle, clean_logits[-1])
    distractor = distractor or _top_word(bundle, corrupted_logits[-1], skip=answer)
    a, d = word_id(bundle, answer), word_id(bundle, distractor)
    clean_diff = float(clean_logits[-1, a] - clean_logits[-1, d])
    corrupted_diff = float(corrupted_logits[-1, a] - corrupted_logits[-1, d])
    if abs(clean_diff - corrupted_diff) < 1e-6:
        raise ValueError(f"both prompts give the same logit difference {answer!r} - {distractor!r}: nothing to restore")
    return PatchingSetup(bundle, clean_ids, corrupted_ids, clean_enc.tokens, answer, distractor, clean_tensors, clean_diff,
                         corrupted_diff, options, tuple(stream), tuple(bundle.tokenizer.decode(stream)), corrupted_tensors,
                         _first_difference(bundle, clean_ids, corrupted_ids, options))


def _first_difference(bundle: ModelBundle, clean_ids: list[int], corrupted_ids: list[int], options: RunOptions) -> int:
    """Where patched runs may start: the first differing token of a causal decoder's prompts (the
    last position at most), else 0 (an encoder reads every position; a mean ablation averages
    over them all; without the causal mask earlier positions read later ones)."""
    if bundle.is_translator or options.ablate or not options.causal:
        return 0
    same = next((i for i, (a, b) in enumerate(zip(clean_ids, corrupted_ids)) if a != b), len(clean_ids))
    return min(same, len(clean_ids) - 1)


def _position_axis(name: str) -> int:
    """The axis of a patched tensor that runs over the (query) positions."""
    return 1 if name.rpartition(".hook_")[2] in DERIVED_KINDS else 0


def _unchanged(setup: PatchingSetup, name: str, index: tuple) -> bool:
    """Whether the patch copies nothing, or only values the corrupted run has itself."""
    if not index:
        return True
    return name in setup.corrupted_tensors and torch.equal(setup.clean_tensors[name][index], setup.corrupted_tensors[name][index])


def _copies_before(setup: PatchingSetup, name: str, mask: torch.Tensor, start: int) -> bool:
    """Whether ``mask`` copies a value before position ``start`` that the two runs do not share."""
    axis = _position_axis(name)
    clean, corrupted = setup.clean_tensors[name].narrow(axis, 0, start), setup.corrupted_tensors[name].narrow(axis, 0, start)
    if torch.equal(clean, corrupted):  # the usual case: the shared tokens gave both runs the same values
        return False
    return bool((mask.narrow(axis + 1, 0, start) & (clean != corrupted)).any())


def run_patches(setup: PatchingSetup, patches: list[tuple[str, tuple]], shortcuts: bool = True) -> torch.Tensor:
    """One patched run per (trace name, index into that tensor), batched -> logit differences [run].

    The index selects what is copied from the clean run, e.g. ``(3, slice(None))`` = position 3
    of a [pos, d_model] stream. An empty index copies nothing (the corrupted run itself).
    ``shortcuts``: see the module's docstring."""
    diffs = torch.full((len(patches),), setup.corrupted_diff)
    todo = [row for row, (name, index) in enumerate(patches) if not (shortcuts and _unchanged(setup, name, index))]
    if not todo:
        return diffs
    start = setup.start if shortcuts else 0
    n = len(todo)
    masks: dict[str, torch.Tensor] = {}
    for row, (name, index) in enumerate(patches[i] for i in todo):
        if name not in masks:
            masks[name] = torch.zeros(n, *setup.clean_tensors[name].shape, dtype=torch.bool)
        if index:
            masks[name][(row, *index)] = True
    if start and any(_copies_before(setup, name, mask, start) for name, mask in masks.items()):
        start = 0  # a patch the shared positions do not cover: the whole run
    patched = {}
    for name, mask in masks.items():  # the rows of the positions the run computes
        axis = _position_axis(name)
        patched[name] = (mask.narrow(axis + 1, start, mask.shape[axis + 1] - start),
                         setup.clean_tensors[name].narrow(axis, start, mask.shape[axis + 1] - start))
    rec = PatchingRecorder(patched, setup.options, setup.corrupted_tensors, start)
    ids = torch.tensor([setup.corrupted_ids[start:]] * n, dtype=torch.long)
    with torch.inference_mode():
        if setup.bundle.is_translator:
            logits = setup.bundle.model(ids, torch.tensor([setup.target_ids] * n, dtype=torch.long), rec)[:, -1]
        else:
            logits = setup.bundle.model(ids, rec)[:, -1]  # [run, vocab]
    a, d = word_id(setup.bundle, setup.answer), word_id(setup.bundle, setup.distractor)
    diffs[todo] = logits[:, a] - logits[:, d]
    return diffs


def resid_streams(setup: PatchingSetup) -> list[tuple[str, str]]:
    """(label, trace name) of the grid's rows: every block's input, then the final stream (a
    translator's: the encoder's)."""
    stack = "encoder" if setup.bundle.is_translator else ""
    n_layers = setup.bundle.config.n_encoder_layers if stack else setup.bundle.config.n_layers
    rows = [(f"{l}_pre", act_name("resid_pre", l, stack)) for l in range(n_layers)]
    return rows + [("final_post", act_name("resid_post", n_layers - 1, stack))]


def patch_resid(setup: PatchingSetup, shortcuts: bool = True) -> tuple[list[str], torch.Tensor]:
    """(row labels, normalised metric [row, position]) for the residual stream at every (layer, position)."""
    rows = resid_streams(setup)
    n_pos = len(setup.clean_ids)
    patches = [(name, (p, slice(None))) for _, name in rows for p in range(n_pos)]
    return [label for label, _ in rows], setup.normalise(run_patches(setup, patches, shortcuts)).view(len(rows), n_pos)


def _head_grids(setup: PatchingSetup, kind: str, index, kinds: list[Heads], shortcuts: bool = True) -> dict[str, torch.Tensor]:
    """One batch for every head of ``kinds`` -> {Heads.key: normalised metric [layer, head]}."""
    n_heads = setup.bundle.config.n_heads
    patches = [(act_name(kind, l, k.stack, k.sub), index(h)) for k in kinds for l in range(k.n_layers) for h in range(n_heads)]
    metric = setup.normalise(run_patches(setup, patches, shortcuts)).split([k.n_layers * n_heads for k in kinds])
    return {k.key: m.view(k.n_layers, n_heads) for k, m in zip(kinds, metric)}


def _z_index(h: int) -> tuple:
    return slice(None), h, slice(None)


def _pattern_index(h: int) -> tuple:
    return h, slice(None), slice(None)


def patch_head_outputs(setup: PatchingSetup, heads: Heads | None = None, shortcuts: bool = True) -> torch.Tensor:
    """Normalised metric [layer, head]: each head's output (hook_z, every position) patched;
    ``heads``: which kind (default the model's first: a decoder-only model's only one)."""
    heads = heads or head_kinds(setup.bundle)[0]
    return _head_grids(setup, "z", _z_index, [heads], shortcuts)[heads.key]


def patch_head_patterns(setup: PatchingSetup, heads: Heads | None = None, shortcuts: bool = True) -> torch.Tensor:
    """Normalised metric [layer, head]: each head's attention pattern (every query) patched."""
    heads = heads or head_kinds(setup.bundle)[0]
    return _head_grids(setup, "pattern", _pattern_index, [heads], shortcuts)[heads.key]


def patch_every_head_output(setup: PatchingSetup, shortcuts: bool = True) -> dict[str, torch.Tensor]:
    """patch_head_outputs for every kind of head of the model, in one batch: {Heads.key: [layer, head]}."""
    return _head_grids(setup, "z", _z_index, head_kinds(setup.bundle), shortcuts)


def patch_every_head_pattern(setup: PatchingSetup, shortcuts: bool = True) -> dict[str, torch.Tensor]:
    return _head_grids(setup, "pattern", _pattern_index, head_kinds(setup.bundle), shortcuts)


@dataclass(frozen=True)
class Grids:
    """What the patching page shows: the residual grid, a grid per kind of head, the metric's ends."""

    rows: list[str]  # resid_streams' labels
    resid: torch.Tensor  # [row, position]
    heads: dict[str, torch.Tensor]  # Heads.key -> [layer, head]
    tokens: list[str]  # the residual grid's positions (a translator's source words)
    answer: str
    distractor: str
    clean_diff: float
    corrupted_diff: float
    target_tokens: tuple[str, ...] = ()  # a translator's decoder input in both runs


def patch_grids(setup: PatchingSetup, shortcuts: bool = True) -> Grids:
    """patch_resid and patch_every_head_output in one batch."""
    streams, kinds, n_heads = resid_streams(setup), head_kinds(setup.bundle), setup.bundle.config.n_heads
    n_pos = len(setup.clean_ids)
    patches = [(name, (p, slice(None))) for _, name in streams for p in range(n_pos)]
    patches += [(act_name("z", l, k.stack, k.sub), _z_index(h)) for k in kinds for l in range(k.n_layers) for h in range(n_heads)]
    metric = setup.normalise(run_patches(setup, patches, shortcuts))
    resid, *heads = metric.split([len(streams) * n_pos, *(k.n_layers * n_heads for k in kinds)])
    return Grids([label for label, _ in streams], resid.view(len(streams), n_pos),
                 {k.key: m.view(k.n_layers, n_heads) for k, m in zip(kinds, heads)}, setup.tokens, setup.answer,
                 setup.distractor, setup.clean_diff, setup.corrupted_diff, setup.target_tokens)
