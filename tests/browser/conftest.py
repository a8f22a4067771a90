"""Fixtures for tests that drive the real app in headless Debian chromium.

Why this set-up: AppTest (tests/app/) runs the script without a browser, so it cannot
see what the frontend does (live typing, Vega drawing, markup in the DOM, alert dialogs).
These fixtures start real ``streamlit run`` servers on free local ports and a real chromium,
launched by path because Playwright's browser download cannot work here (see harness.py).

Fixtures
    start_streamlit(app_path=ROOT/"serve.py", env=None) -> base URL   (session; one server per
        distinct app and env, started on first use, stopped at the end of the session)
    app_server -> base URL of the app as the README starts it, serve.py (``app_url`` is the same)
    browser    -> playwright Browser (session)
    page       -> a fresh 1400x900 tab in its own context; ``page.dialogs`` (messages of any
        alert/confirm/prompt, each dismissed), ``page.errors`` (uncaught page errors) and
        ``page.console_errors`` (console messages of type "error") are lists to assert on.

Helpers (import from tests.browser.harness, or from here)
    wait_for_app_idle(page, timeout_ms=60_000)   screenshot(page, name) -> Path
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.browser.harness import ROOT, launch_chromium, screenshot, streamlit_server, wait_for_app_idle

__all__ = ["screenshot", "wait_for_app_idle"]


@pytest.fixture(scope="session")
def start_streamlit():
    """Factory: ``start_streamlit(app_path, env=None)`` starts (once) and returns a base URL."""
    servers: dict = {}
    with ExitStack() as stack:
        def start(app_path: Path | str = ROOT / "serve.py", env: dict | None = None) -> str:
            key = (str(Path(app_path).resolve()), tuple(sorted((env or {}).items())))
            if key not in servers:
                servers[key] = stack.enter_context(streamlit_server(app_path, env=env))
            return servers[key]

        yield start


@pytest.fixture(scope="session")
def app_server(start_streamlit) -> str:
    """Base URL (http://127.0.0.1:PORT) of the app started as the README says (serve.py), shared by the whole session."""
    return start_streamlit(ROOT / "serve.py")


@pytest.fixture(scope="session")
def app_url(app_server) -> str:
    """Older name of ``app_server``."""
    return app_server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh 1400x900 tab that records dialogs, page errors and console errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.dialogs, page.errors, page.console_errors = [], [], []

    def on_dialog(dialog):
        page.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
