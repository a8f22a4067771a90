"""Start a Streamlit app on a free local port and drive it in Debian's chromium.

The one place for the chromium launch arguments and the "app is idle" test, shared by the
browser-test fixtures (tests/browser/conftest.py), scripts/screenshot.py and the benchmarks.

Why not pytest-playwright: Playwright's own browser download cannot work on these machines
(no internet beyond the package registries), so we launch Debian's chromium by path and
never run `playwright install`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
SCREENSHOTS = OUTPUT / "screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in containers
    "--disable-gpu",
    "--disable-dev-shm-usage",  # small /dev/shm in containers
    "--no-first-run",
    # Without these chromium keeps dialling Google's hosts; this closed network refuses the
    # connections, which slows start-up and fills the logs.
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Same settings as .streamlit/config.toml where it matters, also given as environment so a
# different app (another folder, no config file) behaves the same way.
SERVER_ENV = {
    "STREAMLIT_SERVER_HEADLESS": "true",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
    "PYTHONUNBUFFERED": "1",
}


def chromium_path() -> str:
    """Debian's chromium: $CHROMIUM_PATH, else `chromium` on PATH, else /usr/bin/chromium."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError(f"chromium not found at {path}: run `bash scripts/setup.sh` (installs Debian's chromium)")
    return path


def launch_chromium(playwright, **kwargs):
    """Headless Debian chromium through Playwright's sync API (``playwright.chromium.launch``)."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS, **kwargs)


def free_port() -> int:
    """A port that was free a moment ago (bind to port 0 and let the kernel choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


@contextmanager
def streamlit_server(app: Path | str = ROOT / "serve.py", env: dict | None = None, timeout: float = 60,
                     cwd: Path | str = ROOT, args: Sequence[str] = ()) -> Iterator[str]:
    """Run ``python -m streamlit run APP`` on a free port; yield its base URL; stop it.

    Uses the interpreter running the tests (``.venv/bin/python`` under the README's command).
    Waits until ``/_stcore/health`` answers "ok". If the server dies or does not answer within
    ``timeout`` seconds, raises RuntimeError with the end of its output. The output goes to
    test-output/server-<port>.log. At the end the whole process group is terminated.
    """
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):  # the free port can be taken between free_port() and the bind
        port = free_port()
        log_path = OUTPUT / f"server-{port}.log"
        cmd = [sys.executable, "-m", "streamlit", "run", str(app),
               "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *(["--", *args] if args else [])]
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, cwd=str(cwd), env={**os.environ, **SERVER_ENV, **(env or {})},
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    output = _tail(log_path)
                    if "already in use" in output and attempt < 2:
                        break  # try another port
                    raise RuntimeError(f"streamlit exited with code {proc.returncode} before serving {app}:\n{output}")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.read().strip() == b"ok":
                            yield url
                            return
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not answer on {url} within {timeout} s:\n{_tail(log_path)}")
                time.sleep(0.2)
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


# Streamlit 1.67's frontend sets data-test-script-state on the stApp element to "initial"
# before the first run, then "running" / "rerunRequested" / "stopRequested" /
# "compilationError" / "notRunning" (Streamlit's own e2e tests wait for "notRunning"); the
# status widget shows stStatusWidgetRunningIcon while a script runs. The state must stay
# idle for `quiet_ms`, so that a rerun which a keystroke has just requested, but which has
# not started yet, is not mistaken for the end of the work. A freshly loaded page can also
# report "notRunning" before its first run has started (a busy server answers late), so idle
# also needs one element on the page: there is none until a run has drawn it. And the run's
# elements must be drawn: Streamlit loads each element kind's code lazily and shows an
# stSkeleton in its place meanwhile, for up to a second on a busy machine after the run ended.
_IDLE_JS = """
([quietMs]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const idle = !!app
    && app.getAttribute('data-test-script-state') === 'notRunning'
    && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
    && !!document.querySelector('[data-testid="stElementContainer"]')
    && !document.querySelector('[data-testid="stSkeleton"]');
  const now = performance.now();
  if (!idle) { window.__attentionLabIdleSince = null; return false; }
  if (window.__attentionLabIdleSince == null) window.__attentionLabIdleSince = now;
  return now - window.__attentionLabIdleSince >= quietMs;
}
"""


def wait_for_app_idle(page, timeout: float = 60_000, quiet_ms: int = 300) -> None:
    """Wait until Streamlit has finished running the script (``timeout`` in milliseconds).

    Idle means: stApp's ``data-test-script-state`` is "notRunning", the websocket is
    CONNECTED, no running icon in the status widget, a run has drawn at least one element and
    no element is still a placeholder (stSkeleton), all of it for ``quiet_ms`` in a row.
    """
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached", timeout=timeout)
    page.evaluate("() => { window.__attentionLabIdleSince = null; }")
    page.wait_for_function(_IDLE_JS, arg=[quiet_ms], timeout=timeout, polling=50)


# Streamlit scrolls inside its own container, not the document, so Playwright's
# full_page=True alone captures only the viewport: measure the tallest scrolling element.
_CONTENT_HEIGHT_JS = """
() => {
  let h = document.documentElement.scrollHeight;
  for (const e of document.querySelectorAll('*')) {
    if (e.scrollHeight > e.clientHeight + 1 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowY)) {
      h = Math.max(h, Math.ceil(e.getBoundingClientRect().top + window.scrollY + e.scrollHeight));
    }
  }
  return h;
}
"""


def screenshot(page, name_or_path: str | Path, full_page: bool = True, max_height: int = 20_000) -> Path:
    """Save a screenshot and return its path: a bare name goes to test-output/screenshots/<name>.png.

    full_page: the whole app, however long (the viewport is made taller for the shot, then
    restored), not only what fits on the screen.
    """
    path = Path(name_or_path)
    if path.suffix.lower() != ".png" and len(path.parts) == 1:
        path = SCREENSHOTS / f"{name_or_path}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size
    height = page.evaluate(_CONTENT_HEIGHT_JS) if full_page and viewport else 0
    if viewport and height > viewport["height"]:
        page.set_viewport_size({"width": viewport["width"], "height": min(height, max_height)})
        page.wait_for_timeout(500)  # relayout; charts keep their size
        try:
            page.screenshot(path=str(path), full_page=True)
        finally:
            page.set_viewport_size(viewport)
    else:
        page.screenshot(path=str(path), full_page=full_page)
    return path
