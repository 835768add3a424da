"""Scenarios behind `pytake bench`: the engine and the naive baseline against the simulator."""
