"""The frozen app's entry script: the same `main` the `accessally-desktop` command runs."""

import sys

from accessally_desktop.app import main

if __name__ == "__main__":
    sys.exit(main())
