"""Where the model picker finds models besides the bundled ones: Hugging Face folders under the
checkpoint roots, the local Hugging Face cache, and a ``--model PATH`` given at start.

Why separate from checkpoints.py: it knows the Hugging Face layouts, and no Streamlit here, so the listing is tested as plain functions.
The cache is only read (never downloaded into) and every folder found is still passed through
the same path check as a typed folder (app_pages.checkpoints.resolve_checkpoint_path) before it is
offered: the listing is a convenience, not a way around the roots.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Callable, Iterable, Sequence

from model.hf import is_hf_folder

MAX_LISTED = 200  # folders offered at most: a huge root must not make every rerun slow
CACHE_PREFIX = "models--"


def hf_cache_root(environ: dict | None = None) -> Path | None:
    """The local Hugging Face hub cache, as huggingface_hub finds it: $HF_HUB_CACHE, else
    $HF_HOME/hub, else ~/.cache/huggingface/hub; None when there is none."""
    env = os.environ if environ is None else environ
    if env.get("HF_HUB_CACHE", "").strip():
        path = Path(env["HF_HUB_CACHE"].strip())
    elif env.get("HF_HOME", "").strip():
        path = Path(env["HF_HOME"].strip()) / "hub"
    else:
        path = Path.home() / ".cache" / "huggingface" / "hub"
    try:
        return path.resolve(strict=True) if path.is_dir() else None
    except (OSError, RuntimeError):
        return None


def _subfolders(folder: Path) -> list[Path]:
    try:
        return sorted(Path(e.path) for e in os.scandir(folder) if e.is_dir(follow_symlinks=False))
    except OSError:
        return []


def cache_snapshots(cache: Path) -> dict[str, Path]:
    """"ORG/NAME" (with "@rev" when a repository holds several snapshots) -> snapshot folder,
    for every ``models--ORG--NAME/snapshots/<rev>/`` of the cache."""
    found: dict[str, Path] = {}
    for repo in _subfolders(cache):
        if not repo.name.startswith(CACHE_PREFIX):
            continue
        name = repo.name[len(CACHE_PREFIX):].replace("--", "/")
        revisions = _subfolders(repo / "snapshots")
        for rev in revisions:
            found[name if len(revisions) == 1 else f"{name} @ {rev.name[:8]}"] = rev
    return found


def hf_folders(roots: Iterable[Path], cache: Path | None, check: Callable[[str], Path], shown: Callable[[Path], str]) -> dict[str, Path]:
    """label -> folder of every Hugging Face folder found: each root itself and its direct
    subfolders, then the cache's snapshots. ``check`` is the typed-folder path check (it raises
    for a folder outside the roots, e.g. a link that leads out); ``shown`` the path as the page
    may show it (relative to its root)."""
    candidates: list[tuple[str | None, Path]] = []
    for root in roots:
        if root == cache:
            continue
        candidates += [(None, p) for p in (root, *_subfolders(root))]
    if cache is not None:
        candidates += [(f"Hugging Face cache: {label}", p) for label, p in cache_snapshots(cache).items()]
    out: dict[str, Path] = {}
    for label, path in candidates:
        if len(out) >= MAX_LISTED:
            break
        try:
            path = check(str(path))
        except ValueError:  # CheckpointError: outside the roots once links are followed
            continue
        if is_hf_folder(path):
            out.setdefault(label or shown(path), path)
    return out


def startup_model(argv: Sequence[str]) -> Path | None:
    """The folder named by ``--model PATH`` on the command line (after ``--`` on streamlit's:
    ``streamlit run serve.py -- --model PATH``), resolved; None without one. The server's own
    operator names it, so it becomes a checkpoint root too."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--model", default=None)
    args, _ = parser.parse_known_args(list(argv))
    if not args.model:
        return None
    try:
        return Path(args.model).expanduser().resolve(strict=True)
    except (OSError, RuntimeError):
        return None
