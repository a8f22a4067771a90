"""Many users at once: N browser sessions type their own prompts against one server.

Why: a class of students opens the same server. Each session must see its own prompt's
results (no cross-talk through the shared caches), nothing may fail, and the server's
memory must stay bounded. Latency is reported as a figure, not asserted.

Each session repeatedly types a prompt ending in its own marker name into the live prompt box
and waits until the Attention page's step-by-step heading names that marker at the right
position ("query word 7: mary"); a heading naming another session's marker is cross-talk.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from urllib.parse import urlencode

from bench.keystroke import _percentile, _server_peak_rss_mb
from tests.browser.harness import CHROMIUM_ARGS, chromium_path, streamlit_server

MARKERS = ["mary", "john", "tom", "anna", "lucy", "emma", "kate", "sara", "lily", "rose", "amy", "jane", "mia", "ella",
           "james", "david", "max", "sam", "ben", "leo", "jack", "paul", "mark", "tim"]


async def _session(browser, url: str, index: int, seconds: float, model: str, results: dict) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    marker = MARKERS[index % len(MARKERS)]
    latencies, crosstalk, rounds = [], 0, 0
    await asyncio.sleep(index * 0.5)  # a class does not press Enter at the same millisecond
    await page.goto(f"{url}/attention?{urlencode({'model': model, 'prompt': marker})}", timeout=180_000)
    box = page.get_by_role("textbox", name="Prompt", exact=True)
    await box.wait_for(timeout=180_000)
    await page.wait_for_function("(w) => document.body.innerText.includes(w)", arg=f"query word 0: {marker}", timeout=180_000)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rounds += 1
        prompt = f"{marker} saw a " + " ".join(["big"] * (rounds % 5)) + f" dog and {marker}"
        start = time.perf_counter()
        try:
            await box.fill(prompt, timeout=60_000)
        except Exception as err:  # noqa: BLE001 - reported below as a failed round
            errors.append(f"round {rounds}: {err}")
            continue
        want = f"query word {len(prompt.split()) - 1}: {marker}"
        try:
            await page.wait_for_function("(w) => document.body.innerText.includes(w)", arg=want, timeout=60_000)
            await page.wait_for_selector('[data-test-script-state="notRunning"]', state="attached", timeout=60_000)
        except Exception as err:  # noqa: BLE001 - a timeout is a failed round, reported below
            errors.append(f"round {rounds}: {err}")
            continue
        latencies.append((time.perf_counter() - start) * 1000)
        text = await page.locator('[data-testid="stMain"]').inner_text()
        shown = set(re.findall(r"query word \d+: (\w+)", text))
        crosstalk += len(shown - {marker})
    results[index] = {"rounds": rounds, "latencies": latencies, "errors": errors, "crosstalk": crosstalk}
    await context.close()


async def _run(n_sessions: int, seconds: float, model: str) -> tuple[dict, float | None]:
    from playwright.async_api import async_playwright

    results: dict = {}
    with streamlit_server() as url:
        port = int(url.rsplit(":", 1)[1])
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
            await asyncio.gather(*(_session(browser, url, i, seconds, model, results) for i in range(n_sessions)))
            await browser.close()
        peak = _server_peak_rss_mb(port)
    return results, peak


def load_report(n_sessions: int = 20, seconds: float = 60, model: str = "tiny-stories") -> dict:
    results, peak = asyncio.run(_run(n_sessions, seconds, model))
    latencies = [x for r in results.values() for x in r["latencies"]]
    return {
        "sessions": n_sessions, "seconds": seconds, "model": model,
        "rounds": sum(r["rounds"] for r in results.values()),
        "completed": len(latencies),
        "errors": sum(len(r["errors"]) for r in results.values()),
        "crosstalk": sum(r["crosstalk"] for r in results.values()),
        "median_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(_percentile(latencies, 0.95), 1) if latencies else None,
        "server_peak_rss_mb": peak,
        "first_errors": [e for r in results.values() for e in r["errors"]][:3],
    }
