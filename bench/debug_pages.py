"""Keystroke-to-redraw latency of the debugging pages (issue 19) at 32 tokens, against the floor
of a bare Streamlit app (bench/keystroke.py): figures, not asserts.

One sample: type one letter and time until the page shows its effect: a new last token "N: ..."
in the grid's labels (logit lens, rollout, compare, patching's clean box), or the attribution
page's sentence about the last word. Beside the clock, the CPU time one keystroke costs the
server and the browser (all of chromium's processes), from /proc: on a shared machine the
clock waits for other people's work too, CPU time much less so (10 ms ticks: the mean of the
samples is the figure). Run: ``python -m bench.debug_pages [n]`` (or ``python bench/debug_pages.py [n]``).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also run as a file

from bench.keystroke import FLOOR_APP, _row  # noqa: E402
from tests.browser.harness import launch_chromium, streamlit_server, wait_for_app_idle  # noqa: E402

MODEL = "tiny-stories"
# 31 tokens and a trailing space: the typed letter makes the 32nd token
PROMPT = ("When Mary and John went to the store , John gave a drink to Mary . Then Mary and John went to the park , "
          "and John gave a ball to ")
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 10.0


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


def _cpu_ms(pid: int) -> float:
    """utime + stime of a process (its exited threads included), in ms; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * TICK_MS


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(parent, []).append(int(entry))
    return tree


def _process_ids(port: int) -> tuple[list[int], list[int]]:
    """(the streamlit server serving ``port``, every chromium process this script started)."""
    mine, todo, tree = set(), [os.getpid()], _children()
    while todo:
        kids = tree.get(todo.pop(), [])
        mine.update(kids)
        todo += kids
    server, browser = [], []
    for pid in mine:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(cmd) and str(port).encode() in cmd:
            server.append(pid)
        elif b"chrom" in cmd[0]:
            browser.append(pid)
    return server, browser


def measure(page, box_name: str, expect: str, n: int, port: int) -> dict:
    """n keystrokes: the median time to the letter's effect, and the mean CPU time of each
    keystroke's whole rerun (until the app is idle) on the server and in the browser."""
    box = page.get_by_role("textbox", name=box_name, exact=True)
    server, browser = _process_ids(port)
    cpu = lambda pids: sum(_cpu_ms(p) for p in pids)  # noqa: E731
    walls, server_ms, browser_ms = [], [], []
    for i in range(-1, n):  # -1: a first keystroke, not counted (a fresh server's first rerun loads what it lacks)
        letter = "abcdefghijklmnopqrstuvwxyz"[i % 26]
        box.press("End")
        s0, b0 = cpu(server), cpu(browser)
        start = time.perf_counter()
        box.press(letter)
        page.wait_for_function(expect, timeout=30_000)
        wall = (time.perf_counter() - start) * 1000
        wait_for_app_idle(page, 60_000, quiet_ms=150)
        if i >= 0:
            walls.append(wall)
            server_ms.append(cpu(server) - s0)
            browser_ms.append(cpu(browser) - b0)
        box.press("Backspace")
        wait_for_app_idle(page, 60_000, quiet_ms=150)
    return {"server_cpu_ms": round(statistics.mean(server_ms), 1), "browser_cpu_ms": round(statistics.mean(browser_ms), 1),
            "walls": walls}


def main(n: int = 10) -> None:
    from playwright.sync_api import sync_playwright

    from app_pages.checkpoints import bundled_models
    from model.checkpoint import load_checkpoint

    n_tokens = len(load_checkpoint(bundled_models()[MODEL]).encode(PROMPT + "x").ids)
    floor_path = Path(os.environ.get("TMPDIR", "/tmp")) / "attention_lab_floor_app.py"
    floor_path.write_text(FLOOR_APP)
    rows = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        runs = [("floor app", floor_path, "", {}, "Prompt", f"() => document.body.innerText.includes('length {len(PROMPT) + 1}')")]
        runs += [(name, None, params.pop("page"), params, box, expect) for name, params, box, expect in cases(n_tokens)]
        for name, app, path, params, box, expect in runs:
            print(name, file=sys.stderr)
            with streamlit_server(*([app] if app else [])) as url:
                page.goto(f"{url}/{path}?{urlencode({'model': MODEL, 'prompt': PROMPT, **params})}")
                wait_for_app_idle(page, 120_000)
                got = measure(page, box, expect, n, int(url.rsplit(":", 1)[1]))
            rows.append({**_row(name, n_tokens, got.pop("walls")), **got})
        browser.close()
    floor = rows[0]["median_ms"]
    for row in rows:
        row["x_floor"] = round(row["median_ms"] / floor, 2)
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
