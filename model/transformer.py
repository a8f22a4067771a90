"""The two architectures of the lessons, built from one set of layers.

``DecoderOnly`` (lesson 2, GPT-style) is one stack of masked self-attention blocks.
``EncoderDecoder`` (lesson 1, the translator) is an encoder stack (unmasked self-attention)
and a decoder stack (masked self-attention + encoder-decoder attention).
Both return logits from ``forward`` (training) and a full ``Trace`` from ``run`` (the app).
"""

from __future__ import annotations

import torch
from torch import nn

from .config import ModelConfig
from .layers import Block, LayerNorm, Named, PositionalEncoding
from .trace import Recorder, RunOptions, hook


class Stack(Named):
    """Embedding + positional encoding + blocks (+ final norm): the encoder, or the decoder."""

    def __init__(self, cfg: ModelConfig, vocab_size: int, n_layers: int, causal: bool, cross: bool) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, cfg.d_model)
        self.pos = None if cfg.positional == "rope" else PositionalEncoding(cfg)  # RoPE turns q and k instead
        self.blocks = nn.ModuleList(
            Block(cfg, causal=causal, cross=cross, window=cfg.window_of(i) if causal else 0)
            for i in range(n_layers)
        )
        self.ln_final = LayerNorm(cfg) if cfg.norm == "pre" else None

    def forward_stack(self, ids: torch.Tensor, rec: Recorder | None, key_padding=None, memory=None, memory_padding=None,
                      prompt_stream=True) -> torch.Tensor:
        """ids [B, pos] -> the stack's output stream [B, pos, d_model]; ``memory``: the encoder's output,
        read by a decoder's cross-attention."""
        x = hook(rec, self.hook_name("hook_embed"), self.embed(ids))  # [B, pos, d_model]
        if self.pos is not None:
            start = 0 if rec is None else rec.past  # a prefix run's first position
            x = x + hook(rec, self.hook_name("hook_pos_embed"), self.pos(ids.shape[1], start)[None].expand_as(x))
        for block in self.blocks:
            x = block(x, rec, key_padding, memory, memory_padding, self_keys_are_prompt=prompt_stream)
        return x if self.ln_final is None else self.ln_final(x, rec)


def _name_modules(root: nn.Module) -> None:
    """Give every traced module its dotted name from the tree: names are derived, never typed."""
    for name, module in root.named_modules():
        if isinstance(module, Named):
            module.name = name


class DecoderOnly(Stack):
    """Lesson 2: prompt and answer flow through one stack of masked self-attention."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__(cfg, cfg.vocab_size, cfg.n_layers, causal=True, cross=False)
        self.cfg = cfg
        self.unembed = nn.Linear(cfg.d_model, cfg.vocab_size, bias=cfg.unembed_bias)
        if cfg.tie_embeddings:
            self.unembed.weight = self.embed.weight
        _name_modules(self)

    def forward(self, ids: torch.Tensor, rec: Recorder | None = None, key_padding: torch.Tensor | None = None) -> torch.Tensor:
        """ids [batch, pos] -> logits [batch, pos, vocab]."""
        return hook(rec, "logits", self.unembed(self.forward_stack(ids, rec, key_padding)))

    def run(self, ids: list[int], options: RunOptions = RunOptions(), capture: bool = True, lean: bool = False) -> tuple[torch.Tensor | None, dict]:
        """One prompt, no batch: (logits [pos, vocab], named tensors); lean (with capture): without
        what a Trace recomputes on lookup (model/trace.py), the logits among them (None here)."""
        return self.run_with(Recorder(options, capture, lean=self.cfg.norm if lean else None), ids)

    def run_with(self, rec: Recorder, ids: list[int]) -> tuple[torch.Tensor | None, dict]:
        """run() with a given recorder (model/prefix.py's carries a prefix's keys and values)."""
        with torch.inference_mode():
            if rec.capture and rec.lean:
                self.forward_stack(torch.tensor([ids], dtype=torch.long), rec)
                return None, rec.recomputed("logits")
            logits = self(torch.tensor([ids], dtype=torch.long), rec)
        return logits[0], rec.tensors


class EncoderDecoder(nn.Module):
    """Lesson 1: the encoder reads the whole input; the decoder writes the output word by word."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = Stack(cfg, cfg.src_vocab_size, cfg.n_encoder_layers, causal=False, cross=False)
        self.decoder = Stack(cfg, cfg.vocab_size, cfg.n_layers, causal=True, cross=True)
        self.unembed = nn.Linear(cfg.d_model, cfg.vocab_size, bias=cfg.unembed_bias)
        if cfg.tie_embeddings:
            self.unembed.weight = self.decoder.embed.weight
        _name_modules(self)

    def forward(
        self,
        src: torch.Tensor,  # [batch, src_pos]
        tgt: torch.Tensor,  # [batch, tgt_pos]
        rec: Recorder | None = None,
        src_padding: torch.Tensor | None = None,
        tgt_padding: torch.Tensor | None = None,
    ) -> torch.Tensor:
        memory = self.encoder.forward_stack(src, rec, src_padding)  # [B, src_pos, d_model]
        x = self.decoder.forward_stack(tgt, rec, tgt_padding, memory, src_padding, prompt_stream=False)
        return hook(rec, "logits", self.unembed(x))  # [B, tgt_pos, vocab]

    def run(self, src_ids: list[int], tgt_ids: list[int], options: RunOptions = RunOptions(), capture: bool = True,
            lean: bool = False) -> tuple[torch.Tensor, dict]:
        rec = Recorder(options, capture, lean=self.cfg.norm if lean else None)
        src, tgt = torch.tensor([src_ids], dtype=torch.long), torch.tensor([tgt_ids], dtype=torch.long)
        with torch.inference_mode():
            if capture and lean:  # the logits are recomputed on lookup
                self.decoder.forward_stack(tgt, rec, None, self.encoder.forward_stack(src, rec), None, prompt_stream=False)
                return None, rec.recomputed("logits")
            logits = self(src, tgt, rec)
        return logits[0], rec.tensors


def build_model(cfg: ModelConfig) -> DecoderOnly | EncoderDecoder:
    cfg.validate()
    return EncoderDecoder(cfg) if cfg.is_encoder_decoder else DecoderOnly(cfg)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
