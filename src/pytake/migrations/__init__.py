"""Alembic migrations of the PyTake schema (SQLite and PostgreSQL)."""
