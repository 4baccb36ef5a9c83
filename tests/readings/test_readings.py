"""Audio readings of the invitation, the feedback summary and survey questions:
uploaded by staff per language, played on the public pages, linked from .ics and
Atom, served with range requests and caching headers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.accounts.models import Role
from app.consultations.models import ConsultationStatus
from app.db import utcnow
from app.feedback.models import FeedbackReport
from app.media.models import AudioReading
from tests.experiences.conftest import create_survey, service  # noqa: F401  (fixtures)
from tests.media import sounds


@pytest.fixture(autouse=True)
def _ffmpeg() -> None:
    sounds.require_ffmpeg()


@pytest.fixture
def consultation(create_consultation, board):
    return create_consultation(board=board)


def _upload(client, url, *, target, language="rom", sound=None, filename="uppläsning.m4a"):
    data = MultiDict({"target": target, "language": language})
    data["file"] = FileStorage(io.BytesIO(sounds.tone_webm(2.0) if sound is None else sound), filename=filename)
    boundary, body = encode_multipart(data)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _readings(db_session) -> list[AudioReading]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(AudioReading).order_by(AudioReading.id)))


def _audio_files(app) -> list[Path]:
    directory = Path(app.config["UPLOAD_DIR"]) / "audio"
    return sorted(directory.iterdir()) if directory.exists() else []


def test_invitation_reading_is_played_on_the_public_page(client, auth, staff, consultation, db_session, app):
    auth.login(staff)
    url = f"/sv/staff/consultations/{consultation.id}/readings"
    assert client.get(url).status_code == 200
    response = _upload(client, url, target="invitation", language="rom")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    [reading] = _readings(db_session)
    assert (reading.subject_key, reading.language) == (f"invitation:{consultation.id}", "rom")
    assert reading.duration_seconds == pytest.approx(2.0, abs=0.1)
    auth.logout()

    page = client.get(f"/rom/consultations/{consultation.id}").get_data(as_text=True)
    assert f'src="/audio/readings/{reading.id}/{reading.playable_name}.mp3"' in page
    assert "<audio controls" in page and 'aria-describedby="about-text"' in page and 'id="about-text"' in page
    # The Swedish page plays the Romani reading until there is a Swedish one.
    assert f'src="/audio/readings/{reading.id}/{reading.playable_name}.mp3"' in client.get(
        f"/sv/consultations/{consultation.id}"
    ).get_data(as_text=True)

    with client.get(f"/audio/readings/{reading.id}/{reading.playable_name}.mp3") as full:
        assert full.status_code == 200 and full.mimetype == "audio/mpeg"
        assert "public" in full.headers["Cache-Control"] and "max-age=31536000" in full.headers["Cache-Control"]
        assert full.headers["Accept-Ranges"] == "bytes"
        etag, whole = full.headers["ETag"], full.data
    with client.get(
        f"/audio/readings/{reading.id}/{reading.playable_name}.mp3", headers={"Range": "bytes=0-99"}
    ) as part:
        assert part.status_code == 206 and part.data == whole[:100]
    with client.get(
        f"/audio/readings/{reading.id}/{reading.playable_name}.mp3", headers={"If-None-Match": etag}
    ) as again:
        assert again.status_code == 304


def test_calendar_and_atom_link_to_the_reading(client, auth, staff, consultation, db_session):
    auth.login(staff)
    _upload(client, f"/sv/staff/consultations/{consultation.id}/readings", target="invitation", language="sv")
    auth.logout()
    [reading] = _readings(db_session)
    audio_url = f"http://localhost/audio/readings/{reading.id}/{reading.playable_name}.mp3"
    ics = client.get(f"/sv/consultations/{consultation.id}.ics").get_data(as_text=True).replace("\r\n ", "")
    assert f"ATTACH;FMTTYPE=audio/mpeg:{audio_url}" in ics
    atom = client.get("/sv/consultations.atom").get_data(as_text=True)
    assert f'href="{audio_url}"' in atom and 'rel="enclosure"' in atom and 'type="audio/mpeg"' in atom


def test_a_reading_is_public_only_while_its_text_is(client, auth, staff, create_consultation, board, db_session):
    draft = create_consultation(board=board, status=ConsultationStatus.DRAFT)
    auth.login(staff)
    _upload(client, f"/sv/staff/consultations/{draft.id}/readings", target="invitation")
    [reading] = _readings(db_session)
    with client.get(f"/sv/staff/readings/{reading.id}.mp3") as staff_copy:  # staff hear it before publication
        assert staff_copy.status_code == 200 and staff_copy.mimetype == "audio/mpeg"
    auth.logout()
    assert client.get(f"/audio/readings/{reading.id}/{reading.playable_name}.mp3").status_code == 404


def test_feedback_summary_reading_waits_for_publication(client, auth, staff, create_consultation, board, db_session):
    held = create_consultation(board=board, status=ConsultationStatus.HELD)
    report = FeedbackReport(consultation=held, summary_sv="Vi hörde er.", summary_rom="Ashundam tumen.")
    db_session.add(report)
    db_session.commit()
    auth.login(staff)
    _upload(client, f"/sv/staff/consultations/{held.id}/readings", target="feedback")
    auth.logout()
    [reading] = _readings(db_session)
    assert client.get(f"/audio/readings/{reading.id}/{reading.playable_name}.mp3").status_code == 404
    report.published_dt = utcnow()
    held.status = ConsultationStatus.FEEDBACK_PUBLISHED
    db_session.commit()
    with client.get(f"/audio/readings/{reading.id}/{reading.playable_name}.mp3") as response:
        assert response.status_code == 200


def test_survey_questions_read_aloud(client, auth, create_user, create_survey, db_session):  # noqa: F811
    survey = create_survey()
    staff = create_user(boards={survey.service.board: Role.EDITOR})
    question = survey.questions[0]
    auth.login(staff)
    url = f"/sv/staff/experiences/surveys/{survey.id}/readings"
    assert client.get(url).status_code == 200
    assert _upload(client, url, target=str(question.id), language="rom").status_code == 302
    auth.logout()
    [reading] = _readings(db_session)
    assert reading.survey_question_id == question.id
    page = client.get(f"/rom/s/{survey.short_code}").get_data(as_text=True)
    assert f'src="/audio/readings/{reading.id}/{reading.playable_name}.mp3"' in page
    with client.get(f"/audio/readings/{reading.id}/{reading.playable_name}.mp3") as response:
        assert response.status_code == 200


def test_a_new_upload_replaces_the_reading_and_removing_deletes_the_files(
    client, auth, staff, consultation, db_session, app
):
    auth.login(staff)
    url = f"/sv/staff/consultations/{consultation.id}/readings"
    _upload(client, url, target="invitation")
    first = _readings(db_session)[0]
    first_files = {first.playable_name, first.original_name}
    _upload(client, url, target="invitation")
    [second] = _readings(db_session)
    assert second.playable_name != first.playable_name  # a new URL: caches never play the old one
    with client.get(f"/audio/readings/{first.id}/{first.playable_name}.mp3") as old:
        assert old.status_code == 404
    assert {p.name for p in _audio_files(app)} == {second.playable_name, second.original_name}
    assert not first_files & {p.name for p in _audio_files(app)}
    assert client.post(f"/sv/staff/readings/{second.id}/delete").status_code == 302
    assert _readings(db_session) == [] and _audio_files(app) == []


def test_a_file_that_is_not_sound_gets_a_message(client, auth, staff, consultation, db_session, app):
    auth.login(staff)
    response = _upload(
        client,
        f"/rom/staff/consultations/{consultation.id}/readings",
        target="invitation",
        sound=b"%PDF-1.7\n" + b"x" * 4000,
        filename="reading.mp3",
    )
    assert response.status_code == 200
    assert 'id="file-error"' in response.get_data(as_text=True)
    assert _readings(db_session) == [] and _audio_files(app) == []


def test_other_boards_cannot_manage_readings(client, auth, staff, consultation, db_session, create_user, create_board):
    auth.login(staff)
    _upload(client, f"/sv/staff/consultations/{consultation.id}/readings", target="invitation")
    [reading] = _readings(db_session)
    auth.logout()
    auth.login(create_user(boards={create_board(): Role.PUBLISHER}))
    assert client.get(f"/sv/staff/consultations/{consultation.id}/readings").status_code == 403
    assert client.get(f"/sv/staff/readings/{reading.id}.mp3").status_code == 403
    assert client.post(f"/sv/staff/readings/{reading.id}/delete").status_code == 403
    assert len(_readings(db_session)) == 1
