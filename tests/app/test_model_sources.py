"""Where the model picker finds Hugging Face folders: the checkpoint roots and the local cache
(``models--ORG--NAME/snapshots/<rev>/``, files linked into ``blobs/``), always through the typed
folder's path check; links out of a folder are refused; ``--model PATH`` on the command line."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("transformers")

from app_pages import checkpoints, model_sources  # noqa: E402
from model.checkpoint import CheckpointError, load_any  # noqa: E402
from tests.model.hf_factory import hf_folder  # noqa: E402


@pytest.fixture(scope="module")
def gpt2(tmp_path_factory):
    return hf_folder(tmp_path_factory.mktemp("src"), "gpt2")


def as_cache_snapshot(folder: Path, cache: Path, repo: str, rev: str = "0123456789abcdef") -> Path:
    """Lay ``folder`` out as huggingface_hub does: files in blobs/, the snapshot links to them."""
    base = cache / ("models--" + repo.replace("/", "--"))
    snap = base / "snapshots" / rev
    (base / "blobs").mkdir(parents=True, exist_ok=True)
    snap.mkdir(parents=True)
    for f in folder.iterdir():
        blob = base / "blobs" / f"blob-{f.name}"
        shutil.copy(f, blob)
        os.symlink(os.path.relpath(blob, snap), snap / f.name)
    return snap


def test_cache_root_follows_huggingface_hub_rules(tmp_path):
    (tmp_path / "hub").mkdir()
    (tmp_path / "explicit").mkdir()
    assert model_sources.hf_cache_root({"HF_HUB_CACHE": str(tmp_path / "explicit"), "HF_HOME": str(tmp_path)}) == tmp_path / "explicit"
    assert model_sources.hf_cache_root({"HF_HOME": str(tmp_path)}) == tmp_path / "hub"
    assert model_sources.hf_cache_root({"HF_HUB_CACHE": str(tmp_path / "absent")}) is None


def test_cache_snapshots_are_listed_and_load(gpt2, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    snap = as_cache_snapshot(gpt2, cache, "someone/tiny-gpt2")
    assert (snap / "config.json").is_symlink()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.delenv(checkpoints.ROOTS_ENV, raising=False)
    found = model_sources.hf_folders(checkpoints.checkpoint_roots(), model_sources.hf_cache_root(), checkpoints.resolve_checkpoint_path, checkpoints.shown_path)
    assert found == {"Hugging Face cache: someone/tiny-gpt2": snap.resolve()}
    assert load_any(snap).config.n_layers == 2  # through the links into blobs/
    assert checkpoints.shown_path(snap.resolve()) == "cache/models--someone--tiny-gpt2/snapshots/0123456789abcdef"


def test_two_revisions_are_told_apart(gpt2, tmp_path):
    cache = tmp_path / "cache"
    as_cache_snapshot(gpt2, cache, "org/m", rev="aaaaaaaa1111")
    as_cache_snapshot(gpt2, cache, "org/m", rev="bbbbbbbb2222")
    assert sorted(model_sources.cache_snapshots(cache)) == ["org/m @ aaaaaaaa", "org/m @ bbbbbbbb"]


def test_listing_uses_the_typed_folder_check(gpt2, tmp_path, monkeypatch):
    """A folder under a root that links outside every root is not offered (the check refuses it)."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copytree(gpt2, root / "inside")
    outside = tmp_path / "outside"
    shutil.copytree(gpt2, outside)
    os.symlink(outside, root / "escape")
    monkeypatch.setenv(checkpoints.ROOTS_ENV, str(root))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "no-cache"))
    found = model_sources.hf_folders(checkpoints.checkpoint_roots(), None, checkpoints.resolve_checkpoint_path, checkpoints.shown_path)
    assert found == {"root/inside": (root / "inside").resolve()}


def test_a_link_out_of_the_folder_is_refused(gpt2, tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(gpt2, folder)
    secret = tmp_path / "secret.md"
    secret.write_text("server secret")
    os.symlink(secret, folder / "README.md")
    with pytest.raises(CheckpointError, match="link to a file outside the model folder"):
        load_any(folder)


def test_a_snapshot_may_not_link_into_another_repository(gpt2, tmp_path):
    cache = tmp_path / "cache"
    snap = as_cache_snapshot(gpt2, cache, "org/a")
    other = as_cache_snapshot(gpt2, cache, "org/b")
    target = (other / "tokenizer.json").resolve()
    (snap / "tokenizer.json").unlink()
    os.symlink(target, snap / "tokenizer.json")
    with pytest.raises(CheckpointError, match="outside the model folder"):
        load_any(snap)


def test_startup_model_from_the_command_line(tmp_path):
    assert model_sources.startup_model(["--model", str(tmp_path)]) == tmp_path.resolve()
    assert model_sources.startup_model(["-q", "tests"]) is None  # pytest's own arguments
    assert model_sources.startup_model(["--model", str(tmp_path / "absent")]) is None
