"""Streaming CSV export of a consultation's views (staff).

One row per view, in the order they came. Headers and codes are stable and
language-independent (``channel`` is ``web``/``meeting``/…), so a spreadsheet
or script reading the file does not depend on the UI language. Contact data
(names, e-mail addresses) is *not* exported: it lives apart from the views and
is purged on schedule. The text is what moderation lets out (``moderation.models.export_text``):
masked where staff masked it, empty for a view hidden because it holds personal data.
``received_on`` is the Stockholm date: views keep no finer time (``db.CoarseUTCDateTime``).

The rows come from a server-side cursor (``yield_per``: PostgreSQL streams
them, SQLite steps its cursor) as plain tuples, never ORM objects, and are
written to the response as they arrive, so memory stays flat however many
views there are (see ``bench/export_rss.py`` and docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.common import csvexport
from app.consultations.models import AgendaItem
from app.i18n import STOCKHOLM
from app.moderation.models import export_text
from app.participation.models import Viewpoint

COLUMNS = (
    "reference_code",
    "received_on",
    "channel",
    "language",
    "romani_variety",
    "other_language",
    "question",
    "text",
    "publish_consent",
    "hidden_reason",
    "on_behalf_of",
)
#: Rows fetched from the database at a time.
CHUNK = 2000


def iter_csv(session: Session, consultation_id: int) -> Iterator[str]:
    """The CSV text in pieces of ``CHUNK`` rows (:mod:`app.common.csvexport`)."""
    stmt = (
        sa.select(
            Viewpoint.reference_code,
            Viewpoint.created_dt,
            Viewpoint.channel,
            Viewpoint.language,
            Viewpoint.romani_variety,
            Viewpoint.other_language,
            AgendaItem.title_sv,
            Viewpoint.body,
            Viewpoint.masked_body,
            Viewpoint.publish_consent,
            Viewpoint.hidden_reason,
            Viewpoint.on_behalf_of,
        )
        .outerjoin(AgendaItem, Viewpoint.agenda_item_id == AgendaItem.id)
        .where(Viewpoint.consultation_id == consultation_id)
        .order_by(Viewpoint.created_dt, Viewpoint.id)
        .execution_options(yield_per=CHUNK)
    )
    result = session.execute(stmt)

    def rows() -> Iterator[list[object]]:
        for code, created, channel, language, variety, other, question, body, masked, consent, hidden, behalf in result:
            yield [
                code,
                created.astimezone(STOCKHOLM).date().isoformat(),
                channel.value,
                language,
                variety.value if variety else "",
                other,
                question,
                export_text(body, masked, hidden),
                "yes" if consent else "no",
                hidden.value if hidden else "",
                behalf,
            ]

    try:
        yield from csvexport.iter_csv(COLUMNS, rows(), rows_per_chunk=CHUNK)
    finally:
        result.close()
