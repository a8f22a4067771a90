"""Hugging Face folders the importer must refuse, each with a CheckpointError that names the
file and says what is wrong (and, for pickles, how to convert); sharded weights load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

pytest.importorskip("transformers")

from model.checkpoint import CheckpointError, load_any  # noqa: E402
from tests.model.hf_factory import hf_folder  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gpt2(tmp_path_factory):
    return hf_folder(tmp_path_factory.mktemp("hf"), "gpt2")


@pytest.fixture(scope="module")
def llama(tmp_path_factory):
    return hf_folder(tmp_path_factory.mktemp("hf"), "llama")


def copy(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / folder.name))


def edit_config(folder: Path, **changes) -> None:
    path = folder / "config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def refused(folder: Path, file: str, *words: str) -> str:
    with pytest.raises(CheckpointError) as err:
        load_any(folder)
    assert Path(err.value.path).name == file, err.value
    for word in words:
        assert word in err.value.problem, err.value
    return err.value.problem


def test_pickle_only_folder_is_refused_with_a_conversion_recipe(gpt2, tmp_path):
    folder = copy(gpt2, tmp_path)
    torch.save(load_file(folder / "model.safetensors"), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    problem = refused(folder, "pytorch_model.bin", "never loaded", "save_file(", "model.safetensors")
    # The two lines the message gives, run in the folder, make a folder that loads.
    lines = [part for part in problem.split("`")[1::2]]
    assert len(lines) == 2
    exec("\n".join(lines).replace("'pytorch_model.bin'", repr(str(folder / "pytorch_model.bin")))
         .replace("'model.safetensors'", repr(str(folder / "model.safetensors"))), {})
    assert torch.equal(load_any(folder).run("the sat").logits, load_any(gpt2).run("the sat").logits)


def test_unknown_model_type(gpt2, tmp_path):
    folder = copy(gpt2, tmp_path)
    edit_config(folder, model_type="bert")
    refused(folder, "config.json", "'bert' is not supported", "gpt2", "llama", "qwen2")


def test_config_that_does_not_match_the_weights(llama, tmp_path):
    folder = copy(llama, tmp_path)
    edit_config(folder, intermediate_size=40)
    refused(folder, "model.safetensors", "model.layers.0.mlp", "does not fit config.json")
    edit_config(folder, intermediate_size=48, num_hidden_layers=3)
    refused(folder, "model.safetensors", "model.layers.2.", "missing")
    edit_config(folder, num_hidden_layers=1)
    refused(folder, "model.safetensors", "no place for", "model.layers.1.")


def test_gpt2_fused_qkv_of_the_wrong_width(gpt2, tmp_path):
    folder = copy(gpt2, tmp_path)
    state = load_file(folder / "model.safetensors")
    state["transformer.h.0.attn.c_attn.weight"] = state["transformer.h.0.attn.c_attn.weight"][:, :-3].contiguous()
    save_file(state, folder / "model.safetensors")
    refused(folder, "model.safetensors", "c_attn.weight", "3 x n_embd")


def test_what_our_layers_do_not_compute_is_refused(llama, tmp_path):
    folder = copy(llama, tmp_path)
    edit_config(folder, rope_parameters={"rope_type": "llama3", "rope_theta": 500.0, "factor": 8.0})
    refused(folder, "config.json", "'llama3'", "not supported")
    edit_config(folder, rope_parameters={"rope_type": "default", "rope_theta": 500.0}, hidden_act="gelu")
    refused(folder, "config.json", "hidden_act")


def shard(folder: Path) -> dict[str, str]:
    """Split model.safetensors in two files plus the index, as save_pretrained does for big models."""
    state = load_file(folder / "model.safetensors")
    names = sorted(state)
    weight_map = {}
    for i, part in enumerate((names[: len(names) // 2], names[len(names) // 2:])):
        file = f"model-0000{i + 1}-of-00002.safetensors"
        save_file({n: state[n] for n in part}, folder / file)
        weight_map.update({n: file for n in part})
    (folder / "model.safetensors").unlink()
    (folder / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    return weight_map


def test_sharded_weights_load_the_same_model(llama, tmp_path):
    folder = copy(llama, tmp_path)
    shard(folder)
    sharded, single = load_any(folder).run("the cat sat"), load_any(llama).run("the cat sat")
    assert torch.equal(sharded.logits, single.logits)


def test_sharded_index_naming_a_missing_or_outside_file(llama, tmp_path):
    folder = copy(llama, tmp_path)
    shard(folder)
    (folder / "model-00002-of-00002.safetensors").unlink()
    refused(folder, "model.safetensors.index.json", "model-00002-of-00002.safetensors", "not in the folder")
    index = folder / "model.safetensors.index.json"
    data = json.loads(index.read_text())
    data["weight_map"] = {n: "../elsewhere.safetensors" for n in data["weight_map"]}
    index.write_text(json.dumps(data))
    refused(folder, "model.safetensors.index.json", "inside the folder")


def test_load_any_still_opens_our_own_checkpoints():
    folder = next(p for p in sorted((ROOT / "sample_checkpoints").iterdir()) if (p / "config.json").is_file())
    bundle = load_any(folder)
    assert bundle.extra.get("source") != "huggingface" and bundle.n_parameters == bundle.config.estimated_parameters()


def test_a_file_that_links_out_of_the_folder_is_not_read(gpt2, tmp_path):
    folder = copy(gpt2, tmp_path)
    secret = tmp_path / "secret.md"
    secret.write_text("the server's secret")
    (folder / "README.md").unlink(missing_ok=True)
    (folder / "README.md").symlink_to(secret)
    refused(folder, "README.md", "outside the model folder")


def test_a_snapshot_of_the_hugging_face_cache_may_link_to_its_blobs(llama, tmp_path):
    """The cache keeps each file once in models--org--name/blobs and links to it from snapshots/<rev>/."""
    repo = tmp_path / "models--org--tiny-llama"
    snapshot, blobs = repo / "snapshots" / "abc123", repo / "blobs"
    snapshot.mkdir(parents=True)
    blobs.mkdir()
    for file in sorted(llama.iterdir()):
        shutil.copy(file, blobs / file.name)
        (snapshot / file.name).symlink_to(Path("../../blobs") / file.name)
    assert load_any(snapshot).config.n_kv_heads == load_any(llama).config.n_kv_heads


def test_a_config_far_bigger_than_its_weights_is_refused_before_the_model_is_built(gpt2, tmp_path, monkeypatch):
    folder = copy(gpt2, tmp_path)
    edit_config(folder, n_embd=768, n_layer=12, n_head=12)  # GPT-2 small's shape: 124M parameters
    import model.hf as hf

    built = []
    monkeypatch.setattr(hf, "build_model", lambda cfg: built.append(cfg))
    refused(folder, "model.safetensors", "bytes of weights cannot hold")
    assert not built
