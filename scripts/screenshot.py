"""Screenshot a page of a running Streamlit app in headless Debian chromium.

    .venv/bin/python scripts/screenshot.py URL OUT.png [--width 1400] [--height 900]
        [--full-page] [--type-into-prompt TEXT] [--dark]

Opens URL, waits until the app is idle (script finished), optionally clears the first text
input labelled "Prompt" and types TEXT into it key by key (no Enter, as a person would),
waits again, and saves the screenshot. Start the app first, e.g.
`.venv/bin/streamlit run serve.py` then `... scripts/screenshot.py http://localhost:8501/attention a.png`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser.harness import launch_chromium, screenshot, wait_for_app_idle  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("out", help="PNG file to write")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--full-page", action="store_true", help="the whole scrollable page, not only the viewport")
    parser.add_argument("--viewport-only", action="store_true", help=argparse.SUPPRESS)  # the default; kept for old calls
    parser.add_argument("--type-into-prompt", "--type", dest="text", metavar="TEXT",
                        help='type TEXT key by key into the text input labelled "Prompt"')
    parser.add_argument("--delay", type=int, default=60, help="milliseconds between keys (default 60)")
    parser.add_argument("--dark", action="store_true", help="prefers-color-scheme: dark")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for the app (default 60)")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    timeout_ms = args.timeout * 1000
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": args.width, "height": args.height},
                                    color_scheme="dark" if args.dark else "light")
            page.goto(args.url, timeout=timeout_ms)
            wait_for_app_idle(page, timeout_ms)
            if args.text is not None:
                box = page.get_by_label("Prompt", exact=True).first
                box.fill("")
                box.press_sequentially(args.text, delay=args.delay)
                wait_for_app_idle(page, timeout_ms, quiet_ms=800)
            page.wait_for_timeout(1000)  # let Vega finish drawing
            screenshot(page, Path(args.out), full_page=args.full_page)
        finally:
            browser.close()
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
