"""The model's architecture as a table of stages and a diagram, from its config alone.

Why from the config: the picture must match the loaded checkpoint exactly (a toy with no
norm and no feed-forward draws neither), and it is built from numbers only, never from
text a user typed, so nothing typed can reach the DOT source. One function makes the tidy
frame of stages (also the table a user can read or download), another draws it, as for
every chart of the app.
"""

from __future__ import annotations

import math

import pandas as pd

from model.config import ModelConfig
from model.names import act_name, module_name

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
BOX_EDGE, BOX_TEXT = "#666666", "#31333f"  # dark on the pastel fills, in either theme

FRAME_COLUMNS = ["stack", "node", "step", "detail", "kind", "repeated", "trace_name"]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _stack_rows(cfg: ModelConfig, stack: str, vocab: int, n_layers: int, kind: str) -> list[dict]:
    """The stages of one stack in order: its input, embedding, positions, the repeated block, final norm."""
    named = "" if stack == "decoder" and not cfg.is_encoder_decoder else stack  # model.names' stack: "" has no prefix
    every = "{l}"  # the layer, in a name that stands for every layer
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
    add("embed", "Word embedding", f"{_plural(vocab, 'word')} x {_plural(cfg.d_model, 'number')}", "embed", trace_name=act_name("embed", stack=named))
    if cfg.positional != "rope":  # RoPE adds nothing here: it turns q and k inside attention
        pos = "sine/cosine squiggles" if cfg.positional == "sinusoidal" else f"learned, {_plural(cfg.max_len, 'position')}"
        add("pos", "+ Positional encoding", pos, "embed", trace_name=act_name("pos_embed", stack=named))
    heads = f"{_plural(cfg.n_heads, 'head')} x d_head {cfg.d_head}" + (" + W_O" if cfg.attn_out_proj else "")
    heads += _attention_extras(cfg)
    norm_word = "RMS norm" if cfg.norm_type == "rmsnorm" else "layer norm"
    first = f"\n({norm_word} first)" if cfg.norm == "pre" else ""
    then = f", then {norm_word}" if cfg.norm == "post" else ""
    attn = "Self-attention (unmasked)" if kind == "encoder" else "Masked self-attention"
    local = f"\n{local_layers_summary(cfg)}" if cfg.local_layers and kind != "encoder" else ""
    add("attn", attn, heads + first + local, "attn", True, module_name(every, named, "attn"))
    add("res1", "+ residual" + then, "", "residual", True, act_name("resid_mid", every, named))
    if kind == "decoder-x":
        add("cross", "Encoder-decoder attention", heads + first, "cross", True, module_name(every, named, "cross_attn"))
        add("res2", "+ residual" + then, "", "residual", True, act_name("resid_mid_cross", every, named))
    if cfg.d_ff:
        add("ff", "Feed-forward", f"{cfg.d_model} -> {cfg.d_ff} -> {cfg.d_model} numbers" + first, "ff", True, module_name(every, named, "mlp"))
        add("res3", "+ residual" + then, "", "residual", True, act_name("resid_post", every, named))
    if cfg.norm == "pre":
        add("norm", f"Final {norm_word}", "", "norm", trace_name=act_name("normalized", stack=named))
    return rows


def _attention_extras(cfg: ModelConfig) -> str:
    """Lines under the attention box for what the Hugging Face families add: where positions
    enter with RoPE, and grouped-query attention's shared keys and values."""
    lines = ""
    if cfg.positional == "rope":
        lines += "\nRoPE: q and k turned by position"
    if cfg.kv_heads != cfg.n_heads:
        lines += f"\n{_plural(cfg.kv_heads, 'key/value head')}, shared"
    return lines


def local_layers_summary(cfg: ModelConfig) -> str:
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


# Helvetica's advance widths (1/1000 em) for printable ASCII. The app's font, Source Sans, is
# about 10% narrower: 0.95 of these still leaves every label room in its box.
_WIDTHS = dict(zip(
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
    [278, 278, 355, 556, 556, 889, 667, 222, 333, 333, 389, 584, 278, 333, 278, 278, *[556] * 10, 278, 278, 584, 584,
     584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,
     611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222,
     222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584]))

FONT = 13  # px: node text; arrow labels and titles are drawn smaller
SMALL = 10
LINE = 16  # px from one line of a node's text to the next
PAD_X, PAD_Y = 12, 7  # inside a box, around its text
GAP = 26  # px between one node and the next: the arrow, and room for its label
FRAME_PAD, FRAME_TOP = 14, 22  # the dashed block's margin around its nodes; room for its label above them
COLUMN_GAP = 56  # between the encoder and the decoder column: the cross arrow and its label
TITLE = 24  # room for "Encoder" / "Decoder" above a column
CROSS_DROP = 44  # the encoder-decoder attention box sits at least this far below the encoder's output


def text_width(text: str, size: float = FONT) -> float:
    """Width in px of ``text`` at ``size`` px, a little more than the app's font takes."""
    return 0.95 * sum(_WIDTHS.get(c, 1000) for c in text) * size / 1000


def _lines(step: str, detail: str) -> list[str]:
    """A node's text: its step, then its sizes, one line each."""
    return [step, *[part for part in detail.split("\n") if part]]


def _arrow_label(a: str, b: str, cfg: ModelConfig, n: int | None, n_tokens: int | None) -> str:
    """The matrix shape on the arrow from node a to node b, for this prompt ("" without one)."""
    if a.endswith("_in") and n is not None:
        return _plural(n, "token")
    if (a.endswith("_pos") or (a.endswith("_embed") and cfg.positional == "rope")) and n is not None:
        return f"{n} x {cfg.d_model}"
    if b == "unembed" and n_tokens is not None:
        return f"{n_tokens} x {cfg.d_model}"
    if a == "unembed" and n_tokens is not None:
        return f"{n_tokens} x {cfg.vocab_size}"
    return ""


