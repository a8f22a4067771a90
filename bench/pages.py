"""Script time of each page for one prompt change, under Streamlit's AppTest.

Why AppTest: it runs the real page scripts (frame, cached model and trace, viz, layout)
without a browser, so the figure is the server-side cost of one keystroke on that page.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGES = ["overview", "embeddings", "positional", "attention", "causal_mask", "next_token"]


def page_rows(models: list[tuple[str, str, str]], repeats: int = 5) -> list[dict]:
    """models: (model key, prompt A, prompt B). Times the rerun after switching A <-> B."""
    rows = []
    for model, a, b in models:
        for page in PAGES:
            at = AppTest.from_file(APP, default_timeout=300)
            at.query_params["model"] = model
            at.query_params["prompt"] = a
            at.run()
            at.switch_page(f"app_pages/{page}.py").run()
            samples = []
            for i in range(repeats):
                start = time.perf_counter()
                at.text_input(key="prompt").input(b if i % 2 == 0 else a).run()
                samples.append((time.perf_counter() - start) * 1000)
                if at.exception:
                    raise RuntimeError(f"{page} failed: {at.exception[0].value}")
            rows.append({"model": model, "page": page, "median_ms": round(statistics.median(samples), 1),
                         "max_ms": round(max(samples), 1)})
    return rows
