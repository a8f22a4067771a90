"""Where the model's numbers live: its parameters grouped into the parts a learner names.

Why by part and not by tensor: a learner asks "how many numbers does attention take?", not for
``blocks.3.attn.W_Q.weight``; one row per part, summed over the layers, answers that and still
lists every shape.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd
import torch


PARTS = [  # (pattern in the parameter's name, what a learner calls it); first match wins
    ("cross_attn.W_O", "Encoder-decoder attention: output weights"),
    ("cross_attn.", "Encoder-decoder attention: query, key, value weights"),
    ("attn.W_O", "Self-attention: output weights W_O"),
    ("attn.distance_bias", "Self-attention: bias per distance back (local layers)"),
    ("attn.", "Self-attention: query, key, value weights"),
    ("mlp.", "Feed-forward"),
    ("ln", "Layer norms"),
    ("embed.", "Word embedding"),
    ("pos.", "Positional encoding (learned)"),
    ("unembed.", "Fully connected layer (one score per word)"),
]


def _part(name: str) -> tuple[str, str]:
    stack = name.split(".", 1)[0] if name.startswith(("encoder.", "decoder.")) else ""
    rest = name[len(stack) + 1:] if stack else name
    if rest.startswith("unembed."):
        return "output", PARTS[-1][1]
    for pattern, part in PARTS:
        if pattern in rest and not (pattern == "embed." and rest.startswith("unembed.")):
            return stack or "decoder", part
    return stack or "decoder", rest


def parameter_frame(named_parameters: Iterable[tuple[str, torch.Tensor]]) -> pd.DataFrame:
    """Where the model's numbers live: one row per part (summed over layers), in model order.

    Takes ``model.named_parameters()`` so the count is the model's own (tied weights count once).
    """
    rows = []
    for name, tensor in named_parameters:
        stack, part = _part(name)
        rows.append({"stack": stack, "part": part, "shape": " x ".join(str(s) for s in tensor.shape),
                     "parameters": int(tensor.numel())})
    frame = pd.DataFrame(rows, columns=["stack", "part", "shape", "parameters"])
    grouped = frame.groupby(["stack", "part"], sort=False).agg(
        tensors=("shape", "size"), shapes=("shape", lambda s: ", ".join(dict.fromkeys(s))), parameters=("parameters", "sum"))
    return grouped.reset_index()[["stack", "part", "tensors", "shapes", "parameters"]]
