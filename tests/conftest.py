"""Shared test settings (kept minimal; fixtures for the real browser are in tests/browser/).

Hypothesis: no per-example deadline, because the machines running the suite share a few CPU
cores and timing would make tests flaky; on CI (CI=true) examples are derandomized so that a
failure reproduces from the same commit.
"""

import os

from hypothesis import settings

settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
