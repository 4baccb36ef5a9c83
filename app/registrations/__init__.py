"""Registrations (anmälan) to consultations, with capacity and a waitlist."""
