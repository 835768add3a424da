"""The organization's WhatsApp business numbers and their sending limits."""
