"""``python -m rafiki_gui``: the workbench window (see :mod:`rafiki_gui.app`)."""

import sys

from rafiki_gui.app import main

if __name__ == "__main__":
    sys.exit(main())
