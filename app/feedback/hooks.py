"""Registers consultation feedback as a subject of the feedback machinery (imported by :mod:`app.registry`)."""

from __future__ import annotations

from app.feedback import consultation, subjects

subjects.register(consultation.SUBJECT)
