"""Settings, database set-up, clock, errors and logging shared by every layer."""
