"""Activation patching (model/analysis/patching.py, trace.PatchingRecorder)."""

import dataclasses

import pytest
import torch

from model.analysis.patching import (DEFAULT_PAIRS, default_pair, head_kinds, patch_every_head_output, patch_every_head_pattern,
                                     patch_head_outputs, patch_head_patterns, patch_resid, prepare, resid_streams, run_patches)
from model.checkpoint import load_checkpoint
from model.data import stories
from model.evaluate import ioi_scores
from model.trace import RunOptions
from tests.model_factory import random_bundle

CLEAN, CORRUPTED = "the cat sat on the mat", "the dog sat on the mat"


@pytest.fixture(scope="module")
def setup():
    return prepare(random_bundle(n_layers=3), CLEAN, CORRUPTED)


@pytest.mark.parametrize("shortcuts", [True, False])
def test_patching_every_position_of_the_final_stream_restores_one_and_nothing_gives_zero(setup, shortcuts):
    final = "blocks.2.hook_resid_post"
    everything = (slice(None), slice(None))
    got = setup.normalise(run_patches(setup, [(final, everything), (final, ())], shortcuts))
    torch.testing.assert_close(got, torch.tensor([1.0, 0.0]), atol=1e-4, rtol=0)


def test_residual_grid_at_the_input_is_one_where_the_prompts_differ(setup):
    rows, grid = patch_resid(setup)
    assert rows == ["0_pre", "1_pre", "2_pre", "final_post"] and grid.shape == (4, 6)
    # Block 0's input differs only at the second word: patching it there makes the two runs equal.
    torch.testing.assert_close(grid[0], torch.tensor([0.0, 1.0, 0.0, 0.0, 0.0, 0.0]), atol=1e-4, rtol=0)
    assert grid[-1, -1] == pytest.approx(1.0, abs=1e-4)  # the last position of the final stream is the answer


@pytest.mark.parametrize("shortcuts", [True, False])
def test_patching_a_run_with_itself_changes_nothing(setup, shortcuts):
    _, own = setup.bundle.model.run(setup.corrupted_ids)
    itself = dataclasses.replace(setup, clean_tensors=own)
    torch.testing.assert_close(patch_head_outputs(itself, shortcuts=shortcuts), torch.zeros(3, 4), atol=1e-4, rtol=0)
    torch.testing.assert_close(patch_head_patterns(itself, shortcuts=shortcuts), torch.zeros(3, 4), atol=1e-4, rtol=0)


def test_the_shortcuts_give_the_full_computations_numbers():
    # "the cat sat on the mat" / "the cat sat on the rug": the runs may start at the last word
    bundle = random_bundle(n_layers=3, n_heads=4)
    for setup in (prepare(bundle, CLEAN, CORRUPTED), prepare(bundle, CLEAN, "the cat sat on the hat")):
        for grid in (lambda s: patch_resid(setup, shortcuts=s)[1], lambda s: patch_head_outputs(setup, shortcuts=s),
                     lambda s: patch_head_patterns(setup, shortcuts=s)):
            torch.testing.assert_close(grid(True), grid(False), atol=1e-5, rtol=0)
    assert setup.start == 5  # only the last word differs: one position per patched run


def test_a_patch_before_the_first_difference_runs_the_whole_prompt(setup):
    # values the corrupted run does not have at position 0 (here: the last position's): no suffix run can copy them
    name = "blocks.1.hook_resid_pre"
    odd = dict(setup.clean_tensors, **{name: setup.clean_tensors[name].roll(1, 0)})
    moved = dataclasses.replace(setup, clean_tensors=odd)
    patch = [(name, (0, slice(None)))]
    assert setup.start > 0
    torch.testing.assert_close(run_patches(moved, patch), run_patches(moved, patch, shortcuts=False), atol=1e-5, rtol=0)
    assert abs(float(moved.normalise(run_patches(moved, patch))[0])) > 1e-3  # it did change the answer


def test_the_shortcuts_on_the_story_pair_and_on_a_translator(translator):
    bundle = load_checkpoint("sample_checkpoints/tiny-stories")
    story = prepare(bundle, *default_pair(bundle))
    assert story.start == 9  # "john" / "mary" after "When Mary and John went to the store,"
    for setup in (story, translator):
        torch.testing.assert_close(patch_resid(setup)[1], patch_resid(setup, shortcuts=False)[1], atol=1e-5, rtol=0)
        for key, grid in patch_every_head_output(setup).items():
            torch.testing.assert_close(grid, patch_every_head_output(setup, shortcuts=False)[key], atol=1e-5, rtol=0)


