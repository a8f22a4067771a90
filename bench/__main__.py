"""``python -m bench [--quick] [--skip-browser] [--json FILE]``: speed figures, printed as tables.

Figures, not pass/fail: the machines are shared and noisy, so targets are read off these
tables (docs/benchmarks.md records them with the machine they ran on).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


def table(title: str, rows: list[dict]) -> str:
    if not rows:
        return f"\n{title}\n(none)\n"
    cols = list(rows[0])
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in cols}
    lines = [f"\n{title}", "  ".join(c.ljust(widths[c]) for c in cols), "  ".join("-" * widths[c] for c in cols)]
    lines += ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in cols) for r in rows]
    return "\n".join(lines) + "\n"


def cold_start_seconds(entry: str, repeats: int = 3, args: tuple[str, ...] = (), env: dict | None = None) -> float:
    """From `streamlit run ENTRY -- ARGS` to the first page drawn in a browser (median of repeats)."""
    from playwright.sync_api import sync_playwright

    from tests.browser.harness import launch_chromium, streamlit_server, wait_for_app_idle

    samples = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        for _ in range(repeats):
            page = browser.new_page()
            start = time.perf_counter()
            with streamlit_server(ROOT / entry, env=env, args=args, timeout=180) as url:
                page.goto(url)
                wait_for_app_idle(page, 120_000, quiet_ms=0)
                samples.append(time.perf_counter() - start)
            page.close()
        browser.close()
    return round(sorted(samples)[len(samples) // 2], 2)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (CI smoke run)")
    parser.add_argument("--skip-browser", action="store_true", help="no chromium figures")
    parser.add_argument("--load", type=int, default=20, metavar="N", help="concurrent browser sessions in the load test (0 = skip)")
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--json", default=str(ROOT / "bench-output" / "bench.json"))
    args = parser.parse_args()
    from model.runtime import configure

    configure()  # as the app runs (app.py): one torch thread, freed memory kept for reuse

    from bench.forward import forward_rows, long_context_bundle
    from bench.pages import page_rows

    report: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {time.strftime('%Y-%m-%d')}"}
    print("machine:", report["machine"])
    report["forward"] = forward_rows(quick=args.quick)
    print(table("Forward pass, median ms (plain = no trace recorded)", report["forward"]))
    from bench.patching import patching_rows

    report["patching"] = patching_rows(quick=args.quick)
    print(table("Activation patching per keystroke: both runs + every grid, median CPU ms", report["patching"]))

    from bench.hf_model import gpt2_small_folder, hf_rows

    with tempfile.TemporaryDirectory() as tmp:  # ~500 MB of random float32, never kept
        folder = gpt2_small_folder(Path(tmp) / "gpt2-small-random")
        report["hf_gpt2_small"] = hf_rows(folder, repeats=1 if args.quick else 3)
        print(table("Random GPT-2-small-shaped Hugging Face folder: load, traced pass, lean trace memory", report["hf_gpt2_small"]))
        if not args.skip_browser:
            from bench.hf_model import hf_browser_rows

            report["hf_gpt2_small_browser"] = hf_browser_rows(folder, cold_start_seconds, n=5 if args.quick else 15)
            print(table("GPT-2-small-shaped folder in the app: keystroke to redrawn attention page, ms; cold start, s",
                        report["hf_gpt2_small_browser"]))

    from app_pages.checkpoints import bundled_models

    models = bundled_models()
    page_cases = [("statquest-decoder", "what is statquest", "statquest is what")]
    if "tiny-stories" in models:
        page_cases.append(("tiny-stories", "When Mary and John went to the store, John gave a drink to",
                           "When Mary and John went to the park, Mary gave a ball to"))
    report["pages"] = page_rows(page_cases, repeats=3 if args.quick else 7)
    print(table("Page script time for one prompt change (AppTest), ms", report["pages"]))

    if not args.skip_browser:
        # First, on a quiet machine: after the load test the machine is still settling (its
        # browsers and server shutting down), which added up to a second to each start.
        report["cold_start_s"] = {entry: cold_start_seconds(entry, 1 if args.quick else 5) for entry in ("serve.py", "app.py")}
        for entry, seconds in report["cold_start_s"].items():
            print(f"cold start (streamlit run {entry} -> first page drawn): {seconds} s")
        from model.checkpoint import save_checkpoint

        with tempfile.TemporaryDirectory() as tmp:
            save_checkpoint(long_context_bundle(), Path(tmp) / "random-4x4-512")
            words = [f"w{i % 400}" for i in range(600)]
            cases = []
            for n in (8, 32, 128) + (() if args.quick else (512,)):
                params = {"model": "Checkpoint folder...", "ckpt": f"{tmp}/random-4x4-512"}
                cases.append((params, " ".join(words[: n - 1]) + " ", n - 1))
            from bench.keystroke import keystroke_rows

            rows, memory = keystroke_rows(cases, n=10 if args.quick else 30, root_env={"ATTENTION_LAB_CHECKPOINT_ROOTS": tmp})
            report["keystroke"], report["memory"] = rows, memory
            print(table("Keystroke to redrawn page (typing one letter that makes a new word), ms", rows))
            print("server peak RSS (MB):", memory.get("server_peak_rss_mb"))
        from bench.hostile import hostile_report

        report["hostile"] = hostile_report(5 if args.quick else 20)
        print(table("A long-context upload fed distinct 10,000-character pastes (server memory, MB)", [report["hostile"]]))
        if args.load:
            from bench.load import load_report

            model = "tiny-stories" if "tiny-stories" in models else "statquest-decoder"
            report["load"] = load_report(args.load, 15 if args.quick else args.load_seconds, model)
            print(table("Load test: concurrent sessions typing their own prompts", [report["load"]]))

    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
