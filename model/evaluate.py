"""Held-out evaluation, chosen by the recipe that trained the checkpoint (training.json).

Why per recipe: what "good" means differs (the toy models must reproduce the lesson's
outputs; the story model is judged on perplexity, indirect objects and its heads; the
translator on exact matches), but ``python -m model eval`` is one command for all.
"""

from __future__ import annotations

from typing import Callable

from .bundle import ModelBundle
from .generate import generate

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