def test_the_shared_model_is_never_changed(setup):
    before = {k: v.clone() for k, v in setup.bundle.model.state_dict().items()}
    patch_resid(setup), patch_head_outputs(setup), patch_head_patterns(setup)
    after = setup.bundle.model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert setup.bundle.model.run(setup.clean_ids, capture=False)[0][-1].sub(
        setup.bundle.model.run(setup.clean_ids, capture=False)[0][-1]).abs().max() == 0


def test_a_batched_head_patch_equals_a_hand_spliced_run(setup):
    # Patch head 1 of layer 1 by hand: run the corrupted prompt with hook_z replaced in one run.
    from model.trace import PatchingRecorder

    name = "blocks.1.attn.hook_z"
    mask = torch.zeros(1, *setup.clean_tensors[name].shape, dtype=torch.bool)
    mask[0, :, 1] = True
    with torch.inference_mode():
        logits = setup.bundle.model(torch.tensor([setup.corrupted_ids]), PatchingRecorder({name: (mask, setup.clean_tensors[name])}))
    a, d = (setup.bundle.tokenizer.id_of(w) for w in (setup.answer, setup.distractor))
    by_hand = (logits[0, -1, a] - logits[0, -1, d] - setup.corrupted_diff) / (setup.clean_diff - setup.corrupted_diff)
    assert float(patch_head_outputs(setup)[1, 1]) == pytest.approx(float(by_hand), abs=1e-4)


def test_prompts_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="same number of tokens"):
        prepare(random_bundle(), "the cat sat", "the cat")


@pytest.mark.parametrize("recipe", sorted(DEFAULT_PAIRS))
def test_every_default_pair_has_equal_lengths_and_a_metric(recipe):
    bundle = load_checkpoint(f"sample_checkpoints/{recipe}")
    setup = prepare(bundle, *default_pair(bundle))
    rows, grid = patch_resid(setup)
    assert abs(setup.clean_diff - setup.corrupted_diff) > 1  # the grid is not noise over a tiny denominator
    final = resid_streams(setup)[-1][1]
    got = setup.normalise(run_patches(setup, [(final, (slice(None), slice(None)))]))
    assert float(got[0]) == pytest.approx(1.0, abs=1e-4)
    if not bundle.is_translator:  # a decoder's answer is read at the last position of its own stream
        assert grid[-1, -1] == pytest.approx(1.0, abs=1e-4)


# --- translators (encoder-decoder): source prompts, one decoder input for both runs ----------------

@pytest.fixture(scope="module")
def translator():
    return prepare(random_bundle(architecture="encoder-decoder", n_layers=3, n_encoder_layers=2), CLEAN, CORRUPTED)


def test_a_translator_runs_both_prompts_on_one_decoder_input(translator):
    assert translator.target_ids[0] == translator.bundle.tokenizer.eos_id  # the decoder's start token
    assert translator.tokens == translator.bundle.encode(CLEAN).tokens  # the grid's positions: the source
    assert [label for label, _ in resid_streams(translator)] == ["0_pre", "1_pre", "final_post"]
    assert resid_streams(translator)[-1][1] == "encoder.blocks.1.hook_resid_post"


@pytest.mark.parametrize("shortcuts", [True, False])
def test_patching_every_position_of_the_encoders_final_stream_restores_one_and_nothing_gives_zero(translator, shortcuts):
    final = "encoder.blocks.1.hook_resid_post"
    got = translator.normalise(run_patches(translator, [(final, (slice(None), slice(None))), (final, ())], shortcuts))
    torch.testing.assert_close(got, torch.tensor([1.0, 0.0]), atol=1e-4, rtol=0)


def test_a_translators_residual_grid_at_the_input_is_one_where_the_source_sentences_differ(translator):
    rows, grid = patch_resid(translator)
    assert grid.shape == (3, len(translator.clean_ids))
    want = torch.zeros(len(translator.clean_ids))
    want[1] = 1.0  # "cat" / "dog": the embeddings differ there only
    torch.testing.assert_close(grid[0], want, atol=1e-4, rtol=0)


