"""Sound files outside the database: checked by content, bounded, normalised.

An upload is copied to disk in chunks (never read into memory), identified by
``ffprobe`` from its bytes (never its name or the browser's content type),
limited in size and in real duration, refused when silent, and transcoded by
``ffmpeg`` into MP3, which every mainstream browser plays (Chromium, Firefox,
Safari). The original is kept beside it under another random name.

ffmpeg runs on untrusted input, so it may only read the one local file
(``-protocol_whitelist file``) with the demuxers of sound containers
(``-format_whitelist``): playlists and other formats that could reference
further files or URLs are refused before they are parsed.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import subprocess  # nosec B404 - fixed argument lists, no shell
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from app.common.errors import DomainError
from app.i18n import lazy_gettext as _l

log = logging.getLogger(__name__)

#: Demuxers of sound containers: what browsers' recorders and phones' recorder apps write.
DEMUXERS = "wav,w64,mp3,ogg,matroska,webm,mov,mp4,m4a,3gp,flac,aac,amr,caf,aiff"
#: A demuxer (as ffprobe names it) -> the content type the original is served with.
CONTENT_TYPES = {
    "wav": "audio/wav",
    "w64": "audio/wav",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "matroska": "audio/webm",
    "webm": "audio/webm",
    "mov": "audio/mp4",
    "mp4": "audio/mp4",
    "flac": "audio/flac",
    "aac": "audio/aac",
    "amr": "audio/amr",
    "caf": "audio/x-caf",
    "aiff": "audio/aiff",
}
PLAYABLE_TYPE = "audio/mpeg"
#: Peak level below which a recording counts as silence (a microphone that was off).
SILENCE_DB = -50.0
MIN_SECONDS = 0.5
CHUNK = 64 * 1024
#: Sample rate of the playable copy (mono); volumedetect counts its samples, so they give the real length.
RATE = 44100
PROBE_TIMEOUT = 20
#: How long a stored file may exist with no row referring to it: an upload being checked,
#: or a recording held for a form shown again (see ``participation.audio``). Older ones are swept.
UNREFERENCED_GRACE = timedelta(hours=1)
TRANSCODE_TIMEOUT = 180


class AudioRejected(DomainError):
    """The upload is not a sound recording we accept; nothing was stored."""


@dataclass(frozen=True)
class AudioLimits:
    max_bytes: int
    max_seconds: int


@dataclass(frozen=True)
class StoredAudio:
    """What :meth:`AudioStore.ingest` kept: two files under random names."""

    original_name: str
    original_type: str
    playable_name: str
    size_bytes: int
    duration_seconds: float
    #: Size of the MP3 (what is served).
    playable_bytes: int = 0


@dataclass(frozen=True)
class Probe:
    demuxer: str
    duration: float | None
    has_audio: bool
    has_video: bool


class AudioStore:
    """Sound files named by random tokens in one directory."""

    def __init__(
        self, directory: str | Path, limits: AudioLimits, *, ffmpeg: str = "ffmpeg", ffprobe: str = "ffprobe"
    ) -> None:
        self.directory = Path(directory)
        self.limits = limits
        self.ffmpeg = ffmpeg
        self.ffprobe = ffprobe

    # --- files -------------------------------------------------------------------

    def path(self, stored_name: str) -> Path:
        if not stored_name or not stored_name.isalnum():
            raise ValueError("bad stored name")
        return self.directory / stored_name

    def delete(self, *stored_names: str | None) -> None:
        for name in stored_names:
            if name:
                self.path(name).unlink(missing_ok=True)

    def sweep(self, keep: set[str], *, older_than: datetime) -> int:
        """Delete files no row refers to (``keep``), last written before ``older_than``:
        what was left when the row went without its files (a survey question or
        service deleted, a crash between the two). Younger files may belong to an
        upload in progress. Returns the number deleted."""
        if not self.directory.is_dir():
            return 0
        limit = older_than.timestamp()
        deleted = 0
        for path in self.directory.iterdir():
            if path.is_file() and path.name.isalnum() and path.name not in keep and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                deleted += 1
        return deleted

    def exists(self, *stored_names: str) -> bool:
        return all(self.path(name).is_file() for name in stored_names)

    def _delete_quietly(self, *stored_names: str) -> None:
        try:
            self.delete(*stored_names)
        except OSError:
            pass  # never written (the directory is missing or unwritable)

    # --- ingest ------------------------------------------------------------------

    def ingest(self, stream: BinaryIO, *, field: str = "recording") -> StoredAudio:
        """Copy ``stream`` to disk, check it and add an MP3 beside it.

        Raises :class:`AudioRejected` (with ``field``) for an empty, oversized,
        unreadable, non-audio, too long or silent file; then nothing is kept.
        """
        original = secrets.token_hex(16)
        playable = secrets.token_hex(16)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            size = self._copy(stream, self.path(original), field)
            probe = self._probe(self.path(original), field)
            duration = self._transcode(self.path(original), self.path(playable), probe, field)
            playable_bytes = self.path(playable).stat().st_size
        except OSError as error:  # a full or read-only volume: a message, not a 500
            self._delete_quietly(original, playable)
            log.error("audio store: could not write to %s (%s)", self.directory, type(error).__name__)
            raise AudioRejected(
                _l(
                    "The file could not be stored on the server (its disk may be full). "
                    "Nothing was saved; please try again later or tell the site's administrator."
                ),
                field=field,
            ) from error
        except BaseException:
            self._delete_quietly(original, playable)
            raise
        return StoredAudio(
            original,
            CONTENT_TYPES.get(probe.demuxer, "application/octet-stream"),
            playable,
            size,
            duration,
            playable_bytes,
        )

    def _copy(self, stream: BinaryIO, target: Path, field: str) -> int:
        size = 0
        with target.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > self.limits.max_bytes:
                    raise AudioRejected(
                        _l(
                            "The recording is larger than %(mb)s MB. Send a shorter one.",
                            mb=self.limits.max_bytes // (1024 * 1024),
                        ),
                        field=field,
                    )
                out.write(chunk)
        if size == 0:
            raise AudioRejected(_l("The recording is empty. Record again or choose another file."), field=field)
        return size

    def _not_audio(self, field: str) -> AudioRejected:
        return AudioRejected(
            _l(
                "This file is not a sound recording we can use. Record again, or choose a recording from your phone (for example M4A, MP3, OGG or WAV)."
            ),
            field=field,
        )

    def _too_long(self, field: str) -> AudioRejected:
        return AudioRejected(
            _l(
                "The recording is longer than %(minutes)s minutes. Send a shorter one, or send two.",
                minutes=max(1, self.limits.max_seconds // 60),
            ),
            field=field,
        )

    def _run(self, args: list[str], timeout: int, field: str) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(  # nosec B603 - no shell, fixed program, our own file names
                args,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise self._not_audio(field) from None

    def _probe(self, path: Path, field: str) -> Probe:
        result = self._run(
            [
                self.ffprobe,
                "-v",
                "error",
                "-format_whitelist",
                DEMUXERS,
                "-protocol_whitelist",
                "file",
                "-show_entries",
                "format=format_name,duration:stream=codec_type:stream_disposition=attached_pic",
                "-of",
                "json",
                f"file:{path}",
            ],
            PROBE_TIMEOUT,
            field,
        )
        if result.returncode != 0:
            raise self._not_audio(field)
        try:
            info = json.loads(result.stdout or "{}")
            fmt = info.get("format") or {}
            streams = info.get("streams") or []
            duration = float(fmt["duration"]) if fmt.get("duration") not in (None, "N/A") else None
        except (ValueError, TypeError, KeyError):
            raise self._not_audio(field) from None
        demuxer = str(fmt.get("format_name") or "").split(",")[0]
        probe = Probe(
            demuxer=demuxer,
            duration=duration,
            has_audio=any(s.get("codec_type") == "audio" for s in streams),
            has_video=any(
                s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic") for s in streams
            ),
        )
        if not probe.has_audio or probe.has_video or demuxer not in CONTENT_TYPES:
            raise self._not_audio(field)
        if probe.duration is not None and probe.duration > self.limits.max_seconds + 1:
            raise self._too_long(field)
        return probe

    def _transcode(self, source: Path, target: Path, probe: Probe, field: str) -> float:
        """Decode at most one second more than allowed; measure the real length and loudness."""
        result = self._run(
            [
                self.ffmpeg,
                "-nostdin",
                "-hide_banner",
                "-nostats",
                "-v",
                "info",
                "-format_whitelist",
                DEMUXERS,
                "-protocol_whitelist",
                "file",
                "-i",
                f"file:{source}",
                "-t",
                str(self.limits.max_seconds + 1),
                "-map",
                "0:a:0",
                "-vn",
                "-sn",
                "-dn",
                "-map_metadata",
                "-1",
                "-af",
                f"aresample={RATE},aformat=channel_layouts=mono,volumedetect",
                "-c:a",
                "libmp3lame",
                "-b:a",
                "64k",
                "-f",
                "mp3",
                "-y",
                f"file:{target}",
            ],
            TRANSCODE_TIMEOUT,
            field,
        )
        if result.returncode != 0 or not target.exists():
            raise self._not_audio(field)
        peak = re.search(r"max_volume:\s*(-?[\d.]+|-inf) dB", result.stderr)
        samples = re.search(r"n_samples:\s*(\d+)", result.stderr)
        if samples is None or int(samples.group(1)) == 0:
            raise self._not_audio(field)
        duration = int(samples.group(1)) / RATE
        if duration > self.limits.max_seconds:
            raise self._too_long(field)
        if duration < MIN_SECONDS:
            raise AudioRejected(
                _l("The recording is too short. Record again and speak for a little longer."), field=field
            )
        if peak is None or peak.group(1) == "-inf" or float(peak.group(1)) < SILENCE_DB:
            raise AudioRejected(
                _l("The recording is silent. Check that the microphone is on, and record again."), field=field
            )
        return round(duration, 1)


def store_from_config(config: Mapping[str, Any]) -> AudioStore:
    """The application's audio store: ``UPLOAD_DIR/audio`` with the configured limits."""
    limits = AudioLimits(
        max_bytes=int(config["AUDIO_MAX_MB"]) * 1024 * 1024, max_seconds=int(config["AUDIO_MAX_SECONDS"])
    )
    return AudioStore(Path(config["UPLOAD_DIR"]) / "audio", limits, ffmpeg=config["FFMPEG"], ffprobe=config["FFPROBE"])
