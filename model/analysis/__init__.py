"""Methods over a run (pure torch, no streamlit): logit lens, direct logit attribution,
activation patching, attention rollout, prompt comparison, and the run's export.

Each reads a ``Trace`` (or runs the shared model with a recorder that intervenes) and never
changes the model; each is also behind the command line (``python -m model lens|attribute|
patch|rollout ... --json``), which prints the numbers a page shows.
"""
