"""Consultations: scheduling, agenda, documents, lifecycle, calendar feeds."""
