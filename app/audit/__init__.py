"""Audit log of staff actions: who did what, when, with before and after values."""
