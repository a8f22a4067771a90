"""The command line, run as a user would run it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "model", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_generate_prints_the_continuation():
    out = cli("generate", "--checkpoint", "sample_checkpoints/statquest-decoder", "what is statquest")
    assert out.returncode == 0 and out.stdout.strip() == "awesome <EOS>"
    out = cli("generate", "--checkpoint", "sample_checkpoints/statquest-translator", "let's go")
    assert out.stdout.strip() == "vamos <EOS>"


def test_generate_reports_unknown_words_and_sampling_options():
    out = cli("generate", "--checkpoint", "sample_checkpoints/statquest-decoder", "what is pizza statquest",
              "--temperature", "0.7", "--top-k", "3", "--top-p", "0.9", "--seed", "1")
    assert out.returncode == 0 and "unknown word 'pizza'" in out.stderr


def test_trace_json_has_every_name_with_shape_and_values():
    out = cli("trace", "--checkpoint", "sample_checkpoints/statquest-decoder", "what is statquest", "--json")
    data = json.loads(out.stdout)  # strict JSON: -inf is written as a string
    assert data["tokens"] == ["what", "is", "statquest", "<EOS>"]
    assert data["tensors"]["blocks.0.attn.hook_pattern"]["shape"] == [1, 4, 4]
    assert data["tensors"]["blocks.0.attn.hook_mask"]["values"][0][1] == "-inf"
    assert len(data["tensors"]["logits"]["values"]) == 4


def test_broken_checkpoint_is_a_clear_error(tmp_path):
    """An empty folder: the first file the loader looks for is named, with the problem, and no traceback."""
    out = cli("generate", "--checkpoint", str(tmp_path), "hi")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip() == f"error: {tmp_path / 'model.safetensors'}: file is missing"
    (tmp_path / "model.safetensors").write_bytes(b"")  # the weights there, the config still missing
    out = cli("generate", "--checkpoint", str(tmp_path), "hi")
    assert out.returncode == 2 and out.stderr.strip() == f"error: {tmp_path / 'config.json'}: file is missing"


@pytest.mark.slow  # trains the decoder from its recipe
def test_train_writes_a_loadable_checkpoint(tmp_path):
    out = cli("train", "statquest-decoder", "--out", str(tmp_path / "d"), "--quiet")
    assert out.returncode == 0, out.stderr
    assert {p.name for p in (tmp_path / "d").iterdir()} >= {"config.json", "tokenizer.json", "model.safetensors", "README.md", "training.json"}
    assert cli("eval", str(tmp_path / "d"), "--json").returncode == 0
