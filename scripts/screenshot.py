"""Screenshot pages of a running app in headless Debian chromium (to look at what we build).

    python scripts/screenshot.py URL OUT.png [--width 1400 --height 900] [--type TEXT]

--type clears the sidebar's prompt and types TEXT key by key before the screenshot.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.harness import launch_chromium, wait_for_app_idle  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--type", dest="text")
    parser.add_argument("--viewport-only", action="store_true", help="only what fits on the screen")
    parser.add_argument("--dark", action="store_true", help="prefers-color-scheme: dark")
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": args.width, "height": args.height}, color_scheme="dark" if args.dark else "light")
        page.goto(args.url)
        wait_for_app_idle(page, 60_000)
        if args.text is not None:
            box = page.get_by_role("textbox", name="Prompt", exact=True)
            box.fill("")
            box.press_sequentially(args.text, delay=60)
            page.wait_for_timeout(800)
            wait_for_app_idle(page, 60_000)
        page.wait_for_timeout(1500)  # let Vega finish drawing
        page.screenshot(path=args.out, full_page=not args.viewport_only)
        browser.close()
    print(args.out)


if __name__ == "__main__":
    main()
