"""The web process: JSON API, webhooks, WebSocket and dashboard (FastAPI)."""
