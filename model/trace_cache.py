"""A cache of traces bounded in bytes, shared by every browser session of a server.

Why not ``st.cache_resource(max_entries=N)``: a count says nothing about memory. One trace of a
long-context model holds up to the whole per-trace budget while one of a lesson model holds a
few kilobytes, so N entries meant anything from a megabyte to many gigabytes. Here the total is
kept under a byte budget: the least recently used traces are dropped first, and the memory they
held goes back to the allocator for the next trace (``runtime.release_memory``). At most
``max_computing`` passes run at once, so traces being made add a bounded amount on top.

Traces are immutable once made, so one object is handed to every session that asks.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Hashable

from .trace import Trace


def held_bytes(trace: Trace, exclude: set[int] = frozenset()) -> int:
    """Bytes a trace keeps alive: each storage once (two names may hold one tensor). A view of
    a bigger storage (the positional encoding is a view of the model's whole table, which the
    model keeps anyway) counts only its own size. ``exclude``: storage addresses not to count."""
    sizes: dict[int, int] = {}
    for tensor in trace.tensors.values():
        storage = tensor.untyped_storage()
        address = storage.data_ptr()
        if address not in exclude:
            sizes[address] = min(storage.nbytes(), max(sizes.get(address, 0), tensor.numel() * tensor.element_size()))
    return sum(sizes.values()) + trace.derived_slot_bytes  # and the one per-head map a lean trace keeps


class TraceCache:
    """Least-recently-used traces under ``budget_bytes`` in all (and ``max_entries``)."""

    def __init__(self, budget_bytes: int, max_entries: int = 512, max_computing: int = 2,
                 on_release: Callable[[int], None] | None = None) -> None:
        self.budget_bytes = budget_bytes
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[Trace, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._computing = threading.BoundedSemaphore(max_computing)
        self._on_release = on_release  # told how many bytes were dropped, after they are

    @property
    def bytes_held(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, make: Callable[[], Trace]) -> Trace:
        """The trace for ``key``, made by ``make()`` when it is not cached."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key][0]
        with self._computing:
            trace = make()
        size = held_bytes(trace)
        with self._lock:
            if key not in self._entries and size <= self.budget_bytes:
                self._entries[key] = (trace, size)
                self._bytes += size
            dropped = self._shrink()
        self._released(dropped)
        return trace

    def traces(self) -> list[Trace]:
        """The cached traces, most recently used last (for prefix reuse: model/prefix.py)."""
        with self._lock:
            return [trace for trace, _ in self._entries.values()]

    def clear(self) -> None:
        with self._lock:
            dropped = self._bytes
            self._entries.clear()
            self._bytes = 0
        self._released(dropped)

    def _shrink(self) -> int:
        dropped = 0
        while self._entries and (self._bytes > self.budget_bytes or len(self._entries) > self.max_entries):
            _, (_, size) = self._entries.popitem(last=False)
            self._bytes -= size
            dropped += size
        return dropped

    def _released(self, dropped: int) -> None:
        if dropped and self._on_release is not None:
            self._on_release(dropped)
