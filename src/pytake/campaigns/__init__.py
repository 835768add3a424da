"""Campaigns, their per-contact messages and attempts, states and statistics."""
