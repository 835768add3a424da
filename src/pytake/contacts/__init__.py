"""The organization's contacts: import, tags, opt-out."""
