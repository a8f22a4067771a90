"""The page views (viz/mask_views.py, heads_views.py, overview.py) and the caches behind the pages
(app_pages/cache.py): payloads checked against the trace and hand-worked numbers."""

from pathlib import Path

import numpy as np
import pytest
import torch

from app_pages import cache
from model.checkpoint import load_checkpoint
from model.trace import RunOptions
from tests.model_factory import random_bundle
from viz import heads_views as hv
from viz import mask_views as mv
from viz import overview as vo
from viz.views import Panel

CHECKPOINTS = Path(__file__).parents[2] / "sample_checkpoints"
DECODER = load_checkpoint(CHECKPOINTS / "statquest-decoder")
TRANSLATOR = load_checkpoint(CHECKPOINTS / "statquest-translator")


@pytest.fixture(scope="module")
def trace():
    return DECODER.run("what is statquest")  # what, is, statquest, <EOS>


def test_the_stage_grid_lays_out_four_panels_of_the_trace(trace):
    module = trace.attention_modules()[0]
    grid = mv.stage_grid(trace, DECODER.config, module, 0, 1, None)
    assert [p.name for p in grid.panels] == ["mask-mask", "mask-scores", "mask-masked", "mask-softmax"]
    # 4 tokens fit four in a row: cell = (840 - 110 labels - 4 x 30) // (4 x 4) = 38 px, panel = 4 x 38 + 30 = 182 px
    assert grid.per_row == 4 and [p.data["cell"] for p in grid.panels] == [38] * 4
    assert grid.widths == [110 + 182, 182, 182, 182, 860 - 110 - 4 * 182] and sum(grid.widths) == mv.PAGE_PX
    assert [p.data["row_labels"] for p in grid.panels] == [True, False, False, False]
    softmax = grid.panels[3]
    np.testing.assert_allclose(softmax.csv()["softmax"].to_numpy().reshape(4, 4), trace.pattern(module)[0].numpy() * 100, rtol=1e-6)
    assert softmax.file_name == f"softmax-{module}-head1" and softmax.data["chosen"] == 1


