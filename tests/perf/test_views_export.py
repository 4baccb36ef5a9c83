"""Staff CSV export of a consultation's views: streamed, permission-checked, no contact data."""

from __future__ import annotations

import csv
import io

from app.accounts.models import Role
from app.db import utcnow
from app.participation.models import Channel, Contact, HiddenReason, Viewpoint


def _add_views(db_session, consultation, n):
    for i in range(n):
        db_session.add(
            Viewpoint(
                consultation_id=consultation.id,
                reference_code=f"EXPT-{i:04d}",
                body=f"Synpunkt nummer {i}",
                language="rom" if i % 2 else "sv",
                channel=Channel.MEETING if i % 3 == 0 else Channel.WEB,
                publish_consent=bool(i % 2),
                contact=Contact(name="Hemlig Person", email="hemlig@example.org") if i == 1 else None,
                hidden_dt=utcnow() if i == 2 else None,
                hidden_reason=HiddenReason.OFFENSIVE if i == 2 else None,
            )
        )
    db_session.add(
        Viewpoint(consultation_id=consultation.id, reference_code="EXPT-EVIL", body='=HYPERLINK("x")', language="sv")
    )
    db_session.commit()


def test_staff_export_streams_every_view_without_contact_data(
    client, auth, create_user, create_consultation, db_session
):
    consultation = create_consultation()
    _add_views(db_session, consultation, 25)
    auth.login(create_user(boards={consultation.lead_board: Role.EDITOR}))
    response = client.get(f"/sv/staff/consultations/{consultation.id}/views.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][0] == "reference_code"
    assert len(rows) == 1 + 26
    by_code = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert by_code["EXPT-0002"]["hidden_reason"] == "offensive"
    assert by_code["EXPT-0000"]["channel"] == "meeting"
    assert by_code["EXPT-EVIL"]["text"].startswith("'=")  # never a formula in a spreadsheet
    assert "Hemlig" not in text and "hemlig@" not in text


def test_export_needs_a_role_on_the_board(client, auth, create_user, create_consultation, create_board):
    consultation = create_consultation()
    url = f"/sv/staff/consultations/{consultation.id}/views.csv"
    assert client.get(url).status_code in (302, 303)  # to the login page
    auth.login(create_user(boards={create_board(): Role.PUBLISHER}))
    assert client.get(url).status_code == 403
    assert client.get("/sv/staff/consultations/999999/views.csv").status_code == 404
