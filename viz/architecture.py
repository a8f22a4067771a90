"""The model's architecture as a Graphviz diagram, drawn from its config alone.

Why from the config: the picture must match the loaded checkpoint exactly (a toy with no
norm and no feed-forward draws neither), and it is built from numbers only, never from
text a user typed.
"""

from __future__ import annotations

from model.config import ModelConfig


def _block(prefix: str, cfg: ModelConfig, n_layers: int, kind: str) -> list[str]:
    """Nodes of one stack's repeated block, inside a labelled cluster."""
    attn = f"{cfg.n_heads} head{'s' if cfg.n_heads > 1 else ''} x d_head {cfg.d_head}"
    norm = {"pre": " (norm first)", "post": " then norm", "none": ""}[cfg.norm]
    lines = [f'subgraph cluster_{prefix} {{ label="{n_layers} x block" style="rounded,dashed" color="#888888" fontcolor="#888888";']
    masked = "Masked self-attention" if kind != "encoder" else "Self-attention (unmasked)"
    lines.append(f'{prefix}_attn [label="{masked}\\n{attn}" fillcolor="#dbe9f6"];')
    lines.append(f'{prefix}_res1 [label="+ residual{norm}" shape=ellipse fillcolor="#f2f2f2"];')
    chain = [f"{prefix}_attn", f"{prefix}_res1"]
    if kind == "decoder-x":
        lines.append(f'{prefix}_cross [label="Encoder-decoder attention\\n{attn}" fillcolor="#fde2c8"];')
        lines.append(f'{prefix}_res2 [label="+ residual{norm}" shape=ellipse fillcolor="#f2f2f2"];')
        chain += [f"{prefix}_cross", f"{prefix}_res2"]
    if cfg.d_ff:
        lines.append(f'{prefix}_ff [label="Feed-forward\\n{cfg.d_model} -> {cfg.d_ff} -> {cfg.d_model}" fillcolor="#e3f1dc"];')
        lines.append(f'{prefix}_res3 [label="+ residual{norm}" shape=ellipse fillcolor="#f2f2f2"];')
        chain += [f"{prefix}_ff", f"{prefix}_res3"]
    lines.append(" -> ".join(chain) + ";")
    lines.append("}")
    return lines


def _stack(prefix: str, cfg: ModelConfig, vocab: int, n_layers: int, kind: str, title: str) -> list[str]:
    pos = "sinusoidal (sin/cos squiggles)" if cfg.positional == "sinusoidal" else "learned table"
    lines = [
        f'{prefix}_in [label="{title}" shape=plaintext style="" fontsize=13];',
        f'{prefix}_embed [label="Word embedding\\n{vocab} words x {cfg.d_model} numbers" fillcolor="#efe3f7"];',
        f'{prefix}_pos [label="+ Positional encoding\\n{pos}" fillcolor="#efe3f7"];',
        *_block(prefix, cfg, n_layers, kind),
        f"{prefix}_in -> {prefix}_embed -> {prefix}_pos -> {prefix}_attn;",
    ]
    return lines


def architecture_dot(cfg: ModelConfig) -> str:
    last = "res3" if cfg.d_ff else ("res2" if cfg.is_encoder_decoder else "res1")
    lines = ["digraph model {", 'rankdir=TB; bgcolor="transparent"; nodesep=0.3; ranksep=0.25;',
             'node [shape=box style="rounded,filled" fontname="Helvetica" fontsize=11 color="#666666"];',
             'edge [color="#888888"]; graph [fontname="Helvetica" fontsize=11];']
    if cfg.is_encoder_decoder:
        lines += _stack("enc", cfg, cfg.src_vocab_size, cfg.n_encoder_layers, "encoder", "Encoder: input words + <EOS>")
        lines += _stack("dec", cfg, cfg.vocab_size, cfg.n_layers, "decoder-x", "Decoder: <EOS> + output so far")
        enc_last = "enc_res3" if cfg.d_ff else "enc_res1"
        lines.append(f'{enc_last} -> dec_cross [label=" keys and values" style=dashed color="#e07b39" fontcolor="#e07b39" constraint=false];')
        stream = "dec"
    else:
        lines += _stack("dec", cfg, cfg.vocab_size, cfg.n_layers, "decoder", "Prompt words (+ words generated so far)")
        stream = "dec"
    tail = f"{stream}_{last}"
    if cfg.norm == "pre":
        lines.append('final_norm [label="Final layer norm" fillcolor="#f2f2f2"];')
        lines.append(f"{tail} -> final_norm;")
        tail = "final_norm"
    lines.append(f'unembed [label="Fully connected layer\\n{cfg.d_model} -> {cfg.vocab_size} scores" fillcolor="#fff4c2"];')
    lines.append('softmax [label="Softmax -> next word" fillcolor="#fff4c2"];')
    lines.append(f"{tail} -> unembed -> softmax;")
    lines.append("}")
    return "\n".join(lines)