@pytest.mark.parametrize("shortcuts", [True, False])
def test_patching_a_translators_heads_from_a_run_with_itself_changes_nothing(translator, shortcuts):
    _, own = translator.bundle.model.run(translator.corrupted_ids, list(translator.target_ids))
    itself = dataclasses.replace(translator, clean_tensors=own)
    outputs, patterns = patch_every_head_output(itself, shortcuts), patch_every_head_pattern(itself, shortcuts)
    assert list(outputs) == ["encoder.attn", "decoder.attn", "decoder.cross_attn"] == [k.key for k in head_kinds(translator.bundle)]
    assert [tuple(g.shape) for g in outputs.values()] == [(2, 4), (3, 4), (3, 4)]
    for grid in (*outputs.values(), *patterns.values()):
        torch.testing.assert_close(grid, torch.zeros_like(grid), atol=1e-4, rtol=0)


def test_a_batched_cross_attention_head_patch_equals_a_hand_spliced_run(translator):
    from model.trace import PatchingRecorder

    name = "decoder.blocks.2.cross_attn.hook_z"
    mask = torch.zeros(1, *translator.clean_tensors[name].shape, dtype=torch.bool)
    mask[0, :, 3] = True
    with torch.inference_mode():
        logits = translator.bundle.model(torch.tensor([translator.corrupted_ids]), torch.tensor([translator.target_ids]),
                                         PatchingRecorder({name: (mask, translator.clean_tensors[name])}))
    a, d = (translator.bundle.tokenizer.id_of(w) for w in (translator.answer, translator.distractor))
    by_hand = translator.normalise(logits[0, -1, a] - logits[0, -1, d])
    cross = head_kinds(translator.bundle)[2]
    assert float(patch_head_outputs(translator, cross)[2, 3]) == pytest.approx(float(by_hand), abs=1e-4)
    assert torch.equal(patch_head_outputs(translator, cross), patch_every_head_output(translator)["decoder.cross_attn"])


def test_the_tiny_translator_keeps_the_colour_at_its_own_source_position():
    bundle = load_checkpoint("sample_checkpoints/tiny-translator")
    setup = prepare(bundle, *default_pair(bundle))
    assert (setup.answer, setup.distractor) == ("rojo", "azul")
    assert setup.target_tokens == ("<EOS>", "los", "perros", "pequeños", "ven", "el", "coche")  # where the translations part
    rows, grid = patch_resid(setup)
    red = setup.tokens.index("red")
    torch.testing.assert_close(grid[:, red], torch.ones(len(rows)), atol=2e-3, rtol=0)  # every layer, that position alone


def test_a_given_decoder_input_is_used_and_unknown_words_refused():
    bundle = load_checkpoint("sample_checkpoints/tiny-translator")
    setup = prepare(bundle, *default_pair(bundle), target="los perros pequeños ven el coche")
    assert setup.target_tokens[1:] == ("los", "perros", "pequeños", "ven", "el", "coche")
    with pytest.raises(ValueError, match="no word 'zebra'"):
        prepare(bundle, *default_pair(bundle), target="el zebra")


@pytest.mark.slow
def test_ablating_the_top_head_found_by_patching_lowers_heldout_ioi_accuracy():
    bundle = load_checkpoint("sample_checkpoints/tiny-stories")
    setup = prepare(bundle, *default_pair(bundle))
    assert (setup.answer, setup.distractor) == ("mary", "john")
    heads = patch_head_outputs(setup)
    layer, head = divmod(int(heads.argmax()), bundle.config.n_heads)
    examples = stories.ioi_examples(300, seed=1, split="heldout")
    base_acc, base_diff = ioi_scores(bundle, examples)
    acc, diff = ioi_scores(bundle, examples, RunOptions.make(ablate={f"blocks.{layer}.attn": (head,)}))
    print(f"top head L{layer}H{head} (patching {float(heads.max()):.3f}): IOI accuracy {base_acc:.3f} -> {acc:.3f}, "
          f"logit difference {base_diff:.2f} -> {diff:.2f}")
    assert acc <= base_acc - 0.02
    assert diff < 0.75 * base_diff
