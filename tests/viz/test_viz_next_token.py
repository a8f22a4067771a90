"""viz/next_token.py: the bars hold the trace's last logits through the sampling controls, in rank order."""

import math

import numpy as np
import pytest
import torch

from model.generate import Sampling, distribution
from tests.model_factory import random_bundle
from viz.next_token import CUT, generated_frame, next_token_chart, next_token_frame, prediction_chart, prediction_frame


@pytest.fixture(scope="module")
def bundle():
    return random_bundle()


@pytest.fixture(scope="module")
def trace(bundle):
    return bundle.run("the cat sat on the mat", [3, 5])


def by_id(frame, column):
    return frame.sort_values("id")[column].to_numpy()


def layers(spec):
    return spec["layer"]


def test_greedy_bars_are_the_plain_softmax_in_rank_order(trace, bundle):
    frame = next_token_frame(trace.logits[-1], bundle.tokenizer.vocab, Sampling(), top=0)
    plain = torch.softmax(trace.logits[-1], -1).numpy()
    np.testing.assert_allclose(by_id(frame, "softmax"), plain, rtol=1e-6)
    np.testing.assert_allclose(by_id(frame, "probability"), plain, rtol=1e-6)
    assert frame["probability"].is_monotonic_decreasing and frame["rank"].tolist() == list(range(1, len(frame) + 1))
    assert frame.loc[0, "id"] == int(np.argmax(plain)) and frame.loc[0, "status"] == "chosen"
    assert frame["word"].tolist() == [bundle.tokenizer.vocab[i] for i in frame["id"]]


def test_top_k_and_top_p_cut_words_to_zero(trace, bundle):
    sampling = Sampling(temperature=0.7, top_k=4, top_p=0.9)
    frame = next_token_frame(trace.logits[-1], bundle.tokenizer.vocab, sampling, top=0)
    np.testing.assert_allclose(by_id(frame, "probability"), distribution(trace.logits[-1], sampling).numpy(), rtol=1e-6)
    kept = frame[frame["kept"]]
    assert 1 <= len(kept) <= 4 and math.isclose(kept["probability"].sum(), 1, abs_tol=1e-5)
    cut = frame[~frame["kept"]]
    assert (cut["probability"] == 0).all() and (cut["status"] == CUT).all()
    assert all(label.startswith("cut (softmax") for label in cut["label"])


def test_a_large_vocabulary_shows_the_top_words_and_the_chosen_one():
    torch.manual_seed(0)
    vocab = [f"w{i}" for i in range(500)]
    logits = torch.randn(500)
    order = torch.argsort(logits, descending=True)
    far = int(order[300])  # as if sampling had drawn a word ranked 301st
    frame = next_token_frame(logits, vocab, Sampling(temperature=1.0), top=20, chosen=far)
    assert len(frame) == 21 and frame["rank"].tolist()[:20] == list(range(1, 21))
    assert frame.iloc[-1]["id"] == far and frame.iloc[-1]["rank"] == 301 and frame["chosen"].sum() == 1


def test_the_chart_keeps_rank_order_and_has_exact_tooltips(trace, bundle):
    frame = next_token_frame(trace.logits[-1], bundle.tokenizer.vocab, Sampling(temperature=1.2, top_k=3), top=0)
    spec = next_token_chart(frame, "after 'mat'").to_dict()  # validates against the schema
    ghost, bars, text = layers(spec)
    assert ghost["encoding"]["x"]["field"] == "softmax" and bars["encoding"]["x"]["field"] == "probability"
    assert bars["encoding"]["y"]["sort"] == {"field": "rank", "op": "min"}  # most likely on top
    assert frame["rank"].is_monotonic_increasing and spec["datasets"]["bars"][0]["word"] == frame["word"][0]
    # the title and the axis's end come with the data: no parameter, so the spec stays the same while typing
    assert "params" not in spec and "data('bars')[0].heading" in spec["title"]["text"]["expr"]
    first = spec["datasets"]["bars"][0]
    assert first["heading"] == "after 'mat'" and first["xmax"] == pytest.approx(min(1.0, max(0.05, frame["bar_end"].max() * 1.25)))
    assert next_token_chart(frame, "after 'rug'").spec_json == next_token_chart(frame, "after 'mat'").spec_json
    assert {t["field"] for t in bars["encoding"]["tooltip"]} >= {"word", "probability", "softmax", "rank"}
    assert any(t.get("format") == ".6f" for t in bars["encoding"]["tooltip"])
    assert text["encoding"]["text"]["field"] == "label"
    assert bars["encoding"]["color"]["scale"]["range"][0] == "#ff4b4b"  # the chosen word in red


def test_history_reads_each_generated_words_probability_from_the_trace(trace, bundle):
    ids = [bundle.tokenizer.id_of(t) for t in trace.tokens]
    n_prompt = trace.n_prompt
    history = generated_frame(trace.logits, ids, trace.tokens, n_prompt)
    assert history["word"].tolist() == trace.tokens[n_prompt:] and history["step"].tolist() == [1, 2]
    for row in history.itertuples():
        pos = n_prompt + row.step - 1
        probs = torch.softmax(trace.logits[pos - 1], -1)
        assert math.isclose(row.probability, probs[ids[pos]].item(), rel_tol=1e-5)
        assert row.rank == int((probs > probs[ids[pos]]).sum()) + 1
    assert generated_frame(trace.logits, ids[:n_prompt], trace.tokens[:n_prompt], n_prompt).empty


def test_predictions_along_the_sentence_keep_position_order(trace, bundle):
    frame = prediction_frame(trace.logits, trace.tokens, bundle.tokenizer.vocab, words=5, max_positions=4)
    n = len(trace.tokens)
    assert frame.drop_duplicates("position")["position"].tolist() == list(range(n - 4, n))
    assert frame.drop_duplicates("position")["row_label"].tolist() == [f"{i}: {trace.tokens[i]}" for i in range(n - 4, n)]
    assert frame["column"].nunique() >= 5
    answers = set(trace.tokens[n - 3:n])  # every row's real next word is a column, so its outline is on the chart
    assert answers <= set(frame["word"]) and frame.groupby("position")["is_next"].sum().tolist() == [1, 1, 1, 0]
    for row in frame.sample(10, random_state=0).itertuples():
        expected = torch.softmax(trace.logits[row.position], -1)[bundle.tokenizer.id_of(row.word)].item()
        assert math.isclose(row.probability, expected, rel_tol=1e-5)
        assert row.is_next == (row.position + 1 < n and trace.tokens[row.position + 1] == row.word)
    spec = prediction_chart(frame, "t").to_dict()
    rects, _, outline = spec["layer"]
    assert rects["encoding"]["y"]["sort"] == {"field": "position", "op": "min"}  # rows in position order
    assert rects["encoding"]["x"]["sort"] == {"field": "column", "op": "min"}
    assert outline["transform"] == [{"filter": "datum.is_next"}]  # the word that really came next, outlined
    assert [r["row_label"] for r in spec["datasets"]["cells"]][::frame["column"].nunique()] == [
        f"{i}: {trace.tokens[i]}" for i in range(n - 4, n)]
    assert any(t.get("format") == ".6f" for t in rects["encoding"]["tooltip"])
