"""Activation patching as the Patching page computes it on a keystroke: both prompts' runs and
every grid (the residual stream's and each kind of head's), per bundled model, with the
shortcuts (model/analysis/patching.py) and without them. CPU time (time.process_time): the
machines are shared.

Why: the page recomputes this on every keystroke in either prompt (target: at most 1 s of
server time for tiny-stories at about 16 tokens).
"""

from __future__ import annotations

import statistics
import time

from model.analysis.patching import patch_grids, prepare
from model.checkpoint import load_checkpoint

from .forward import ROOT

# 16 tokens: "one day" and "then" lengthen the default pair to the page's typical prompt; 32: the
# keystroke benchmark's prompts (bench/debug_pages.py); the translator: its default pair.
LONG = ("When Mary and John went to the store , John gave a drink to Mary . Then Mary and John went to the park , "
        "and John gave a ball to ")
CASES = [("tiny-stories", "One day Mary and John went to the store, then John gave a drink to",
          "One day Mary and John went to the store, then Mary gave a drink to"),
         ("tiny-stories", LONG + "a", LONG.replace("John gave a ball", "Mary gave a ball") + "x"),
         ("tiny-translator", "the small dogs see the red car.", "the small dogs see the blue car.")]


def _cpu_ms(make, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.process_time()
        make()
        samples.append((time.process_time() - start) * 1000)
    return round(statistics.median(samples), 1)


def patching_rows(quick: bool = False) -> list[dict]:
    rows = []
    repeats = 3 if quick else 15
    for name, clean, corrupted in CASES:
        bundle = load_checkpoint(ROOT / "sample_checkpoints" / name)
        setup = prepare(bundle, clean, corrupted)
        grids = patch_grids(setup)
        rows.append({"model": name, "tokens": len(setup.tokens), "grids": " + ".join(
                         f"{g.shape[0]} x {g.shape[1]}" for g in (grids.resid, *grids.heads.values())),
                     "runs_from": setup.start,
                     "keystroke_cpu_ms": _cpu_ms(lambda: patch_grids(prepare(bundle, clean, corrupted)), repeats),
                     "no_shortcuts_cpu_ms": _cpu_ms(lambda: patch_grids(prepare(bundle, clean, corrupted), False), repeats)})
    return rows


if __name__ == "__main__":
    from model.runtime import configure

    from bench.__main__ import table

    configure()
    print(table("Activation patching per keystroke: both runs + every grid, median CPU ms", patching_rows()))
