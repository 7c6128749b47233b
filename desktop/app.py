"""Entry point of the ``digitlab`` command.

With a subcommand it runs the command-line tool in ``core.cli`` without loading Qt;
without one it opens the desktop window.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Sequence

from core import cli


def main(argv: Sequence[str] | None = None) -> int:
    """``digitlab [COMMAND ...]``: a subcommand (or --help, --version) runs the
    command-line tool; nothing opens the window."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv:
        return cli.main(argv)
    return run_gui()


def protect_singletons() -> None:
    """Make None, True and False immortal on Python 3.11, as Python 3.12 made them.

    PySide6 6.12.0's wheels (stable ABI, built with Python 3.12+ headers) return these
    from C++ without taking a reference (``Py_RETURN_NONE`` no longer counts one there):
    every void Qt call costs None one reference, every signal emit one of True or
    False. On 3.11 the counts drain within seconds of drawing and the interpreter
    aborts ("deallocating None"). A count no run can drain restores what 3.12 does.
    """
    if sys.version_info >= (3, 12):
        return
    for singleton in (None, True, False):
        count = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt, PyObject's 1st field
        if abs(count.value - sys.getrefcount(singleton)) > 8:
            return  # not the layout we know (a debug build?): leave it alone
        if count.value < 1 << 40:
            count.value += 1 << 60


def _single_threaded_blas() -> None:
    """One BLAS thread: the app's products (one image's preprocessing and forward pass)
    are far too small to split, and waking BLAS threads on a busy machine now and then
    costs a whole scheduler slice (~20 ms) in the middle of a stroke. Training shards
    set the same limit (core.parallel)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def run_gui() -> int:
    """Open the main window and run until it closes; returns the exit code."""
    protect_singletons()
    _single_threaded_blas()
    # Qt is imported here so the command-line path above never loads it.
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from desktop.main_window import MainWindow
    from desktop.model_document import app_settings
    from desktop.style import app_icon, apply_theme

    QCoreApplication.setOrganizationName("digitlab")
    QCoreApplication.setApplicationName("digitlab")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setDesktopFileName("digitlab")
    app.setWindowIcon(app_icon())
    apply_theme(app, str(app_settings().value("view/theme", "system")))
    window = MainWindow()
    window.load_initial_model()
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
