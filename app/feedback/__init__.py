"""Feedback (återkoppling): themes, responses and decisions, published per consultation."""
