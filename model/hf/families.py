"""Hugging Face config.json -> ModelConfig, and HF weight names -> ours, per model family.

Why per family: each family names its tensors and its options differently, but all of them
fit the project's own layers once mapped (GPT-2: learned positions, GELU, biases, tied
unembedding; Llama and Qwen2: RoPE, RMSNorm, SwiGLU, grouped-query attention). Anything a
family may switch on that our layers do not compute (RoPE scaling, sliding windows, scaled
attention per layer) is refused by name rather than run wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch

from ..config import LIMITS, ConfigError, ModelConfig

GPT2_ACTIVATIONS = {"gelu_new": "gelu_tanh", "gelu_pytorch_tanh": "gelu_tanh", "gelu": "gelu", "relu": "relu"}
# Buffers some exports carry that are not weights (GPT-2's causal mask, cached RoPE frequencies).
IGNORED_SUFFIXES = (".attn.bias", ".attn.masked_bias", ".rotary_emb.inv_freq")


def _get(hf: dict, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    if key not in hf:
        if default is ...:
            raise ConfigError(f"{key} is missing")
        return default
    value = hf[key]
    if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
        raise ConfigError(f"{key} must be {getattr(kind, '__name__', 'a number')}, not {value!r}")
    return value


def _refuse_if(condition: bool, what: str) -> None:
    if condition:
        raise ConfigError(f"{what} is not supported")


def gpt2_config(hf: dict) -> ModelConfig:
    d = _get(hf, "n_embd", int)
    act = _get(hf, "activation_function", str, "gelu_new")
    _refuse_if(act not in GPT2_ACTIVATIONS, f"activation_function {act!r}")
    _refuse_if(_get(hf, "scale_attn_by_inverse_layer_idx", bool, False), "scale_attn_by_inverse_layer_idx")
    _refuse_if(not _get(hf, "scale_attn_weights", bool, True), "scale_attn_weights = false")
    _refuse_if(_get(hf, "add_cross_attention", bool, False), "add_cross_attention")
    n_inner = _get(hf, "n_inner", (int, type(None)), None)
    return ModelConfig(
        vocab_size=_get(hf, "vocab_size", int), d_model=d, n_heads=_get(hf, "n_head", int), n_layers=_get(hf, "n_layer", int),
        d_ff=n_inner or 4 * d, norm="pre", qkv_bias=True, attn_out_proj=True, positional="learned",
        max_len=_get(hf, "n_positions", int), tie_embeddings=_get(hf, "tie_word_embeddings", bool, True),
        mlp=GPT2_ACTIVATIONS[act], unembed_bias=False, norm_eps=float(_get(hf, "layer_norm_epsilon", (int, float), 1e-5)),
    ).validate()


def _rope_theta(hf: dict) -> float:
    """rope_theta from the top level (older exports) or from rope_parameters (transformers 5)."""
    params = hf.get("rope_parameters") or {}
    scaling = hf.get("rope_scaling") or {}
    for block in (params, scaling):
        if not isinstance(block, dict):
            raise ConfigError("rope_parameters and rope_scaling must be JSON objects")
        kind = block.get("rope_type", block.get("type", "default"))
        _refuse_if(kind != "default", f"RoPE scaling of type {kind!r}")
    theta = params.get("rope_theta", hf.get("rope_theta", 10000.0))
    if isinstance(theta, bool) or not isinstance(theta, (int, float)):
        raise ConfigError(f"rope_theta must be a number, not {theta!r}")
    return float(theta)


def llama_config(hf: dict, qkv_bias: bool | None = None) -> ModelConfig:
    """Llama (also SmolLM, TinyLlama); Qwen2 passes qkv_bias=True (biases on q, k, v only)."""
    d, heads = _get(hf, "hidden_size", int), _get(hf, "num_attention_heads", int)
    act = _get(hf, "hidden_act", str, "silu")
    _refuse_if(act != "silu", f"hidden_act {act!r}")
    head_dim = _get(hf, "head_dim", (int, type(None)), None)
    _refuse_if(head_dim not in (None, d // heads), f"head_dim = {head_dim} (other than hidden_size / num_attention_heads)")
    _refuse_if(_get(hf, "use_sliding_window", bool, False), "sliding-window attention")
    attention_bias = _get(hf, "attention_bias", bool, False)
    return ModelConfig(
        vocab_size=_get(hf, "vocab_size", int), d_model=d, n_heads=heads, n_layers=_get(hf, "num_hidden_layers", int),
        d_ff=_get(hf, "intermediate_size", int), norm="pre", positional="rope",
        qkv_bias=attention_bias if qkv_bias is None else qkv_bias, attn_out_proj=True, out_bias=attention_bias,
        # RoPE has no table, so the longest prompt is the app's limit, not the model's.
        max_len=min(_get(hf, "max_position_embeddings", int, 2048), LIMITS["max_len"]),
        tie_embeddings=_get(hf, "tie_word_embeddings", bool, False), mlp="swiglu",
        mlp_bias=_get(hf, "mlp_bias", bool, False), unembed_bias=False, norm_type="rmsnorm",
        norm_eps=float(_get(hf, "rms_norm_eps", (int, float), 1e-6)), n_kv_heads=_get(hf, "num_key_value_heads", int, heads),
        rope_theta=_rope_theta(hf),
    ).validate()


def _third(x: torch.Tensor, j: int, d: int) -> torch.Tensor:
    """Part j (q, k or v) of GPT-2's fused c_attn, whose last axis must be 3 * d_model."""
    if x.shape[-1] != 3 * d:
        raise ValueError(f"has shape {list(x.shape)}, but its last axis should be 3 x n_embd = {3 * d}")
    return x[..., j * d:(j + 1) * d]


