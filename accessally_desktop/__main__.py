"""`python -m accessally_desktop` runs the app."""

from .app import main

raise SystemExit(main())
