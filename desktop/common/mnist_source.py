"""Where MNIST is: found as the command line finds it, chosen by hand, or downloaded.

``DataSourceRow`` shows the folder in use (or why there is none), a Browse… button
and a Download button whose progress bar and Cancel run on a ``DownloadWorker``.
The chosen folder is remembered in the app's settings under ``DATA_DIR_KEY``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QPushButton, QWidget

from digitlab.core.data.download import MIRRORS, DownloadProgress
from digitlab.core.data.mnist import default_cache_dir, find_data_dir
from digitlab.core.errors import DatasetError
from digitlab.desktop.common.background import start_in_thread
from digitlab.desktop.common.download_worker import DownloadWorker
from digitlab.desktop.common.task_dialogs import TaskDialogs

DATA_DIR_KEY = "training/data_dir"
MNIST_SIZE = "about 11 MB"


def saved_data_dir(settings: QSettings) -> Path | None:
    """The folder the person chose last time, if any."""
    value = settings.value(DATA_DIR_KEY)
    return Path(str(value)) if value else None


def locate_mnist(settings: QSettings) -> tuple[Path | None, str]:
    """(the MNIST folder or None, a sentence about it for the data row)."""
    chosen = saved_data_dir(settings)
    try:
        return find_data_dir(chosen), ""
    except DatasetError as error:
        return None, str(error)


def short_path(path: Path, parts: int = 3) -> str:
    """``path`` short enough for one line: ``~`` for the home folder, and only the
    last ``parts`` folders after an ellipsis."""
    if path.is_relative_to(Path.home()):
        path = Path("~") / path.relative_to(Path.home())
    if len(path.parts) <= parts + 1:
        return str(path)
    return str(Path("…", *path.parts[-parts:]))


class DataSourceRow(QWidget):
    """The "Data" row of the training panel."""

    folder_changed = Signal(object)  # Path | None

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.browse_button = QPushButton("Browse…")
        self.browse_button.setToolTip("Choose a folder holding the four MNIST files")
        self.download_button = QPushButton("Download")
        self.download_button.setToolTip(
            f"Download MNIST ({MNIST_SIZE}) into {default_cache_dir()}, checking every file"
        )
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.browse_button.clicked.connect(self.browse)
        self.download_button.clicked.connect(self._download_clicked)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status, 0, 0)
        layout.addWidget(self.browse_button, 0, 1, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.download_button, 0, 2, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.progress, 1, 0, 1, 3)
        layout.setColumnStretch(0, 1)
        self._folder: Path | None = None
        self._worker: DownloadWorker | None = None
        self._thread: QThread | None = None
        self.refresh()

    def folder(self) -> Path | None:
        """The folder holding MNIST, or None when it was not found."""
        return self._folder

    def refresh(self) -> None:
        """Look for MNIST again and say what was found."""
        self._folder, problem = locate_mnist(self.settings)
        if self._folder is not None:
            self.status.setText(f"MNIST in {short_path(self._folder)}")
            self.status.setToolTip(f"The four MNIST files are in {self._folder}")
        else:
            self.status.setText(
                f"<b>MNIST not found.</b> Download it ({MNIST_SIZE}) or choose the folder "
                "holding the four files with Browse…"
            )
            self.status.setToolTip(problem)
        self.folder_changed.emit(self._folder)

    def browse(self) -> None:
        start = self._folder or saved_data_dir(self.settings) or Path.home()
        folder = TaskDialogs.ask_data_folder(self, start)
        if folder is not None:
            self.settings.setValue(DATA_DIR_KEY, str(folder))
            self.refresh()

    # -- downloading --------------------------------------------------------------
    def is_downloading(self) -> bool:
        return self._thread is not None

    def start_download(self, dest: Path | None = None, mirrors: Sequence[str] = MIRRORS) -> None:
        """Fetch MNIST into ``dest`` (default: where the command line puts it)."""
        if self.is_downloading():
            return
        worker = DownloadWorker(dest or default_cache_dir(), mirrors)
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_finished)
        worker.cancelled.connect(self._on_cancelled)
        worker.failed.connect(self._on_failed)
        self._worker = worker
        self._thread = start_in_thread(worker, "digitlab-download", self._on_thread_finished)
        self._show_downloading(True)

    def cancel_download(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self.status.setText("Cancelling the download…")

    def shutdown(self) -> None:
        """Cancel a download and wait for its thread (closing the window)."""
        if self._thread is not None:
            self._worker.cancel()
            self._thread.wait()
            self._on_thread_finished()

    def _download_clicked(self) -> None:
        self.cancel_download() if self.is_downloading() else self.start_download()

    def _show_downloading(self, downloading: bool) -> None:
        self.progress.setVisible(downloading)
        self.progress.setRange(0, 0)  # busy until the first file reports its size
        self.download_button.setText("Cancel" if downloading else "Download")
        self.browse_button.setEnabled(not downloading)

    @Slot(object)
    def _on_progress(self, p: DownloadProgress) -> None:
        if p.cached:
            self.status.setText(f"{p.file} is already there")
            return
        total = p.total_bytes or 0
        self.progress.setRange(0, total // 1024 if total else 0)
        self.progress.setValue(p.done_bytes // 1024)
        size = f"{p.done_bytes / 1e6:.1f} / {total / 1e6:.1f} MB" if total else ""
        self.status.setText(f"Downloading {p.file} {size}")

    @Slot(str)
    def _on_finished(self, folder: str) -> None:
        self.settings.setValue(DATA_DIR_KEY, folder)
        self.refresh()

    @Slot()
    def _on_cancelled(self) -> None:
        self.refresh()
        self.status.setText(self.status.text() + " (the download was cancelled)")

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.refresh()
        TaskDialogs.show_error(self, "Could not download MNIST", message)

    @Slot()
    def _on_thread_finished(self) -> None:
        self._worker = self._thread = None
        self._show_downloading(False)
