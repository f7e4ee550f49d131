"""Run the command line as ``python -m b2bcx``."""

from b2bcx.cli import main

main()
