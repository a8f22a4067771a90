"""Whatever a user types: arbitrary Unicode through tokenizer, model, views and every page."""

from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from model.bundle import EmptyPromptError
from model.checkpoint import load_checkpoint
from model.tokenizer import EOS
from tests.model_factory import random_bundle
from viz.arithmetic import arithmetic_table
from viz.attention import attention_frame
from viz.head_grid import grid_frame
from viz.embeddings import position_arrows_frame, vocabulary_frame
from viz.mask import mask_frames

ROOT = Path(__file__).parents[2]
NASTY = [
    "", "   ", "\t\n", "x" * 10_000, "what " * 2_000, "🙂🚀 what is statquest 👍", "مرحبا بالعالم what", "שלום is",
    "\x00\x01\x1b[31m what", "**what** _is_ `statquest`", "# heading\n- list", "<b>bold</b>", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "</script>", "[click](javascript:alert(1))", "123 4.5e6 -7", "<EOS> <pad> <unk>",
    "let's go <EOS>", "$$x^2$$ :red[what]", "\u202e reversed", "what\u200bis",
]
TEXT = st.text(st.characters(codec="utf-8"), max_size=300) | st.sampled_from(NASTY)
TOY = load_checkpoint(ROOT / "sample_checkpoints" / "statquest-decoder")
TRANSLATOR = load_checkpoint(ROOT / "sample_checkpoints" / "statquest-translator")
RANDOM = random_bundle()


@settings(max_examples=150)
@given(TEXT)
def test_tokenizer_never_fails_and_reports_everything(text):
    for bundle in (TOY, TRANSLATOR, RANDOM):
        enc = bundle.encode(text)
        assert len(enc.ids) <= bundle.config.max_len
        assert all(0 <= i < len(bundle.prompt_tokenizer) for i in enc.ids)
        assert len(enc.tokens) == len(enc.ids) == len(enc.words)
        # a special token typed by the user stays ordinary words: <EOS> appears only where the tokenizer adds it
        typed = enc.tokens[:-1] if bundle.prompt_tokenizer.append_eos else enc.tokens
        assert EOS not in typed


@settings(max_examples=60)
@given(TEXT)
def test_model_and_views_never_fail(text):
    for bundle in (TOY, TRANSLATOR, RANDOM):
        try:
            trace = bundle.run(text)
        except EmptyPromptError:
            assert bundle.encode(text).is_empty
            continue
        assert not trace.logits.isnan().any()
        assert torch.allclose(trace.logits.softmax(-1).sum(-1), torch.ones(len(trace.tokens)), atol=1e-5)
        for module in trace.attention_modules():
            n_q, n_k = trace.pattern(module).shape[1:]
            frame = attention_frame(trace, module, 0)
            assert len(frame) == n_q * n_k  # every cell, each query's attention summing to 100%
            np.testing.assert_allclose(frame.groupby("query_pos")["percent"].sum(), 100, atol=1e-3)
            last = n_q - 1
            table = arithmetic_table(trace, module, 0, last)
            assert len(table) == n_k
            np.testing.assert_allclose(table["softmax"].to_numpy(), trace.pattern(module)[0, last].numpy(), atol=1e-6)
        heads = {(m, h) for m in trace.attention_modules() for h in range(trace.pattern(m).shape[0])}
        grid = grid_frame(trace)
        assert set(zip(grid["module"], grid["head"])) == heads
        assert ((grid["mean_percent"] <= grid["max_percent"] + 1e-9) & (grid["max_percent"] <= 100 + 1e-6)).all()
        module = trace.attention_modules()[-1]
        n_q, n_k = trace.pattern(module).shape[1:]
        stages = mask_frames(trace, module, 0)
        assert all(len(frame) == n_q * n_k for frame in stages.values())
        np.testing.assert_allclose(stages["softmax"].groupby("query_pos")["value"].sum(), 100, atol=1e-3)
        side = "encoder" if bundle.is_translator else "decoder"
        vocab, projection = vocabulary_frame(bundle, side, trace.tokens)
        assert len(vocab) == len(bundle.prompt_tokenizer) and np.isfinite(vocab[["x", "y"]].to_numpy()).all()
        tokens = trace.src_tokens or trace.tokens
        arrows = position_arrows_frame(trace, "encoder" if bundle.is_translator else "", tokens, projection)
        assert arrows["word"].tolist() == list(tokens) and np.isfinite(arrows[["x", "y", "x2", "y2"]].to_numpy()).all()


def test_over_long_input_is_cut_with_the_count_reported():
    enc = RANDOM.encode("the " * 5_000)
    assert len(enc.ids) == RANDOM.config.max_len and enc.truncated == 5_000 - RANDOM.config.max_len


@pytest.mark.parametrize("page", ["overview", "embeddings", "positional", "attention", "causal_mask", "next_token", "heads"])
@pytest.mark.parametrize("model", ["statquest-decoder", "statquest-translator"])
def test_every_page_survives_every_nasty_prompt(page, model):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["model"] = model
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    for text in NASTY:
        at.text_input(key="prompt").input(text[:10_000]).run()
        assert not at.exception, (text[:40], at.exception)
        for md in at.markdown:
            assert "<script" not in md.value and "<img" not in md.value and "](javascript" not in md.value
