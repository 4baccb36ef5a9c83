"""Wishes (önskemål) for future consultations: proposed by anyone, answered by the boards."""
