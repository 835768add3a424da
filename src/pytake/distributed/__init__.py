"""Redis-backed implementations of the engine's ports, for many processes on many machines."""
