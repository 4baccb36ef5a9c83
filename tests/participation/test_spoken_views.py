"""Spoken views: sent through the public form (the no-JavaScript path), heard and
written down by staff, published as text only, deleted on schedule."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.accounts.models import Role
from app.common.errors import PermissionDenied
from app.consultations.models import ConsultationStatus
from app.db import utcnow
from app.media.audio import store_from_config
from app.participation import audio
from app.participation.audio import ViewpointRecording
from app.participation.models import Provenance, Viewpoint
from tests.media import sounds
from tests.support import present


@pytest.fixture(autouse=True)
def _ffmpeg() -> None:
    sounds.require_ffmpeg()


def _audio_files(app) -> list[Path]:
    directory = Path(app.config["UPLOAD_DIR"]) / "audio"
    return sorted(directory.iterdir()) if directory.exists() else []


def _post(client, consultation, sound: bytes | None, lang="rom", filename="recording.webm", **overrides):
    data: dict[str, Any] = {
        "body": "",
        "language": "rom",
        "romani_variety": "kalderash",
        "submission_key": "spoken-1",
        "agenda_item_id": str(consultation.agenda_items[0].id),
        "recording_consent": "y",
    }
    data.update(overrides)
    if sound is not None:
        data["recording"] = FileStorage(io.BytesIO(sound), filename=filename, content_type="audio/webm")
    # Encoded in memory: the test client's own encoder leaves a temporary file open for large bodies.
    boundary, body = encode_multipart(MultiDict(data))
    return client.post(
        f"/{lang}/consultations/{consultation.id}/views/new",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _send_spoken_view(client, consultation, db_session, **overrides) -> Viewpoint:
    response = _post(client, consultation, sounds.tone_webm(2.0), **overrides)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return db_session.scalar(sa.select(Viewpoint))


# --- The public form ----------------------------------------------------------------


def test_the_form_offers_a_file_input_and_says_who_listens(client, consultation):
    response = client.get(f"/rom/consultations/{consultation.id}/views/new")
    html = response.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html and 'accept="audio/*"' in html and 'capture="user"' in html
    assert 'name="recording_consent"' in html
    assert "30" in html  # the retention days, in the text about what happens to the recording
    assert "microphone=(self)" in response.headers["Permissions-Policy"]
    # Every other page keeps the microphone off.
    assert "microphone=()" in client.get("/rom/").headers["Permissions-Policy"]


def test_a_spoken_view_without_javascript_gets_a_receipt(client, consultation, db_session, app):
    response = _post(client, consultation, sounds.tone_webm(2.0), filename="Inspelning.m4a")
    assert response.status_code == 302
    viewpoint = db_session.scalar(sa.select(Viewpoint))
    assert response.headers["Location"].endswith(f"/rom/views/receipt/{viewpoint.reference_code}")
    assert viewpoint.body == ""
    assert (viewpoint.language, viewpoint.romani_variety.value) == ("rom", "kalderash")
    assert viewpoint.agenda_item_id == consultation.agenda_items[0].id
    assert viewpoint.contact is None  # anonymous
    recording = present(audio.get_recording(db_session, viewpoint.id))
    assert recording.original_type == "audio/webm"  # by content, not by the name ".m4a"
    assert recording.duration_seconds == pytest.approx(2.0, abs=0.1)
    assert {p.name for p in _audio_files(app)} == {recording.original_name, recording.playable_name}
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert viewpoint.reference_code in receipt
    # Until the transcription is published the view has no public text.
    assert not viewpoint.is_public


def test_typed_text_and_a_recording_together(client, consultation, db_session):
    viewpoint = _send_spoken_view(client, consultation, db_session, body="Mai but informacia.")
    assert viewpoint.body == "Mai but informacia."
    assert present(audio.get_recording(db_session, viewpoint.id)).typed_text == "Mai but informacia."


def test_a_resent_form_stores_the_sound_once(client, consultation, db_session, app):
    _send_spoken_view(client, consultation, db_session)
    assert _post(client, consultation, sounds.tone_webm(2.0)).status_code == 302
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ViewpointRecording)) == 1
    assert len(_audio_files(app)) == 2


def test_neither_text_nor_recording_asks_for_one(client, consultation, db_session):
    response = _post(client, consultation, None, body="  ")
    assert response.status_code == 200
    assert "body-error" in response.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Viewpoint)) == 0


def test_a_recording_needs_consent(client, consultation, db_session, app):
    response = _post(client, consultation, sounds.tone_webm(2.0), body="Mo lil", recording_consent="")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="recording_consent-error"' in html
    assert "Mo lil" in html
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Viewpoint)) == 0
    assert _audio_files(app) == []


def _held_token(html: str) -> str:
    match = re.search(r'name="held_recording" type="hidden" value="([^"]*)"', html) or re.search(
        r'type="hidden" name="held_recording" value="([^"]*)"', html
    )
    assert match, "no held_recording field"
    return match.group(1)


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_a_form_shown_again_keeps_the_recording(client, consultation, db_session, app, lang):
    """Another field was wrong: the participant fixes it and sends, without recording again."""
    response = _post(
        client,
        consultation,
        sounds.tone_webm(2.0),
        lang=lang,
        body="Mo lil",
        email="not-an-address",
        wants_feedback="y",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="email-error"' in html and 'id="held-recording"' in html and "Mo lil" in html
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Viewpoint)) == 0
    token = _held_token(html)
    assert token and len(_audio_files(app)) == 2  # checked and kept, no view yet

    response = _post(client, consultation, None, lang=lang, body="Mo lil", held_recording=token)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    viewpoint = db_session.scalar(sa.select(Viewpoint))
    recording = audio.get_recording(db_session, viewpoint.id)
    assert recording is not None and recording.typed_text == "Mo lil" and recording.duration_seconds >= 1.5
    assert sorted(p.name for p in _audio_files(app)) == sorted(
        [present(recording.original_name), present(recording.playable_name)]
    )


def test_a_forged_or_expired_held_recording_is_refused_with_a_message(client, consultation, db_session, app):
    response = _post(client, consultation, None, body="Mo lil", held_recording="forged.token")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="recording-error"' in html and "Mo lil" in html
    assert _held_token(html) == ""
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Viewpoint)) == 0
    # Sent again as it is now (no recording): a written view.
    assert _post(client, consultation, None, body="Mo lil").status_code == 302


def test_a_recording_is_not_held_without_consent(client, consultation, db_session, app):
    response = _post(
        client, consultation, sounds.tone_webm(2.0), body="Mo lil", email="not-an-address", recording_consent=""
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="held-recording"' not in html
    assert _held_token(html) == "" and _audio_files(app) == []


def test_a_rejected_file_is_named_together_with_the_other_errors(client, consultation, db_session, app):
    response = _post(client, consultation, b"%PDF-1.7\n" + b"x" * 5000, body="Mo lil", email="not-an-address")
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and 'id="recording-error"' in html
    assert _audio_files(app) == []


@pytest.mark.parametrize(
    "name, sound",
    [
        ("zero-length", lambda: b""),
        ("renamed non-audio", lambda: b"%PDF-1.7\n" + b"x" * 5000),
        ("silent", lambda: sounds.tone_wav(3.0, amplitude=0.0)),
        ("one hour", sounds.one_hour_mp3),
        ("huge header", sounds.huge_header_mp3),
    ],
)
@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_hostile_files_get_a_message_next_to_the_field_and_nothing_is_stored(
    client, consultation, db_session, app, name, sound, lang
):
    typed = "Kam te phenav <b>ćhaćhes</b> – å ä ö"
    response = _post(client, consultation, sound(), lang=lang, body=typed, filename="view.mp3")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="recording-error"' in html
    assert 'aria-invalid="true"' in html.split('id="recording"')[0][-400:] + html.split('id="recording"')[1][:400]
    assert "Kam te phenav &lt;b&gt;ćhaćhes&lt;/b&gt; – å ä ö" in html
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Viewpoint)) == 0
    assert _audio_files(app) == []


class TestOversized:
    @pytest.fixture
    def app_overrides(self):
        return {"AUDIO_MAX_MB": 1}

    def test_a_file_over_the_limit_gets_a_message(self, client, consultation, db_session, app):
        response = _post(client, consultation, sounds.tone_wav(70.0, rate=8000), body="Mo lil")  # 1.1 MB
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert 'id="recording-error"' in html and "1 MB" in html and "Mo lil" in html
        assert _audio_files(app) == []


# --- Staff: listen, write down, publish ----------------------------------------------------


def test_staff_listen_with_range_requests_and_no_store(client, auth, consultation, staff, db_session):
    viewpoint = _send_spoken_view(client, consultation, db_session)
    auth.login(staff)
    page = client.get(f"/sv/staff/consultations/{consultation.id}/views").get_data(as_text=True)
    assert f'src="/sv/staff/views/{viewpoint.id}/recording.mp3"' in page and "<audio controls" in page
    with client.get(f"/sv/staff/views/{viewpoint.id}/recording.mp3") as full:
        assert full.status_code == 200
        assert full.mimetype == "audio/mpeg"
        assert full.headers["Cache-Control"] == "no-store"
        assert full.headers["Accept-Ranges"] == "bytes"
        whole = full.data
    with client.get(f"/sv/staff/views/{viewpoint.id}/recording.mp3", headers={"Range": "bytes=100-199"}) as part:
        assert part.status_code == 206
        assert part.data == whole[100:200]
        assert part.headers["Cache-Control"] == "no-store"
    with client.get(f"/sv/staff/views/{viewpoint.id}/recording/original") as original:
        assert original.status_code == 200 and original.mimetype == "audio/webm"
        assert original.data == sounds.tone_webm(2.0)
        assert "attachment" in original.headers["Content-Disposition"]


def test_only_staff_of_a_hosting_board_can_listen(client, auth, consultation, db_session, create_user, create_board):
    viewpoint = _send_spoken_view(client, consultation, db_session)
    urls = [
        f"/sv/staff/views/{viewpoint.id}/recording.mp3",
        f"/sv/staff/views/{viewpoint.id}/recording/original",
        f"/sv/staff/views/{viewpoint.id}/transcribe",
    ]
    for url in urls:  # anonymous: to the login page, no sound
        response = client.get(url)
        assert response.status_code in (302, 401) and not response.mimetype.startswith("audio/")
    auth.login(create_user(boards={create_board(): Role.PUBLISHER}))
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.get("/sv/staff/views/999999/recording.mp3").status_code == 404


def test_no_public_route_serves_the_voice(app):
    for rule in app.url_map.iter_rules():
        if "recording" in rule.rule or "transcribe" in rule.rule:
            assert "/staff/" in rule.rule, rule.rule


def test_transcribe_publish_and_the_public_page_shows_text_only(client, auth, consultation, staff, db_session):
    viewpoint = _send_spoken_view(client, consultation, db_session, publish_consent="y")
    auth.login(staff)
    url = f"/sv/staff/views/{viewpoint.id}/transcribe"
    # A human transcription needs a name: the error comes next to the field and the text stays.
    response = client.post(url, data={"transcription": "Kamas mai but informacia.", "provenance": "human", "save": "1"})
    assert response.status_code == 200 and 'id="transcriber-error"' in response.get_data(as_text=True)
    assert "Kamas mai but informacia." in response.get_data(as_text=True)
    # A draft is not yet the view's text.
    client.post(
        url,
        data={
            "transcription": "Kamas mai but informacia.",
            "provenance": "human",
            "transcriber": "Brobyggare B",
            "save": "1",
        },
    )
    db_session.expire_all()
    assert viewpoint.body == ""
    response = client.post(
        url,
        data={
            "transcription": "Kamas mai but informacia.",
            "provenance": "human",
            "transcriber": "Brobyggare B",
            "publish": "1",
        },
    )
    assert response.status_code == 302
    db_session.expire_all()
    recording = present(audio.get_recording(db_session, viewpoint.id))
    assert viewpoint.body == "Kamas mai but informacia."
    assert (recording.transcription_provenance, recording.transcriber, recording.transcribed_by_id) == (
        Provenance.HUMAN,
        "Brobyggare B",
        staff.id,
    )
    assert recording.published_dt is not None
    # A translation with provenance, through the existing form.
    client.post(
        f"/sv/staff/views/{viewpoint.id}/translate",
        data={"language": "sv", "body": "Vi vill ha mer information.", "provenance": "machine"},
    )
    db_session.expire_all()
    assert [t.body for t in viewpoint.translations] == ["Vi vill ha mer information."]
    auth.logout()
    public = client.get(f"/rom/views/{viewpoint.reference_code}").get_data(as_text=True)
    assert "Kamas mai but informacia." in public
    assert "<audio" not in public and "recording" not in public


def test_transcription_needs_a_role_on_the_board(db_session, consultation, client, create_user, create_board):
    viewpoint = _send_spoken_view(client, consultation, db_session)
    outsider = create_user(boards={create_board(): Role.PUBLISHER})
    with pytest.raises(PermissionDenied):
        audio.save_transcription(
            db_session,
            outsider,
            present(audio.get_recording(db_session, viewpoint.id)),
            text="x",
            provenance=Provenance.MACHINE,
            publish=True,
        )


def test_recordings_are_not_in_the_csv_or_the_api(client, auth, consultation, staff, db_session):
    viewpoint = _send_spoken_view(client, consultation, db_session, publish_consent="y")
    recording = present(audio.get_recording(db_session, viewpoint.id))
    audio.save_transcription(db_session, staff, recording, text="Lav", provenance=Provenance.MACHINE, publish=True)
    db_session.commit()
    auth.login(staff)
    csv = client.get(f"/sv/staff/consultations/{consultation.id}/views.csv").get_data(as_text=True)
    assert "Lav" in csv
    assert recording.playable_name not in csv and recording.original_name not in csv and ".mp3" not in csv
    auth.logout()
    for url in (
        "/api/v1/consultations",
        f"/api/v1/consultations/{consultation.id}",
        "/sv/consultations.atom",
        f"/sv/consultations/{consultation.id}.ics",
    ):
        body = client.get(url).get_data(as_text=True)
        assert recording.playable_name not in body and "recording" not in body.lower(), url


# --- Retention ---------------------------------------------------------------------------


def test_purge_deletes_recordings_a_set_time_after_publication(client, consultation, staff, db_session, app, runner):
    store = store_from_config(app.config)
    _send_spoken_view(client, consultation, db_session)
    _send_spoken_view(client, consultation, db_session, submission_key="spoken-2")
    _send_spoken_view(client, consultation, db_session, submission_key="spoken-3")
    old, recent, draft = (
        present(audio.get_recording(db_session, v.id))
        for v in db_session.scalars(sa.select(Viewpoint).order_by(Viewpoint.id))
    )
    for rec in (old, recent):
        audio.save_transcription(db_session, staff, rec, text="Lav", provenance=Provenance.MACHINE, publish=True)
    old.published_dt = utcnow() - timedelta(days=31)
    recent.published_dt = utcnow() - timedelta(days=29)
    db_session.commit()
    old_files = [store.path(present(old.original_name)), store.path(present(old.playable_name))]

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 recordings of spoken views and 0 sound files nothing referred to." in result.output
    db_session.expire_all()
    assert not any(p.exists() for p in old_files)
    assert (old.original_name, old.playable_name, old.transcription) == (None, None, "Lav")
    assert old.deleted_dt is not None and old.viewpoint.body == "Lav"
    assert store.path(present(recent.playable_name)).exists() and store.path(present(draft.playable_name)).exists()
    # Idempotent; and the staff player answers 404 for a deleted recording.
    assert "Deleted 0 recordings" in runner.invoke(args=["purge"]).output
    assert audio.purge_recordings(db_session, store, now=utcnow(), retention_days=30) == 0


def test_purge_deletes_unpublished_recordings_with_the_consultations_contact_data(
    client, consultation, staff, db_session, app, runner
):
    """A voice never transcribed must not outlive the names and addresses of its consultation."""
    store = store_from_config(app.config)
    viewpoint = _send_spoken_view(client, consultation, db_session)
    recording = present(audio.get_recording(db_session, viewpoint.id))
    files = [store.path(present(recording.original_name)), store.path(present(recording.playable_name))]
    consultation.status = ConsultationStatus.CANCELLED
    consultation.cancelled_dt = utcnow() - timedelta(days=app.config["CONTACT_RETENTION_DAYS"] - 1)
    db_session.commit()
    assert "Deleted 0 recordings" in runner.invoke(args=["purge"]).output  # not due yet
    assert all(p.exists() for p in files)

    consultation.cancelled_dt = utcnow() - timedelta(days=app.config["CONTACT_RETENTION_DAYS"] + 1)
    db_session.commit()
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 recordings of spoken views" in result.output
    db_session.expire_all()
    assert recording.published_dt is None and recording.deleted_dt is not None
    assert not any(p.exists() for p in files)
    assert _audio_files(app) == []


def test_purge_sweeps_sound_files_nothing_refers_to(client, consultation, db_session, app, runner):
    """A deleted survey question takes its readings' rows (ON DELETE CASCADE), not their files."""
    import os

    store = store_from_config(app.config)
    viewpoint = _send_spoken_view(client, consultation, db_session)
    recording = present(audio.get_recording(db_session, viewpoint.id))
    kept = [store.path(present(recording.original_name)), store.path(present(recording.playable_name))]
    old_orphan, young_orphan = store.path("a" * 32), store.path("b" * 32)
    for path in (old_orphan, young_orphan):
        path.write_bytes(b"ID3")
    two_hours_ago = (utcnow() - timedelta(hours=2)).timestamp()
    for path in (old_orphan, *kept):
        os.utime(path, (two_hours_ago, two_hours_ago))

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "and 1 sound files nothing referred to" in result.output
    assert not old_orphan.exists()
    assert young_orphan.exists()  # may be an upload still being checked
    assert all(p.exists() for p in kept)


def test_purge_days_follow_the_configuration(client, consultation, staff, db_session, app):
    viewpoint = _send_spoken_view(client, consultation, db_session)
    recording = present(audio.get_recording(db_session, viewpoint.id))
    audio.save_transcription(db_session, staff, recording, text="Lav", provenance=Provenance.MACHINE, publish=True)
    store = store_from_config(app.config)
    assert audio.purge_recordings(db_session, store, now=utcnow() + timedelta(days=2), retention_days=3) == 0
    assert audio.purge_recordings(db_session, store, now=utcnow() + timedelta(days=4), retention_days=3) == 1
    assert json.dumps(_audio_files(app)) == "[]"
