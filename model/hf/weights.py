"""Read a Hugging Face folder's safetensors (one file or shards named by an index) into our names.

Why checked this way: the folder may come from anywhere, so only safetensors are read (a
pickled ``pytorch_model.bin`` can run code), the index may only name files inside the folder,
and every tensor our model needs must be there with the shape the config implies before any
of them is used.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open

from ..checkpoint import PICKLE_SUFFIXES, CheckpointError, read_json_object
from ..config import ModelConfig
from .families import IGNORED_SUFFIXES, Family

SINGLE, INDEX = "model.safetensors", "model.safetensors.index.json"
CONVERT = (
    "convert it once, in the folder, with these two lines of Python: "
    "`import torch; from safetensors.torch import save_file` and "
    "`save_file({k: v.clone() for k, v in torch.load('pytorch_model.bin', weights_only=True).items()}, 'model.safetensors')`"
)


def weight_files(folder: Path) -> dict[Path, list[str] | None]:
    """file -> the tensor names the index assigns to it (None: every tensor of a single file)."""
    if (folder / SINGLE).is_file():
        return {folder / SINGLE: None}
    index = folder / INDEX
    if index.is_file():
        weight_map = read_json_object(index).get("weight_map")
        if not isinstance(weight_map, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in weight_map.items()):
            raise CheckpointError(index, "\"weight_map\" must map tensor names to file names")
        files: dict[Path, list[str]] = {}
        for name, file in weight_map.items():
            if Path(file).name != file or not file.endswith(".safetensors"):
                raise CheckpointError(index, f"names {file!r}, which is not a .safetensors file inside the folder")
            files.setdefault(folder / file, []).append(name)
        for path in files:
            if not path.is_file():
                raise CheckpointError(index, f"names {path.name}, which is not in the folder")
        return files
    pickles = sorted(p.name for p in folder.iterdir() if p.suffix in PICKLE_SUFFIXES)
    if pickles:
        raise CheckpointError(folder / pickles[0], f"pickle files are never loaded (they can run code); {CONVERT}")
    raise CheckpointError(folder / SINGLE, f"file is missing (nor is there a {INDEX})")


def read_weights(folder: Path, cfg: ModelConfig, family: Family, expected: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Our state dict (float32) from the folder's files; CheckpointError names the file and tensor."""
    wanted = family.names(cfg)  # our name -> (HF name, transform)
    theirs: dict[str, torch.Tensor] = {}
    where: dict[str, Path] = {}
    files = weight_files(folder)
    from . import check_links  # the package imports this module

    check_links(folder, list(files))
    for path, names in files.items():
        try:
            with safe_open(str(path), framework="pt") as f:
                for name in names if names is not None else f.keys():
                    key = name.removeprefix(family.strip_prefix) if family.strip_prefix else name
                    theirs[key], where[key] = f.get_tensor(name), path
        except (SafetensorError, OSError, ValueError, RuntimeError) as err:
            raise CheckpointError(path, f"not a readable safetensors file (truncated, corrupt, or a pickle?): {err}") from None
    if set(wanted) != set(expected):
        raise CheckpointError(folder / "config.json", "the importer does not map this model's layers (a bug: please report the folder)")
    needed = {hf for hf, _ in wanted.values()}
    extra = sorted(k for k in set(theirs) - needed if not k.endswith(IGNORED_SUFFIXES) and not (k == "lm_head.weight" and cfg.tie_embeddings))
    if extra:
        raise CheckpointError(where[extra[0]], f"weights config.json has no place for: {', '.join(extra[:5])}")
    state = {}
    for ours, (hf, transform) in wanted.items():
        if hf not in theirs:
            raise CheckpointError(next(iter(where.values()), folder / SINGLE), f"{hf} is missing but config.json needs it")
        tensor = theirs[hf]
        if not tensor.is_floating_point():
            raise CheckpointError(where[hf], f"{hf} is {tensor.dtype}, not floating point")
        try:
            tensor = (transform(tensor) if transform else tensor).to(torch.float32).contiguous()
        except ValueError as err:
            raise CheckpointError(where[hf], f"{hf} {err}") from None
        want = expected[ours]
        if tuple(tensor.shape) != tuple(want.shape):
            raise CheckpointError(where[hf], f"{hf} has shape {list(theirs[hf].shape)}, which does not fit config.json (our {ours} needs {list(want.shape)})")
        if not torch.isfinite(tensor).all():
            raise CheckpointError(where[hf], f"{hf} holds NaN or infinite values")
        state[ours] = tensor
    return state
