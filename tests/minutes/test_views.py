"""Minutes, corrections and the evaluation over HTTP."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.consultations.models import ConsultationStatus as S
from app.mail.models import OutboxMessage
from app.minutes import services
from app.minutes.models import CorrectionProposal, Evaluation, Minutes, ProposalStatus
from app.participation.models import Contact
from tests.support import present


def _count(db_session, model):
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def _edit_url(c, lang="sv"):
    return f"/{lang}/staff/consultations/{c.id}/minutes"


def _minutes(db_session, c) -> Minutes:
    db_session.expire_all()
    return present(db_session.scalar(sa.select(Minutes).where(Minutes.consultation_id == c.id)))


@pytest.fixture
def meeting(create_consultation, board, held):
    return held(create_consultation(board=board))


def test_anonymous_staff_page_goes_to_login(client, meeting):
    response = client.get(_edit_url(meeting))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_publish_through_the_staff_page(client, auth, db_session, meeting, publisher):
    auth.login(publisher)
    page = client.get(_edit_url(meeting))
    assert page.status_code == 200 and 'name="body_sv"' in page.get_data(as_text=True)
    response = client.post(
        _edit_url(meeting),
        data={
            "body_sv": "# Minnesanteckningar\n\nVi pratade om **fritidsgården**.",
            "body_rom": "Romani text",
            "version": "0",
            "action": "publish",
        },
    )
    assert response.status_code == 302
    public = client.get(f"/sv/consultations/{meeting.id}/minutes").get_data(as_text=True)
    assert "<strong>fritidsgården</strong>" in public
    rom = client.get(f"/rom/consultations/{meeting.id}/minutes").get_data(as_text=True)
    assert "Romani text" in rom
    detail = client.get(f"/sv/consultations/{meeting.id}").get_data(as_text=True)
    assert f"/sv/consultations/{meeting.id}/minutes" in detail
    assert f"/sv/consultations/{meeting.id}/evaluation" in detail

    # A correction is published as revision 2 with a note; the history shows both.
    minutes = _minutes(db_session, meeting)
    response = client.post(
        _edit_url(meeting),
        data={
            "body_sv": "# Minnesanteckningar\n\nVi pratade om fritidsgården i Tensta.",
            "body_rom": "Romani text",
            "version": str(minutes.version),
            "action": "publish",
            "note": "Lade till var mötet hölls.",
        },
    )
    assert response.status_code == 302
    public = client.get(f"/sv/consultations/{meeting.id}/minutes").get_data(as_text=True)
    assert "Tensta" in public and "Lade till var mötet hölls." in public
    assert 'id="revision-2"' in public and 'id="revision-1"' in public
    assert [r.number for r in _minutes(db_session, meeting).revisions] == [1, 2]


def test_publish_without_a_note_keeps_the_text(client, auth, db_session, meeting, publisher):
    auth.login(publisher)
    client.post(_edit_url(meeting), data={"body_sv": "Ett", "version": "0", "action": "publish"})
    version = _minutes(db_session, meeting).version
    html = client.post(
        _edit_url(meeting),
        data={
            "body_sv": "Två <och> tre",
            "version": str(version),
            "action": "publish",
        },
    ).get_data(as_text=True)
    assert 'id="note-error"' in html
    assert "Två &lt;och&gt; tre" in html
    assert [r.number for r in _minutes(db_session, meeting).revisions] == [1]


def test_stale_save_shows_both_versions_and_overwrites_nothing(client, auth, db_session, meeting, editor):
    auth.login(editor)
    client.post(_edit_url(meeting), data={"body_sv": "Första utkastet", "version": "0", "action": "save"})
    opened = _minutes(db_session, meeting).version
    client.post(_edit_url(meeting), data={"body_sv": "Kollegans text", "version": str(opened), "action": "save"})
    response = client.post(_edit_url(meeting), data={"body_sv": "Min text", "version": str(opened), "action": "save"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="conflict-title"' in html
    assert "Kollegans text" in html and "Min text" in html
    assert _minutes(db_session, meeting).body_sv == "Kollegans text"


def test_other_board_gets_403(client, auth, meeting, create_user, create_board):
    from app.accounts.models import Role

    auth.login(create_user(boards={create_board(): Role.PUBLISHER}))
    assert client.get(_edit_url(meeting)).status_code == 403
    assert client.post(_edit_url(meeting), data={"body_sv": "x", "version": "0"}).status_code == 403


def _published(db_session, publisher, meeting, app):
    with app.test_request_context("/sv/"):
        services.save_minutes(db_session, publisher, meeting, {"body_sv": "Text"}, expected_version=0, publish=True)
        db_session.commit()


def test_correction_through_the_private_link(
    client, auth, db_session, create_consultation, board, publisher, editor, register, held, app
):
    c = create_consultation(board=board)
    with app.test_request_context("/sv/"):
        reg = register(c, email="sara@example.com", language="sv")
        db_session.commit()
    held(c)
    url = f"/sv/registrations/{reg.token}/correction"
    page = client.get(url)
    assert page.status_code == 200 and 'name="text"' not in page.get_data(as_text=True)  # not published yet
    assert page.headers["Cache-Control"] == "no-store"
    _published(db_session, publisher, c, app)
    manage = client.get(f"/sv/registrations/{reg.token}").get_data(as_text=True)
    assert url in manage

    html = client.post(url, data={"text": "   "}).get_data(as_text=True)
    assert 'id="text-error"' in html
    assert _count(db_session, CorrectionProposal) == 0
    response = client.post(url, data={"text": "Det var Ana som talade."})
    assert response.status_code == 302
    assert "Det var Ana som talade." in client.get(url).get_data(as_text=True)
    proposal = db_session.scalar(sa.select(CorrectionProposal))
    assert proposal.registration_id == reg.id

    # Staff: decline needs a reason (error next to the field), then accept.
    auth.login(editor)
    decide = f"/sv/staff/consultations/{c.id}/minutes/proposals/{proposal.id}"
    prefix = f"p{proposal.id}-"
    html = client.post(decide, data={prefix + "decision": "decline", prefix + "reason": ""}).get_data(as_text=True)
    assert f'id="{prefix}reason-error"' in html
    db_session.expire_all()
    assert proposal.status is ProposalStatus.PENDING
    assert "Det var Ana som talade." in client.get(f"/sv/staff/consultations/{c.id}/minutes/proposals").get_data(
        as_text=True
    )
    response = client.post(decide, data={prefix + "decision": "accept"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/staff/consultations/{c.id}/minutes?proposal={proposal.id}"
    )
    db_session.expire_all()
    assert proposal.status is ProposalStatus.ACCEPTED  # type: ignore[comparison-overlap]  # the call above changed it; mypy keeps the narrowing
    mails = list(db_session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "minutes.proposal_accepted")))
    assert [m.to_address for m in mails] == ["sara@example.com"]


def test_accepting_offers_the_text_numbers_per_minutes_and_marks_swedish_notes(
    client, auth, db_session, create_consultation, board, publisher, held, app
):
    """Issue 16.19: pre-filled text on accepting; proposals 1, 2 per minutes; notes marked as Swedish."""
    other = held(create_consultation(board=board))
    _published(db_session, publisher, other, app)
    first_elsewhere = CorrectionProposal(minutes=_minutes(db_session, other), text="Annan rättelse")
    db_session.add(first_elsewhere)
    c = held(create_consultation(board=board))
    _published(db_session, publisher, c, app)
    minutes = _minutes(db_session, c)
    one = CorrectionProposal(minutes=minutes, text="Skriv att mötet slutade kl. 20.")
    two = CorrectionProposal(minutes=minutes, text="Tolken hette Ana.")
    db_session.add_all([one, two])
    db_session.commit()
    auth.login(publisher)
    listing = client.get(f"/sv/staff/consultations/{c.id}/minutes/proposals").get_data(as_text=True)
    assert "Förslag 1 –" in listing and "Förslag 2 –" in listing and f"Förslag {two.id} –" not in listing
    prefix = f"p{two.id}-"
    response = client.post(
        f"/sv/staff/consultations/{c.id}/minutes/proposals/{two.id}", data={prefix + "decision": "accept"}
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Godtaget förslag 2" in page
    note = page.split('name="note"', 1)[1].split("</textarea>", 1)[0]
    assert "Tolken hette Ana." in note
    response = client.post(
        response.headers["Location"],
        data={
            "body_sv": "Text med tolken Ana",
            "version": str(_minutes(db_session, c).version),
            "action": "publish",
            "note": "Tolken hette Ana.",
        },
    )
    assert response.status_code == 302
    public = client.get(f"/rom/consultations/{c.id}/minutes").get_data(as_text=True)
    assert '<ol reversed class="plain">' in public
    assert '<span lang="sv" class="fallback">Tolken hette Ana.</span>' in public


def test_proposal_of_another_consultation_is_404(client, auth, db_session, create_consultation, board, editor):
    c = create_consultation(board=board)
    other = create_consultation(board=board)
    minutes = Minutes(consultation=other, body_sv="x")
    proposal = CorrectionProposal(minutes=minutes, text="y")
    db_session.add_all([minutes, proposal])
    db_session.commit()
    auth.login(editor)
    response = client.post(
        f"/sv/staff/consultations/{c.id}/minutes/proposals/{proposal.id}", data={f"p{proposal.id}-decision": "accept"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_wrong_token_is_a_friendly_404(client, lang):
    response = client.get(f"/{lang}/registrations/{'x' * 43}/correction")
    assert response.status_code == 404
    assert "<h1>" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def _evaluation(**overrides):
    data = {"well_run": "4", "could_speak": "5", "language_support": "3", "comment": "", "website": ""}
    data.update(overrides)
    return data


def _key(client, url):
    """Open the evaluation as a browser does: the submission key its session was given."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="submission_key"[^>]*value="([^"]*)"', html)
    assert match, "no evaluation form"
    return match.group(1)


def _answer(client, url, **overrides):
    """One participant's browser opens the evaluation and sends it."""
    return client.post(url, data=_evaluation(submission_key=_key(client, url), **overrides))


def test_evaluation_is_anonymous(client, db_session, meeting):
    contacts = _count(db_session, Contact)
    url = f"/sv/consultations/{meeting.id}/evaluation"
    key = _key(client, url)
    assert 'name="well_run"' in client.get(url).get_data(as_text=True)
    response = client.post(
        url, data=_evaluation(comment="Tolken var bra", submission_key=key), environ_base={"REMOTE_ADDR": "203.0.113.9"}
    )
    assert response.status_code == 302
    client.post(url, data=_evaluation(submission_key=key))  # the same form sent twice
    assert _count(db_session, Evaluation) == 1
    assert _count(db_session, Contact) == contacts
    row = db_session.execute(sa.select(Evaluation.__table__)).one()
    assert "203.0.113.9" not in " ".join(str(v) for v in row)


def test_evaluation_before_the_meeting_is_closed(client, db_session, create_consultation):
    c = create_consultation(status=S.PUBLISHED)
    url = f"/sv/consultations/{c.id}/evaluation"
    html = client.get(url).get_data(as_text=True)
    assert 'name="well_run"' not in html and 'class="notice' in html
    client.post(url, data=_evaluation(submission_key="k"))
    assert _count(db_session, Evaluation) == 0


def test_evaluation_bad_input_keeps_the_text(client, db_session, meeting):
    html = client.post(
        f"/sv/consultations/{meeting.id}/evaluation",
        data=_evaluation(
            could_speak="9",
            comment="Min kommentar",
            submission_key=_key(client, f"/sv/consultations/{meeting.id}/evaluation"),
        ),
    ).get_data(as_text=True)
    assert 'id="could_speak-error"' in html and "Min kommentar" in html
    assert _count(db_session, Evaluation) == 0


def test_evaluation_honeypot(client, db_session, meeting):
    html = client.post(
        f"/sv/consultations/{meeting.id}/evaluation",
        data=_evaluation(
            website="http://spam.example", submission_key=_key(client, f"/sv/consultations/{meeting.id}/evaluation")
        ),
    ).get_data(as_text=True)
    assert 'class="error-summary"' in html
    assert _count(db_session, Evaluation) == 0


def test_results_are_hidden_below_the_minimum_group(client, db_session, meeting, app):
    url = f"/sv/consultations/{meeting.id}/evaluation"
    minimum = app.config["MIN_GROUP_SIZE"]
    for _n in range(minimum - 1):
        assert _answer(app.test_client(), url).status_code == 302  # each participant in a browser of their own
    html = client.get(url + "/results").get_data(as_text=True)
    assert "<table" not in html
    _answer(client, url, comment="Hemlig kommentar")
    html = client.get(url + "/results").get_data(as_text=True)
    assert "<table" in html and "Hemlig kommentar" not in html


def test_one_browser_cannot_push_the_count_past_the_minimum(client, db_session, meeting, app):
    """Issue 16.18: answering again and again from one browser (5 → 6 → 7) would let one person
    reach the minimum group size and read the others' answers."""
    url = f"/sv/consultations/{meeting.id}/evaluation"
    minimum = app.config["MIN_GROUP_SIZE"]
    for _n in range(minimum - 2):
        _answer(app.test_client(), url)
    key = _key(client, url)
    assert client.post(url, data=_evaluation(submission_key=key)).status_code == 302
    assert _count(db_session, Evaluation) == minimum - 1
    thanks = client.get(url + "/results").get_data(as_text=True)
    assert "<table" not in thanks
    assert f'href="{url}"' not in thanks  # no invitation to answer again
    # Again: the form is not offered, the same key stores nothing, a key of its own is not taken.
    page = client.get(url).get_data(as_text=True)
    assert 'name="well_run"' not in page and f'href="{url}/results"' in page
    assert client.post(url, data=_evaluation(submission_key=key)).status_code == 302
    for forged in ("mine-1", "mine-2"):
        assert client.post(url, data=_evaluation(submission_key=forged)).status_code == 200
    assert _count(db_session, Evaluation) == minimum - 1
    assert "<table" not in client.get(url + "/results").get_data(as_text=True)
    # Another participant's browser still may answer, and then the results are shown.
    assert _answer(app.test_client(), url).status_code == 302
    assert "<table" in client.get(url + "/results").get_data(as_text=True)


def test_the_consultation_page_links_to_the_evaluation_results(client, db_session, meeting):
    html = client.get(f"/sv/consultations/{meeting.id}").get_data(as_text=True)
    assert f'href="/sv/consultations/{meeting.id}/evaluation/results"' in html


def test_staff_read_the_comments(client, auth, db_session, meeting, editor):
    _answer(client, f"/sv/consultations/{meeting.id}/evaluation", comment="Hemlig kommentar")
    auth.login(editor)
    html = client.get(f"/sv/staff/consultations/{meeting.id}/evaluation").get_data(as_text=True)
    assert "Hemlig kommentar" in html and "<table" not in html


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_every_page_renders_with_content(
    client, auth, db_session, create_consultation, board, publisher, register, held, app, lang
):
    c = create_consultation(board=board)
    with app.test_request_context("/sv/"):
        reg = register(c, email="sara@example.com", language=lang)
        db_session.commit()
    held(c)
    _published(db_session, publisher, c, app)
    client.post(f"/{lang}/registrations/{reg.token}/correction", data={"text": "Rätta"})
    for _n in range(app.config["MIN_GROUP_SIZE"]):  # each participant in a browser of their own
        _answer(app.test_client(), f"/{lang}/consultations/{c.id}/evaluation")
    public = [
        f"/{lang}/consultations/{c.id}/minutes",
        f"/{lang}/consultations/{c.id}/evaluation",
        f"/{lang}/consultations/{c.id}/evaluation/results",
        f"/{lang}/registrations/{reg.token}/correction",
        f"/{lang}/registrations/{reg.token}",
        f"/{lang}/consultations/{c.id}",
    ]
    for url in public:
        assert client.get(url).status_code == 200, url
    assert "<table" in client.get(f"/{lang}/consultations/{c.id}/evaluation/results").get_data(as_text=True)
    auth.login(publisher, lang=lang)
    for url in (
        f"/{lang}/staff/consultations/{c.id}/minutes",
        f"/{lang}/staff/consultations/{c.id}/minutes/proposals",
        f"/{lang}/staff/consultations/{c.id}/evaluation",
        f"/{lang}/staff/consultations/{c.id}",
    ):
        assert client.get(url).status_code == 200, url


def test_decline_reason_in_romani_mail_is_marked_swedish(
    client, auth, db_session, create_consultation, board, publisher, editor, register, held, app
):
    """Issue 16.19: the reason is written in Swedish; a Romani e-mail says so."""
    c = create_consultation(board=board)
    with app.test_request_context("/rom/"):
        reg = register(c, email="dragan@example.org", language="rom")
        db_session.commit()
    held(c)
    _published(db_session, publisher, c, app)
    proposal = CorrectionProposal(minutes=_minutes(db_session, c), registration_id=reg.id, text="Me sas kote.")
    db_session.add(proposal)
    db_session.commit()
    auth.login(editor)
    prefix = f"p{proposal.id}-"
    client.post(
        f"/sv/staff/consultations/{c.id}/minutes/proposals/{proposal.id}",
        data={prefix + "decision": "decline", prefix + "reason": "Protokollet stämmer med inspelningen."},
    )
    mail = db_session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "minutes.proposal_declined"))
    assert mail.language == "rom"
    assert "Protokollet stämmer med inspelningen. (ži akana numa švedikanes)" in mail.body_text
