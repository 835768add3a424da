"""PyTake: the campaign execution engine for the WhatsApp Business Cloud API."""

from importlib.metadata import version

# The installed distribution's version: pyproject.toml is the one place it is written.
__version__ = version("pytake")
