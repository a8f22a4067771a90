"""Two architectures: the normal Transformer of lesson 1 beside the decoder-only one of lesson 2.

Thin: viz.two_architectures builds the payload from the two bundled lesson models' configs; this
page places the two diagrams, their attention kinds and the table of differences.
"""

from __future__ import annotations

import streamlit as st

from app_pages import components as pc
from app_pages import cache, checkpoints, shared
from viz.two_architectures import LESSON, side, two_architectures

shared.page_header("Two architectures: a normal Transformer and a decoder-only one", LESSON)

EXAMPLES = {  # what each lesson model does, as the videos show it
    "statquest-translator": "\"let's go\" -> \"vamos <EOS>\"",
    "statquest-decoder": "\"what is statquest <EOS>\" -> \"awesome <EOS>\"",
}
TITLES = {"statquest-translator": "Normal Transformer (lesson 1: encoder-decoder)",
          "statquest-decoder": "Decoder-only Transformer (lesson 2, like ChatGPT)"}


def lesson_side(name: str):
    bundle = cache.load_bundle(cache.ModelKey.of(checkpoints.bundled_models()[name]))
    return side(TITLES[name], name, bundle.config, bundle.n_parameters, EXAMPLES[name])


def place(s, key: str) -> None:
    pc.text_blocks([pc.heading(s.title), pc.line("The lesson model ", ("code", s.model), ": ", s.example)], key=f"{key}-title")
    pc.architecture(s.layout, key=f"{key}-diagram")
    pc.text_blocks([pc.line(("strong", "Attention kinds")),
                    pc.table({"attention": [k for k, _ in s.kinds], "each word looks at": [w for _, w in s.kinds]},
                             caption=f"Attention kinds of the {s.title}", columns={"each word looks at": {"wrap": True}})],
                   key=f"{key}-kinds")


if all(name in checkpoints.bundled_models() for name in TITLES):
    view = two_architectures(lesson_side("statquest-translator"), lesson_side("statquest-decoder"))
    left, right = st.columns(2, gap="large")
    with left:
        place(view.normal, "two-normal")
    with right:
        place(view.decoder_only, "two-decoder")
    st.subheader("What differs")
    frame = view.frame()
    pc.text_blocks([pc.table(frame, caption="Normal Transformer vs decoder-only",
                             columns={c: {"wrap": True} for c in frame.columns}),
                    *(pc.note(n) for n in view.notes)], key="two-differences")
    shared.csv_button(frame, "two-architectures", "two-differences")
else:
    st.info("This view draws the two lesson models, statquest-translator and statquest-decoder, which this "
            "installation does not bundle.", icon=":material/info:")
