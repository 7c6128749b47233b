"""``python -m desktop``: the same as the ``digitlab`` command."""

import sys

from desktop.app import main

sys.exit(main())
