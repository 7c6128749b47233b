"""Entry point of the ``digitlab`` command.

With a subcommand it runs the command-line tool in ``digitlab.core.cli.parser`` without loading Qt;
without one it opens the desktop window.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from digitlab.core.cli import parser as cli


def main(argv: Sequence[str] | None = None) -> int:
    """``digitlab [COMMAND ...]``: a subcommand (or --help, --version) runs the
    command-line tool; nothing opens the window."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv:
        return cli.main(argv)
    return run_gui()


def _single_threaded_blas() -> None:
    """One BLAS thread: the app's products (one image's preprocessing and forward pass)
    are far too small to split, and waking BLAS threads on a busy machine now and then
    costs a whole scheduler slice (~20 ms) in the middle of a stroke. Training shards
    set the same limit (digitlab.core.nn.parallel)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def run_gui() -> int:
    """Open the main window and run until it closes; returns the exit code."""
    _single_threaded_blas()
    # Qt is imported here so the command-line path above never loads it.
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from digitlab.desktop.common.style import app_icon, apply_theme
    from digitlab.desktop.window.main_window import MainWindow
    from digitlab.desktop.window.model_document import app_settings

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
