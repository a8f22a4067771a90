"""Attention rollout and prompt comparison (model/analysis/rollout.py, compare.py)."""

import torch

from model.analysis.compare import compare_patterns
from model.analysis.rollout import attention_rollout, rollout_patterns
from tests.model_factory import random_bundle


def test_rollout_by_hand_on_two_tokens():
    # Layer 1: two heads average to [[1, 0], [.4, .6]]; with the residual, [[1, 0], [.2, .8]].
    layer1 = torch.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.8, 0.2]]])
    # Layer 2: one head [[1, 0], [.8, .2]]; with the residual, [[1, 0], [.4, .6]].
    layer2 = torch.tensor([[[1.0, 0.0], [0.8, 0.2]]])
    rolled = rollout_patterns([layer1, layer2])
    torch.testing.assert_close(rolled[0], torch.tensor([[1.0, 0.0], [0.2, 0.8]]))
    # [[1, 0], [.4, .6]] @ [[1, 0], [.2, .8]] = [[1, 0], [.4 + .12, .48]]
    torch.testing.assert_close(rolled[1], torch.tensor([[1.0, 0.0], [0.52, 0.48]]))


def test_rollout_rows_are_renormalised_when_a_query_sees_nothing():
    nothing = torch.zeros(1, 2, 2)  # a query whose every key is masked attends to nothing
    torch.testing.assert_close(rollout_patterns([nothing])[0], torch.eye(2))


def test_rollout_of_a_model_is_causal_and_sums_to_one():
    bundle = random_bundle(n_layers=3)
    trace = bundle.run("the cat sat on the mat")
    rolled = attention_rollout(bundle, trace)
    assert rolled.shape == (3, 6, 6)
    torch.testing.assert_close(rolled.sum(-1), torch.ones(3, 6))
    assert (rolled.triu(1) == 0).all()


def test_translator_rolls_out_either_stack():
    bundle = random_bundle(architecture="encoder-decoder", n_layers=1, n_encoder_layers=2)
    trace = bundle.run("the cat sat", continuation=[])
    assert attention_rollout(bundle, trace, "encoder").shape[0] == 2
    assert attention_rollout(bundle, trace).shape[0] == 1


def test_compare_aligns_by_position_and_subtracts():
    bundle = random_bundle()
    a, b = bundle.run("the cat sat on the mat"), bundle.run("the dog sat")
    cmp = compare_patterns(a, b, "blocks.1.attn", 2)
    assert cmp.a.shape == (3, 3) and cmp.query_tokens == (["the", "cat", "sat"], ["the", "dog", "sat"])
    torch.testing.assert_close(cmp.a, a.pattern("blocks.1.attn")[2, :3, :3])
    torch.testing.assert_close(cmp.difference, b.pattern("blocks.1.attn")[2] - a.pattern("blocks.1.attn")[2, :3, :3])
    assert compare_patterns(a, a, "blocks.0.attn", 0).difference.abs().max() == 0
