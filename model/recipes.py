"""Training recipes: each one builds, trains and describes one bundled model.

Why recipes live in code: the bundled checkpoints must be reproducible by anyone with
``python -m model train RECIPE --out DIR`` (same seed, same numbers), and the model card
is written from the same run, so its figures are the ones measured.
"""

from __future__ import annotations

import torch

from . import recipes_tiny  # noqa: F401  (registers tiny-stories and tiny-translator)
from .bundle import ModelBundle
from .config import ModelConfig
from .generate import generate
from .recipes_common import RECIPES, Trained, machine, recipe
from .tokenizer import EOS, Tokenizer
from .train import Example, train
from .transformer import build_model

__all__ = ["RECIPES", "Trained", "recipe"]


# Lesson 2: vocabulary, prompts and answers exactly as in StatQuest's companion code.
STATQUEST_DECODER_VOCAB = ("what", "is", "statquest", "awesome", EOS)
STATQUEST_DECODER_PAIRS = (
    ("what is statquest <EOS> awesome", "is statquest <EOS> awesome <EOS>"),
    ("statquest is what <EOS> awesome", "is what <EOS> awesome <EOS>"),
)


@recipe("statquest-decoder")
def statquest_decoder(seed: int = 0, progress: bool = True) -> Trained:
    """Lesson 2's decoder-only model: 2 numbers per token, one masked head, 37 parameters."""
    tokenizer = Tokenizer(STATQUEST_DECODER_VOCAB, append_eos=True)
    config = ModelConfig(vocab_size=len(tokenizer), d_model=2, n_heads=1, n_layers=1, max_len=6)
    torch.manual_seed(seed)
    model = build_model(config)
    ids = lambda s: [tokenizer.id_of(w) for w in s.split()]  # noqa: E731
    examples = [Example(ids(x), ids(y)) for x, y in STATQUEST_DECODER_PAIRS]
    log = train(model, examples, epochs=30, lr=0.1, batch_size=1, seed=seed, progress=progress)
    bundle = ModelBundle(config, model, tokenizer, name="statquest-decoder")
    outputs = {p: " ".join(generate(bundle, p)) for p in ("what is statquest", "statquest is what")}
    card = f"""# statquest-decoder

The decoder-only Transformer of StatQuest's "Decoder-Only Transformers, ChatGPT's specific
Transformer, Clearly Explained!!!", built exactly as the lesson (and its companion PyTorch
code) builds it.

- Vocabulary: {", ".join(STATQUEST_DECODER_VOCAB)} (no `<unk>`: unknown words are reported and left out).
- 2 numbers per token; sinusoidal positional encoding; one masked self-attention head with
  query, key and value weights and no biases; scores divided by sqrt(2); residual connection;
  one linear layer (with bias) to 5 scores. No layer norm, no feed-forward block.
- Parameters: {bundle.n_parameters} (embedding 10, query/key/value 12, output layer 15).
- Maximum length: 6 tokens. The tokenizer appends `<EOS>` to the prompt, as in the video.

## Training
`python -m model train statquest-decoder --out sample_checkpoints/statquest-decoder` (seed {seed}).
Teacher forcing on the two pairs of the lesson (inputs -> targets shifted by one):
{chr(10).join(f"- `{x}` -> `{y}`" for x, y in STATQUEST_DECODER_PAIRS)}

Adam, learning rate 0.1, 30 epochs of batch size 1 ({log.steps} steps), {log.seconds:.1f} s on {machine()}.
Final mean loss: {log.losses[-1]:.4f}.

## Results (greedy)
{chr(10).join(f"- `{p}` -> `{o}`" for p, o in outputs.items())}
"""
    bundle.card = card
    return Trained(bundle, log, card)


# Lesson 1: the translator of "Let's go" -> "Vamos".
STATQUEST_ENGLISH = ("let's", "to", "go", EOS)
STATQUEST_SPANISH = ("ir", "vamos", "y", EOS)
STATQUEST_TRANSLATIONS = (("let's go", "vamos"), ("to go", "ir"))


@recipe("statquest-translator")
def statquest_translator(seed: int = 0, progress: bool = True) -> Trained:
    """Lesson 1's encoder-decoder: 2 numbers per token, one attention cell of each kind."""
    source = Tokenizer(STATQUEST_ENGLISH, append_eos=True)
    target = Tokenizer(STATQUEST_SPANISH)
    config = ModelConfig(
        architecture="encoder-decoder", vocab_size=len(target), src_vocab_size=len(source),
        d_model=2, n_heads=1, n_layers=1, n_encoder_layers=1, max_len=6,
    )
    torch.manual_seed(seed)
    model = build_model(config)
    examples = []
    for english, spanish in STATQUEST_TRANSLATIONS:
        out = [target.id_of(w) for w in spanish.split()]
        examples.append(Example([target.eos_id] + out, out + [target.eos_id], source.encode(english).ids))
    log = train(model, examples, epochs=100, lr=0.1, batch_size=1, seed=seed, progress=progress)
    bundle = ModelBundle(config, model, target, source, name="statquest-translator")
    outputs = {p: " ".join(generate(bundle, p)) for p, _ in STATQUEST_TRANSLATIONS}
    card = f"""# statquest-translator

The encoder-decoder Transformer of StatQuest's "Transformer Neural Networks, ChatGPT's
foundation, Clearly Explained!!!": it translates English "let's go" into Spanish "vamos".

- English vocabulary: {", ".join(STATQUEST_ENGLISH)}; Spanish vocabulary: {", ".join(STATQUEST_SPANISH)}.
- 2 numbers per token; sinusoidal positional encoding; one encoder self-attention cell,
  one decoder masked self-attention cell, one encoder-decoder attention cell, each with
  query, key and value weights and no biases; residual connections; one linear layer to
  the 4 Spanish words. No layer norm, no feed-forward block.
- Parameters: {bundle.n_parameters}.
- The encoder reads the English words followed by `<EOS>`; the decoder starts from `<EOS>`
  and feeds each output word back in, until it outputs `<EOS>`.

## Training
`python -m model train statquest-translator --out sample_checkpoints/statquest-translator` (seed {seed}).
Teacher forcing on the lesson's two pairs: `let's go <EOS>` -> `vamos <EOS>`, `to go <EOS>` -> `ir <EOS>`.
Adam, learning rate 0.1, {len(log.losses)} epochs of batch size 1 ({log.steps} steps),
{log.seconds:.1f} s on {machine()}. Final mean loss: {log.losses[-1]:.4f}.

## Results (greedy)
{chr(10).join(f"- `{p}` -> `{o}`" for p, o in outputs.items())}
"""
    bundle.card = card
    return Trained(bundle, log, card)

