"""Benchmark support: a realistic synthetic dataset (``flask bench-data``).

Not used by the application itself; ``make bench`` builds the dataset and
drives gunicorn with ``wrk`` (see ``bench/`` and ``docs/performance.md``).
"""
