"""Registers consultation feedback as a subject of the feedback machinery, and the
themes as the grouping of the staff views list (imported by :mod:`app.registry`)."""

from __future__ import annotations

from app.feedback import consultation, subjects, theming
from app.participation import groupings

subjects.register(consultation.SUBJECT)
groupings.register(groupings.Grouping(pairs=theming.theme_pairs, choices=theming.theme_choices))