def test_a_long_prompt_puts_the_stages_in_a_two_by_two_grid():
    bundle = random_bundle(max_len=16)
    trace = bundle.run("the cat sat on the mat and it")
    n = len(trace.tokens)
    grid = mv.stage_grid(trace, bundle.config, "blocks.0.attn", 0, 0, None)
    assert n > 6 and grid.per_row == 2 and all(p.data["row_labels"] for p in grid.panels)
    cell = min(40, (400 - 110) // n)
    assert all(p.data["cell"] == cell for p in grid.panels) and grid.widths[:2] == [110 + max(n * cell + 30, 175)] * 2


def test_what_the_query_word_may_look_at(trace):
    module = trace.attention_modules()[0]
    assert mv.looks_at_note(trace, module, 1) == ("Query word 1 (is), outlined in red, may look at words 0–1; "
                                                  "the -∞ on words 2–3, after it, turn into 0%.")
    assert mv.looks_at_note(trace, module, 3).startswith("Query word 3 (<EOS>), outlined in red, may look at words 0–3. It is the last word")
    assert mv.local_layer_note(trace, DECODER.config, module) is None  # no local layers


def test_a_local_layer_says_what_its_window_hides():
    bundle = random_bundle(local_layers=1, local_window=3, max_len=16)
    trace = bundle.run("the cat sat on the mat")
    note = mv.looks_at_note(trace, "blocks.0.attn", 4)
    assert "may look at words 2–4" in note and "words 5, after it" in note and "words 0–1, too far back" in note
    assert "only the last 3 words (the word itself and the 2 before it)" in mv.local_layer_note(trace, bundle.config, "blocks.0.attn")
    assert mv.local_layer_note(trace, bundle.config, "blocks.1.attn") is None


def test_without_the_mask_the_change_is_the_difference_of_the_two_runs(trace):
    module = trace.attention_modules()[0]
    unmasked = DECODER.run("what is statquest", options=RunOptions(causal=False))
    note, panels = mv.without_mask_view(trace, unmasked, DECODER.config, module, 0, None)
    assert "upper-right triangle fills in" in note and [p.name for p in panels] == ["nomask-with", "nomask-without", "nomask-change"]
    change = panels[2].csv()
    expected = (unmasked.pattern(module)[0] - trace.pattern(module)[0]).numpy() * 100
    np.testing.assert_allclose(change["change"].to_numpy().reshape(4, 4), expected, atol=1e-4)


def test_the_encoder_contrast_is_the_encoders_pattern():
    trace = TRANSLATOR.run("let's go")
    panel = mv.encoder_contrast(trace, "decoder.blocks.0.attn", 0, False)
    assert isinstance(panel, Panel) and panel.name == "mask-encoder"
    assert panel.data["rows"] == ["0: let's", "1: go", "2: <EOS>"] and panel.data["title"].startswith("Encoder self-attention, layer 1")
    np.testing.assert_allclose(panel.csv()["weight"].to_numpy().reshape(3, 3), trace.pattern("encoder.blocks.0.attn")[0].numpy(), rtol=1e-6)
    hint = mv.encoder_contrast(DECODER.run("what is"), "blocks.0.attn", 0, True)
    assert hint.startswith(mv.DECODER_ONLY) and hint.endswith("The panels above show what this head would do unmasked.")


def test_switching_heads_off_compares_the_two_runs(trace):
    options = hv.head_options(trace)
    assert options == ["blocks.0.attn#0"] and hv.head_option_label(options[0]) == "layer 1, head 1"
    assert hv.head_option_label("decoder.blocks.1.cross_attn#0", kinds=True) == "enc-dec layer 2, head 1"
    assert hv.ablated_heads(["blocks.0.attn#1", "blocks.1.attn#0", "blocks.0.attn#3"]) == {"blocks.0.attn": [1, 3], "blocks.1.attn": [0]}
    same = hv.ablation(trace, trace, DECODER.tokenizer.vocab)
    top = int(trace.logits[-1].argmax())
    assert same.word == DECODER.tokenizer.vocab[top] and same.new_top is None
    assert same.p_before == same.p_after == pytest.approx(float(torch.softmax(trace.logits[-1], -1)[top]))
    after = DECODER.run("what is statquest", options=RunOptions.make(ablate={"blocks.0.attn": [0]}))
    off = hv.ablation(trace, after, DECODER.tokenizer.vocab)
    assert off.p_after == pytest.approx(float(torch.softmax(after.logits[-1], -1)[top]))
    assert off.panel.csv()["heads switched off"].max() == pytest.approx(float(torch.softmax(after.logits[-1], -1).max()))


def test_head_scores_table_reads_as_the_page_shows_it(trace):
    scores = hv.head_scores(trace, [DECODER.tokenizer.id_of(t) for t in trace.tokens], {(0, 0): 0.5})
    assert list(scores.table.columns) == ["layer", "head", "previous-token", "first-token", "duplicate-token", "induction", "does"]
    assert scores.table["induction"].tolist() == [0.5] and scores.panel.notes == (hv.SCORES_NOTE,)


def test_the_answer_says_why_it_stopped():
    assert vo.finished_answer(["awesome", "<EOS>"], 6) == (["awesome", "<EOS>"], "it wrote <EOS>")
    assert vo.finished_answer(["a"] * vo.MAX_ANSWER, 99) == (["a"] * vo.MAX_ANSWER + ["..."], "this page shows only the first 20 words")
    assert vo.finished_answer(["a", "b"], 6) == (["a", "b"], "it reached its maximum length of 6 tokens")
    assert vo.translation_in_trace(["<EOS>", "vamos"], 1, 8) == (["vamos", "<EOS>"], "it wrote <EOS>")
    assert vo.translation_in_trace(["<EOS>", "a", "b"], 1, 3) == (["a", "b"], "it reached its maximum length of 3 tokens")


def test_the_data_flow_names_the_models_sizes():
    cfg = DECODER.config
    steps = vo.data_flow(cfg, 4, False)
    assert [s.page for s in steps] == [f"app_pages/{p}.py" for p in ("embeddings", "positional", "attention", "causal_mask", "next_token")]
    assert steps[0].label == f"1. Word embeddings: 4 tokens become {cfg.d_model} numbers each"
    assert steps[4].label == f"5. Next word: {cfg.vocab_size} scores, softmax, one word at a time"
    assert "input words" in vo.data_flow(TRANSLATOR.config, 3, True)[0].label


def test_the_tokens_table_places_left_out_words_where_they_were_typed():
    read = random_bundle()  # has <unk>: an unknown word is read as it
    frame = vo.tokens_frame(read.encode("the zebra cat"), read.prompt_tokenizer)
    assert frame["token"].tolist() == ["the", "<unk>", "cat"] and frame["you typed"].tolist() == ["the", "zebra", "cat"]
    assert frame["note"].tolist() == ["", "unknown word: read as <unk>", ""]
    frame = vo.tokens_frame(DECODER.encode("what pizza is"), DECODER.prompt_tokenizer)  # no <unk>: left out
    assert frame["you typed"].tolist() == ["what", "pizza", "is", ""] and frame["token"].tolist() == ["what", "", "is", "<EOS>"]
    assert frame["position"].tolist()[::2] == [0, 1] and frame["position"].isna().tolist() == [False, True, False, False]
    assert frame["note"].tolist()[1:] == ["left out: not in the vocabulary", "", "added by the model"]


def test_values_made_from_a_model_or_a_trace_are_kept_under_their_keys():
    made = []
    model = cache.ModelKey.of(CHECKPOINTS / "statquest-decoder")
    assert model == (str(CHECKPOINTS / "statquest-decoder"), model.mtime) and model.mtime > 0

    @cache.per_model()
    def n_parameters(bundle):
        made.append(bundle.name)
        return bundle.n_parameters

    assert n_parameters(model) == n_parameters(model) == DECODER.n_parameters and made == ["statquest-decoder"]
    n_parameters(model._replace(mtime=model.mtime + 1))  # a retrained folder: made again
    assert len(made) == 2

    @cache.per_trace()
    def tokens(trace):
        made.append(tuple(trace.tokens))
        return trace.tokens

    key = cache.TraceKey(model, "what is")
    assert tokens(key) is tokens(key) and made[2:] == [("what", "is", "<EOS>")]
    assert cache.trace(key) is cache.trace(key)  # one shared trace
    unmasked = key.under(RunOptions(causal=False))
    assert unmasked.options == RunOptions(causal=False) and unmasked.prompt == key.prompt and tokens(unmasked) == ["what", "is", "<EOS>"]
    assert len(made) == 4


def test_the_attribution_bars_are_one_cached_spec_that_reads_the_words_from_its_data():
    from model.analysis.attribution import logit_attribution
    from viz import attribution as va

    bundle = load_checkpoint(CHECKPOINTS / "tiny-stories")
    prompt = "When Mary and John went to the store, John gave a drink to"
    result = logit_attribution(bundle, bundle.run(prompt), "mary", "john")
    frame = va.parts_frame(result)
    chart = va.parts_chart(frame, va.target_text(result))
    other = va.parts_chart(va.parts_frame(logit_attribution(bundle, bundle.run(prompt + " a"), "john", None)), "logit(john)")
    assert chart.spec_json == other.spec_json and not chart.values  # other words, the same spec: the browser swaps the data
    spec = chart.to_dict()
    assert "data('parts')[0].heading" in spec["title"]["text"]["expr"]
    bars = spec["datasets"]["parts"]
    assert {b["heading"] for b in bars} == {"Every part, largest effect first: logit(mary) − logit(john)"}
    assert [b["part"] for b in bars] == [label for label, _ in result.ranked()] and len(bars) == len(result.labels)
    assert {b["score"] for b in bars} == {"logit(mary) − logit(john)"}
    assert sum(b["value"] for b in bars) == pytest.approx(float(result.values.sum()), abs=1e-4)
