"""``python -m model lens|attribute|patch|rollout``: each method from a terminal, with ``--json``
printing exactly the numbers its page shows (model/__main__.py registers these commands)."""

from __future__ import annotations

import json

from ..checkpoint import load_checkpoint
from .attribution import logit_attribution
from .lens import logit_lens
from .patching import default_pair, head_kinds, patch_every_head_output, patch_every_head_pattern, patch_resid, prepare
from .rollout import attention_rollout


def _round(values, digits: int = 5):
    if isinstance(values, dict):
        return {k: _round(v, digits) for k, v in values.items()}
    if isinstance(values, list):
        return [_round(v, digits) for v in values]
    return round(values, digits) if isinstance(values, float) else values


def _print_json(data: dict) -> None:
    print(json.dumps(data))


def _grid(title: str, rows: list[str], cols: list[str], values) -> None:
    print(title)
    width = max(len(r) for r in rows)
    print(" " * width, *(f"{c[:7]:>7s}" for c in cols))
    for label, row in zip(rows, values):
        print(f"{label:>{width}s}", *(f"{v:7.3f}" for v in row))


def cmd_lens(args) -> int:
    bundle = load_checkpoint(args.checkpoint)
    trace = bundle.run(args.prompt)
    result = logit_lens(bundle, trace, args.word, args.top)
    data = _round(result.to_json_dict(bundle.tokenizer.vocab))
    if args.json:
        _print_json(data)
        return 0
    position = args.position % len(trace.tokens)
    print(f"position {position} ({trace.tokens[position]!r}): top {args.top} words per stream")
    for s, label in enumerate(data["labels"]):
        words = "  ".join(f"{w} {p:.3f}" for w, p in zip(data["top_words"][s][position], data["top_probs"][s][position]))
        extra = f"   p({args.word})={data['word_probs'][s][position]:.4f}" if args.word else ""
        print(f"{label:>12s}  {words}{extra}")
    return 0


def cmd_attribute(args) -> int:
    bundle = load_checkpoint(args.checkpoint)
    trace = bundle.run(args.prompt)
    word = args.word or bundle.tokenizer.vocab[int(trace.logits[args.position].argmax())]
    result = logit_attribution(bundle, trace, word, args.other, args.position)
    data = _round(result.to_json_dict())
    if args.json:
        _print_json(data)
        return 0
    target = f"logit({word})" + (f" - logit({args.other})" if args.other else "")
    print(f"{target} at position {result.position} ({trace.tokens[result.position]!r}): {result.total:.4f} "
          f"(sum of parts {data['sum_of_parts']:.4f})")
    for label, value in result.ranked()[: args.top]:
        print(f"{label:>12s} {value:9.4f}")
    return 0


def cmd_patch(args) -> int:
    bundle = load_checkpoint(args.checkpoint)
    pair = default_pair(bundle)
    clean, corrupted = args.clean or (pair and pair[0]), args.corrupted or (pair and pair[1])
    if not clean or not corrupted:
        raise ValueError(f"no default prompt pair for {bundle.name!r}: give --clean and --corrupted")
    if args.target is not None and not bundle.is_translator:
        raise ValueError("--target is a translator's decoder input; this model has one stream")
    setup = prepare(bundle, clean, corrupted, args.answer, args.distractor, target=args.target)
    rows, resid = patch_resid(setup)
    heads, patterns = patch_every_head_output(setup), patch_every_head_pattern(setup)
    if bundle.is_translator:  # one grid per kind of head, by its module ("decoder.cross_attn")
        head_out, head_pattern = ({k: v.tolist() for k, v in grids.items()} for grids in (heads, patterns))
    else:
        head_out, head_pattern = heads["attn"].tolist(), patterns["attn"].tolist()
    data = _round({"clean": clean, "corrupted": corrupted, "tokens": setup.tokens, "answer": setup.answer,
                   "distractor": setup.distractor, "clean_logit_diff": setup.clean_diff,
                   "corrupted_logit_diff": setup.corrupted_diff, "resid_rows": rows, "resid": resid.tolist(),
                   "head_out": head_out, "head_pattern": head_pattern})
    if bundle.is_translator:
        data["decoder_input"] = list(setup.target_tokens)
    if args.json:
        _print_json(data)
        return 0
    print(f"metric: logit({setup.answer}) - logit({setup.distractor}), clean {setup.clean_diff:.3f}, "
          f"corrupted {setup.corrupted_diff:.3f}; 0 = corrupted, 1 = clean")
    if bundle.is_translator:
        print(f"decoder input (both runs): {' '.join(setup.target_tokens)}")
    stream = "the encoder's residual stream" if bundle.is_translator else "residual stream"
    _grid(f"{stream} (row: layer, column: source position)" if bundle.is_translator else f"{stream} (row: layer, column: position)",
          rows, setup.tokens, resid.tolist())
    head_cols = [f"H{h}" for h in range(bundle.config.n_heads)]
    for kind in head_kinds(bundle):
        layer_rows = [f"L{l}" for l in range(kind.n_layers)]
        where = f"{kind.key}: " if bundle.is_translator else ""
        _grid(f"{where}head outputs (hook_z, every position)", layer_rows, head_cols, heads[kind.key].tolist())
        _grid(f"{where}head patterns (every position)", layer_rows, head_cols, patterns[kind.key].tolist())
    return 0


def cmd_rollout(args) -> int:
    bundle = load_checkpoint(args.checkpoint)
    trace = bundle.run(args.prompt)
    rolled = attention_rollout(bundle, trace, args.stack)
    tokens = trace.src_tokens if (bundle.is_translator and args.stack == "encoder") else trace.tokens
    data = _round({"tokens": tokens, "rollout": rolled.tolist()})
    if args.json:
        _print_json(data)
        return 0
    _grid(f"rollout through all {rolled.shape[0]} layers (row: query, column: key)", tokens, tokens, rolled[-1].tolist())
    return 0


def add_commands(sub) -> None:
    """Register the analysis commands on ``python -m model``'s subparsers."""
    p = sub.add_parser("lens", help="logit lens: top words of every stream at every position")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("prompt")
    p.add_argument("--word", help="also the probability of this word")
    p.add_argument("--top", type=int, default=5)
    p.add_argument("--position", type=int, default=-1, help="position shown without --json")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_lens)

    p = sub.add_parser("attribute", help="direct logit attribution of the final stream at a position")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("prompt")
    p.add_argument("--word", help="default: the model's top word at the position")
    p.add_argument("--other", help="subtract this word's logit (e.g. --word mary --other john)")
    p.add_argument("--position", type=int, default=-1)
    p.add_argument("--top", type=int, default=12, help="parts listed without --json")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_attribute)

    p = sub.add_parser("patch", help="activation patching from a clean into a corrupted prompt")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--clean", help="default: the model's bundled pair")
    p.add_argument("--corrupted")
    p.add_argument("--answer", help="default: the clean run's top word")
    p.add_argument("--distractor", help="default: the corrupted run's top word")
    p.add_argument("--target", help="a translator's decoder input after its start token, the same in both runs "
                                    "(default: the words both greedy translations share)")
    p.add_argument("--json", action="store_true",
                   help="a translator's head_out and head_pattern hold one grid per kind of head (encoder.attn, "
                        "decoder.attn, decoder.cross_attn)")
    p.set_defaults(fn=cmd_patch)

    p = sub.add_parser("rollout", help="attention rollout (Abnar & Zuidema 2020)")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("prompt")
    p.add_argument("--stack", choices=("encoder", "decoder"), help="a translator's stream (default: decoder)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_rollout)
