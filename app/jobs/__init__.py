"""Application-level jobs run from the CLI: retention purges, full export and import.

They read and write several domains' tables at once, so they sit above the
domains, beside the CLI that runs them.
"""
