"""Activation patching's full layer x position residual grid, per bundled decoder-only model.

Why: the Patching page recomputes this grid on every keystroke in either prompt (target:
at most 1 s of server time for tiny-stories at about 16 tokens).
"""

from __future__ import annotations

import statistics
import time

from model.analysis.patching import patch_head_outputs, patch_resid, prepare
from model.checkpoint import load_checkpoint

from .forward import ROOT

# 16 tokens: "one day" and "then" lengthen the default pair to the page's typical prompt.
CASES = [("tiny-stories", "One day Mary and John went to the store, then John gave a drink to",
          "One day Mary and John went to the store, then Mary gave a drink to")]


def patching_rows(quick: bool = False) -> list[dict]:
    rows = []
    for name, clean, corrupted in CASES:
        bundle = load_checkpoint(ROOT / "sample_checkpoints" / name)
        samples: dict[str, list[float]] = {"resid_grid_ms": [], "head_grid_ms": []}
        for _ in range(3 if quick else 15):
            start = time.perf_counter()
            setup = prepare(bundle, clean, corrupted)  # both prompts' runs: part of what a keystroke costs
            patch_resid(setup)
            samples["resid_grid_ms"].append(time.perf_counter() - start)
            start = time.perf_counter()
            patch_head_outputs(setup)
            samples["head_grid_ms"].append(time.perf_counter() - start)
        rows.append({"model": name, "tokens": len(setup.tokens), "grid": f"{bundle.config.n_layers + 1} x {len(setup.tokens)}",
                     **{k: round(statistics.median(v) * 1000, 1) for k, v in samples.items()}})
    return rows
