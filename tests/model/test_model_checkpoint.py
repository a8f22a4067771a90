"""Checkpoints load only JSON and safetensors; every broken one gets its own clear error."""

import json
import pickle
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from model.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from tests.model_factory import random_bundle


@pytest.fixture
def folder(tmp_path) -> Path:
    return save_checkpoint(random_bundle(), tmp_path / "ckpt", "# test model\n")


def expect_error(folder: Path, file: str, *words: str) -> None:
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(folder)
    message = str(info.value)
    assert file in message, message
    for w in words:
        assert w in message, message


def test_round_trip(folder):
    loaded = load_checkpoint(folder)
    original = random_bundle()
    torch.testing.assert_close(loaded.run("the cat sat").logits, original.run("the cat sat").logits)
    assert loaded.card == "# test model\n"


def test_translator_round_trip(tmp_path):
    bundle = random_bundle(architecture="encoder-decoder")
    loaded = load_checkpoint(save_checkpoint(bundle, tmp_path / "t"))
    torch.testing.assert_close(loaded.run("the cat", [4]).logits, bundle.run("the cat", [4]).logits)


def test_missing_files(folder):
    (folder / "tokenizer.json").unlink()
    expect_error(folder, "tokenizer.json", "missing")
    assert "not a checkpoint folder" in str(pytest.raises(CheckpointError, load_checkpoint, folder / "nope").value)


def test_truncated_weights(folder):
    path = folder / "model.safetensors"
    path.write_bytes(path.read_bytes()[:300])
    expect_error(folder, "model.safetensors", "truncated or corrupt")


def test_corrupt_weights(folder):
    (folder / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all}")
    expect_error(folder, "model.safetensors", "corrupt")


def test_shape_mismatch(folder):
    config = json.loads((folder / "config.json").read_text())
    config["d_ff"] = 64
    (folder / "config.json").write_text(json.dumps(config))
    expect_error(folder, "model.safetensors", "shape")


def test_vocabulary_mismatch(folder):
    data = json.loads((folder / "tokenizer.json").read_text())
    data["vocab"].append("extra")
    (folder / "tokenizer.json").write_text(json.dumps(data))
    expect_error(folder, "tokenizer.json", "vocab_size")


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_weights(folder, bad):
    path = folder / "model.safetensors"
    state = load_file(str(path))
    state["blocks.0.attn.W_Q.weight"][0, 0] = bad
    save_file(state, str(path))
    expect_error(folder, "model.safetensors", "blocks.0.attn.W_Q.weight", "NaN" if bad != bad else "infinite")


@pytest.mark.parametrize("field,value,words", [
    ("d_model", 10**9, "d_model"),
    ("n_heads", 3, "divisible"),
    ("norm", "sideways", "norm"),
    ("max_len", -1, "max_len"),
    ("d_model", "16", "integer"),
    ("local_layers", 3, "local_layers"),  # the test model has 2 layers
    ("local_window", 4, "local attention"),  # a window with no local layer
    ("distance_bias", True, "distance_bias"),  # a bias per distance needs a local window
    ("distance_bias", "yes", "true or false"),
])
def test_absurd_configs(folder, field, value, words):
    config = json.loads((folder / "config.json").read_text())
    config[field] = value
    (folder / "config.json").write_text(json.dumps(config))
    expect_error(folder, "config.json", words)


def test_unknown_config_keys_and_bad_json(folder):
    (folder / "config.json").write_text('{"d_model": 2, "surprise": 1}')
    expect_error(folder, "config.json", "surprise")
    (folder / "config.json").write_text("{")
    expect_error(folder, "config.json", "JSON")


class _Exploit:
    """Unpickling this would create a file: proof that a loader ran code."""

    marker: Path

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_pickle_files_are_refused_unread(folder, tmp_path):
    marker = tmp_path / "pwned"
    exploit = _Exploit()
    exploit.marker = marker
    payload = pickle.dumps(exploit)
    # a pickle in place of the weights
    (folder / "model.safetensors").write_bytes(payload)
    expect_error(folder, "model.safetensors", "pickle")
    # a folder that holds only a torch-style pickle
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(payload)
    expect_error(folder, "pytorch_model.bin", "pickle")
    assert not marker.exists()


def test_training_info_must_be_an_object(folder):
    (folder / "training.json").write_text("[1, 2]")
    expect_error(folder, "training.json", "object")


def test_a_copy_of_a_bundled_model_loads(tmp_path):
    copy = shutil.copytree(Path(__file__).parents[2] / "sample_checkpoints" / "statquest-decoder", tmp_path / "c")
    assert load_checkpoint(copy).n_parameters == 37


def test_a_config_written_before_local_attention_loads_without_its_keys(folder):
    config = json.loads((folder / "config.json").read_text())
    for key in ("local_layers", "local_window", "distance_bias"):
        del config[key]
    (folder / "config.json").write_text(json.dumps(config))
    assert load_checkpoint(folder).config.local_layers == 0


def test_local_attention_round_trip(tmp_path):
    bundle = random_bundle(local_layers=1, local_window=3, distance_bias=True)
    with torch.no_grad():
        bundle.model.blocks[0].attn.distance_bias.copy_(torch.randn(4, 3))
    loaded = load_checkpoint(save_checkpoint(bundle, tmp_path / "local"))
    torch.testing.assert_close(loaded.model.blocks[0].attn.distance_bias, bundle.model.blocks[0].attn.distance_bias)
    torch.testing.assert_close(loaded.run("the cat sat on the mat").logits, bundle.run("the cat sat on the mat").logits)
