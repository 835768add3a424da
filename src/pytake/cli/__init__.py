"""The `pytake` command line (Typer)."""
