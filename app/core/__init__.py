"""Cross-cutting web pieces: home, health check, error pages, security headers."""
