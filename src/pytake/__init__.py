"""PyTake: the campaign execution engine for the WhatsApp Business Cloud API."""

__version__ = "0.1.0"
