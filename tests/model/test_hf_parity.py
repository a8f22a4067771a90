"""Imported Hugging Face models compute what transformers computes: per family (GPT-2; Llama
with grouped-query attention; Qwen2 with q/k/v biases), a tiny random model saved with
save_pretrained gives the same logits (1e-4, float32) and attention patterns (1e-5) through our
layers as through transformers' own forward, with TransformerLens trace names."""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("transformers")

from model.checkpoint import load_any  # noqa: E402
from model.hf import load_hf_folder  # noqa: E402
from model.transformer import count_parameters  # noqa: E402
from tests.model.hf_factory import hf_folder  # noqa: E402

PROMPTS = ["the cat sat on the mat. the dog sat on the log.", "Let's go: déjà vu 🙂 東京\n\tand more words here"]
FAMILIES = ["gpt2", "llama", "qwen2"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf")
    return {family: hf_folder(root, family) for family in FAMILIES}


def reference(folder):
    import transformers

    return transformers.AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager", dtype=torch.float32).eval()


@pytest.mark.parametrize("family", FAMILIES)
def test_logits_and_patterns_equal_transformers(folders, family):
    bundle, ref = load_any(folders[family]), reference(folders[family])
    for prompt in PROMPTS:
        trace = bundle.run(prompt)
        ids = torch.tensor([bundle.encode(prompt).ids])
        assert ids.shape[1] > 8
        with torch.no_grad():
            out = ref(ids, output_attentions=True)
        torch.testing.assert_close(trace.logits, out.logits[0], atol=1e-4, rtol=0)
        assert len(out.attentions) == bundle.config.n_layers
        for layer, attention in enumerate(out.attentions):
            torch.testing.assert_close(trace[f"blocks.{layer}.attn.hook_pattern"], attention[0], atol=1e-5, rtol=0)


@pytest.mark.parametrize("family", FAMILIES)
def test_parameter_count_is_exact(folders, family):
    bundle, ref = load_hf_folder(folders[family]), reference(folders[family])
    assert count_parameters(bundle.model) == bundle.config.estimated_parameters() == ref.num_parameters()


def test_gpt2_shape_of_the_import(folders):
    cfg = load_any(folders["gpt2"]).config
    assert (cfg.mlp, cfg.norm_type, cfg.positional, cfg.tie_embeddings, cfg.qkv_bias, cfg.unembed_bias) == (
        "gelu_tanh", "layernorm", "learned", True, True, False)


def test_llama_grouped_query_attention_traced_per_query_head(folders):
    """hook_k/hook_v hold the key/value head each query head reads (k_proj's head i // 2 here),
    and hook_rot_q/hook_rot_k are q and k turned by RoPE; there is no positional table."""
    bundle, ref = load_any(folders["llama"]), reference(folders["llama"])
    cfg = bundle.config
    assert (cfg.n_heads, cfg.kv_heads, cfg.positional, cfg.mlp, cfg.norm_type) == (4, 2, "rope", "swiglu", "rmsnorm")
    trace = bundle.run(PROMPTS[0])
    assert "hook_pos_embed" not in trace
    resid = trace["blocks.0.ln1.hook_normalized"]  # what layer 0's attention reads
    k_proj = ref.model.layers[0].self_attn.k_proj
    with torch.no_grad():
        k_heads = k_proj(resid).view(len(trace.tokens), 2, cfg.d_head)  # [pos, kv_head, d_head]
    k = trace["blocks.0.attn.hook_k"]
    assert k.shape == (len(trace.tokens), 4, cfg.d_head)
    for head in range(4):
        torch.testing.assert_close(k[:, head], k_heads[:, head // 2], atol=1e-6, rtol=0)
    rot_q, rot_k = trace["blocks.0.attn.hook_rot_q"], trace["blocks.0.attn.hook_rot_k"]
    assert not torch.allclose(rot_q[1:], trace["blocks.0.attn.hook_q"][1:])  # turned, except at position 0
    torch.testing.assert_close(rot_q[0], trace["blocks.0.attn.hook_q"][0])
    dots = torch.einsum("qhd,khd->hqk", rot_q, rot_k)
    torch.testing.assert_close(dots, trace["blocks.0.attn.hook_dots"], atol=1e-5, rtol=0)


def test_qwen2_has_qkv_biases_and_no_output_bias(folders):
    model = load_any(folders["qwen2"]).model
    attn = model.blocks[0].attn
    assert attn.W_Q.bias is not None and attn.W_K.bias.shape == (2 * model.cfg.d_head,) and attn.W_O.bias is None
