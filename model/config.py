"""Model configuration: one small dataclass that describes every architecture we bundle.

The same fields describe the lessons' 2-number toy models and the larger "extra stuff"
models, so a checkpoint's ``config.json`` is readable by a learner and validated before
a single weight is read (an absurd config must fail fast, not allocate 10^9 floats).
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any

from .json_text import JsonTextError, parse_json

ARCHITECTURES = ("decoder-only", "encoder-decoder")
NORMS = ("none", "pre", "post")
POSITIONALS = ("sinusoidal", "learned", "rope")
MLPS = ("relu", "gelu", "gelu_tanh", "swiglu")
NORM_TYPES = ("layernorm", "rmsnorm")

# Upper bounds that keep a hand-edited config from exhausting memory when the app loads it.
LIMITS = {
    "d_model": 4096,
    "n_heads": 64,
    "n_layers": 48,
    "n_encoder_layers": 48,
    "d_ff": 16384,
    "max_len": 8192,
    "vocab_size": 200_000,
    "src_vocab_size": 200_000,
    "local_layers": 48,
    "local_window": 8192,
    "n_kv_heads": 64,
}
# Keys a config.json written before they existed may leave out: the default is what such a
# checkpoint was trained with.
OPTIONAL_KEYS = ("local_layers", "local_window", "distance_bias", "mlp", "mlp_bias", "out_bias", "unembed_bias",
                 "norm_type", "norm_eps", "n_kv_heads", "rope_theta")
_BOOLS = ("qkv_bias", "attn_out_proj", "tie_embeddings", "distance_bias", "mlp_bias", "out_bias", "unembed_bias")
_MAY_BE_ZERO = ("d_ff", "n_encoder_layers", "src_vocab_size", "local_layers", "local_window", "n_kv_heads")
MAX_PARAMETERS = 200_000_000


class ConfigError(ValueError):
    """A config that cannot describe a model we can build."""


@dataclass(frozen=True)
class ModelConfig:
    architecture: str = "decoder-only"  # or "encoder-decoder" (the lesson-1 translator)
    vocab_size: int = 5  # output vocabulary (the decoder's, for a translator)
    src_vocab_size: int = 0  # encoder vocabulary; 0 for decoder-only
    d_model: int = 2  # numbers per token: 2 in both lessons
    n_heads: int = 1
    n_layers: int = 1  # decoder blocks (or the only stack)
    n_encoder_layers: int = 0  # encoder blocks; 0 for decoder-only
    d_ff: int = 0  # feed-forward width; 0 = no feed-forward block, as in the lessons
    norm: str = "none"  # "pre" like GPT-2, "post" like the 2017 paper, "none" like the lessons
    qkv_bias: bool = False  # the lessons' attention has no biases
    attn_out_proj: bool = False  # W_O after concatenating heads; the lessons have none
    positional: str = "sinusoidal"  # the paper's squiggles, or a learned table
    max_len: int = 6
    tie_embeddings: bool = False  # share the output layer with the (decoder) embedding
    # Local attention (GPT-3's "locally banded" layers, Longformer's and Mistral's sliding window):
    # the first `local_layers` masked self-attention layers see only the last `local_window`
    # words, the word itself included; with `distance_bias` each head of those layers also learns
    # one number per distance back (T5's relative positions), added to its scores.
    local_layers: int = 0
    local_window: int = 0
    distance_bias: bool = False
    # What the Hugging Face families add (model/hf); the defaults are what the project's own models use.
    mlp: str = "relu"  # "gelu_tanh" is GPT-2's gelu_new; "swiglu" is Llama's W_out(silu(W_gate x) * W_in x)
    mlp_bias: bool = True  # Llama's and Qwen2's feed-forward layers have no biases
    out_bias: bool = True  # bias of W_O; Llama and Qwen2 have none
    unembed_bias: bool = True  # GPT-2's and Llama's output layers have none
    norm_type: str = "layernorm"  # "rmsnorm" (Llama): scale by the root mean square, no mean, no bias
    norm_eps: float = 1e-5  # added to the variance inside the norm (torch's LayerNorm default)
    n_kv_heads: int = 0  # grouped-query attention: key/value heads, each shared by n_heads / n_kv_heads query heads; 0 = n_heads
    rope_theta: float = 10000.0  # RoPE's base: pair i of a head turns by pos * rope_theta^(-2i/d_head)

    def window_of(self, layer: int) -> int:
        """How many words masked self-attention layer ``layer`` (0-based) sees, the word itself
        included; 0 for every earlier word."""
        return self.local_window if layer < self.local_layers else 0

    @property
    def d_head(self) -> int:
        return self.d_model // self.n_heads

    @property
    def kv_heads(self) -> int:
        return self.n_kv_heads or self.n_heads

    @property
    def is_encoder_decoder(self) -> bool:
        return self.architecture == "encoder-decoder"

    def validate(self) -> "ModelConfig":
        """Raise ConfigError naming the first field that cannot work; return self."""
        if self.architecture not in ARCHITECTURES:
            raise ConfigError(f"architecture must be one of {ARCHITECTURES}, not {self.architecture!r}")
        if self.norm not in NORMS:
            raise ConfigError(f"norm must be one of {NORMS}, not {self.norm!r}")
        if self.positional not in POSITIONALS:
            raise ConfigError(f"positional must be one of {POSITIONALS}, not {self.positional!r}")
        if self.mlp not in MLPS:
            raise ConfigError(f"mlp must be one of {MLPS}, not {self.mlp!r}")
        if self.norm_type not in NORM_TYPES:
            raise ConfigError(f"norm_type must be one of {NORM_TYPES}, not {self.norm_type!r}")
        for name, upper in (("norm_eps", 1.0), ("rope_theta", 1e9)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and 0 < value <= upper):
                raise ConfigError(f"{name} must be a number above 0 and at most {upper:g}, not {value!r}")
        for name in _BOOLS:
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be true or false, not {getattr(self, name)!r}")
        for name, upper in LIMITS.items():
            value = getattr(self, name)
            lower = 0 if name in _MAY_BE_ZERO else 1
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{name} must be an integer, not {value!r}")
            if not lower <= value <= upper:
                raise ConfigError(f"{name} = {value} is outside the supported range {lower}..{upper}")
        if self.d_model % self.n_heads:
            raise ConfigError(f"d_model = {self.d_model} is not divisible by n_heads = {self.n_heads}")
        if self.n_heads % self.kv_heads:
            raise ConfigError(f"n_heads = {self.n_heads} is not a multiple of n_kv_heads = {self.n_kv_heads}")
        if self.positional == "rope" and (self.is_encoder_decoder or self.d_head % 2):
            raise ConfigError("rope turns pairs of numbers in each head: it needs a decoder-only model and an even d_head")
        if self.n_heads > 1 and not self.attn_out_proj:
            raise ConfigError("several heads need attn_out_proj = true to mix their outputs")
        if self.is_encoder_decoder and (self.src_vocab_size < 1 or self.n_encoder_layers < 1):
            raise ConfigError("an encoder-decoder needs src_vocab_size >= 1 and n_encoder_layers >= 1")
        if not self.is_encoder_decoder and (self.src_vocab_size or self.n_encoder_layers):
            raise ConfigError("a decoder-only model has no encoder: src_vocab_size and n_encoder_layers must be 0")
        if self.local_layers > self.n_layers:
            raise ConfigError(f"local_layers = {self.local_layers} is more than the {self.n_layers} decoder layers")
        if bool(self.local_layers) != bool(self.local_window):
            raise ConfigError("local attention needs both local_layers >= 1 and local_window >= 1 (or both 0)")
        if self.distance_bias and not self.local_layers:
            raise ConfigError("distance_bias is learned per distance inside a local window: it needs local_layers >= 1")
        if self.estimated_parameters() > MAX_PARAMETERS:
            raise ConfigError(
                f"this config has about {self.estimated_parameters():,} parameters, "
                f"more than the {MAX_PARAMETERS:,} this app is built for"
            )
        return self

    def estimated_parameters(self) -> int:
        """The exact parameter count (tied weights once), from the config alone: checked against
        the weights file before a model is built."""
        d, f, kv = self.d_model, self.d_ff, self.kv_heads * self.d_head
        attn = d * d + 2 * d * kv + ((d + 2 * kv) if self.qkv_bias else 0)
        attn += (d * d + (d if self.out_bias else 0)) if self.attn_out_proj else 0
        n_in = 2 if self.mlp == "swiglu" else 1  # SwiGLU has a gate beside W_in
        ff = ((n_in + 1) * d * f + ((n_in * f + d) if self.mlp_bias else 0)) if f else 0
        norm = d if self.norm_type == "rmsnorm" else 2 * d  # scale (+ shift)
        norms_per_block = 0 if self.norm == "none" else 1 + bool(f)  # the attention's, and the feed-forward's if any
        block = attn + ff + norms_per_block * norm
        decoder_block = block + ((attn + (norm if self.norm != "none" else 0)) if self.is_encoder_decoder else 0)
        embed = self.vocab_size * d + self.src_vocab_size * d
        pos = (self.max_len * d * (2 if self.is_encoder_decoder else 1)) if self.positional == "learned" else 0
        final_norm = (norm * (2 if self.is_encoder_decoder else 1)) if self.norm == "pre" else 0
        out = (0 if self.tie_embeddings else self.vocab_size * d) + (self.vocab_size if self.unembed_bias else 0)
        bias = self.local_layers * self.n_heads * self.local_window if self.distance_bias else 0
        return bias + embed + pos + self.n_encoder_layers * block + self.n_layers * decoder_block + final_norm + out

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> "ModelConfig":
        """Build and validate; unknown or missing keys are errors, not silent defaults."""
        if not isinstance(data, dict):
            raise ConfigError("the config must be a JSON object")
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - fields)
        if unknown:
            raise ConfigError(f"unknown config keys: {', '.join(unknown)}")
        missing = sorted(fields - set(data) - set(OPTIONAL_KEYS))
        if missing:
            raise ConfigError(f"missing config keys: {', '.join(missing)}")
        return cls(**data).validate()

    @classmethod
    def from_json(cls, text: str) -> "ModelConfig":
        try:
            data = parse_json(text)
        except JsonTextError as err:
            raise ConfigError(str(err)) from None
        return cls.from_dict(data)
