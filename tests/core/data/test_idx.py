"""IDX files that lie about their size, gzip bombs and special files are refused in words,
without filling memory (issue 13, items 3 and 9)."""

from __future__ import annotations

import gzip
import os
import struct
import subprocess
import sys
import textwrap
import tracemalloc

import pytest

from digitlab.core.data import idx, mnist
from digitlab.core.data.idx import MAX_IDX_BYTES, read_idx
from digitlab.core.errors import DatasetError

ZEROS_16_MB = gzip.compress(bytes(16 * 2**20), compresslevel=1)  # about 16 KB


def header(*dims: int) -> bytes:
    return struct.pack(">I", 0x0800 | len(dims)) + b"".join(struct.pack(">I", d) for d in dims)


def bomb(path, dims: tuple[int, ...], members: int) -> None:
    """A gzip file of the IDX header ``dims`` followed by ``members`` x 16 MB of zeros:
    a few hundred kilobytes on disk (gzip readers join concatenated members)."""
    path.write_bytes(gzip.compress(header(*dims)) + ZEROS_16_MB * members)


def test_a_header_declaring_more_than_the_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    bomb(path, (3_000_000, 28, 28), members=2)
    with pytest.raises(DatasetError, match=r"declares 2,352,000,000 image bytes .* than the"):
        read_idx(path)


def test_a_bomb_behind_a_plausible_header_is_read_only_as_far_as_the_header_says(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    bomb(path, (1000,), members=4)  # 1,000 labels promised, 64 MB follow
    with pytest.raises(DatasetError, match=r"has more than 1,048,576 unexpected bytes after"):
        read_idx(path)


_CAPPED_READ = """
import resource, sys
from digitlab.core.data.idx import read_idx
from digitlab.core.errors import DatasetError
limit = 1536 * 2**20  # address space: the 2 GB this file unpacks to cannot fit
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
try:
    read_idx(sys.argv[1])
except DatasetError as error:
    print("refused:", error)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS caps memory on Linux")
def test_a_2_gb_gzip_bomb_is_refused_under_a_memory_cap(tmp_path):
    """The old reader unpacked the whole file first: 2 GB, or MemoryError under a cap."""
    path = tmp_path / "train-images-idx3-ubyte.gz"
    bomb(path, (60_000, 28, 28), members=128)  # 2 GB of zeros behind MNIST's header
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    child = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_CAPPED_READ), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert child.returncode == 0, child.stderr
    assert "refused:" in child.stdout and "unexpected bytes" in child.stdout


def test_running_out_of_memory_is_a_dataset_error(tmp_path, monkeypatch):
    path = tmp_path / "labels"
    path.write_bytes(header(3) + b"\x01\x02\x03")

    def no_memory(*args) -> bytearray:
        raise MemoryError

    monkeypatch.setattr(idx, "bytearray", no_memory, raising=False)
    with pytest.raises(DatasetError, match="not enough memory to read labels"):
        read_idx(path)


def test_a_header_promising_more_than_follows_costs_only_what_follows(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(header(120_000, 28, 28) + bytes(1000)))  # 94 MB promised
    tracemalloc.start()
    try:
        with pytest.raises(DatasetError, match="truncated: expected 94,080,000 image bytes"):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20


def test_a_file_larger_than_any_mnist_file_is_refused_unread(tmp_path, monkeypatch):
    path = tmp_path / "big"
    path.write_bytes(header(40) + bytes(40))
    monkeypatch.setattr(idx, "MAX_IDX_FILE_BYTES", 30)
    with pytest.raises(DatasetError, match=r"big is 48 bytes, larger than the 30 bytes"):
        read_idx(path)


def test_the_limit_itself_is_allowed(tmp_path, monkeypatch):
    monkeypatch.setattr(idx, "MAX_IDX_BYTES", 12)
    path = tmp_path / "labels"
    path.write_bytes(header(12) + bytes(range(12)))
    assert list(read_idx(path)) == list(range(12))
    path.write_bytes(header(13) + bytes(13))
    with pytest.raises(DatasetError, match="declares 13 label bytes"):
        read_idx(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "train-labels-idx1-ubyte"
    os.mkfifo(fifo)
    with pytest.raises(DatasetError, match="not a regular file"):
        read_idx(fifo)


def test_max_idx_bytes_holds_mnist():
    assert MAX_IDX_BYTES >= 60_000 * 28 * 28


def test_a_data_folder_that_cannot_be_searched_is_reported_in_words(tmp_path, monkeypatch):
    """stat() fails with EACCES under a folder without search permission (as root it
    never does, so the call is made to fail)."""

    def no_search(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(mnist.Path, "exists", no_search)
    with pytest.raises(DatasetError, match=r"cannot be read \(Permission denied\)"):
        mnist.find_data_dir(tmp_path / "locked" / "mnist")
