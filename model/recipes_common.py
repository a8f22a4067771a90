"""What every training recipe shares: the registry, the result type and the machine line of a
model card.

Why its own module: the lessons' recipes (recipes.py) and the tiny models' (recipes_tiny.py) both
register here, so neither imports the other and recipes.py can gather both without a loop.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from typing import Callable

import torch

from .bundle import ModelBundle
from .train import TrainLog


@dataclass
class Trained:
    bundle: ModelBundle
    log: TrainLog
    card: str


RECIPES: dict[str, Callable[..., Trained]] = {}


def recipe(name: str):
    """Register a recipe under ``name`` (what ``python -m model train NAME`` runs)."""
    def register(fn):
        RECIPES[name] = fn
        return fn

    return register


def machine() -> str:
    """Where a model was trained, for its card: architecture, torch threads and version."""
    threads = torch.get_num_threads()
    return f"{platform.machine()}, {threads} torch thread{'' if threads == 1 else 's'}, torch {torch.__version__}"
