"""`python -m seglab` runs the command-line tool."""

from seglab.cli import main

raise SystemExit(main())
