"""model/runtime.py: the process settings the app and the benchmark share."""

import sys

import pytest
import torch

from model import runtime


def test_configure_runs_one_torch_thread():
    before = torch.get_num_threads()
    try:
        runtime.configure()
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_glibc_is_asked_to_keep_freed_memory():
    assert runtime.keep_freed_memory() is True
