"""Command line: ``python -m model train|generate|trace|eval|lens|attribute|patch|rollout``.

Why: every bundled model is reproducible from here, and everything the app shows can be
checked from a terminal (``trace --json`` prints the same named tensors the pages draw).
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import torch

from .bundle import EmptyPromptError
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint, write_training_info
from .generate import Sampling, generate
from .recipes import RECIPES


def _finite(value):
    """JSON has no infinity: the mask's -inf is written as the string "-inf"."""
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def cmd_train(args) -> int:
    torch.set_num_threads(args.threads) if args.threads else None
    trained = RECIPES[args.recipe](seed=args.seed, progress=not args.quiet)
    folder = save_checkpoint(trained.bundle, args.out, trained.card)
    write_training_info(folder, {"recipe": args.recipe, "seed": args.seed, **trained.bundle.extra, "steps": trained.log.steps,
                                 "seconds": round(trained.log.seconds, 1), "losses": [round(x, 5) for x in trained.log.losses]})
    print(f"saved {args.recipe} to {folder} ({trained.bundle.n_parameters:,} parameters, {trained.log.seconds:.1f} s)")
    return 0


def cmd_generate(args) -> int:
    bundle = load_checkpoint(args.checkpoint)
    encoding = bundle.encode(args.prompt)
    for _, word in encoding.unknown:
        print(f"note: unknown word {word!r} " + ("left out" if encoding.unknown_dropped else "read as <unk>"), file=sys.stderr)
    if encoding.truncated:
        print(f"note: prompt cut to the model's {bundle.config.max_len} tokens ({encoding.truncated} words dropped)", file=sys.stderr)
    sampling = Sampling(args.temperature, args.top_k, args.top_p, args.seed)
    words = generate(bundle, args.prompt, sampling, args.max_new)
    if not words:
        print("note: empty prompt: nothing to continue", file=sys.stderr)
    print(" ".join(words))
    return 0


def cmd_trace(args) -> int:
    bundle = load_checkpoint(args.checkpoint)
    trace = bundle.run(args.prompt)
    if args.npz:
        from .analysis.export import export_trace

        for path in export_trace(trace, bundle.config, args.npz):
            print(f"wrote {path}", file=sys.stderr)
    if args.json:
        data = trace.to_json_dict()
        data["tensors"] = {k: {"shape": v["shape"], "values": _finite(v["values"])} for k, v in data["tensors"].items()}
        json.dump(data, sys.stdout)
        print()
    elif not args.npz:
        print("tokens:", " ".join(trace.tokens) if trace.src_tokens is None else f"{' '.join(trace.src_tokens)} -> {' '.join(trace.tokens)}")
        for name, shape in trace.summary():
            print(f"{name:45s} {list(shape)}")
    return 0


def cmd_eval(args) -> int:
    from .evaluate import evaluate

    bundle = load_checkpoint(args.checkpoint)
    report = evaluate(bundle, quick=args.quick)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            if isinstance(value, list):
                print(f"{key}:")
                for row in value:
                    print("  " + "  ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()))
            else:
                print(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train a recipe and save a checkpoint folder")
    p.add_argument("recipe", choices=sorted(RECIPES))
    p.add_argument("--out", required=True, help="checkpoint folder to write")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch's default)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(fn=cmd_train)

    p = sub.add_parser("generate", help="continue a prompt (translate, for a translator)")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("prompt")
    p.add_argument("--temperature", type=float, default=0.0, help="0 = greedy")
    p.add_argument("--top-k", type=int, default=0)
    p.add_argument("--top-p", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-new", type=int, default=None)
    p.set_defaults(fn=cmd_generate)

    p = sub.add_parser("trace", help="print every trace name with its shape (and values with --json)")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("prompt")
    p.add_argument("--json", action="store_true")
    p.add_argument("--npz", metavar="FILE", help="write every tensor to FILE.npz and tokens + config to FILE.json")
    p.set_defaults(fn=cmd_trace)

    p = sub.add_parser("eval", help="measure a checkpoint on its held-out set")
    p.add_argument("checkpoint")
    p.add_argument("--json", action="store_true")
    p.add_argument("--quick", action="store_true", help="a small fixed slice of the held-out set")
    p.set_defaults(fn=cmd_eval)

    from .analysis.cli import add_commands

    add_commands(sub)
    args = parser.parse_args(argv)
    try:
        return args.fn(args)
    except (CheckpointError, EmptyPromptError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
