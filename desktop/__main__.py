"""``python -m digitlab.desktop``: the same as the ``digitlab`` command."""

import sys

from digitlab.desktop.app import main

sys.exit(main())
