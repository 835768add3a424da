"""`python -m pytake` runs the command line."""

from pytake.cli.main import main

main()
