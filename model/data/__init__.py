"""Synthetic, seeded corpora for Attention Lab.

Why synthetic: the dashboard trains tiny Transformers in minutes on CPU, so the
data must be small-vocabulary, perfectly deterministic and contain exactly the
phenomena we want to *see* in attention (pronoun reference, copying/induction,
indirect-object identification, word reordering in translation).

* :mod:`model.data.stories`     -- simple-English stories with IOI sentences.
* :mod:`model.data.translation` -- English -> Spanish pairs that need reordering
  and gender/number agreement.

Both modules are pure Python (no torch) and every generator takes an explicit
seed; each exposes ``vocabulary()`` (or English/Spanish variants) listing every
token its text can produce, so a closed tokenizer vocabulary can be built.
"""
