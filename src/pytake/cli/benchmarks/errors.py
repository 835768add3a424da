"""Why a benchmark could not measure anything (the command prints it and exits 1)."""


class BenchError(RuntimeError):
    """The scenario could not run to its end: the message says what stopped it."""
