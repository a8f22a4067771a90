"""Head scores on hand-built attention patterns with exactly known values."""

import pytest
import torch

from model import heads as H


def one_hot_rows(targets, n):
    """Pattern [Q, K] whose row q attends only to key targets[q]."""
    p = torch.zeros(len(targets), n)
    p[torch.arange(len(targets)), torch.tensor(targets)] = 1.0
    return p


def previous_head(n):
    return one_hot_rows([0] + list(range(n - 1)), n)


def first_head(n):
    return one_hot_rows([0] * n, n)


def uniform_head(n):
    return torch.ones(n, n).tril() / torch.arange(1, n + 1).unsqueeze(1)


def induction_head(half, offset=0):
    n = offset + 2 * half
    targets = [q - half + 1 if q >= offset + half else 0 for q in range(n)]
    return one_hot_rows(targets, n)


def approx(t, values):
    return torch.allclose(t, torch.tensor(values, dtype=torch.float32), atol=1e-6)


def test_patterns_are_valid_causal_distributions():
    for p in (previous_head(6), first_head(6), uniform_head(6), induction_head(4, 1)):
        assert torch.allclose(p.sum(-1), torch.ones(p.shape[0]))
        assert (p.triu(diagonal=1) == 0).all()


def test_previous_and_first_token_scores():
    n = 4
    pattern = torch.stack([previous_head(n), first_head(n), uniform_head(n)])
    uniform = (1 / 2 + 1 / 3 + 1 / 4) / 3          # mean_{q=1..3} 1/(q+1) = 13/36
    # at q=1 the previous token *is* the first token, hence the 1/3 cross terms
    assert approx(H.previous_token_score(pattern), [1.0, 1 / 3, uniform])
    assert approx(H.first_token_score(pattern), [1 / 3, 1.0, uniform])


def test_batched_patterns_average_over_batch():
    n = 5
    batch = torch.stack([torch.stack([previous_head(n)]), torch.stack([first_head(n)])])
    assert batch.shape == (2, 1, n, n)
    assert approx(H.previous_token_score(batch), [(1.0 + 1 / 4) / 2])


def test_duplicate_token_score():
    ids = torch.tensor([1, 2, 3, 1, 2, 3])
    dup = one_hot_rows([0, 0, 0, 0, 1, 2], 6)          # q>=3 looks at q-3
    pattern = torch.stack([dup, uniform_head(6), previous_head(6)])
    expected_uniform = (1 / 4 + 1 / 5 + 1 / 6) / 3
    assert approx(H.duplicate_token_score(pattern, ids), [1.0, expected_uniform, 0.0])
    # a token repeated twice: all earlier copies count
    ids2 = torch.tensor([7, 7, 7])
    assert approx(H.duplicate_token_score(uniform_head(3).unsqueeze(0), ids2),
                  [(1 / 2 + 2 / 3) / 2])
    # no repeated tokens -> 0
    assert approx(H.duplicate_token_score(pattern, torch.arange(6)), [0.0, 0.0, 0.0])
    with pytest.raises(ValueError):
        H.duplicate_token_score(pattern, torch.arange(5))


@pytest.mark.parametrize("half,offset", [(5, 0), (5, 1), (2, 0), (8, 3)])
def test_induction_score(half, offset):
    n = offset + 2 * half
    pattern = torch.stack([induction_head(half, offset), first_head(n)])
    # induction keys are q - half + 1 >= offset + 1 > 0, so a sink head scores 0
    assert approx(H.induction_score(pattern, half, offset=offset), [1.0, 0.0])


def test_induction_of_uniform_and_previous_heads():
    half = 4
    n = 2 * half
    u = H.induction_score(uniform_head(n).unsqueeze(0), half)
    assert approx(u, [sum(1 / (q + 1) for q in range(half, n)) / half])
    assert approx(H.induction_score(previous_head(n).unsqueeze(0), half), [0.0])
    with pytest.raises(ValueError):
        H.induction_score(uniform_head(n - 1).unsqueeze(0), half)


def test_repeated_random_tokens():
    vocab = list(range(10, 60))
    a = H.repeated_random_tokens(vocab, half_len=12, n=8, seed=3)
    assert a.dtype == torch.long and a.shape == (8, 24)
    assert torch.equal(a, H.repeated_random_tokens(vocab, 12, 8, seed=3))
    assert not torch.equal(a, H.repeated_random_tokens(vocab, 12, 8, seed=4))
    assert torch.equal(a[:, :12], a[:, 12:])
    assert set(a.flatten().tolist()) <= set(vocab)
    assert all(len(set(row[:12].tolist())) == 12 for row in a)   # distinct in a half
    assert len({tuple(r) for r in a.tolist()}) == 8
    b = H.repeated_random_tokens([5, 6], half_len=6, n=2, seed=0, prefix_ids=[1])
    assert b.shape == (2, 13) and (b[:, 0] == 1).all()
    assert torch.equal(b[:, 1:7], b[:, 7:])


def test_head_scores_table_and_labels():
    half = 4
    n = 2 * half
    ids = H.repeated_random_tokens(range(100), half, n=1, seed=0)[0]
    patterns = {
        0: torch.stack([previous_head(n), first_head(n)]),
        1: torch.stack([induction_head(half), uniform_head(n)]),
    }
    rows = H.head_scores(patterns, token_ids=ids, half_len=half)
    assert len(rows) == 2 * 2 * len(H.KINDS)
    assert {tuple(sorted(r)) for r in rows} == {("head", "kind", "layer", "score")}
    table = {(r["layer"], r["head"], r["kind"]): r["score"] for r in rows}
    assert table[(0, 0, "previous_token")] == pytest.approx(1.0)
    assert table[(1, 0, "induction")] == pytest.approx(1.0)
    # the induction head looks one past the earlier copy, never at the copy
    assert table[(1, 0, "duplicate_token")] == pytest.approx(0.0)

    labels = {(d["layer"], d["head"]): d["labels"] for d in H.label_heads(rows, 0.5)}
    assert labels[(0, 0)] == ["previous-token"]
    assert labels[(0, 1)] == ["first-token sink"]
    assert labels[(1, 0)] == ["induction"]
    assert labels[(1, 1)] == []
    # only some kinds, list input, per-kind thresholds
    rows2 = H.head_scores([patterns[0]], kinds=["first_token"])
    assert [r["kind"] for r in rows2] == ["first_token", "first_token"]
    per_kind = H.label_heads(rows2, {"first_token": 0.1})
    assert [d["labels"] for d in per_kind] == [["first-token sink"], ["first-token sink"]]
    with pytest.raises(ValueError):
        H.head_scores(patterns, kinds=["induction"])
