"""Tiny random Hugging Face folders for the importer's tests, built with ``transformers`` (a
test dependency) and ``tokenizers``, saved the way people's checkpoints are (save_pretrained,
safetensors). Nothing is downloaded: the tokenizer is trained here on a few sentences."""

from __future__ import annotations

from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

CORPUS = [
    "the cat sat on the mat. the dog sat on the log.",
    "Let's go to StatQuest! Transformers read words; attention mixes them.",
    "naïve café — déjà vu, 東京 and emoji 🙂 too",
    "tokens, subwords and bytes:\n\tindented line",
] * 20


def byte_level_bpe(vocab_size: int = 320) -> Tokenizer:
    """GPT-2 style: byte-level BPE, a space glued to the word after it ("Ġcat")."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer)
    return tok


def metaspace_bpe(vocab_size: int = 400) -> Tokenizer:
    """Llama style: "▁" for spaces, byte fallback <0xNN> for unseen characters, <s> added first."""
    byte_tokens = [f"<0x{b:02X}>" for b in range(256)]
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Metaspace()])
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<unk>", "<s>", "</s>", *byte_tokens])
    tok.train_from_iterator(CORPUS, trainer)
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", tok.token_to_id("<s>"))])
    return tok


def hf_model(family: str, vocab_size: int, seed: int = 0, **overrides):
    """A tiny random model of the family, float32, eager attention (so attentions come back)."""
    import transformers as tf

    torch.manual_seed(seed)
    if family == "gpt2":
        cfg = tf.GPT2Config(vocab_size=vocab_size, n_positions=32, n_embd=32, n_layer=2, n_head=4,
                            bos_token_id=0, eos_token_id=0, **overrides)
        model = tf.GPT2LMHeadModel(cfg)
    else:
        kind = {"llama": (tf.LlamaConfig, tf.LlamaForCausalLM), "qwen2": (tf.Qwen2Config, tf.Qwen2ForCausalLM)}[family]
        base = dict(vocab_size=vocab_size, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-6, bos_token_id=1, eos_token_id=2,
                    rope_parameters={"rope_type": "default", "rope_theta": 500.0})
        model = kind[1](kind[0](**{**base, **overrides}))
    model.config._attn_implementation = "eager"
    with torch.no_grad():  # random norms and biases too, so a weight read in the wrong place shows
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.add_(torch.randn_like(p) * 0.1)
    return model.eval()


def hf_folder(tmp: Path, family: str, *, tokenizer: Tokenizer | None = None, extra_vocab: int = 0, **overrides) -> Path:
    """save_pretrained + tokenizer.json in one folder; returns the folder."""
    tokenizer = tokenizer or (byte_level_bpe() if family == "gpt2" else metaspace_bpe())
    model = hf_model(family, tokenizer.get_vocab_size() + extra_vocab, **overrides)
    folder = tmp / family
    model.save_pretrained(folder)  # safetensors by default
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder
