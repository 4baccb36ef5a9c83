"""Web plumbing: the request toolkit every domain's views use.

HTTP and page caching, security headers, rate limits, error pages, template
globals and filters, and the view helpers (staff guard, loading objects,
domain errors as form errors). It knows no domain: domains' views import it,
domains' services, policies and models never do (see the import-linter
contracts in pyproject.toml and docs/architecture.md).
"""
