"""Small random models for tests: any architecture, built in milliseconds."""

import torch

from model.bundle import ModelBundle
from model.config import ModelConfig
from model.tokenizer import Tokenizer
from model.transformer import build_model

WORDS = "the cat dog sat on mat a ran to park and it was happy".split()


def random_bundle(seed: int = 0, **overrides) -> ModelBundle:
    torch.manual_seed(seed)
    tok = Tokenizer.from_words(WORDS)
    fields = dict(vocab_size=len(tok), d_model=16, n_heads=4, n_layers=2, d_ff=32, norm="pre",
                  qkv_bias=True, attn_out_proj=True, max_len=32)
    fields.update(overrides)
    if fields.get("architecture") == "encoder-decoder":
        fields.setdefault("src_vocab_size", len(tok))
        fields.setdefault("n_encoder_layers", 2)
        cfg = ModelConfig(**fields)
        return ModelBundle(cfg, build_model(cfg), tok, Tokenizer.from_words(WORDS, append_eos=True), name="random-translator")
    cfg = ModelConfig(**fields)
    return ModelBundle(cfg, build_model(cfg), tok, name="random")
