"""Positional encoding equals the formula of "Attention Is All You Need"."""

import math

import pytest
import torch

from model.layers import sinusoidal_encoding


def test_two_dimensions_by_hand():
    # d_model = 2: PE[pos] = [sin(pos), cos(pos)] (10000^0 = 1), the lesson's first squiggles.
    pe = sinusoidal_encoding(3, 2)
    torch.testing.assert_close(pe, torch.tensor([[0.0, 1.0], [0.84147, 0.54030], [0.90930, -0.41615]]), atol=1e-5, rtol=0)


@pytest.mark.parametrize("d_model", [2, 3, 4, 7, 16, 64])
def test_matches_formula(d_model):
    pe = sinusoidal_encoding(50, d_model)
    for pos in range(50):
        for j in range(d_model):
            i = j // 2
            angle = pos / 10000 ** (2 * i / d_model)
            expected = math.sin(angle) if j % 2 == 0 else math.cos(angle)
            assert abs(pe[pos, j].item() - expected) < 1e-5


def test_positions_are_unique():
    pe = sinusoidal_encoding(128, 16)
    assert torch.cdist(pe, pe).add(torch.eye(128)).min() > 1e-3
