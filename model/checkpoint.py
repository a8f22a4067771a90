"""Checkpoint folders: config.json + tokenizer.json + model.safetensors + README.md.

Why this format: loading reads only JSON and safetensors, so a checkpoint someone hands the
app can never run code (pickle can). Everything is checked against the config before the
model is used, and every problem raises ``CheckpointError`` whose message names the file
and the problem, so the app can show it and keep the previous model.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from .bundle import ModelBundle
from .config import ConfigError, ModelConfig
from .json_text import JsonTextError, parse_json
from .tokenizer import TokenizerError, tokenizers_from_data, tokenizers_to_json
from .transformer import build_model

CONFIG, TOKENIZER, WEIGHTS, CARD = "config.json", "tokenizer.json", "model.safetensors", "README.md"
TRAINING = "training.json"  # optional: recipe, seed and loss log of the run that made it
PICKLE_SUFFIXES = (".pt", ".pth", ".bin", ".pkl", ".pickle", ".ckpt")
MAX_JSON_BYTES = 16 * 1024 * 1024  # a config or vocabulary larger than this is not ours
# Magic bytes of pickle (protocol 2+) and of torch.save's zip container.
_PICKLE_MAGIC = (b"\x80", b"PK\x03\x04")


class CheckpointError(ValueError):
    """A checkpoint folder that cannot be loaded; the message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path, self.problem = str(path), problem
        super().__init__(f"{path}: {problem}")


def save_checkpoint(bundle: ModelBundle, folder: str | Path, card: str | None = None) -> Path:
    """Write the four files. Tied or buffer tensors are stored once, as safetensors requires."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CONFIG).write_text(bundle.config.to_json())
    (folder / TOKENIZER).write_text(tokenizers_to_json(bundle.tokenizer, bundle.src_tokenizer), encoding="utf-8")
    state = {k: v.detach().contiguous().clone() for k, v in _weights(bundle.model).items()}
    save_file(state, str(folder / WEIGHTS), metadata={"format": "pt"})
    (folder / CARD).write_text(card if card is not None else bundle.card or f"# {folder.name}\n", encoding="utf-8")
    return folder


def write_training_info(folder: str | Path, info: dict) -> None:
    (Path(folder) / TRAINING).write_text(json.dumps(info, indent=2) + "\n")


def _weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """state_dict without the second name of a tied weight."""
    seen: set[int] = set()
    out = {}
    for name, tensor in model.state_dict().items():
        if id(tensor) in seen or tensor.data_ptr() in seen:
            continue
        seen.add(tensor.data_ptr())
        out[name] = tensor
    return out


def _read_text(path: Path) -> str:
    """One of the checkpoint's JSON files as text (the tokenizers library parses its own)."""
    if not path.is_file():
        raise CheckpointError(path, "file is missing")
    if path.stat().st_size > MAX_JSON_BYTES:
        raise CheckpointError(path, f"file is larger than {MAX_JSON_BYTES // 2**20} MB")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CheckpointError(path, "file is not UTF-8 text") from None


def _read_json(path: Path) -> object:
    """The parsed content of one of the checkpoint's JSON files."""
    text = _read_text(path)
    try:
        return parse_json(text)
    except JsonTextError as err:
        raise CheckpointError(path, str(err)) from None


def _check_inside(folder: Path) -> None:
    """Every file the loader reads must be the folder's own: a link to a file elsewhere (another
    user's data, the server's secrets) would be read and shown as if it were the model card."""
    home = folder.resolve(strict=True)
    for name in (CONFIG, TOKENIZER, WEIGHTS, CARD, TRAINING):
        check_link(folder / name, [home], "checkpoint")


def check_link(path: Path, allowed: list[Path], what: str) -> None:
    """A file that is a link must lead to a file directly inside one of the ``allowed`` folders."""
    if not path.is_symlink():
        return
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise CheckpointError(path, "is a broken link (or a loop of links): not read") from None
    if target.parent not in allowed:
        raise CheckpointError(path, f"is a link to a file outside the {what} folder: not read")


def load_checkpoint(folder: str | Path, name: str | None = None) -> ModelBundle:
    """Validate and load a checkpoint folder; raises CheckpointError for any problem."""
    folder = Path(folder)
    try:
        return _load(folder, name)
    except OSError as err:  # unreadable files, names too long: said without the server's paths
        raise CheckpointError(folder, f"could not be read ({err.strerror or type(err).__name__})") from None
    except RuntimeError:  # pathlib's "symlink loop", whose message names absolute paths
        raise CheckpointError(folder, "could not be read (a loop of links?)") from None


