"""atomic: reading the umask without setting it, whatever the process is called."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

import pytest

from digitlab.core.files import atomic

PR_SET_NAME, PR_GET_NAME = 15, 16  # linux/prctl.h


@pytest.fixture
def umask_077():
    old = os.umask(0o077)
    yield
    os.umask(old)


@pytest.fixture
def process_name():
    """Set the process's name (the Name: line of /proc/self/status) for one test."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    old = ctypes.create_string_buffer(16)
    libc.prctl(PR_GET_NAME, old, 0, 0, 0)
    yield lambda name: libc.prctl(PR_SET_NAME, ctypes.c_char_p(name), 0, 0, 0)
    libc.prctl(PR_SET_NAME, old, 0, 0, 0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's /proc")
def test_the_umask_is_read_from_proc(umask_077):
    assert atomic._umask() == 0o077


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's /proc and prctl")
def test_a_name_that_is_not_utf8_does_not_hide_the_umask(umask_077, process_name):
    # The kernel copies the name's bytes as they are; in a UTF-8 locale a text read of
    # the file failed on them, and the umask fell back to a guess.
    assert process_name(b"digit\xe9lab") == 0
    with open("/proc/self/status", "rb") as status:
        assert b"digit\xe9lab" in status.read()
    assert atomic._umask() == 0o077
