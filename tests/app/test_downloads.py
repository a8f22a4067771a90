"""CSV downloads behind stable links (app_pages/downloads.py): what a link makes, and for whom."""

import asyncio
import gc
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from app_pages import downloads


def fetch(url: str):
    """GET the link as serve.py's route would, without a server (on a thread of its own: the
    browser tests' Playwright keeps an event loop running on this one)."""
    _, token, key = url.rsplit("/", 2)
    request = SimpleNamespace(path_params={"token": token, "key": key})
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, downloads.endpoint(request)).result()


def test_a_link_stays_the_same_while_what_it_downloads_follows_the_latest_run():
    state = {}
    first = downloads.register(state, "csv-att-heatmap", lambda: b"a,b\n1,2\n", "attention-head1.csv")
    downloads.start_run(state)
    second = downloads.register(state, "csv-att-heatmap", lambda: b"a,b\n3,4\n", "attention head 2 / x.csv")
    assert first == second and first.startswith(downloads.ROUTE + "/")
    response = fetch(second)
    assert response.status_code == 200 and response.body == b"a,b\n3,4\n"
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="attention_head_2___x.csv"'


def test_sessions_have_their_own_links_and_old_runs_files_are_forgotten():
    one, two = {}, {}
    link_one = downloads.register(one, "csv-grid", lambda: b"one", "grid.csv")
    link_two = downloads.register(two, "csv-grid", lambda: b"two", "grid.csv")
    assert link_one != link_two
    assert fetch(link_one).body == b"one" and fetch(link_two).body == b"two"
    downloads.start_run(one)  # a run that draws no such button: while it runs, the last run's file
    assert fetch(link_one).body == b"one"
    downloads.start_run(one)  # and the next one: gone
    assert fetch(link_one).status_code == 404 and fetch(link_two).body == b"two"


def test_a_link_ends_with_its_session_and_bad_keys_are_refused():
    state = {}
    link = downloads.register(state, "csv-x", lambda: b"x", "x.csv")
    assert fetch(link).status_code == 200
    state.clear()  # the session's state is dropped when the session ends
    gc.collect()
    assert fetch(link).status_code == 404
    assert fetch(f"{downloads.ROUTE}/not-a-token/csv-x").status_code == 404
    with pytest.raises(ValueError):
        downloads.register({}, "../etc", lambda: b"", "x.csv")
