"""Where checkpoints may come from: the bundled folders, the server's extra roots, a typed path.

Why its own module: every path a visitor can name (the sidebar's folder box, the URL) passes
the checks here before the file system is asked anything, and a path is shown to the page only
relative to its root. No streamlit here: the checks are tested as plain functions.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app_pages import model_sources
from model.checkpoint import CheckpointError

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CHECKPOINTS = ROOT / "sample_checkpoints"
# Extra folders a user may load checkpoints from, separated by os.pathsep.
ROOTS_ENV = "ATTENTION_LAB_CHECKPOINT_ROOTS"
PREFERRED_ORDER = ("statquest-decoder", "statquest-translator", "tiny-stories", "tiny-translator")
MAX_PATH_CHARS = 1024
MAX_NAME_BYTES = 255  # one folder name, as most file systems allow


def checkpoint_roots() -> list[Path]:
    """sample_checkpoints/, the folders the server's environment names (a broken one is skipped),
    the folder given with ``--model`` and the local Hugging Face cache (read only)."""
    roots = [SAMPLE_CHECKPOINTS.resolve()]
    for text in os.environ.get(ROOTS_ENV, "").split(os.pathsep):
        try:
            if text.strip():
                roots.append(Path(text.strip()).resolve(strict=True))
        except (OSError, RuntimeError, ValueError):
            continue
    extra = [model_sources.startup_model(sys.argv[1:]), model_sources.hf_cache_root()]
    return roots + [p for p in extra if p is not None and p not in roots]


def hf_folders(roots: list[Path]) -> dict[str, Path]:
    """label -> folder of the Hugging Face folders under the roots and in the cache, each passed
    through the typed-folder check."""
    return model_sources.hf_folders(roots, model_sources.hf_cache_root(), resolve_checkpoint_path, shown_path)


def listed_models(found: dict[str, Path]) -> dict[str, Path]:
    """What the model picker offers before "Checkpoint folder...": the ``--model`` folder first
    (the model the server was started with), the bundled models, then the Hugging Face folders found."""
    start = model_sources.startup_model(sys.argv[1:])
    first = {f"{start.name} (--model)": start} if start is not None else {}
    return {**first, **bundled_models(), **{k: v for k, v in found.items() if v != start}}


def bundled_models() -> dict[str, Path]:
    """Every checkpoint folder under sample_checkpoints/, lesson models first."""
    found = {p.name: p for p in sorted(SAMPLE_CHECKPOINTS.iterdir()) if (p / "config.json").is_file()}
    order = [n for n in PREFERRED_ORDER if n in found] + [n for n in found if n not in PREFERRED_ORDER]
    return {n: found[n] for n in order}


def is_bundled(path: str | Path) -> bool:
    return SAMPLE_CHECKPOINTS.resolve() in Path(path).resolve().parents


def resolve_checkpoint_path(text: str) -> Path:
    """A typed folder path (it comes from the URL too), accepted only inside the checkpoint roots.

    Refused before the file system is asked anything it could fail on or reveal: control
    characters, over-long names, and home-folder paths (``~user`` would tell which users exist)."""
    typed = text.strip()
    allowed = "only folders inside sample_checkpoints/ or a folder named by the server's " + ROOTS_ENV + " can be loaded"
    if len(typed) > MAX_PATH_CHARS or any(len(part.encode("utf-8", "replace")) > MAX_NAME_BYTES for part in typed.split("/")):
        raise CheckpointError("The folder", "the path is too long")
    if any(ord(c) < 32 or ord(c) == 127 for c in typed):
        raise CheckpointError("The folder", "the path holds control characters")
    if typed.startswith("~"):
        raise CheckpointError("The folder", "home-folder paths (~) are not accepted: " + allowed)
    path = Path(typed)
    try:
        path = (path if path.is_absolute() else ROOT / path).resolve()
    except (OSError, RuntimeError, ValueError):
        raise CheckpointError("The folder", "the path cannot be followed (a loop of links?)") from None
    if not any(path == r or r in path.parents for r in checkpoint_roots()):
        raise CheckpointError("The folder", allowed)
    return path


def shown_path(path: str | Path) -> str:
    """A path as the page may show it: relative to the checkpoint root it is in, never the
    server's absolute path (an uploaded checkpoint's temporary folder shows only the file)."""
    path = Path(path)
    for root in checkpoint_roots():
        if path == root or root in path.parents:
            return str(Path(root.name) / path.relative_to(root))
    return path.name if path.is_absolute() else str(path)


def folder_mtime(path: Path) -> float:
    """The newest modification time of the folder's entries (reload after retraining); links are
    not followed, so a broken link or a loop of links in the folder costs nothing here."""
    try:
        return max((entry.stat(follow_symlinks=False).st_mtime for entry in os.scandir(path)), default=0.0)
    except OSError:
        return 0.0
