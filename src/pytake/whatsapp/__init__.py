"""Everything Meta-specific: Cloud API client, error table, webhook parsing, simulator."""
