"""core/data/download.py against a local HTTP server on 127.0.0.1: never the internet."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import socket
import threading
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import digitlab.core.data.download
from digitlab.core.data.download import MIRRORS, DownloadCancelled, DownloadProgress, download_mnist
from digitlab.core.data.mnist import FILES, load_mnist
from digitlab.core.errors import DatasetError


def idx_bytes(array: np.ndarray) -> bytes:
    header = (0x0800 | array.ndim).to_bytes(4, "big")
    return header + b"".join(d.to_bytes(4, "big") for d in array.shape) + array.tobytes()


@pytest.fixture
def contents() -> dict[str, bytes]:
    """The decompressed IDX content of a tiny MNIST: 5 random images and labels per split."""
    rng = np.random.default_rng(7)
    arrays = {}
    for part in ("train", "test"):
        arrays[FILES[f"{part}_images"]] = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
        arrays[FILES[f"{part}_labels"]] = rng.integers(0, 10, 5, dtype=np.uint8)
    return {name: idx_bytes(array) for name, array in arrays.items()}


@pytest.fixture
def sha256(contents) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()}


class FileServer:
    """Serves ``files[path]`` (bytes) at ``url + path``; anything else is a 404."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: Counter[str] = Counter()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests[self.path] += 1
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # keep the test output quiet
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def mirror(self, prefix: str, files: dict[str, bytes]) -> str:
        """Serve ``files`` ({name.gz: bytes}) under ``/prefix/``; returns its base URL."""
        for name, body in files.items():
            self.files[f"/{prefix}/{name}"] = body
        return f"{self.url}/{prefix}/"


@pytest.fixture
def server():
    file_server = FileServer()
    # A short poll interval makes shutdown() return quickly.
    thread = threading.Thread(
        target=file_server.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield file_server
    file_server.httpd.shutdown()
    file_server.httpd.server_close()
    thread.join()


@pytest.fixture
def gz_files(contents) -> dict[str, bytes]:
    return {f"{name}.gz": gzip.compress(data) for name, data in contents.items()}


@pytest.fixture
def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def download(dest: Path, mirrors, sha256, **kwargs) -> Path:
    return download_mnist(dest, mirrors=mirrors, expected_sha256=sha256, timeout=5, **kwargs)


def test_good_download(tmp_path, server, gz_files, sha256, contents):
    dest = tmp_path / "new" / "folder"
    assert download(dest, [server.mirror("a", gz_files)], sha256) == dest
    assert sorted(p.name for p in dest.iterdir()) == sorted(gz_files)
    data = load_mnist(dest)
    assert data.train.images.tobytes() == contents[FILES["train_images"]][16:]
    assert len(data.test) == 5


def test_first_mirror_404_then_second_mirror(tmp_path, server, gz_files, sha256):
    empty, full = server.mirror("a", {}), server.mirror("b", gz_files)
    download(tmp_path, [empty, full], sha256)
    assert all(server.requests[f"/a/{name}"] == 1 for name in gz_files)
    assert all(server.requests[f"/b/{name}"] == 1 for name in gz_files)
    assert len(load_mnist(tmp_path).train) == 5


def flip_last_byte(gz: bytes) -> bytes:
    data = gzip.decompress(gz)
    return gzip.compress(data[:-1] + bytes([data[-1] ^ 1]))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda gz: gz[: len(gz) // 2], "corrupt gzip file"),  # the stream stops early
        (lambda gz: gz[:-8] + bytes(8), "corrupt gzip file"),  # wrong CRC
        (lambda gz: b"<html>Not here</html>", "not a gzip file"),
        (flip_last_byte, "wrong SHA-256 checksum"),
    ],
    ids=["truncated-gzip", "bad-crc", "html", "wrong-content"],
)
def test_bad_file_from_first_mirror_then_second(tmp_path, server, gz_files, sha256, damage, reason):
    broken = server.mirror("a", {name: damage(body) for name, body in gz_files.items()})
    with pytest.raises(DatasetError, match=rf"/a: {reason}\)"):
        download(tmp_path, [broken], sha256)
    assert list(tmp_path.iterdir()) == []
    download(tmp_path, [broken, server.mirror("b", gz_files)], sha256)
    assert all(server.requests[f"/b/{name}"] == 1 for name in gz_files)
    assert len(load_mnist(tmp_path).test) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(gz_files)


def test_bad_hash_everywhere_leaves_nothing(tmp_path, server, gz_files, sha256):
    wrong = dict(sha256, **{FILES["train_images"]: "0" * 64})
    mirrors = [server.mirror("a", gz_files), server.mirror("b", gz_files)]
    with pytest.raises(DatasetError) as error:
        download(tmp_path, mirrors, wrong)
    message = str(error.value)
    assert message.startswith("Could not download train-images-idx3-ubyte.gz from any mirror (")
    host = server.url.removeprefix("http://")
    assert f"{host}/a: wrong SHA-256 checksum; {host}/b: wrong SHA-256 checksum" in message
    assert list(tmp_path.iterdir()) == []  # no file, no .part


