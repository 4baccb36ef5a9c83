"""Open data: a read-only JSON API (``/api/v1``) with an OpenAPI description. No personal data."""
