"""Free-text survey answers and wishes are public only after staff have read them (issue 16, item 9).

Before, a wish or an answer with publication consent appeared on the public
pages the moment it was sent, name or phone number included.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.common.errors import PermissionDenied
from app.experiences.models import ExperienceAnswer, QuestionKind, Service, Survey, SurveyQuestion
from app.wishes import services as wishes
from app.wishes.models import Wish
from tests.conftest import in_days

SECRET = "Ring Maria på 070-1234567"


def test_a_wish_is_public_once_staff_have_approved_it(client, auth, staff, board, db_session):
    response = client.post(
        "/rom/wishes/new",
        data={
            "kind": "topic",
            "text": SECRET,
            "language": "sv",
            "board_ids": [str(board.id)],
            "submission_key": "rev-1",
            "romani_variety": "",
        },
    )
    assert response.status_code == 302
    wish = db_session.scalar(sa.select(Wish).where(Wish.idempotency_key.startswith("rev-1.")))
    for lang in ("sv", "rom"):
        assert SECRET not in client.get(f"/{lang}/wishes/").get_data(as_text=True)

    auth.login(staff)
    assert "Inte publicerat än" in client.get("/sv/staff/wishes/").get_data(as_text=True)
    page = client.get(f"/sv/staff/wishes/{wish.id}").get_data(as_text=True)
    assert f"/sv/staff/wishes/{wish.id}/approve" in page
    # Staff mask the phone number first, then approve.
    client.post(f"/sv/staff/wishes/{wish.id}/mask", data={"masked_body": "Ring [namn] på [telefon]"})
    assert client.post(f"/sv/staff/wishes/{wish.id}/approve").status_code == 302
    auth.logout()
    for lang in ("sv", "rom"):
        page = client.get(f"/{lang}/wishes/").get_data(as_text=True)
        assert "Ring [namn] på [telefon]" in page and SECRET not in page
    actions = db_session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "Wish", AuditEvent.object_id == wish.id)
    ).all()
    assert sorted(actions) == ["wish.approve", "wish.mask"]


def test_answering_a_wish_publishes_it_and_only_its_boards_may_approve(
    app, db_session, staff, board, create_board, create_user
):
    with app.test_request_context("/sv/"):
        wish, _ = wishes.submit_wish(
            db_session,
            wishes.WishData(kind=list(wishes.WishKind)[0], text="Kvällsmöten", language="sv", board_ids=[board.id]),
            idempotency_key="rev-2",
        )
        outsider = create_user(boards={create_board(): Role.PUBLISHER})
        with pytest.raises(PermissionDenied):
            wishes.approve_wish(db_session, outsider, wish)
        assert wish.id not in {w.id for w in wishes.list_public(db_session).items}
        wishes.answer_wish(
            db_session, staff, wish, {"status": wishes.WishStatus.PLANNED, "answer_sv": "Vi planerar det."}
        )
    assert wish.is_reviewed and wish.id in {w.id for w in wishes.list_public(db_session).items}


def test_a_free_text_answer_is_public_once_staff_have_approved_it(client, auth, staff, board, db_session):
    survey = Survey(
        service=Service(board=board, name_sv="Läsambassad"),
        short_code="REV001",
        title_sv="Hur var det?",
        opens_dt=in_days(-3),
        closes_dt=in_days(10),
        published_dt=in_days(-3),
        questions=[SurveyQuestion(position=1, kind=QuestionKind.TEXT, text_sv="Vad var bra?")],
    )
    db_session.add(survey)
    db_session.commit()
    field = survey.questions[0].field_name
    for i in range(5):  # the minimum group size
        text = SECRET if i == 0 else f"Bra svar {i}"
        response = client.post(
            f"/sv/s/{survey.short_code}",
            data={field: text, "language": "sv", "publish_consent": "y", "submission_key": f"rev-a{i}"},
        )
        assert response.status_code == 302
    public = client.get(f"/rom/s/{survey.short_code}/results").get_data(as_text=True)
    assert SECRET not in public and "Bra svar 1" not in public

    auth.login(staff)
    answers = db_session.scalars(sa.select(ExperienceAnswer).order_by(ExperienceAnswer.id)).all()
    results = client.get(f"/sv/staff/experiences/surveys/{survey.id}/results").get_data(as_text=True)
    assert all(f"/sv/staff/experiences/answers/{a.id}/approve" in results for a in answers)
    client.post(f"/sv/staff/experiences/answers/{answers[0].id}/hide", data={"reason": "personal_data"})
    for answer in answers[1:]:
        assert client.post(f"/sv/staff/experiences/answers/{answer.id}/approve").status_code == 302
    public = client.get(f"/rom/s/{survey.short_code}/results").get_data(as_text=True)
    assert SECRET not in public and all(f"Bra svar {i}" in public for i in range(1, 5))
