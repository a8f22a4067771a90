"""The model's architecture as a table of stages and a Graphviz diagram, from its config alone.

Why from the config: the picture must match the loaded checkpoint exactly (a toy with no
norm and no feed-forward draws neither), and it is built from numbers only, never from
text a user typed, so nothing typed can reach the DOT source. One function makes the tidy
frame of stages (also the table a user can read or download), another draws it, as for
every chart of the app.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd
import torch

from model.config import ModelConfig

# Node fills by kind: light pastels with the default dark text stay readable in both the
# light and the dark theme (edges and cluster labels use a mid grey for the same reason).
FILLS = {
    "input": "#e6e6e6",
    "embed": "#efe3f7",
    "attn": "#dbe9f6",
    "cross": "#fde2c8",
    "residual": "#f2f2f2",
    "ff": "#e3f1dc",
    "norm": "#f2f2f2",
    "output": "#fff4c2",
}
GREY = "#8c8c8c"
CROSS = "#e07b39"

FRAME_COLUMNS = ["stack", "node", "step", "detail", "kind", "repeated", "trace_name"]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _stack_rows(cfg: ModelConfig, stack: str, vocab: int, n_layers: int, kind: str) -> list[dict]:
    """The stages of one stack in order: its input, embedding, positions, the repeated block, final norm."""
    pre = "" if stack == "decoder" and not cfg.is_encoder_decoder else f"{stack}."
    blk = f"{pre}blocks.{{l}}"
    rows = []

    def add(node, step, detail, kind_, repeated=False, trace_name=""):
        rows.append(dict(stack=stack, node=f"{stack[:3]}_{node}", step=step, detail=detail, kind=kind_,
                         repeated=repeated, trace_name=trace_name))

    if kind == "encoder":
        add("in", "Input words", "the prompt + <EOS>", "input")
    elif cfg.is_encoder_decoder:
        add("in", "Output so far", "<EOS> + words generated so far", "input")
    else:
        add("in", "Prompt words", "+ words generated so far", "input")
    add("embed", "Word embedding", f"{_plural(vocab, 'word')} x {_plural(cfg.d_model, 'number')}", "embed", trace_name=f"{pre}hook_embed")
    pos = "sine/cosine squiggles" if cfg.positional == "sinusoidal" else f"learned, {_plural(cfg.max_len, 'position')}"
    add("pos", "+ Positional encoding", pos, "embed", trace_name=f"{pre}hook_pos_embed")
    heads = f"{_plural(cfg.n_heads, 'head')} x d_head {cfg.d_head}" + (" + W_O" if cfg.attn_out_proj else "")
    first = "\n(layer norm first)" if cfg.norm == "pre" else ""
    then = ", then layer norm" if cfg.norm == "post" else ""
    attn = "Self-attention (unmasked)" if kind == "encoder" else "Masked self-attention"
    local = f"\n{local_note(cfg)}" if cfg.local_layers and kind != "encoder" else ""
    add("attn", attn, heads + first + local, "attn", True, f"{blk}.attn")
    add("res1", "+ residual" + then, "", "residual", True, f"{blk}.hook_resid_mid")
    if kind == "decoder-x":
        add("cross", "Encoder-decoder attention", heads + first, "cross", True, f"{blk}.cross_attn")
        add("res2", "+ residual" + then, "", "residual", True, f"{blk}.hook_resid_mid_cross")
    if cfg.d_ff:
        add("ff", "Feed-forward", f"{cfg.d_model} -> {cfg.d_ff} -> {cfg.d_model} numbers" + first, "ff", True, f"{blk}.mlp")
        add("res3", "+ residual" + then, "", "residual", True, f"{blk}.hook_resid_post")
    if cfg.norm == "pre":
        add("norm", "Final layer norm", "", "norm", trace_name=f"{pre}ln_final.hook_normalized")
    return rows


def local_note(cfg: ModelConfig) -> str:
    """"layer 1: only the last 4 words, + distance bias": which masked layers are local."""
    layers = "layer 1" if cfg.local_layers == 1 else f"layers 1-{cfg.local_layers}"
    return f"{layers}: only the last {cfg.local_window} words" + (", + distance bias" if cfg.distance_bias else "")


def architecture_frame(cfg: ModelConfig) -> pd.DataFrame:
    """One row per stage, in the order the numbers flow, for each stack.

    stack: "encoder" / "decoder" (a decoder-only model has only "decoder") / "output";
    repeated: the stage sits inside the block that is stacked n_layers times;
    trace_name: where the stage's numbers are in the trace ("{l}" = the layer).
    """
    rows = []
    if cfg.is_encoder_decoder:
        rows += _stack_rows(cfg, "encoder", cfg.src_vocab_size, cfg.n_encoder_layers, "encoder")
        rows += _stack_rows(cfg, "decoder", cfg.vocab_size, cfg.n_layers, "decoder-x")
    else:
        rows += _stack_rows(cfg, "decoder", cfg.vocab_size, cfg.n_layers, "decoder")
    rows.append(dict(stack="output", node="unembed", step="Fully connected layer",
                     detail=f"{_plural(cfg.d_model, 'number')} -> {_plural(cfg.vocab_size, 'score')}",
                     kind="output", repeated=False, trace_name="logits"))
    rows.append(dict(stack="output", node="softmax", step="Softmax", detail="probabilities -> next word",
                     kind="output", repeated=False, trace_name=""))
    return pd.DataFrame(rows, columns=FRAME_COLUMNS)


def _label(step: str, detail: str) -> str:
    """A node's text: its step, then its sizes (line breaks become DOT's \\n)."""
    text = step if not detail else f"{step}\n{detail}"
    return text.replace('"', "'").replace("\n", "\\n")


def _node(row) -> str:
    shape = "ellipse" if row.kind == "residual" else "box"
    tooltip = f' tooltip="trace: {row.trace_name}"' if row.trace_name else ""
    return f'{row.node} [label="{_label(row.step, row.detail)}" shape={shape} fillcolor="{FILLS[row.kind]}"{tooltip}];'


def _shape_edge(a: str, b: str, label: str | None) -> str:
    return f'{a} -> {b} [label="  {label}"];' if label else f"{a} -> {b};"


def architecture_dot(cfg: ModelConfig, n_tokens: int | None = None, n_src_tokens: int | None = None) -> str:
    """DOT source of the diagram: one column per stack, the repeated block in a dashed box.

    n_tokens / n_src_tokens (optional): the current stream's and the encoder input's length,
    written on a few arrows as matrix shapes ("4 x 2"), so the diagram follows the prompt.
    """
    frame = architecture_frame(cfg)
    lines = [
        "digraph model {",
        'rankdir=TB; bgcolor="transparent"; nodesep=0.35; ranksep=0.22; newrank=true;',
        'node [style="rounded,filled" fontname="Helvetica" fontsize=12 color="#666666" margin="0.12,0.05"];',
        f'edge [color="{GREY}" fontcolor="{GREY}" fontname="Helvetica" fontsize=10 arrowsize=0.7];',
        f'graph [fontname="Helvetica" fontsize=12 fontcolor="{GREY}" color="{GREY}"];',
    ]
    tails = {}
    for stack, rows in frame[frame["stack"] != "output"].groupby("stack", sort=False):
        n = n_src_tokens if stack == "encoder" else n_tokens
        n_layers = cfg.n_encoder_layers if stack == "encoder" else cfg.n_layers
        title = {"encoder": "Encoder", "decoder": "Decoder"}[stack] if cfg.is_encoder_decoder else ""
        lines.append(f'subgraph cluster_{stack} {{ label="{title}" fontsize=14 pencolor="transparent";')
        outside = rows[~rows["repeated"]]
        inside = rows[rows["repeated"]]
        for row in outside.itertuples():
            lines.append(_node(row))
        lines.append(f'subgraph cluster_{stack}_block {{ label="{n_layers} x block" style="rounded,dashed" pencolor="{GREY}" penwidth=1.3 labeljust=r;')  # its own colour: a nested cluster inherits the stack's transparent pen
        lines += [_node(row) for row in inside.itertuples()]
        lines.append("}")
        lines.append("}")
        nodes = rows["node"].tolist()
        for a, b in zip(nodes, nodes[1:]):
            label = None
            if n is not None and a.endswith("_in"):
                label = f"{_plural(n, 'token')}"
            elif n is not None and a.endswith("_pos"):
                label = f"{n} x {cfg.d_model}"
            lines.append(_shape_edge(a, b, label))
        tails[stack] = nodes[-1]
    if cfg.is_encoder_decoder:
        label = "keys and values" + (f"  ({n_src_tokens} x {cfg.d_model})" if n_src_tokens is not None else "")
        # into the cross-attention box's left side, and ranked (no constraint=false): the box then sits
        # below the encoder's output. Unranked, a two-layer encoder ended below the box, and the arrow
        # looped up through the decoder's own arrows into it from below.
        lines.append(f'{tails["encoder"]} -> dec_cross [label=" {label}" style=dashed color="{CROSS}" '
                     f'fontcolor="{CROSS}" penwidth=1.5 headport=w weight=0];')  # weight 0: it does not pull the encoder sideways
    for row in frame[frame["stack"] == "output"].itertuples():
        lines.append(_node(row))
    into = f"{n_tokens} x {cfg.d_model}" if n_tokens is not None else None
    scores = f"{n_tokens} x {cfg.vocab_size}" if n_tokens is not None else None
    lines.append(_shape_edge(tails["decoder"], "unembed", into))
    lines.append(_shape_edge("unembed", "softmax", scores))
    lines.append("}")
    return "\n".join(lines)


PARTS = [  # (pattern in the parameter's name, what a learner calls it); first match wins
    ("cross_attn.W_O", "Encoder-decoder attention: output weights"),
    ("cross_attn.", "Encoder-decoder attention: query, key, value weights"),
    ("attn.W_O", "Self-attention: output weights W_O"),
    ("attn.distance_bias", "Self-attention: bias per distance back (local layers)"),
    ("attn.", "Self-attention: query, key, value weights"),
    ("mlp.", "Feed-forward"),
    ("ln", "Layer norms"),
    ("embed.", "Word embedding"),
    ("pos.", "Positional encoding (learned)"),
    ("unembed.", "Fully connected layer (one score per word)"),
]


def _part(name: str) -> tuple[str, str]:
    stack = name.split(".", 1)[0] if name.startswith(("encoder.", "decoder.")) else ""
    rest = name[len(stack) + 1:] if stack else name
    if rest.startswith("unembed."):
        return "output", PARTS[-1][1]
    for pattern, part in PARTS:
        if pattern in rest and not (pattern == "embed." and rest.startswith("unembed.")):
            return stack or "decoder", part
    return stack or "decoder", rest


def parameter_frame(named_parameters: Iterable[tuple[str, torch.Tensor]]) -> pd.DataFrame:
    """Where the model's numbers live: one row per part (summed over layers), in model order.

    Takes ``model.named_parameters()`` so the count is the model's own (tied weights count once).
    """
    rows = []
    for name, tensor in named_parameters:
        stack, part = _part(name)
        rows.append({"stack": stack, "part": part, "shape": " x ".join(str(s) for s in tensor.shape),
                     "parameters": int(tensor.numel())})
    frame = pd.DataFrame(rows, columns=["stack", "part", "shape", "parameters"])
    grouped = frame.groupby(["stack", "part"], sort=False).agg(
        tensors=("shape", "size"), shapes=("shape", lambda s: ", ".join(dict.fromkeys(s))), parameters=("parameters", "sum"))
    return grouped.reset_index()[["stack", "part", "tensors", "shapes", "parameters"]]