def test_connection_refused_says_how_to_get_the_files(tmp_path, closed_port_url, sha256):
    dest = tmp_path / "mnist"
    with pytest.raises(DatasetError) as error:
        download(dest, [closed_port_url, closed_port_url], sha256)
    message = str(error.value)
    assert "connection refused; " in message
    assert "Check your internet connection" in message
    assert f"download the four MNIST files yourself and put them in {dest}" in message
    assert "--data DIR" in message
    assert list(dest.iterdir()) == []


def test_offline_dns_failure_on_the_real_mirrors(tmp_path, monkeypatch, sha256):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)  # so nothing leaves this machine
    with pytest.raises(DatasetError) as error:
        download(tmp_path, MIRRORS, sha256)
    assert str(error.value).startswith(
        "Could not download train-images-idx3-ubyte.gz from any mirror ("
        "ossci-datasets.s3.amazonaws.com/mnist: host name not found; "
        "storage.googleapis.com/cvdf-datasets/mnist: host name not found). "
        "Check your internet connection, or download the four MNIST files yourself"
    )


def test_a_silent_server_times_out(tmp_path, sha256):
    # A listening socket that never answers: the connection opens, the reply never comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent_url = f"http://127.0.0.1:{silent.getsockname()[1]}/mnist/"
        with pytest.raises(DatasetError, match=r"/mnist: timed out\)"):
            download_mnist(tmp_path, mirrors=[silent_url], expected_sha256=sha256, timeout=0.2)
    assert list(tmp_path.iterdir()) == []


def test_cancel_midway_removes_the_partial_file(tmp_path, server, gz_files, sha256, monkeypatch):
    monkeypatch.setattr(digitlab.core.data.download, "CHUNK_SIZE", 256)
    calls = []

    def should_cancel() -> bool:
        calls.append(len(list(tmp_path.glob(".*.part-*"))))  # the partial file exists now
        return len(calls) == 3

    with pytest.raises(DownloadCancelled, match=r"train-images-idx3-ubyte\.gz was cancelled"):
        download(tmp_path, [server.mirror("a", gz_files)], sha256, should_cancel=should_cancel)
    assert calls == [1, 1, 1]
    assert list(tmp_path.iterdir()) == []
    assert issubclass(DownloadCancelled, DatasetError)


def test_valid_files_are_not_downloaded_again(tmp_path, server, gz_files, sha256):
    mirror = server.mirror("a", gz_files)
    download(tmp_path, [mirror], sha256)
    assert sum(server.requests.values()) == 4
    # Damage one file, and keep another uncompressed: only the damaged one is fetched.
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b damaged")
    images = tmp_path / "t10k-images-idx3-ubyte"
    images.write_bytes(gzip.decompress((tmp_path / f"{images.name}.gz").read_bytes()))
    (tmp_path / f"{images.name}.gz").unlink()
    reports: list[DownloadProgress] = []
    download(tmp_path, [mirror], sha256, progress=reports.append)
    assert server.requests == Counter({path: 1 for path in server.files}) + Counter(
        {"/a/t10k-labels-idx1-ubyte.gz": 1}
    )
    cached = {r.file for r in reports if r.cached}
    assert cached == {
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte",
    }
    assert len(load_mnist(tmp_path).test) == 5


def test_progress_rises_to_the_total(tmp_path, server, gz_files, sha256, monkeypatch):
    monkeypatch.setattr(digitlab.core.data.download, "CHUNK_SIZE", 1024)
    mirror = server.mirror("a", gz_files)
    reports: list[DownloadProgress] = []
    download(tmp_path, [mirror], sha256, progress=reports.append)
    assert [r.file for r in reports if r.done_bytes == r.total_bytes] == list(gz_files)
    name = "train-images-idx3-ubyte.gz"
    done = [r.done_bytes for r in reports if r.file == name]
    assert len(done) > 3  # several chunks
    assert done == sorted(done) and done[0] == 0
    assert done[-1] == len(gz_files[name])
    assert {(r.mirror, r.total_bytes) for r in reports if r.file == name} == {
        (mirror, len(gz_files[name]))
    }


def test_a_mirror_sending_more_than_any_mnist_file_is_cut_off(
    tmp_path, server, gz_files, sha256, monkeypatch
):
    monkeypatch.setattr(digitlab.core.data.download, "MAX_IDX_FILE_BYTES", 100)
    monkeypatch.setattr(digitlab.core.data.download, "CHUNK_SIZE", 64)
    endless = server.mirror("a", {name: body + bytes(10_000) for name, body in gz_files.items()})
    with pytest.raises(DatasetError, match=r"/a: more than the 100 bytes expected\)"):
        download(tmp_path, [endless], sha256)
    assert list(tmp_path.iterdir()) == []


def test_a_cached_gzip_bomb_is_not_unpacked_to_the_end(tmp_path, monkeypatch):
    monkeypatch.setattr(digitlab.core.data.download, "MAX_IDX_FILE_BYTES", 3 * 2**20)
    path = tmp_path / "bomb.gz"
    path.write_bytes(gzip.compress(bytes(64 * 2**20), compresslevel=1))
    assert digitlab.core.data.download.decompressed_sha256(path) is None
