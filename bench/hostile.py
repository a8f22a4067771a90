"""A visitor who tries to take the server's memory: one upload, twenty long pastes.

Why: a tiny uploaded checkpoint whose config allows a long context, fed pasted 10,000-character
prompts, once grew a server from ~0.6 GB to ~9 GB, and the memory stayed after the browser
closed. This uploads such a checkpoint through the real upload box, pastes 20 distinct
10,000-character prompts into the Attention page, and reports the server's memory: idle
(after the upload), its peak, and what it still holds once the visitor has gone.
Target: the peak stays under 1.5 GB above idle.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path


from bench.forward import random_bundle
from model.bundle import ModelBundle
from model.checkpoint import save_checkpoint

PROMPTS = 20
PROMPT_CHARS = 10_000


def hostile_bundle() -> ModelBundle:
    """A few hundred kilobytes of weights that allow 8,192 tokens over 8 layers x 16 heads."""
    return random_bundle("long-context", 1000, d_model=32, n_heads=16, n_layers=8, d_ff=32, positional="sinusoidal", max_len=8192)


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    raise KeyError(field)


def _server_pid(port: int) -> int:
    for pid in Path("/proc").iterdir():
        if not pid.name.isdigit():
            continue
        try:
            cmd = (pid / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(cmd) and str(port).encode() in cmd:
            return int(pid.name)
    raise RuntimeError(f"no streamlit process on port {port}")


def hostile_report(prompts: int = PROMPTS) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.browser.harness import launch_chromium, streamlit_server, wait_for_app_idle

    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = save_checkpoint(hostile_bundle(), Path(tmp) / "long-context")
        files = [str(folder / n) for n in ("config.json", "tokenizer.json", "model.safetensors")]
        weights_kb = round(sum(Path(f).stat().st_size for f in files) / 1024)
        with streamlit_server() as url, sync_playwright() as p:
            pid = _server_pid(int(url.rsplit(":", 1)[1]))
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{url}/attention?model=statquest-decoder")
            wait_for_app_idle(page, 120_000)
            page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").first.click()
            page.get_by_role("option", name="Upload a checkpoint...").click()
            wait_for_app_idle(page)
            page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(files)
            page.wait_for_function("() => document.body.innerText.includes('uploaded: decoder-only')", timeout=120_000)
            wait_for_app_idle(page, 120_000)
            idle = _status_mb(pid, "VmRSS")
            box = page.get_by_role("textbox", name="Prompt", exact=True)
            seconds = []
            for _ in range(prompts):
                text = " ".join(f"w{rng.randrange(1000)}" for _ in range(PROMPT_CHARS))[:PROMPT_CHARS]
                start = time.perf_counter()
                box.fill(text)
                page.wait_for_function("() => document.body.innerText.includes('this server traces')", timeout=120_000)
                wait_for_app_idle(page, 180_000)
                seconds.append(time.perf_counter() - start)
            notice = page.get_by_test_id("stSidebar").inner_text()
            after_typing = _status_mb(pid, "VmRSS")
            page.close()
            browser.close()
            time.sleep(5)
            peak = _status_mb(pid, "VmHWM")
            gone = _status_mb(pid, "VmRSS")
    return {
        "upload_kb": weights_kb, "prompts": prompts, "prompt_chars": PROMPT_CHARS,
        "tokens_read": int(notice.split("longer than the ")[1].split(" tokens")[0].replace(",", "")) if "longer than the " in notice else None,
        "idle_mb": idle, "peak_mb": peak, "peak_above_idle_mb": round(peak - idle, 1),
        "after_typing_mb": after_typing, "visitor_gone_mb": gone,
        "paste_to_redrawn_median_s": round(statistics.median(seconds), 2), "paste_to_redrawn_max_s": round(max(seconds), 2),
    }


if __name__ == "__main__":
    print(hostile_report())
