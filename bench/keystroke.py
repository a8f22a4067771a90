"""Keystroke-to-redraw latency in headless Chromium, against the floor of a bare Streamlit app.

Why a floor: Streamlit itself costs something on every keystroke (debounce, websocket round
trip, rerun, DOM update). The floor app holds only a live prompt box and one line of text;
the app's figure is judged against it, measured in the same run on the same machine.

One sample: with the prompt ending in a space, type one letter that makes a new word, and
time until the page shows the new token: the attention page's heatmap has drawn it as an
axis label "N: word" (DOM text, drawn with the cells); the floor app prints the new length.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from urllib.parse import urlencode

from tests.browser.harness import launch_chromium, streamlit_server, wait_for_app_idle

FLOOR_APP = '''
import streamlit as st
prompt = st.text_input("Prompt", key="prompt", live="0ms", bind="query-params")
st.text(f"length {len(prompt)}")
'''


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _server_peak_rss_mb(port: int) -> float | None:
    """VmHWM of the streamlit process serving ``port`` (Linux /proc)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"streamlit" in b" ".join(cmd) and str(port).encode() in cmd:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            continue
    return None


def chart_shows(position: int) -> str:
    """JavaScript: true once a drawn chart has an axis label for ``position`` ("N: word"; the
    benchmark's model reads an unknown letter as <unk>): the attention heatmap's row labels
    (app_pages/components/heatmap.js draws them as DOM text after painting the cells), or a Vega
    chart's SVG axis labels."""
    return ("() => [...document.querySelectorAll('.al-heatmap .al-row, [data-testid=\"stVegaLiteChart\"] svg text')]"
            f".some(t => t.textContent.startsWith('{position}: '))")


def _measure(page, expect: str, n: int) -> list[float]:
    """expect: JavaScript that is true once the page shows the new word."""
    box = page.get_by_role("textbox", name="Prompt", exact=True)
    samples = []
    for i in range(n):
        letter = "abcdefghijklmnopqrstuvwxyz"[i % 26]
        box.press("End")
        start = time.perf_counter()
        box.press(letter)
        page.wait_for_function(expect, timeout=30_000)
        samples.append((time.perf_counter() - start) * 1000)
        box.press("Backspace")
        wait_for_app_idle(page, 60_000, quiet_ms=150)
    return samples


def floor_rows(page, prompts: list[tuple[str, int]], n: int) -> list[dict]:
    """The floor: a keystroke in an app that only redraws the prompt's length, per (prompt, tokens)."""
    floor_path = Path(os.environ.get("TMPDIR", "/tmp")) / "attention_lab_floor_app.py"
    floor_path.write_text(FLOOR_APP)
    rows = []
    with streamlit_server(floor_path) as url:
        for prompt, tokens in prompts:
            page.goto(f"{url}/?{urlencode({'prompt': prompt})}")
            wait_for_app_idle(page, 60_000)
            rows.append(_row("floor app", tokens, _measure(page, f"() => document.body.innerText.includes('length {len(prompt) + 1}')", n)))
    return rows


def keystroke_rows(cases: list[tuple[dict, str, int]], n: int = 30, root_env: dict | None = None) -> tuple[list[dict], dict]:
    """cases: (URL parameters choosing the model, prompt ending in a space, its token count).

    Returns rows and the server's peak memory.
    """
    from playwright.sync_api import sync_playwright

    memory = {}
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        rows = floor_rows(page, [(prompt, tokens) for _, prompt, tokens in cases], n)
        with streamlit_server(env=root_env) as url:
            port = int(url.rsplit(":", 1)[1])
            for params, prompt, tokens in cases:
                page.goto(f"{url}/attention?{urlencode({**params, 'prompt': prompt})}")
                wait_for_app_idle(page, 120_000)
                # the new word sits at position `tokens`: the clock stops when the heatmap's axis shows it
                samples = _measure(page, chart_shows(tokens), n)
                rows.append(_row("attention page", tokens, samples))
            memory["server_peak_rss_mb"] = _server_peak_rss_mb(port)
        browser.close()
    return rows, memory


def _row(what: str, tokens: int, samples: list[float]) -> dict:
    return {"app": what, "tokens": tokens, "n": len(samples), "median_ms": round(statistics.median(samples), 1),
            "p95_ms": round(_percentile(samples, 0.95), 1), "max_ms": round(max(samples), 1)}
