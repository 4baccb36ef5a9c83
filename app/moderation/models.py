"""The moderation mixin: hidden from public pages, or published with personal data masked.

A model that mixes in :class:`Moderated` names its text attribute
(``moderated_text``) and its masked-text column (``masked_text_attr``). Public
code reads :attr:`Moderated.public_text` (the masked text if there is one) and
:attr:`Moderated.is_hidden`, never the raw text. Copies of the text (a view's
translations) are returned by :meth:`Moderated.text_copies`; each copy has
``body`` and ``masked_body``, and while the original is masked a copy is public
only through its own masked text (:func:`copy_public_text`), so a translation
made before the mask never shows the name the mask removed.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import str_enum
from app.i18n import lazy_gettext as _l


class HiddenReason(enum.Enum):
    PERSONAL_DATA = "personal_data"
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off_topic"

    @property
    def label(self) -> str:
        return str(HIDDEN_LABELS[self])


HIDDEN_LABELS = {
    HiddenReason.PERSONAL_DATA: _l("Contains personal data"),
    HiddenReason.OFFENSIVE: _l("Offensive"),
    HiddenReason.OFF_TOPIC: _l("Off topic"),
}


class Moderated:
    """Mixin for participant text that staff may hide or mask."""

    #: The attribute holding the text as written (kept for the archive).
    moderated_text: ClassVar[str] = "text"
    #: The column holding the published text with personal data masked (``None``: not masked).
    masked_text_attr: ClassVar[str] = "masked_text"
    #: Prefix of audit actions, e.g. ``viewpoint`` → ``viewpoint.hide``.
    audit_name: ClassVar[str] = ""

    hidden_dt: Mapped[datetime | None]
    hidden_reason: Mapped[HiddenReason | None] = mapped_column(str_enum(HiddenReason))
    hidden_note: Mapped[str | None] = mapped_column(sa.Text)
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_hidden(self) -> bool:
        return self.hidden_dt is not None

    @property
    def original_text(self) -> str:
        return getattr(self, self.moderated_text) or ""

    @property
    def masked(self) -> str | None:
        return getattr(self, self.masked_text_attr)

    @property
    def public_text(self) -> str:
        """What public pages, exports and the API show: the masked text if staff masked it."""
        return self.masked or self.original_text

    @property
    def export_text(self) -> str:
        """What staff exports (CSV) hold: see :func:`export_text`."""
        return export_text(self.original_text, self.masked, self.hidden_reason)

    def text_copies(self) -> list[Any]:
        """Other copies of the text (translations) that masking must reach."""
        return []


class Reviewed:
    """Mixin for participant text that is public only after staff have read it (pre-moderation).

    Free-text survey answers and wishes are published on the site as soon as
    staff approve them (:func:`app.moderation.services.approve`); until then
    public pages count them as not shown. (Views are published with the
    board's feedback, which staff write after reading every view.)
    """

    reviewed_dt: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_dt is not None

    @property
    def awaits_review(self) -> bool:
        """Not yet read by staff, and not hidden: what the staff pages flag."""
        return self.reviewed_dt is None and getattr(self, "hidden_dt", None) is None


def export_text(text: str | None, masked: str | None, hidden_reason: HiddenReason | None) -> str:
    """The text a staff export holds: the masked text where staff masked it, and nothing
    for an item hidden because it contains personal data (a file travels further than a page)."""
    if hidden_reason is HiddenReason.PERSONAL_DATA:
        return ""
    return masked or text or ""


def copy_public_text(original: Moderated, copy: Any) -> str | None:
    """The public text of a copy (a translation) of ``original``; ``None``: not to be shown.

    While the original is masked, a copy is shown only as staff masked (or
    confirmed) it in the same step; otherwise it could show what the mask removed.
    """
    if original.masked is None:
        return copy.body
    return copy.masked_body
