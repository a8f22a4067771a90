"""Uploaded checkpoints: known files only, no path traversal, no zip bombs, size limits."""

import io
import zipfile
from pathlib import Path

import pytest

from model.checkpoint import CheckpointError, load_checkpoint
from model.upload import extract_upload

CKPT = Path(__file__).parents[2] / "sample_checkpoints" / "statquest-decoder"
FILES = ["config.json", "tokenizer.json", "model.safetensors", "README.md"]


def files() -> list[tuple[str, bytes]]:
    return [(name, (CKPT / name).read_bytes()) for name in FILES]


def zipped(entries: list[tuple[str, bytes]], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


def test_the_files_or_a_zip_of_them_load(tmp_path):
    assert load_checkpoint(extract_upload(files(), tmp_path / "a")).n_parameters == 37
    assert load_checkpoint(extract_upload([("ckpt.zip", zipped(files()))], tmp_path / "b")).n_parameters == 37
    nested = [(f"statquest/{n}", d) for n, d in files()]  # a zip of the folder works too
    assert load_checkpoint(extract_upload([("ckpt.zip", zipped(nested))], tmp_path / "c")).n_parameters == 37


@pytest.mark.parametrize("name", ["../evil.json", "/etc/config.json", "..\\config.json", "sub/../../config.json"])
def test_path_traversal_is_refused(tmp_path, name):
    with pytest.raises(CheckpointError, match="leaves the checkpoint folder"):
        extract_upload([("x.zip", zipped([(name, b"{}")]))], tmp_path / "d")
    assert not (tmp_path / "evil.json").exists()


def test_unknown_files_are_refused(tmp_path):
    with pytest.raises(CheckpointError, match="holds only"):
        extract_upload([("model.pt", b"\x80\x04")], tmp_path)
    with pytest.raises(CheckpointError, match="holds only"):
        extract_upload([("x.zip", zipped([("run.sh", b"rm -rf /")]))], tmp_path)


def test_zip_bomb_is_refused(tmp_path):
    bomb = zipped([("model.safetensors", b"\0" * (20 * 2**20))])
    assert len(bomb) < 100_000
    with pytest.raises(CheckpointError, match="zip bomb"):
        extract_upload([("bomb.zip", bomb)], tmp_path, max_bytes=50 * 2**20)
    with pytest.raises(CheckpointError, match="more than"):
        extract_upload([("bomb.zip", bomb)], tmp_path, max_bytes=10 * 2**20)


def test_size_limit_and_broken_zip(tmp_path):
    with pytest.raises(CheckpointError, match="allowed"):
        extract_upload(files(), tmp_path, max_bytes=100)
    with pytest.raises(CheckpointError, match="not a readable zip"):
        extract_upload([("x.zip", b"PK not really")], tmp_path)
    with pytest.raises(CheckpointError, match="no files"):
        extract_upload([], tmp_path)
