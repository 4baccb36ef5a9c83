"""Registrations (anmälan) to a consultation.

The person's name and ways to reach them live in :class:`Contact`, so they can
be purged after the feedback while the anonymous registration (language,
needs, attendance) stays for statistics. No ethnicity, no IP address, no
user agent is stored.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.consultations.models import Consultation, RomaniVariety
from app.db import Base, str_enum, utcnow
from app.i18n import lazy_gettext as _l
from app.participation.models import Contact


class RegistrationStatus(enum.Enum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(REGISTRATION_STATUS_LABELS[self])


REGISTRATION_STATUS_LABELS = {
    RegistrationStatus.CONFIRMED: _l("Has a place"),
    RegistrationStatus.WAITLISTED: _l("On the waiting list"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
}

#: Languages a registrant can choose for the meeting and for e-mails (UI languages).
REGISTRATION_LANGUAGES = ("sv", "rom")


class Registration(Base):
    __tablename__ = "registrations"
    __table_args__ = (
        # Places left (the leading columns) and the ledger's participants per
        # year (``attended`` read from the index alone).
        sa.Index(
            "ix_registrations_consultation_id_status_created_dt", "consultation_id", "status", "created_dt", "attended"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultations.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    #: The secret in the private link to view or cancel the registration.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus))
    #: Preferred language at the meeting: "sv" or "rom".
    language: Mapped[str] = mapped_column(sa.String(8), default="sv")
    romani_variety: Mapped[RomaniVariety | None] = mapped_column(str_enum(RomaniVariety))
    needs_interpreter: Mapped[bool] = mapped_column(default=False)
    interpreter_variety: Mapped[RomaniVariety | None] = mapped_column(str_enum(RomaniVariety))
    #: Accessibility or other needs, in the registrant's own words.
    needs: Mapped[str | None] = mapped_column(sa.Text)
    #: Tell me when the board publishes its feedback.
    wants_feedback: Mapped[bool] = mapped_column(default=False)
    #: Marked by staff after the meeting; ``None`` until then.
    attended: Mapped[bool | None]
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_dt: Mapped[datetime | None]
    #: When a waitlisted registration got a place.
    promoted_dt: Mapped[datetime | None]
    reminder_sent_dt: Mapped[datetime | None]
    #: Makes a resent registration form harmless: the same key never takes a second place.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    consultation: Mapped[Consultation] = relationship()
    contact: Mapped[Contact | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status is not RegistrationStatus.CANCELLED

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status.value}>"
