"""How registrations plug into lower domains (imported once by :mod:`app.registry`)."""

from __future__ import annotations

from app.consultations import services as consultations
from app.registrations.notifications import announce, audience
from app.registrations.services import capacity_changed

if capacity_changed not in consultations.CAPACITY_CHANGED:
    consultations.CAPACITY_CHANGED.append(capacity_changed)
if announce not in consultations.ANNOUNCE:
    consultations.ANNOUNCE.append(announce)
if audience not in consultations.AUDIENCE:
    consultations.AUDIENCE.append(audience)
