"""How a process that runs these models is set up. The app (app.py) and the benchmark
(``python -m bench``) both call ``configure()``, so that the benchmark measures the model as the
app runs it.

- One torch thread: on these small matrices a second thread costs more in hand-offs than it
  saves.
- glibc's allocator keeps freed memory for reuse. A trace keeps every intermediate tensor; when
  it is dropped, glibc would hand those pages back to the system, and the next trace would fault
  them in again, page by page, which made a traced pass much slower than a plain one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

import torch

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


def configure() -> None:
    """Cheap to call again (app.py runs on every rerun): the allocator is set once per process."""
    torch.set_num_threads(1)
    keep_freed_memory()


@functools.cache
def keep_freed_memory(mmap_below: int = 64 * 2**20, keep: int = 256 * 2**20) -> bool:
    """Ask glibc to serve blocks smaller than ``mmap_below`` bytes from its heap (not from fresh
    mappings) and to give freed memory back to the system only past ``keep`` bytes. Returns
    whether it could (not on other systems, nor with another C library)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return False
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, mmap_below)) and bool(mallopt(_M_TRIM_THRESHOLD, keep))


@functools.cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_memory() -> bool:
    """Hand the allocator's free memory back to the system (glibc's ``malloc_trim``), after the
    trace cache dropped big traces: what ``keep_freed_memory`` keeps for speed would otherwise
    stay with the process after every visitor has gone. Returns whether it could."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