def _load(folder: Path, name: str | None) -> ModelBundle:
    if not folder.is_dir():
        raise CheckpointError(folder, "not a checkpoint folder (it does not exist or is not a folder)")
    _check_inside(folder)
    weights_path = folder / WEIGHTS
    if not weights_path.is_file():
        pickles = sorted(p.name for p in folder.iterdir() if p.suffix in PICKLE_SUFFIXES)
        if pickles:
            raise CheckpointError(folder / pickles[0], f"pickle files are never loaded (they can run code); convert the weights to {WEIGHTS}")
        raise CheckpointError(weights_path, "file is missing")

    try:
        config = ModelConfig.from_dict(_read_json(folder / CONFIG))
    except ConfigError as err:
        raise CheckpointError(folder / CONFIG, str(err)) from None
    try:
        tokenizer, src_tokenizer = tokenizers_from_data(_read_json(folder / TOKENIZER))
    except TokenizerError as err:
        raise CheckpointError(folder / TOKENIZER, str(err)) from None
    _check_vocabularies(folder / TOKENIZER, config, tokenizer, src_tokenizer)
    _check_parameter_count(weights_path, config)  # before build_model allocates what the config asks for

    model = build_model(config)
    expected = _weights(model)
    state = _read_weights(weights_path, expected)
    model.load_state_dict(state, strict=False)  # strictness checked above, tied names excepted
    card_path = folder / CARD
    card = card_path.read_text(encoding="utf-8", errors="replace") if card_path.is_file() else ""
    extra = _read_training(folder / TRAINING) if (folder / TRAINING).is_file() else {}
    return ModelBundle(config, model, tokenizer, src_tokenizer, name=name or folder.name, card=card, path=str(folder), extra=extra)


MAX_EXAMPLE_PROMPTS = 100


def _read_training(path: Path) -> dict:
    """training.json: free-form, but what the app uses from it must have the right type."""
    extra = read_json_object(path)
    prompts = extra.get("example_prompts")
    if prompts is not None and not (
        isinstance(prompts, list) and 0 < len(prompts) <= MAX_EXAMPLE_PROMPTS and all(isinstance(p, str) for p in prompts)
    ):
        raise CheckpointError(path, f'"example_prompts" must be a list of 1 to {MAX_EXAMPLE_PROMPTS} strings')
    return extra


def _check_parameter_count(path: Path, config: ModelConfig) -> None:
    """The weights file's header (no tensor is read) must hold exactly the config's parameters."""
    _refuse_pickle(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            stored = sum(math.prod(f.get_slice(name).get_shape()) for name in f.keys())
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise CheckpointError(path, f"not a readable safetensors file (truncated or corrupt?): {err}") from None
    wanted = config.estimated_parameters()
    if stored != wanted:
        raise CheckpointError(path, f"holds {stored:,} numbers but config.json describes a model of {wanted:,} parameters")


def _check_vocabularies(path: Path, config: ModelConfig, tokenizer, src_tokenizer) -> None:
    if len(tokenizer) != config.vocab_size:
        raise CheckpointError(path, f"the vocabulary has {len(tokenizer)} words but config.json says vocab_size = {config.vocab_size}")
    if config.is_encoder_decoder:
        if src_tokenizer is None:
            raise CheckpointError(path, "an encoder-decoder needs a \"source\" and a \"target\" vocabulary")
        if len(src_tokenizer) != config.src_vocab_size:
            raise CheckpointError(path, f"the source vocabulary has {len(src_tokenizer)} words but config.json says src_vocab_size = {config.src_vocab_size}")
    elif src_tokenizer is not None:
        raise CheckpointError(path, "a decoder-only model has one vocabulary, not a source and a target")


def _refuse_pickle(path: Path) -> None:
    with path.open("rb") as f:
        head = f.read(9)
    # safetensors: an 8-byte little-endian header length, then the JSON header "{...".
    looks_safetensors = len(head) == 9 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") < path.stat().st_size
    if not looks_safetensors and head.startswith(_PICKLE_MAGIC):
        raise CheckpointError(path, "this is a pickle/torch.save file, not safetensors; it was not read")


def _read_weights(path: Path, expected: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    try:
        with safe_open(str(path), framework="pt") as f:
            names = set(f.keys())
            missing = sorted(set(expected) - names)
            unexpected = sorted(names - set(expected))
            if missing:
                raise CheckpointError(path, f"weights missing for the config: {', '.join(missing[:5])}")
            if unexpected:
                raise CheckpointError(path, f"weights the config has no place for: {', '.join(unexpected[:5])}")
            state = {}
            for name, want in expected.items():
                shape = tuple(f.get_slice(name).get_shape())
                if shape != tuple(want.shape):
                    raise CheckpointError(path, f"{name} has shape {list(shape)} but the config needs {list(want.shape)}")
                tensor = f.get_tensor(name)
                if not tensor.is_floating_point():
                    raise CheckpointError(path, f"{name} is {tensor.dtype}, not floating point")
                if not torch.isfinite(tensor).all():
                    bad = "NaN" if torch.isnan(tensor).any() else "infinite"
                    raise CheckpointError(path, f"{name} holds {bad} values")
                state[name] = tensor.to(want.dtype)
            return state
    except CheckpointError:
        raise
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise CheckpointError(path, f"not a readable safetensors file (truncated or corrupt?): {err}") from None


def read_json_object(path: Path) -> dict:
    """A JSON file that must hold one object (config files, shard indexes)."""
    data = _read_json(path)
    if not isinstance(data, dict):
        raise CheckpointError(path, "must be a JSON object")
    return data


def load_any(folder: str | Path, name: str | None = None) -> ModelBundle:
    """One entry point for any model folder: a Hugging Face export (config.json names a
    ``model_type``) through model/hf, else the project's own checkpoint format."""
    from .hf import is_hf_folder, load_hf_folder  # model/hf imports this module

    if not is_hf_folder(folder):
        return load_checkpoint(folder, name)
    try:
        return load_hf_folder(folder, name)
    except OSError as err:
        raise CheckpointError(folder, f"could not be read ({err.strerror or type(err).__name__})") from None
    except RuntimeError:
        raise CheckpointError(folder, "could not be read (a loop of links?)") from None
