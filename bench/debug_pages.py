"""Keystroke-to-redraw latency of the debugging pages (issue 19) at 32 tokens, against the floor
of a bare Streamlit app (bench/keystroke.py): figures, not asserts.

One sample: type one letter and time until the page shows its effect: a new last token "N: ..."
in the grid's labels (logit lens, rollout, compare, patching's clean box), or the attribution
page's sentence about the last word. Run: ``python -m bench.debug_pages [n]``.
"""

from __future__ import annotations

import json
import sys
from urllib.parse import urlencode

from bench.keystroke import _measure, _row, floor_rows
from tests.browser.harness import launch_chromium, streamlit_server, wait_for_app_idle

MODEL = "tiny-stories"
# 31 tokens and a trailing space: the typed letter makes the 32nd token
PROMPT = ("When Mary and John went to the store , John gave a drink to Mary . Then Mary and John went to the park , "
          "and John gave a ball to ")


def label_shows(position: int, cls: str = "al-row") -> str:
    return (f"() => [...document.querySelectorAll('.al-heatmap .{cls}')]"
            f".some(t => t.textContent.startsWith('{position}: '))")


def cases(n_tokens: int) -> list[tuple[str, dict, str, str]]:
    """(name, URL parameters, the box typed in, JavaScript true once the page shows the letter)."""
    # clean: 31 tokens; corrupted: 32. A letter typed in the clean box makes the lengths equal, and
    # the grids appear with the new token; its Backspace brings back the "same number of tokens" notice
    pair = {"clean": PROMPT, "corrupted": PROMPT.replace("John gave a ball", "Mary gave a ball") + "x"}
    return [
        ("logit lens", {"page": "lens"}, "Prompt", label_shows(n_tokens - 1)),
        ("attribution", {"page": "attribution"}, "Prompt",
         "() => { const t = document.querySelector('[data-testid=stMain]').innerText;"
         " return t.includes('At the last word, ') && !t.includes(\"At the last word, 'to'\"); }"),
        ("compare", {"page": "compare", "prompt_b": PROMPT + "x"}, "Prompt", label_shows(n_tokens - 1)),
        ("attention rollout", {"page": "attention", "rollout": "true"}, "Prompt", label_shows(n_tokens - 1)),
        ("patching (clean box)", {"page": "patching", **pair}, "Clean prompt", label_shows(n_tokens - 1, "al-col")),
    ]


def measure(page, box_name: str, expect: str, n: int) -> list[float]:
    if box_name == "Prompt":
        return _measure(page, expect, n)
    # _measure types in the box named "Prompt": point it at the other box by its label
    original = page.get_by_role
    page.get_by_role = lambda role, name, exact: original(role, name=box_name, exact=True)
    try:
        return _measure(page, expect, n)
    finally:
        page.get_by_role = original


def main(n: int = 10) -> None:
    from playwright.sync_api import sync_playwright

    from app_pages.checkpoints import bundled_models
    from model.checkpoint import load_checkpoint

    n_tokens = len(load_checkpoint(bundled_models()[MODEL]).encode(PROMPT + "x").ids)
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        rows = floor_rows(page, [(PROMPT, n_tokens)], n)
        with streamlit_server() as url:
            for name, params, box, expect in cases(n_tokens):
                print(name, file=sys.stderr)
                path = params.pop("page")
                page.goto(f"{url}/{path}?{urlencode({'model': MODEL, 'prompt': PROMPT, **params})}")
                wait_for_app_idle(page, 120_000)
                rows.append(_row(name, n_tokens, measure(page, box, expect, n)))
        browser.close()
    floor = rows[0]["median_ms"]
    for row in rows:
        row["x_floor"] = round(row["median_ms"] / floor, 2)
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
