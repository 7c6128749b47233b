"""Running a worker QObject on a QThread of its own, and describing its failures in words.

Every background job (training, Teach, evaluation, the MNIST download) follows one
pattern, through ``start_in_thread``: a parentless worker with a ``run`` slot and a
final ``done`` signal is moved to a fresh ``QThread``; ``done`` quits the thread. Jobs
are stopped through a ``digitlab.core.train.control.RunControl`` the worker holds.

Nothing is deleted with ``deleteLater``: a Python-made QObject destroyed in the worker
thread takes one of Qt's connection locks and then waits for the GIL, while the GUI
thread, holding the GIL as it builds a widget, can be waiting for that same lock. That
deadlock hung about one test run in ten. Instead the last references to the thread and
its worker are dropped in the GUI thread, once ``wait()`` has confirmed the thread
ended: Python then takes the GIL first and the lock after, as everywhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QThread, Slot

from digitlab.core.errors import DigitlabError

log = logging.getLogger(__name__)


class _ThreadKeeper(QObject):
    """Holds every started QThread and its worker until the thread has really ended.

    A running QThread whose Python object is collected aborts the process
    ("Destroyed while thread is still running"), and ``finished`` is emitted from the
    thread just *before* it ends, so references are dropped only here, in the GUI
    thread, after ``wait()`` has confirmed the end.
    """

    def __init__(self) -> None:
        super().__init__()
        self.running: dict[QThread, QObject] = {}  # thread -> its worker

    def keep(self, thread: QThread, worker: QObject) -> None:
        # The worker too: its last reference must not go (deleting it from this thread)
        # while its own thread may still be deleting it.
        self.running[thread] = worker
        thread.finished.connect(self._release)  # queued: this object lives in the GUI thread

    @Slot()
    def _release(self) -> None:
        thread = self.sender()
        if isinstance(thread, QThread):
            thread.wait()
            self.running.pop(thread, None)


_keeper: _ThreadKeeper | None = None


def start_in_thread(
    worker: QObject, name: str, on_finished: Callable[[], None] | None = None
) -> QThread:
    """Move ``worker`` (parentless, with a ``run`` slot and a ``done`` signal) to a new
    thread and start it. ``on_finished`` (a slot of a GUI-thread object) is called when
    the thread has finished; drop references to the worker and thread there."""
    global _keeper
    if _keeper is None:
        _keeper = _ThreadKeeper()  # made on first use, in the GUI thread
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    # Direct: the GUI thread may be blocked in thread.wait() (closing the window), so
    # a queued quit would never be delivered. QThread.quit is thread-safe.
    worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    if on_finished is not None:
        thread.finished.connect(on_finished)
    # No deleteLater (see the module's docstring): the keeper drops both objects in
    # the GUI thread once wait() has confirmed the thread ended.
    _keeper.keep(thread, worker)
    thread.start()
    return thread


def describe_error(error: BaseException) -> str:
    """One or two sentences for a person: DigitlabError messages as they are, the
    others named plainly (and logged with their traceback for a bug report)."""
    if isinstance(error, DigitlabError):
        return str(error)
    if isinstance(error, MemoryError):
        return "There is not enough memory: try a smaller batch size or close other programs."
    if isinstance(error, OSError):
        where = f" ({error.filename})" if error.filename else ""
        return f"The system refused a file operation{where}: {error.strerror or error}."
    if isinstance(error, ValueError):
        text = str(error)
        return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
    log.error("unexpected error in a worker thread", exc_info=error)
    return f"An unexpected error stopped the work ({type(error).__name__}: {error})."
