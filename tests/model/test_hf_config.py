"""The ModelConfig fields the imported families need: estimated_parameters (what the app checks
against a weights file before building) equals the built model's count for every combination,
old config.json files (without the fields) load as before, and impossible values are refused."""

from __future__ import annotations

import itertools
import json

import pytest

from model.config import OPTIONAL_KEYS, ConfigError, ModelConfig
from model.transformer import build_model, count_parameters


def test_estimated_parameters_exact_for_every_combination():
    checked = 0
    for mlp, norm_type, kv, qkv_bias, out_bias, unembed_bias, mlp_bias, tie, positional in itertools.product(
        ("relu", "gelu_tanh", "swiglu"), ("layernorm", "rmsnorm"), (0, 1, 2), *([(False, True)] * 5), ("learned", "rope", "sinusoidal"),
    ):
        cfg = ModelConfig(vocab_size=11, d_model=8, n_heads=4, n_layers=2, d_ff=6, norm="pre", qkv_bias=qkv_bias,
                          attn_out_proj=True, positional=positional, max_len=7, tie_embeddings=tie, mlp=mlp,
                          mlp_bias=mlp_bias, out_bias=out_bias, unembed_bias=unembed_bias, norm_type=norm_type, n_kv_heads=kv)
        assert count_parameters(build_model(cfg)) == cfg.estimated_parameters(), cfg
        checked += 1
    assert checked == 3 * 2 * 3 * 32 * 3


def test_translator_with_rmsnorm_and_biases_off_counts_exactly():
    cfg = ModelConfig(architecture="encoder-decoder", vocab_size=9, src_vocab_size=7, d_model=8, n_heads=2, n_layers=2,
                      n_encoder_layers=1, d_ff=5, norm="post", attn_out_proj=True, norm_type="rmsnorm", out_bias=False, mlp_bias=False)
    assert count_parameters(build_model(cfg)) == cfg.estimated_parameters()


def test_a_config_json_without_the_new_fields_loads_with_todays_behaviour():
    data = ModelConfig(vocab_size=9, d_model=4, n_heads=2, attn_out_proj=True, d_ff=8).to_dict()
    for key in ("mlp", "mlp_bias", "out_bias", "unembed_bias", "norm_type", "norm_eps", "n_kv_heads", "rope_theta"):
        assert key in OPTIONAL_KEYS
        del data[key]
    cfg = ModelConfig.from_json(json.dumps(data))
    assert (cfg.mlp, cfg.norm_type, cfg.norm_eps, cfg.kv_heads, cfg.unembed_bias) == ("relu", "layernorm", 1e-5, 2, True)


@pytest.mark.parametrize("changes, words", [
    ({"n_heads": 4, "n_kv_heads": 3}, "not a multiple of n_kv_heads"),
    ({"n_kv_heads": 65}, "n_kv_heads"),
    ({"positional": "rope", "d_model": 6, "n_heads": 2}, "even d_head"),
    ({"mlp": "tanh"}, "mlp must be one of"),
    ({"norm_type": "batchnorm"}, "norm_type"),
    ({"norm_eps": 0.0}, "norm_eps"),
    ({"rope_theta": float("inf")}, "rope_theta"),
    ({"mlp_bias": 1}, "mlp_bias must be true or false"),
])
def test_impossible_values_are_refused(changes, words):
    base = dict(vocab_size=9, d_model=8, n_heads=2, attn_out_proj=True, d_ff=8)
    with pytest.raises(ConfigError, match=words):
        ModelConfig(**{**base, **changes}).validate()
