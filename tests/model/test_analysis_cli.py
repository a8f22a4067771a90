"""The analysis commands and the trace export, run as a user would run them."""

import json

import numpy as np
import torch

from model.analysis.attribution import logit_attribution
from model.analysis.export import export_trace
from model.checkpoint import load_checkpoint, save_checkpoint
from tests.model_factory import random_bundle
from tests.model.test_model_cli import cli

STORY = "sample_checkpoints/tiny-stories"
PROMPT = "When Mary and John went to the store, John gave a drink to"


def test_export_writes_every_trace_name_and_its_labels(tmp_path):
    bundle = random_bundle(architecture="encoder-decoder")
    trace = bundle.run("the cat sat")
    npz, meta = export_trace(trace, bundle.config, tmp_path / "run")
    assert (npz.name, meta.name) == ("run.npz", "run.json")
    with np.load(npz) as arrays:  # no pickle needed
        assert set(arrays.files) == set(trace)
        np.testing.assert_array_equal(arrays["decoder.blocks.0.cross_attn.hook_pattern"], trace["decoder.blocks.0.cross_attn.hook_pattern"].numpy())
    data = json.loads(meta.read_text())
    assert data["tokens"] == trace.tokens and data["src_tokens"] == trace.src_tokens
    assert data["config"]["architecture"] == "encoder-decoder"


def test_trace_npz_command(tmp_path):
    out = cli("trace", "--checkpoint", "sample_checkpoints/statquest-decoder", "what is statquest", "--npz", str(tmp_path / "t.npz"))
    assert out.returncode == 0, out.stderr
    with np.load(tmp_path / "t.npz") as arrays:
        assert arrays["blocks.0.attn.hook_pattern"].shape == (1, 4, 4)
    assert json.loads((tmp_path / "t.json").read_text())["tokens"] == ["what", "is", "statquest", "<EOS>"]


def test_attribute_json_prints_the_librarys_numbers():
    out = cli("attribute", "--checkpoint", STORY, PROMPT, "--word", "mary", "--other", "john", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    bundle = load_checkpoint(STORY)
    want = logit_attribution(bundle, bundle.run(PROMPT), "mary", "john")
    assert data["parts"]["L2H1"] == round(float(want.values[want.labels.index("L2H1")]), 5)
    assert abs(data["sum_of_parts"] - data["total"]) < 1e-4


def test_lens_patch_rollout_json():
    lens = json.loads(cli("lens", "--checkpoint", STORY, PROMPT, "--word", "mary", "--json").stdout)
    assert lens["labels"][-1] == "final_post" and lens["top_words"][-1][-1][0] == "mary"
    patch = json.loads(cli("patch", "--checkpoint", STORY, "--json").stdout)
    assert (patch["answer"], patch["distractor"]) == ("mary", "john")
    assert len(patch["resid"]) == 5 and len(patch["head_out"]) == 4 and abs(patch["resid"][-1][-1] - 1) < 1e-4
    rollout = json.loads(cli("rollout", "--checkpoint", "sample_checkpoints/statquest-translator", "let's go", "--stack", "encoder", "--json").stdout)
    assert torch.tensor(rollout["rollout"]).sum(-1).sub(1).abs().max() < 1e-4


def test_patch_json_for_a_translator():
    out = cli("patch", "--checkpoint", "sample_checkpoints/tiny-translator", "--json")
    assert out.returncode == 0, out.stderr
    patch = json.loads(out.stdout)
    assert (patch["answer"], patch["distractor"]) == ("rojo", "azul") and patch["decoder_input"][-2:] == ["el", "coche"]
    assert patch["resid_rows"] == ["0_pre", "1_pre", "final_post"] and len(patch["resid"][0]) == len(patch["tokens"])
    assert sorted(patch["head_out"]) == ["decoder.attn", "decoder.cross_attn", "encoder.attn"]
    assert all(len(grid) == 2 and len(grid[0]) == 4 for grid in patch["head_out"].values())


def test_patch_without_a_pair_is_a_clear_error(tmp_path):
    folder = save_checkpoint(random_bundle(architecture="encoder-decoder"), tmp_path / "random")
    out = cli("patch", "--checkpoint", str(folder))
    assert out.returncode == 2 and "--clean" in out.stderr