def architecture_layout(cfg: ModelConfig, n_tokens: int | None = None, n_src_tokens: int | None = None) -> dict:
    """The diagram as boxes, arrows and frames in px, for the overview's drawing component.

    One column per stack (the encoder left of the decoder), the stages top to bottom as
    architecture_frame orders them, the block repeated n_layers times in a dashed frame, the
    output stages under the decoder, and for a translator the dashed arrow that carries the
    encoder's keys and values into the decoder's encoder-decoder attention. n_tokens /
    n_src_tokens (optional): the current stream's and the encoder input's length, written on a
    few arrows as matrix shapes ("4 x 2"), so the diagram follows the prompt.

    Why laid out here and not by Graphviz: one column per stack needs no graph layout, and
    Streamlit's Graphviz chart made the browser load and start a WebAssembly Graphviz before
    the first page could be drawn. Every text is a number or a fixed word from the config, never typed text.
    """
    frame = architecture_frame(cfg)
    titled = cfg.is_encoder_decoder
    nodes: dict[str, dict] = {}
    edges, frames, titles = [], [], []
    x = 0.0
    for stack in ("encoder", "decoder") if titled else ("decoder",):
        rows = list(frame[(frame["stack"] == stack) | ((frame["stack"] == "output") & (stack == "decoder"))].itertuples())
        box_w = max(text_width(line) for r in rows if r.kind != "residual" for line in _lines(r.step, r.detail)) + 2 * PAD_X
        col_w = box_w + 2 * FRAME_PAD
        cx = x + col_w / 2
        if titled:
            titles.append({"x": cx, "y": TITLE - 10, "text": stack.capitalize()})
        n = n_src_tokens if stack == "encoder" else n_tokens
        n_layers = cfg.n_encoder_layers if stack == "encoder" else cfg.n_layers
        block = None  # [top, bottom] of the dashed frame
        y = TITLE if titled else 0.0  # where the next node may start
        previous = None
        for r in rows:
            lines = _lines(r.step, r.detail)
            if r.kind == "residual":
                w, h, shape = max(text_width(line) for line in lines) + 2 * PAD_X + 16, LINE + 2 * PAD_Y + 2, "ellipse"
            else:
                w, h, shape = box_w, len(lines) * LINE + 2 * PAD_Y, "box"
            label_span = None  # the part of the arrow outside the frame's border, for its label
            if previous is not None:
                y += GAP
                label_span = (y - GAP, y)
            if r.repeated and block is None:  # into the block: its frame, then its label, then the node
                block = [y, None]
                y += FRAME_TOP
            elif not r.repeated and block is not None and block[1] is None:  # out of the block
                block[1] = y - GAP + FRAME_PAD
                y = block[1] + GAP
                label_span = (block[1], y)
            if r.node == "dec_cross":  # below the encoder's output, which feeds it
                tail = nodes[encoder_tail]
                y = max(y, tail["y"] + tail["h"] + CROSS_DROP - h / 2)
            node = {"name": r.node, "x": cx - w / 2, "y": y, "w": w, "h": h, "shape": shape, "fill": FILLS[r.kind],
                    "lines": lines, "tooltip": f"trace: {r.trace_name}" if r.trace_name else ""}
            if previous is not None:
                label = _arrow_label(previous["name"], r.node, cfg, n, n_tokens)
                top, bottom = previous["y"] + previous["h"], y
                edges.append({"d": f"M{cx:.1f},{top:.1f} V{bottom:.1f}", "label": [label] if label else [],
                              "lx": cx + 6, "ly": (label_span[0] + label_span[1]) / 2 + 4, "kind": "flow"})
            nodes[r.node] = previous = node
            y += h
        if block is not None:
            frames.append({"x": x, "y": block[0], "w": col_w, "h": (block[1] or y + FRAME_PAD) - block[0],
                           "label": f"{n_layers} x block"})
        if stack == "encoder":
            encoder_tail = rows[-1].node
        x += col_w + COLUMN_GAP
    if titled:
        tail, cross = nodes[encoder_tail], nodes["dec_cross"]
        x0, y0 = tail["x"] + tail["w"] / 2, tail["y"] + tail["h"]
        x1, y1 = cross["x"], cross["y"] + cross["h"] / 2
        shape = f"({n_src_tokens} x {cfg.d_model})" if n_src_tokens is not None else ""
        edges.append({"d": f"M{x0:.1f},{y0:.1f} C{x0:.1f},{y1:.1f} {x1 - 40:.1f},{y1:.1f} {x1:.1f},{y1:.1f}",
                      "label": ["keys and values", shape] if shape else ["keys and values"],
                      "lx": x0 + 14, "ly": y1 + 16, "kind": "cross"})  # under the arrow's last stretch
    boxes = [*nodes.values(), *frames]
    width = max(b["x"] + b["w"] for b in boxes)
    for e in edges:  # an arrow's label may reach past the last column
        if e["label"]:
            width = max(width, e["lx"] + max(text_width(t, SMALL) for t in e["label"]))
    height = max(b["y"] + b["h"] for b in boxes)
    return {"width": math.ceil(width + 2), "height": math.ceil(height + 2), "nodes": list(nodes.values()),
            "edges": edges, "frames": frames, "titles": titles, "colors": {"edge": GREY, "cross": CROSS, "box": BOX_EDGE, "text": BOX_TEXT},
            "font": FONT, "small": SMALL, "line": LINE,
            "label": "The model's architecture: " + ", then ".join(dict.fromkeys(frame["step"]))}
