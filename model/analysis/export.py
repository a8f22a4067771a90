"""Export a whole run: every named tensor of a trace in one ``.npz``, and beside it a ``.json``
with what labels them (tokens, the model's config, the run's options).

Why two files: ``.npz`` holds arrays only and loads with ``numpy.load`` (no pickling:
``allow_pickle`` stays off); the JSON keeps the text readable by anything.
"""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import numpy as np

from ..config import ModelConfig
from ..trace import Trace


def trace_arrays(trace: Trace) -> dict[str, np.ndarray]:
    return {name: t.detach().float().numpy() for name, t in trace.items()}


def trace_metadata(trace: Trace, config: ModelConfig) -> dict:
    return {"tokens": trace.tokens, "src_tokens": trace.src_tokens, "n_prompt": trace.n_prompt,
            "config": config.to_dict(), "options": dataclasses.asdict(trace.options), "names": list(trace)}


def npz_bytes(trace: Trace) -> bytes:
    """The .npz file's bytes, for a download button."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **trace_arrays(trace))
    return buffer.getvalue()


def export_trace(trace: Trace, config: ModelConfig, path: str | Path) -> tuple[Path, Path]:
    """Write ``path`` (.npz added if missing) and the same name with .json; return both paths."""
    npz = Path(path)
    npz = npz if npz.suffix == ".npz" else npz.with_name(npz.name + ".npz")
    npz.parent.mkdir(parents=True, exist_ok=True)
    npz.write_bytes(npz_bytes(trace))
    meta = npz.with_suffix(".json")
    meta.write_text(json.dumps(trace_metadata(trace, config), indent=2))
    return npz, meta
