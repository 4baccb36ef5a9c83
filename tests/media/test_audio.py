"""The audio store: real sound only, bounded, normalised to MP3, nothing kept on refusal."""

from __future__ import annotations

import io
import json
import subprocess  # nosec B404
from collections.abc import Callable
from pathlib import Path

import pytest

from app.media.audio import AudioLimits, AudioRejected, AudioStore
from tests.media import sounds


@pytest.fixture(autouse=True)
def _ffmpeg() -> None:
    sounds.require_ffmpeg()


@pytest.fixture
def store(tmp_path: Path) -> AudioStore:
    return AudioStore(tmp_path / "audio", AudioLimits(max_bytes=5 * 1024 * 1024, max_seconds=600))


def _probe(path: Path) -> dict:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "format=format_name,duration:stream=codec_name",  # nosec B603
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return json.loads(out)


@pytest.mark.parametrize("make, content_type", [(sounds.tone_wav, "audio/wav"), (sounds.tone_webm, "audio/webm")])
def test_a_recording_is_kept_with_an_mp3_beside_it(store, make, content_type):
    stored = store.ingest(io.BytesIO(make(2.0)))
    assert stored.original_type == content_type
    assert stored.duration_seconds == pytest.approx(2.0, abs=0.1)
    assert store.path(stored.original_name).read_bytes() == make(2.0)
    info = _probe(store.path(stored.playable_name))
    assert info["format"]["format_name"] == "mp3"
    assert info["streams"][0]["codec_name"] == "mp3"
    assert float(info["format"]["duration"]) == pytest.approx(2.0, abs=0.2)
    assert sorted(p.name for p in store.directory.iterdir()) == sorted([stored.original_name, stored.playable_name])


#: A name: (the upload, the message that refuses it).
HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "zero-length": (lambda: b"", "empty"),
    "renamed text": (lambda: b"This is not sound at all, just text renamed to .mp3\n" * 50, "not a sound recording"),
    "renamed PNG": (lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000, "not a sound recording"),
    "corrupt WebM": (lambda: sounds.tone_webm(2.0)[:60] + b"\xff" * 3000, "not a sound recording"),
    "silence": (lambda: sounds.tone_wav(3.0, amplitude=0.0), "silent"),
    "one hour": (sounds.one_hour_mp3, "longer than 10 minutes"),
    "256 MB ID3 header": (sounds.huge_header_mp3, "not a sound recording"),
    "playlist reading a local file": (lambda: b"#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n", "not a sound recording"),
    "too large": (lambda: sounds.tone_wav(400.0, rate=8000), "larger than 5 MB"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_uploads_are_refused_and_nothing_is_kept(store, name):
    make, message = HOSTILE[name]
    with pytest.raises(AudioRejected) as refused:
        store.ingest(io.BytesIO(make()), field="recording")
    assert message in str(refused.value)
    assert refused.value.field == "recording"
    assert not store.directory.exists() or list(store.directory.iterdir()) == []


def test_a_short_limit_refuses_a_file_whose_header_hides_its_length(tmp_path):
    """WebM from MediaRecorder has no duration in its header: the decoded length counts."""
    store = AudioStore(tmp_path, AudioLimits(max_bytes=5 * 1024 * 1024, max_seconds=3))
    assert store.ingest(io.BytesIO(sounds.tone_webm(2.0))).duration_seconds == pytest.approx(2.0, abs=0.1)
    with pytest.raises(AudioRejected, match="longer than"):
        store.ingest(io.BytesIO(sounds.tone_webm(6.0)))


def test_a_header_that_lies_about_the_length_is_measured_by_the_sound_itself(store):
    stored = store.ingest(io.BytesIO(sounds.lying_wav()))
    assert stored.duration_seconds == pytest.approx(1.0, abs=0.1)


def test_stored_names_cannot_leave_the_directory(store):
    for name in ("../x", "a/b", "", "..", "abc.mp3"):
        with pytest.raises(ValueError):
            store.path(name)


def test_a_full_disk_is_a_message_and_leaves_nothing(store, monkeypatch):
    real_open = Path.open

    def full_disk(self, mode="r", *args, **kwargs):
        handle = real_open(self, mode, *args, **kwargs)
        if "w" in mode:

            def write(data):
                raise OSError(28, "No space left on device")

            handle.write = write
        return handle

    monkeypatch.setattr(Path, "open", full_disk)
    with pytest.raises(AudioRejected, match="could not be stored") as refused:
        store.ingest(io.BytesIO(sounds.tone_wav(1.0)))
    assert refused.value.field == "recording"
    assert list(store.directory.iterdir()) == []
