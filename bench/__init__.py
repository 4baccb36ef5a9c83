"""Load-test tooling (``make bench``); not part of the application."""
