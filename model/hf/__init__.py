"""Hugging Face folders (config.json with ``model_type``, safetensors, tokenizer.json) opened
as the project's own traced models, so every page and the TransformerLens trace names work
on GPT-2, Llama (SmolLM, TinyLlama) and Qwen2 checkpoints people already have.

Runtime needs: ``tokenizers`` and ``safetensors``; never ``transformers``, never a download.
Supported ``model_type``s are the keys of ``families.FAMILIES``.
"""

from __future__ import annotations

from pathlib import Path

from ..bundle import ModelBundle
from ..checkpoint import CONFIG, TOKENIZER, CheckpointError, _read_text, _weights, check_link, read_json_object
from ..config import ConfigError
from ..tokenizer import TokenizerError
from ..transformer import build_model
from .families import FAMILIES
from .tokenizer import SubwordTokenizer
from .weights import read_weights, weight_files

__all__ = ["is_hf_folder", "load_hf_folder", "SubwordTokenizer"]


def is_hf_folder(folder: str | Path) -> bool:
    """A Hugging Face export names its family in config.json's ``model_type``; ours never does."""
    folder = Path(folder)
    try:
        return (folder / CONFIG).is_file() and "model_type" in read_json_object(folder / CONFIG)
    except CheckpointError:
        return False


def _eos_id(folder: Path, hf: dict) -> int | None:
    """The end-of-text id from config.json, else generation_config.json (a list: the first)."""
    sources = [hf]
    if (folder / "generation_config.json").is_file():
        try:
            sources.append(read_json_object(folder / "generation_config.json"))
        except CheckpointError:
            pass  # optional file: a broken one only loses the stop token
    for source in sources:
        eos = source.get("eos_token_id") if isinstance(source, dict) else None
        eos = eos[0] if isinstance(eos, list) and eos else eos
        if isinstance(eos, int) and not isinstance(eos, bool):
            return eos
    return None


def check_links(folder: Path, files: list[Path]) -> None:
    """Every file read must be the folder's own: a link may lead only to a file in the folder or,
    in the Hugging Face cache's layout (``models--ORG--NAME/snapshots/<rev>/``), to that
    repository's ``blobs/``. A link elsewhere (another user's data, the server's secrets) would
    be read and shown as if it were the model card."""
    home = folder.resolve(strict=True)
    allowed = [home]
    if home.parent.name == "snapshots":
        allowed.append(home.parent.parent / "blobs")
    for path in files:
        check_link(path, allowed, "model")


def load_hf_folder(folder: str | Path, name: str | None = None) -> ModelBundle:
    """Validate and load a Hugging Face folder; raises CheckpointError naming the file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointError(folder, "not a model folder (it does not exist or is not a folder)")
    check_links(folder, [folder / f for f in (CONFIG, TOKENIZER, "generation_config.json", "README.md")]
                + sorted(folder.glob("*.safetensors*")))
    hf = read_json_object(folder / CONFIG)
    kind = hf.get("model_type")
    family = FAMILIES.get(kind) if isinstance(kind, str) else None
    if family is None:
        raise CheckpointError(folder / CONFIG, f"model_type {kind!r} is not supported (supported: {', '.join(FAMILIES)})")
    try:
        config = family.config(hf)
    except ConfigError as err:
        raise CheckpointError(folder / CONFIG, f"{kind}: {err}") from None
    try:
        tokenizer = SubwordTokenizer.from_json(_read_text(folder / TOKENIZER), config.vocab_size, _eos_id(folder, hf))
    except TokenizerError as err:
        raise CheckpointError(folder / TOKENIZER, str(err)) from None
    files = weight_files(folder)
    stored = sum(path.stat().st_size for path in files)
    if stored < 2 * config.estimated_parameters():  # 2 bytes a number at the least (float16, bfloat16)
        raise CheckpointError(next(iter(files)), f"{stored:,} bytes of weights cannot hold the {config.estimated_parameters():,} "
                              "parameters config.json describes")
    model = build_model(config)  # only now: a config may not make the server allocate what its files do not hold
    model.load_state_dict(read_weights(folder, config, family, _weights(model)), strict=False)  # every name checked
    card = folder / "README.md"
    return ModelBundle(
        config, model, tokenizer, name=name or folder.name, path=str(folder),
        card=card.read_text(encoding="utf-8", errors="replace") if card.is_file() else "",
        extra={"source": "huggingface", "model_type": kind},
    )
