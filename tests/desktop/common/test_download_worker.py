"""DownloadWorker and the data row's Download button, against a server on 127.0.0.1."""

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import pytest
from PySide6.QtCore import QSettings, Qt

from digitlab.core.data.download import DownloadProgress
from digitlab.desktop.common import download_worker
from digitlab.desktop.common.background import start_in_thread
from digitlab.desktop.common.download_worker import DownloadWorker
from digitlab.desktop.common.mnist_source import DataSourceRow

BODY_SIZE = 50 * 1024 * 1024  # announced; the server sends it slowly, so cancel comes first


class SlowHandler(BaseHTTPRequestHandler):
    """Every file is an endless trickle of zero bytes (until the client hangs up)."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(BODY_SIZE))
        self.end_headers()
        try:
            for _ in range(BODY_SIZE // 4096):
                self.wfile.write(b"\0" * 4096)
                time.sleep(0.002)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client cancelled

    def log_message(self, *args):
        pass


@pytest.fixture
def mirror():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("seconds_since_boot", [0.05, 1e6])
def test_progress_is_throttled_and_the_first_report_always_goes(monkeypatch, seconds_since_boot):
    # A clock that stands still: after the first report only a file's last one may go,
    # whatever the clock reads (a machine booted moments ago included).
    clock = SimpleNamespace(monotonic=lambda: seconds_since_boot)
    monkeypatch.setattr(download_worker, "time", clock)
    worker, shown = DownloadWorker(), []
    worker.progress.connect(
        lambda p: shown.append(p.done_bytes), Qt.ConnectionType.DirectConnection
    )
    for done in (0, 64, 128, 192):
        worker._report(DownloadProgress("train.gz", "http://mirror/", done, 192))
    assert shown == [0, 192]


def test_cancel_leaves_no_files(qtbot, tmp_path, mirror):
    dest = tmp_path / "mnist"
    worker = DownloadWorker(dest, mirrors=[mirror])
    outcome, ended = [], threading.Event()
    direct = Qt.ConnectionType.DirectConnection

    def on_progress(p):
        if p.done_bytes > 0:
            worker.cancel()

    worker.progress.connect(on_progress, direct)
    worker.cancelled.connect(lambda: outcome.append("cancelled"), direct)
    worker.finished.connect(lambda folder: outcome.append("finished"), direct)
    worker.failed.connect(outcome.append, direct)
    thread = start_in_thread(worker, "test-download")
    thread.finished.connect(ended.set, direct)
    qtbot.waitUntil(ended.is_set, timeout=20_000)
    assert outcome == ["cancelled"]
    assert list(dest.iterdir()) == []  # not even a partial file


def test_the_data_row_downloads_and_cancels(qtbot, tmp_path, mirror):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings.setValue("training/data_dir", str(tmp_path / "none"))
    row = DataSourceRow(settings)
    qtbot.addWidget(row)
    assert row.folder() is None and "MNIST not found" in row.status.text()
    row.start_download(tmp_path / "mnist", mirrors=[mirror])
    assert row.is_downloading() and row.download_button.text() == "Cancel"
    qtbot.waitUntil(lambda: "Downloading" in row.status.text(), timeout=20_000)
    qtbot.mouseClick(row.download_button, Qt.MouseButton.LeftButton)  # Cancel
    qtbot.waitUntil(lambda: not row.is_downloading(), timeout=20_000)
    assert "cancelled" in row.status.text()
    assert row.download_button.text() == "Download"
    assert list((tmp_path / "mnist").iterdir()) == []
