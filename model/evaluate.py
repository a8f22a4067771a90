"""Held-out evaluation, chosen by the recipe that trained the checkpoint (training.json).

Why per recipe: what "good" means differs (the toy models must reproduce the lesson's
outputs; the story model is judged on perplexity, indirect objects and its heads; the
translator on exact matches), but ``python -m model eval`` is one command for all.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from . import names
from .bundle import ModelBundle
from .data import stories, translation
from .generate import generate
from .heads import head_scores, repeated_random_tokens
from .tokenizer import split_words
from .trace import Recorder, RunOptions

EVALUATORS: dict[str, Callable[[ModelBundle, bool], dict]] = {}


def evaluator(*recipes: str):
    def register(fn):
        for r in recipes:
            EVALUATORS[r] = fn
        return fn

    return register


def exact_match(bundle: ModelBundle, pairs: list[tuple[str, str]]) -> dict:
    """Share of prompts whose greedy output (without <EOS>) equals the expected text."""
    hits = sum(" ".join(w for w in generate(bundle, p) if w != "<EOS>") == want for p, want in pairs)
    return {"examples": len(pairs), "exact_match": hits / len(pairs)}


@evaluator("statquest-decoder")
def _statquest_decoder(bundle: ModelBundle, quick: bool) -> dict:
    return exact_match(bundle, [("what is statquest", "awesome"), ("statquest is what", "awesome")])


@evaluator("statquest-translator")
def _statquest_translator(bundle: ModelBundle, quick: bool) -> dict:
    return exact_match(bundle, [("let's go", "vamos"), ("to go", "ir")])


def evaluate(bundle: ModelBundle, quick: bool = False) -> dict:
    recipe = bundle.extra.get("recipe", bundle.name)
    if recipe not in EVALUATORS:
        raise ValueError(f"no held-out evaluation is defined for {recipe!r} (recipes: {', '.join(sorted(EVALUATORS))})")
    return {"recipe": recipe, **EVALUATORS[recipe](bundle, quick)}


def _story_ids(bundle: ModelBundle, text: str) -> list[int]:
    return bundle.tokenizer.encode(text).ids[: bundle.config.max_len - 1] + [bundle.tokenizer.eos_id]


def _patterns(tensors: dict) -> dict[int, torch.Tensor]:
    parsed = {name: names.parse(name) for name in tensors}
    return {p.layer: tensors[name] for name, p in parsed.items() if (p.sub, p.kind) == ("attn", "pattern")}


def induction_scores(bundle: ModelBundle, seed: int = 0, n_repeats: int = 16) -> dict[tuple[int, int], float]:
    """Each decoder-only head's induction score on random words repeated twice (model.heads)."""
    words = [i for i, w in enumerate(bundle.tokenizer.vocab) if not w.startswith("<")]
    half = max(1, min(20, bundle.config.max_len // 2))
    batch = repeated_random_tokens(words, half, n_repeats, seed)
    rec = Recorder(keep_batch=True)
    with torch.inference_mode():
        bundle.model(batch, rec)
    return {(row["layer"], row["head"]): row["score"] for row in head_scores(_patterns(rec.tensors), ["induction"], half_len=half)}


def story_head_scores(bundle: ModelBundle, texts: list[str], seed: int, n_repeats: int) -> list[dict]:
    """Every head's four scores: three on held-out stories, induction on repeated random words."""
    totals: dict[tuple[int, int, str], float] = {}
    for text in texts:
        ids = _story_ids(bundle, text)
        _, tensors = bundle.model.run(ids)
        for row in head_scores(_patterns(tensors), ["previous_token", "first_token", "duplicate_token"], token_ids=torch.tensor(ids)):
            key = (row["layer"], row["head"], row["kind"])
            totals[key] = totals.get(key, 0.0) + row["score"] / len(texts)
    for (layer, head), value in induction_scores(bundle, seed, n_repeats).items():
        totals[(layer, head, "induction")] = value
    heads: dict[tuple[int, int], dict] = {}
    for (layer, head, kind), value in sorted(totals.items()):
        heads.setdefault((layer, head), {"layer": layer, "head": head})[kind] = round(value, 4)
    return list(heads.values())


@evaluator("tiny-stories")
def evaluate_stories(bundle: ModelBundle, quick: bool = False) -> dict:
    """Held-out perplexity, indirect-object accuracy and every head's scores."""
    texts = stories.heldout_stories(40 if quick else 300, seed=1)
    nll, tokens = 0.0, 0
    for text in texts:
        ids = _story_ids(bundle, text)
        logits = bundle.model.run(ids[:-1], capture=False)[0]
        nll += torch.nn.functional.cross_entropy(logits, torch.tensor(ids[1:]), reduction="sum").item()
        tokens += len(ids) - 1
    examples = stories.ioi_examples(100 if quick else 500, seed=1, split="heldout")
    accuracy, logit_diff = ioi_scores(bundle, examples)
    heads = story_head_scores(bundle, texts[:20] if quick else texts[:100], seed=0, n_repeats=8 if quick else 32)
    return {"perplexity": math.exp(nll / tokens), "heldout_tokens": tokens, "ioi_accuracy": accuracy,
            "ioi_examples": len(examples), "ioi_logit_diff": logit_diff, "heads": heads}


def ioi_scores(bundle: ModelBundle, examples: list[stories.IOIExample], options: RunOptions = RunOptions()) -> tuple[float, float]:
    """(accuracy, mean logit(answer) - logit(distractor)) at each prompt's last position; ``options``
    lets a caller measure the same under an intervention (a head switched off)."""
    hits, diffs = 0, []
    for ex in examples:
        logits = bundle.model.run(bundle.tokenizer.encode(ex.prompt).ids, options, capture=False)[0][-1]
        diff = (logits[bundle.tokenizer.id_of(ex.answer.lower())] - logits[bundle.tokenizer.id_of(ex.distractor.lower())]).item()
        hits += diff > 0
        diffs.append(diff)
    return hits / len(examples), sum(diffs) / len(diffs)


@evaluator("tiny-translator")
def evaluate_translator(bundle: ModelBundle, quick: bool = False) -> dict:
    """Exact match (greedy) and teacher-forced token accuracy on held-out sentences."""
    pairs = translation.generate_pairs(100 if quick else 500, seed=1, split="heldout")
    exact, reordered, reordered_hits, correct, total = 0, 0, 0, 0, 0
    for english, spanish in pairs:
        want = split_words(spanish)
        got = [w for w in generate(bundle, english) if w != "<EOS>"]
        hit = got == want
        exact += hit
        if any(c[0] == "na" for c in translation.combinations(english)):
            reordered += 1
            reordered_hits += hit
        target = [bundle.tokenizer.id_of(w) for w in want] + [bundle.tokenizer.eos_id]
        logits = bundle.logits(bundle.encode(english).ids, target[:-1])
        correct += (logits.argmax(-1) == torch.tensor(target)).sum().item()
        total += len(target)
    return {"examples": len(pairs), "exact_match": exact / len(pairs), "examples_reordered": reordered,
            "exact_match_reordered": reordered_hits / max(1, reordered), "token_accuracy": correct / total}
