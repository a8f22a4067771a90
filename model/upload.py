"""Turning uploaded files (the checkpoint's files, or a zip of them) into a checkpoint folder.

Why its own module: an upload is the one input that comes straight from a stranger. Only
the checkpoint's known file names are ever written, sizes are checked before anything is
unpacked, and a zip entry that would land outside the folder (``../``, absolute paths) or
that expands far beyond its compressed size (a zip bomb) is refused. The folder is then
loaded by ``load_checkpoint``, which reads only JSON and safetensors.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from .checkpoint import CARD, CONFIG, TOKENIZER, TRAINING, WEIGHTS, CheckpointError

ALLOWED = (CONFIG, TOKENIZER, WEIGHTS, CARD, TRAINING)
DEFAULT_MAX_BYTES = 25 * 2**20  # matches .streamlit/config.toml's maxUploadSize
MAX_RATIO = 200  # a real checkpoint compresses a few times at most; a zip bomb by thousands


def _check_name(name: str) -> str:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts:
        raise CheckpointError(name, "refused: the path leaves the checkpoint folder")
    if path.name not in ALLOWED:
        raise CheckpointError(name, f"refused: a checkpoint holds only {', '.join(ALLOWED)}")
    return path.name


def extract_upload(files: list[tuple[str, bytes]], dest: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Path:
    """Write the uploaded checkpoint into ``dest`` and return it; raises CheckpointError."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if not files:
        raise CheckpointError("upload", "no files were uploaded")
    total = sum(len(data) for _, data in files)
    if total > max_bytes:
        raise CheckpointError("upload", f"{total / 2**20:.1f} MB is more than the {max_bytes / 2**20:.0f} MB allowed")
    if len(files) == 1 and files[0][0].lower().endswith(".zip"):
        return _extract_zip(files[0][0], files[0][1], dest, max_bytes)
    for name, data in files:
        (dest / _check_name(name)).write_bytes(data)
    return dest


# What a damaged or hostile zip raises while it is opened or read: a bad CRC, a size that lies,
# a compression method or encryption zipfile does not do, a truncated stream.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, NotImplementedError, RuntimeError,
               ValueError, OSError)


def _extract_zip(name: str, data: bytes, dest: Path, max_bytes: int) -> Path:
    try:
        return _unpack(name, data, dest, max_bytes)
    except CheckpointError:
        raise
    except _ZIP_ERRORS as err:
        raise CheckpointError(name, f"not a readable zip file ({type(err).__name__})") from None


def _unpack(name: str, data: bytes, dest: Path, max_bytes: int) -> Path:
    archive = zipfile.ZipFile(io.BytesIO(data))
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        declared = sum(m.file_size for m in members)
        if declared > max_bytes:
            raise CheckpointError(name, f"unpacks to {declared / 2**20:.1f} MB, more than the {max_bytes / 2**20:.0f} MB allowed")
        for member in members:
            if member.compress_size and member.file_size / member.compress_size > MAX_RATIO:
                raise CheckpointError(name, f"refused: {member.filename} expands {member.file_size // member.compress_size}x (a zip bomb?)")
        names = [_check_name(m.filename) for m in members]
        if len(set(names)) != len(names):
            raise CheckpointError(name, "refused: the zip holds the same file twice")
        for member, target in zip(members, names):
            written = 0
            with archive.open(member) as src, open(dest / target, "wb") as out:
                while chunk := src.read(1 << 16):  # never trust the declared size alone
                    written += len(chunk)
                    if written > max_bytes:
                        raise CheckpointError(name, "refused: a file unpacks past the size limit")
                    out.write(chunk)
    return dest
