"""app_pages/cache.py: a page's cache outlives the rerun that made it, and memory dropped by the
trace cache goes back to the system once the drops pause, not after each one."""

from __future__ import annotations

import time

from app_pages import cache


def test_a_cache_made_again_by_a_page_s_next_rerun_is_the_same_cache():
    def make(trace, earlier):  # a page script defines its function anew on every rerun
        return len(earlier)

    first = cache.per_trace_reusing()(make)
    again = cache.per_trace_reusing()(make)
    assert first is again
    assert cache.per_model()(repr) is cache.per_model()(repr)


def test_memory_goes_back_once_the_drops_pause(monkeypatch):
    trimmed = []
    monkeypatch.setattr(cache.runtime, "release_memory", lambda: trimmed.append(time.monotonic()))
    monkeypatch.setattr(cache, "RELEASE_PAUSE_S", 0.2)
    cache._release(cache.RELEASE_AFTER_BYTES - 1)  # too little to bother
    for _ in range(3):  # a keystroke's trace each time pushes the oldest out
        cache._release(cache.RELEASE_AFTER_BYTES)
        time.sleep(0.05)
    assert trimmed == []
    time.sleep(0.4)
    assert len(trimmed) == 1
