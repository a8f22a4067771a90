"""Sampling distributions and step-by-step generation."""

import pytest
import torch

from model.generate import Sampling, distribution, generate, steps
from tests.model_factory import random_bundle

LOGITS = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))


def test_greedy_reports_the_softmax():
    torch.testing.assert_close(distribution(LOGITS), torch.tensor([0.5, 0.3, 0.15, 0.05]))


def test_temperature_sharpens_and_flattens():
    cold = distribution(LOGITS, Sampling(temperature=0.5))
    # p^(1/T) renormalised: 0.25, 0.09, 0.0225, 0.0025 over 0.365
    torch.testing.assert_close(cold, torch.tensor([0.25, 0.09, 0.0225, 0.0025]) / 0.365)
    hot = distribution(LOGITS, Sampling(temperature=100.0))
    assert hot.max() - hot.min() < 0.02


def test_top_k_and_top_p_cut_and_renormalise():
    torch.testing.assert_close(distribution(LOGITS, Sampling(temperature=1.0, top_k=2)), torch.tensor([0.625, 0.375, 0.0, 0.0]))
    # top_p 0.8: 0.5 + 0.3 reaches 0.8, so the third word is cut
    torch.testing.assert_close(distribution(LOGITS, Sampling(temperature=1.0, top_p=0.8)), torch.tensor([0.625, 0.375, 0.0, 0.0]))
    torch.testing.assert_close(distribution(LOGITS, Sampling(temperature=1.0, top_p=0.81)), torch.tensor([0.5, 0.3, 0.15, 0.0]) / 0.95)


def test_bad_sampling_settings_are_refused():
    for bad in (dict(temperature=-1), dict(top_k=-1), dict(top_p=0), dict(top_p=1.5)):
        with pytest.raises(ValueError):
            Sampling(**bad)


def test_sampling_is_seeded_and_stops_at_max_len():
    bundle = random_bundle(max_len=10)
    a = generate(bundle, "the cat", Sampling(temperature=1.5, seed=3))
    assert a == generate(bundle, "the cat", Sampling(temperature=1.5, seed=3))
    assert len(a) <= 8
    got = list(steps(bundle, bundle.encode("the cat").ids, Sampling(temperature=1.5, seed=3)))
    assert [s.token for s in got] == a
    for s in got:
        torch.testing.assert_close(s.probs.sum(), torch.tensor(1.0))
        assert s.probs[s.token_id] > 0


def test_empty_prompt_generates_nothing():
    assert generate(random_bundle(), "") == []
