"""A full disk under UPLOAD_DIR: the upload fails with a message next to the
file field, the typed title kept, no partial file left behind, and the next
upload works once there is space again. ENOSPC is simulated half-way through
the write, as a full volume gives it."""

from __future__ import annotations

import errno
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.consultations.documents import DocumentStore
from app.consultations.models import Document


@pytest.fixture
def publisher(create_user, create_board):
    board = create_board()
    return create_user(boards={board: Role.PUBLISHER}), board


def _upload(client, consultation_id: int, title: str, data: bytes, name: str = "underlag.pdf"):
    return client.post(
        f"/sv/staff/consultations/{consultation_id}/documents",
        data={"title": title, "language": "sv", "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _files(app) -> list[Path]:
    directory = Path(app.config["UPLOAD_DIR"])
    return sorted(directory.iterdir()) if directory.exists() else []


def test_a_full_disk_gives_a_message_next_to_the_field_and_leaves_no_partial_file(
    app, client, auth, publisher, create_consultation, db_session, monkeypatch
):
    user, board = publisher
    consultation = create_consultation(board=board)
    auth.login(user)
    written: list[Path] = []

    def disk_full_half_way(self, handle, data):
        handle.write(data[: len(data) // 2])
        handle.flush()
        written.append(Path(handle.name))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(DocumentStore, "_write", disk_full_half_way)
    # (400 kB: larger request bodies make the test client spool to a file it does not close)
    big = b"%PDF-1.4 " + b"x" * (400 * 1024)
    response = _upload(client, consultation.id, "Underlag om badhuset – åäö", big)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="file-error"' in html
    assert "disken kan vara full" in html
    assert 'value="Underlag om badhuset – åäö"' in html
    assert written and not written[0].exists()  # the partial file was deleted
    assert _files(app) == []
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0

    monkeypatch.undo()  # space again
    response = _upload(client, consultation.id, "Underlag", b"%PDF-1.4 small")
    assert response.status_code == 302
    (stored,) = _files(app)
    assert stored.read_bytes() == b"%PDF-1.4 small"
    assert db_session.scalar(sa.select(Document.stored_name)) == stored.name


def test_a_failed_commit_leaves_no_orphan_file(app, client, auth, publisher, create_consultation, monkeypatch):
    """The file is written before the row is committed: if COMMIT fails (the
    database went away), the file goes too."""
    user, board = publisher
    consultation = create_consultation(board=board)
    auth.login(user)
    import app.consultations.staff_views as staff_views

    def commit_fails() -> None:
        raise sa.exc.OperationalError("COMMIT", {}, OSError("connection lost"))

    monkeypatch.setattr(staff_views, "commit", commit_fails)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = _upload(client, consultation.id, "Underlag", b"%PDF-1.4 small")
    assert response.status_code == 503
    assert _files(app) == []


def test_an_unwritable_upload_directory_is_a_message_too(app, client, auth, publisher, create_consultation, tmp_path):
    user, board = publisher
    consultation = create_consultation(board=board)
    auth.login(user)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    app.config["UPLOAD_DIR"] = str(blocker / "uploads")  # mkdir fails: a file is in the way
    response = _upload(client, consultation.id, "Underlag", b"%PDF-1.4 small")
    assert response.status_code == 200
    assert 'id="file-error"' in response.get_data(as_text=True)


def test_healthz_warns_about_low_disk_space_for_uploads(app, client, monkeypatch):
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 10 * 1024 * 1024, 10 * 1024 * 1024))
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["uploads"] == "low disk space"
    assert body["upload_free_mb"] == 10
    monkeypatch.undo()
    assert "uploads" not in client.get("/healthz").get_json()
