"""The one place model/analysis spells trace names (TransformerLens' naming, model/trace.py).

Private on purpose: when model/trace.py gains a shared name helper, only this function changes.
"""

from __future__ import annotations


def _name(prefix: str, leaf: str, layer: int | None = None) -> str:
    """``_name("", "attn.hook_z", 2)`` -> ``"blocks.2.attn.hook_z"``; ``_name("decoder.", "hook_embed")``
    -> ``"decoder.hook_embed"``."""
    return f"{prefix}{leaf}" if layer is None else f"{prefix}blocks.{layer}.{leaf}"
