"""CSV downloads behind links that stay the same while the user types.

Why not st.download_button alone: a button whose file is made on click (a callable) gets a new
file id on every rerun, so the browser redraws every such button on every keystroke. Here each session holds one ``Downloads`` with a random token, and each button
is a st.link_button to ``_attention_lab/csv/<token>/<key>``: the same URL on every rerun, so the
button is not redrawn; a rerun only replaces what that URL makes, and the CSV is still written
only when it is asked for.

serve.py serves ``routes()``. Under a plain ``streamlit run app.py``, and under AppTest, nothing
asked for the routes, and ``served()`` is False: shared.csv_button falls back to
st.download_button.
"""

from __future__ import annotations

import re
import secrets
import threading
import weakref
from collections.abc import Callable, MutableMapping

ROUTE = "_attention_lab/csv"  # relative: resolved against the app's own base URL
_STATE_KEY = "_downloads"
_served = False
_lock = threading.Lock()
_by_token: weakref.WeakValueDictionary[str, Downloads] = weakref.WeakValueDictionary()


class Downloads:
    """One session's files by button key: how to make each, and its file name. It lives in the
    session's state, so it goes when the session does; the routes only hold it weakly."""

    def __init__(self) -> None:
        self.token = secrets.token_urlsafe(16)
        self.files: dict[str, tuple[Callable[[], bytes], str]] = {}
        self.last_run: dict[str, tuple[Callable[[], bytes], str]] = {}


def routes() -> list:
    """The route of the links, for st.App (serve.py); from then on this process serves them."""
    from starlette.routing import Route

    global _served
    _served = True
    return [Route(f"/{ROUTE}/{{token}}/{{key}}", endpoint, methods=["GET"])]


def served() -> bool:
    return _served


def _downloads(state: MutableMapping) -> Downloads:
    held = state.get(_STATE_KEY)
    if not isinstance(held, Downloads):
        held = state[_STATE_KEY] = Downloads()
        with _lock:
            _by_token[held.token] = held
    return held


def start_run(state: MutableMapping) -> None:
    """A new run of the whole app: forget the files of the run before the last one (another
    page's, or a view since left), so that they hold no old trace. The last run's stay until
    this run has drawn its own, for a click while it runs."""
    if isinstance(held := state.get(_STATE_KEY), Downloads):
        held.last_run, held.files = held.files, {}


def register(state: MutableMapping, key: str, make: Callable[[], bytes], file_name: str) -> str:
    """What the link of button ``key`` downloads now; returns the link (the same on every run)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", key):
        raise ValueError(f"a download key is letters, digits, '-' and '_': {key!r}")
    held = _downloads(state)
    held.files[key] = (make, file_name)
    return f"{ROUTE}/{held.token}/{key}"


def lookup(token: str, key: str) -> tuple[Callable[[], bytes], str] | None:
    with _lock:
        held = _by_token.get(token)
    return None if held is None else held.files.get(key) or held.last_run.get(key)


async def endpoint(request):
    """GET ROUTE/<token>/<key>: the file, made now, as an attachment."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import PlainTextResponse, Response

    found = lookup(request.path_params["token"], request.path_params["key"])
    if found is None:
        return PlainTextResponse("This download is no longer there: reload the page and click the button again.",
                                 status_code=404)
    make, file_name = found
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", file_name)
    media = "application/zip" if safe_name.endswith(".zip") else "text/csv; charset=utf-8"
    return Response(await run_in_threadpool(make), media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{safe_name}"', "Cache-Control": "no-store"})