def gpt2_names(cfg: ModelConfig) -> dict[str, tuple[str, Callable[[torch.Tensor], torch.Tensor]]]:
    """our name -> (HF name, how to turn the HF tensor into ours). GPT-2's Conv1D stores
    [in, out], the transpose of nn.Linear; c_attn holds q, k and v side by side."""
    d = cfg.d_model
    t = lambda x: x.t()  # noqa: E731
    names = {"embed.weight": ("wte.weight", None), "pos.W_pos": ("wpe.weight", None),
             "ln_final.norm.weight": ("ln_f.weight", None), "ln_final.norm.bias": ("ln_f.bias", None)}
    for i in range(cfg.n_layers):
        ours, hf = f"blocks.{i}.", f"h.{i}."
        for j, part in enumerate("QKV"):
            names[f"{ours}attn.W_{part}.weight"] = (f"{hf}attn.c_attn.weight", lambda x, j=j: _third(x, j, d).t())
            names[f"{ours}attn.W_{part}.bias"] = (f"{hf}attn.c_attn.bias", lambda x, j=j: _third(x, j, d))
        names[f"{ours}attn.W_O.weight"] = (f"{hf}attn.c_proj.weight", t)
        names[f"{ours}attn.W_O.bias"] = (f"{hf}attn.c_proj.bias", None)
        names[f"{ours}mlp.W_in.weight"] = (f"{hf}mlp.c_fc.weight", t)
        names[f"{ours}mlp.W_in.bias"] = (f"{hf}mlp.c_fc.bias", None)
        names[f"{ours}mlp.W_out.weight"] = (f"{hf}mlp.c_proj.weight", t)
        names[f"{ours}mlp.W_out.bias"] = (f"{hf}mlp.c_proj.bias", None)
        for n, ln in (("ln1", "ln_1"), ("ln2", "ln_2")):
            for p in ("weight", "bias"):
                names[f"{ours}{n}.norm.{p}"] = (f"{hf}{ln}.{p}", None)
    if not cfg.tie_embeddings:
        names["unembed.weight"] = ("lm_head.weight", None)
    return names


def llama_names(cfg: ModelConfig) -> dict[str, tuple[str, Callable | None]]:
    names = {"embed.weight": ("model.embed_tokens.weight", None), "ln_final.norm.weight": ("model.norm.weight", None)}
    parts = {"attn.W_Q": "self_attn.q_proj", "attn.W_K": "self_attn.k_proj", "attn.W_V": "self_attn.v_proj",
             "attn.W_O": "self_attn.o_proj", "mlp.W_in": "mlp.up_proj", "mlp.W_gate": "mlp.gate_proj", "mlp.W_out": "mlp.down_proj"}
    for i in range(cfg.n_layers):
        ours, hf = f"blocks.{i}.", f"model.layers.{i}."
        for mine, theirs in parts.items():
            names[f"{ours}{mine}.weight"] = (f"{hf}{theirs}.weight", None)
            has_bias = {"attn.W_O": cfg.out_bias}.get(mine, cfg.qkv_bias) if mine.startswith("attn") else cfg.mlp_bias
            if has_bias:
                names[f"{ours}{mine}.bias"] = (f"{hf}{theirs}.bias", None)
        names[f"{ours}ln1.norm.weight"] = (f"{hf}input_layernorm.weight", None)
        names[f"{ours}ln2.norm.weight"] = (f"{hf}post_attention_layernorm.weight", None)
    if not cfg.tie_embeddings:
        names["unembed.weight"] = ("lm_head.weight", None)
    return names


@dataclass(frozen=True)
class Family:
    config: Callable[[dict], ModelConfig]
    names: Callable[[ModelConfig], dict]
    strip_prefix: str = ""  # exports of the bare model leave this prefix off (GPT-2's own files do)


FAMILIES = {
    "gpt2": Family(gpt2_config, gpt2_names, strip_prefix="transformer."),
    "llama": Family(llama_config, llama_names),
    "qwen2": Family(lambda hf: llama_config(hf, qkv_bias=True), llama_names),
}
