"""Entry point of the ``digitlab`` command.

With a subcommand it runs the command-line tool in ``core.cli`` without loading Qt;
without one it opens the desktop window.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from core import cli


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv:
        return cli.main(argv)
    # The window arrives with the desktop app; until then, say what there is.
    cli.build_parser().print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
