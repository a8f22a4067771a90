"""A small, seeded training loop shared by every recipe.

Why one loop: the lessons' toy models and the larger bundled models differ in data and
size, not in how they learn (teacher forcing, cross-entropy on the next token, Adam).
Seeding everything makes ``python -m model train RECIPE`` reproduce the committed model.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import torch
from torch import nn
from tqdm import tqdm

from .transformer import DecoderOnly, EncoderDecoder


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


@dataclass
class Example:
    """One training pair, already as ids: the stream's input and its targets (shifted by one)."""

    inputs: list[int]
    targets: list[int]
    source: list[int] | None = None  # the encoder's input, for a translator


@dataclass
class TrainLog:
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    steps: int = 0


def pad(rows: Sequence[Sequence[int]], value: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad to a tensor [batch, pos] and return the padding mask (True at padding)."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), value, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
    lengths = torch.tensor([len(r) for r in rows])
    return ids, torch.arange(width)[None, :] >= lengths[:, None]


def batch_loss(model: DecoderOnly | EncoderDecoder, batch: list[Example], pad_id: int, src_pad_id: int) -> torch.Tensor:
    inputs, padding = pad([e.inputs for e in batch], pad_id)
    targets, _ = pad([e.targets for e in batch], -100)  # -100: ignored by the loss
    if isinstance(model, EncoderDecoder):
        source, src_padding = pad([e.source for e in batch], src_pad_id)
        logits = model(source, inputs, src_padding=src_padding if src_padding.any() else None,
                       tgt_padding=padding if padding.any() else None)
    else:
        logits = model(inputs, key_padding=padding if padding.any() else None)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)


def train(
    model: DecoderOnly | EncoderDecoder,
    examples: list[Example],
    *,
    epochs: int,
    lr: float,
    batch_size: int = 1,
    pad_id: int = 0,
    src_pad_id: int = 0,
    seed: int = 0,
    shuffle: bool = True,
    weight_decay: float = 0.0,
    decay_matrices_only: bool = False,
    warmup_steps: int = 0,
    max_seconds: float | None = None,
    progress: bool = True,
    on_epoch: Callable[[int, float], None] | None = None,
) -> TrainLog:
    """Adam on next-token cross-entropy; linear warm-up then cosine decay when warmup_steps > 0.

    decay_matrices_only: weight decay on the weight matrices (and embeddings) only, not on
    biases, layer norms or a local layer's distance bias, as nanoGPT and GPT-2 train. Then
    looking at a word because of what it is (query and key weights) costs weight, while
    looking at it because of where it is (the distance bias) does not.
    """
    seed_everything(seed)
    order = random.Random(seed)
    if weight_decay and decay_matrices_only:
        named = list(model.named_parameters())
        decayed = [p for n, p in named if p.dim() >= 2 and not n.endswith("distance_bias")]
        kept = [p for n, p in named if not (p.dim() >= 2 and not n.endswith("distance_bias"))]
        optimizer = torch.optim.AdamW([{"params": decayed, "weight_decay": weight_decay},
                                       {"params": kept, "weight_decay": 0.0}], lr=lr)
    elif weight_decay:
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = (len(examples) + batch_size - 1) // batch_size
    total = epochs * steps_per_epoch
    schedule = None
    if warmup_steps:
        import math

        def factor(step: int) -> float:
            if step < warmup_steps:
                return (step + 1) / warmup_steps
            return 0.5 * (1 + math.cos(math.pi * (step - warmup_steps) / max(1, total - warmup_steps)))

        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    log = TrainLog()
    start = time.perf_counter()
    model.train()
    bar = tqdm(total=total, disable=not progress, unit="step", dynamic_ncols=True)
    try:
        for epoch in range(epochs):
            indices = list(range(len(examples)))
            if shuffle:
                order.shuffle(indices)
            epoch_losses = []
            for b in range(0, len(indices), batch_size):
                batch = [examples[i] for i in indices[b : b + batch_size]]
                loss = batch_loss(model, batch, pad_id, src_pad_id)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if warmup_steps:  # the larger recipes: clip, as GPT-2 training does
                    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                if schedule is not None:
                    schedule.step()
                epoch_losses.append(loss.item())
                log.steps += 1
                bar.update(1)
                bar.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.4f}")
                if max_seconds and time.perf_counter() - start > max_seconds:
                    break
            mean = sum(epoch_losses) / len(epoch_losses)
            log.losses.append(mean)
            if on_epoch:
                on_epoch(epoch, mean)
            if max_seconds and time.perf_counter() - start > max_seconds:
                break
    finally:
        bar.close()
        model.eval()
    log.seconds = time.perf_counter() - start
    return log

