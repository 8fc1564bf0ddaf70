"""`python -m app` runs the command line (``python -m app run`` opens the app)."""

from app.cli import main

raise SystemExit(main())
