"""Attention math against hand-computed values and against torch's own implementation."""

import math

import pytest
import torch

from model.config import ModelConfig
from model.layers import Attention
from model.trace import Recorder


def identity_attention(d: int = 2, heads: int = 1, causal: bool = False) -> Attention:
    """W_Q = W_K = W_V = I, so q = k = v = x and every number can be worked out by hand."""
    cfg = ModelConfig(d_model=d, n_heads=heads, attn_out_proj=heads > 1, vocab_size=5)
    attn = Attention(cfg, causal=causal)
    with torch.no_grad():
        for lin in (attn.W_Q, attn.W_K, attn.W_V):
            lin.weight.copy_(torch.eye(d))
        if attn.W_O is not None:
            attn.W_O.weight.copy_(torch.eye(d))
            attn.W_O.bias.zero_()
    attn.name = "attn"
    return attn


def test_two_tokens_by_hand():
    # x = [[1, 0], [0, 1]]: dots = [[1, 0], [0, 1]]; scaled by 1/sqrt(2) = 0.70711.
    # softmax([0.70711, 0]) = [e^0.70711 / (e^0.70711 + 1), 1 / (e^0.70711 + 1)] = [0.66976, 0.33024]
    x = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    rec = Recorder()
    out = identity_attention()(x, x, rec)
    assert rec.tensors["attn.hook_dots"][0].tolist() == [[1.0, 0.0], [0.0, 1.0]]
    torch.testing.assert_close(rec.tensors["attn.hook_scaled"][0], torch.tensor([[0.70711, 0.0], [0.0, 0.70711]]), atol=1e-5, rtol=0)
    torch.testing.assert_close(rec.tensors["attn.hook_pattern"][0], torch.tensor([[0.66976, 0.33024], [0.33024, 0.66976]]), atol=1e-5, rtol=0)
    # output = weighted sum of the values (v = x): row 0 = 0.66976 * [1, 0] + 0.33024 * [0, 1]
    torch.testing.assert_close(out[0], torch.tensor([[0.66976, 0.33024], [0.33024, 0.66976]]), atol=1e-5, rtol=0)


def test_causal_mask_by_hand():
    # With the mask, the first token sees only itself (100%); the second sees both as above.
    x = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    rec = Recorder()
    identity_attention(causal=True)(x, x, rec)
    assert rec.tensors["attn.hook_mask"].tolist() == [[0.0, -math.inf], [0.0, 0.0]]
    torch.testing.assert_close(rec.tensors["attn.hook_pattern"][0], torch.tensor([[1.0, 0.0], [0.33024, 0.66976]]), atol=1e-5, rtol=0)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("heads", [1, 2, 4])
def test_matches_formula_and_torch_sdpa(causal, heads):
    torch.manual_seed(heads)
    cfg = ModelConfig(d_model=8, n_heads=heads, attn_out_proj=True, qkv_bias=True, vocab_size=5)
    attn = Attention(cfg, causal=causal)
    attn.name = "attn"
    x = torch.randn(1, 5, 8)
    rec = Recorder()
    out = attn(x, x, rec)
    q, k, v = (rec.tensors[f"attn.hook_{n}"].transpose(0, 1) for n in "qkv")  # [head, pos, d_head]
    mask = torch.zeros(5, 5) if not causal else torch.full((5, 5), -math.inf).triu(1)
    expected = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(cfg.d_head) + mask, dim=-1) @ v
    torch.testing.assert_close(rec.tensors["attn.hook_z"].transpose(0, 1), expected, atol=1e-5, rtol=0)
    reference = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
    torch.testing.assert_close(rec.tensors["attn.hook_z"].transpose(0, 1), reference, atol=1e-5, rtol=0)
    torch.testing.assert_close(out[0], attn.W_O(expected.transpose(0, 1).reshape(5, 8)), atol=1e-5, rtol=0)


def test_pattern_rows_sum_to_one_and_trace_names_are_complete():
    attn = identity_attention(d=4, heads=2, causal=True)
    rec = Recorder()
    attn(torch.randn(1, 6, 4), torch.randn(1, 6, 4), rec)
    torch.testing.assert_close(rec.tensors["attn.hook_pattern"].sum(-1), torch.ones(2, 6))
    assert set(rec.tensors) == {f"attn.hook_{n}" for n in ("q", "k", "v", "dots", "scaled", "mask", "attn_scores", "pattern", "z")}


def local_attention(window: int, bias: list[list[float]] | None = None) -> Attention:
    """A causal one-head layer that sees the last ``window`` words, W_Q = W_K = 0 (every score 0
    before the bias), W_V = I: the pattern is the softmax of the distance bias alone."""
    cfg = ModelConfig(d_model=2, n_heads=1, vocab_size=5, local_layers=1, local_window=window,
                      distance_bias=bias is not None)
    attn = Attention(cfg, causal=True, window=window)
    with torch.no_grad():
        attn.W_Q.weight.zero_()
        attn.W_K.weight.zero_()
        attn.W_V.weight.copy_(torch.eye(2))
        if bias is not None:
            attn.distance_bias.copy_(torch.tensor(bias))
    attn.name = "attn"
    return attn


def test_local_window_hides_words_too_far_back_by_hand():
    # Window 2: each word sees itself and the word before it, so with equal scores 50% / 50%
    # (the first word only itself).
    x = torch.randn(1, 4, 2)
    rec = Recorder()
    local_attention(2)(x, x, rec)
    inf = -math.inf
    assert rec.tensors["attn.hook_mask"].tolist() == [[0, inf, inf, inf], [0, 0, inf, inf], [inf, 0, 0, inf], [inf, inf, 0, 0]]
    torch.testing.assert_close(rec.tensors["attn.hook_pattern"][0], torch.tensor(
        [[1.0, 0, 0, 0], [0.5, 0.5, 0, 0], [0, 0.5, 0.5, 0], [0, 0, 0.5, 0.5]]))
    assert "attn.hook_distance_bias" not in rec.tensors


def test_distance_bias_by_hand():
    # Window 3, bias [0, ln 4, 0] for 0, 1 and 2 words back: a word with two words before it gives
    # e^ln4 / (1 + 4 + 1) = 4/6 to the word before; the second word 4/5; every score is the bias.
    x = torch.randn(1, 4, 2)
    rec = Recorder()
    out = local_attention(3, [[0.0, math.log(4), 0.0]])(x, x, rec)
    b = math.log(4)
    torch.testing.assert_close(rec.tensors["attn.hook_distance_bias"][0], torch.tensor(
        [[0, 0, 0, 0], [b, 0, 0, 0], [0, b, 0, 0], [0, 0, b, 0]]))  # one back: ln 4; else 0
    pattern = rec.tensors["attn.hook_pattern"][0]
    torch.testing.assert_close(pattern, torch.tensor(
        [[1, 0, 0, 0], [4 / 5, 1 / 5, 0, 0], [1 / 6, 4 / 6, 1 / 6, 0], [0, 1 / 6, 4 / 6, 1 / 6]]))
    torch.testing.assert_close(out[0], pattern @ x[0])  # values are the inputs (W_V = I)


def test_without_the_causal_mask_a_local_layer_sees_every_word():
    from model.trace import RunOptions

    x = torch.randn(1, 5, 2)
    rec = Recorder(RunOptions(causal=False))
    local_attention(2)(x, x, rec)
    assert (rec.tensors["attn.hook_mask"] == 0).all()


def test_padding_past_the_end_of_a_local_window_gives_finite_gradients():
    # A padding query whose whole window is padding would be a row of -inf (NaN gradients); it
    # looks at itself instead, and its output is not used.
    attn = local_attention(2, [[0.0, 1.0]])
    x = torch.randn(2, 5, 2, requires_grad=True)
    padding = torch.tensor([[False] * 5, [False, False, True, True, True]])
    attn(x, x, None, key_padding=padding)[0].sum().backward()
    assert torch.isfinite(x.grad).all() and torch.isfinite(attn.distance_bias.grad).all()
