"""Sound files made on the spot for the tests (no binary fixtures in the repository)."""

from __future__ import annotations

import io
import math
import os
import shutil
import struct
import subprocess  # nosec B404
import wave
from functools import cache
from pathlib import Path

import pytest


def require_ffmpeg() -> None:
    """Skip without ffmpeg locally; fail in CI, which installs it (.ci/run)."""
    if shutil.which("ffmpeg") and shutil.which("ffprobe"):
        return
    if os.environ.get("CI"):
        pytest.fail("ffmpeg/ffprobe are missing: .ci/run installs Debian's ffmpeg")
    pytest.skip("ffmpeg is not installed (apt-get install ffmpeg)")


def tone_wav(seconds: float = 2.0, *, amplitude: float = 0.5, rate: int = 8000, frequency: float = 440.0) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(
            b"".join(
                struct.pack("<h", int(amplitude * 32767 * math.sin(2 * math.pi * frequency * i / rate)))
                for i in range(int(seconds * rate))
            )
        )
    return out.getvalue()


def write_tone_wav(
    path: Path, seconds: float = 2.0, *, amplitude: float = 0.5, rate: int = 8000, frequency: float = 440.0
) -> Path:
    path.write_bytes(tone_wav(seconds, amplitude=amplitude, rate=rate, frequency=frequency))
    return path


def _ffmpeg(args: list[str], source: bytes) -> bytes:
    return subprocess.run(  # nosec B603
        ["ffmpeg", "-v", "error", "-f", "wav", "-i", "pipe:0", *args, "pipe:1"],
        input=source,
        capture_output=True,
        check=True,
    ).stdout


@cache
def tone_webm(seconds: float = 2.0) -> bytes:
    """What Chromium's and Firefox's MediaRecorder send: Opus in WebM."""
    return _ffmpeg(["-c:a", "libopus", "-f", "webm"], tone_wav(seconds))


@cache
def one_hour_mp3() -> bytes:
    """A real hour of sound (about 3.6 MB): one second of 8 kbit/s MP3 frames, repeated."""
    second = _ffmpeg(
        ["-ar", "8000", "-c:a", "libmp3lame", "-b:a", "8k", "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3"],
        tone_wav(1.0),
    )
    return second * 3600


def huge_header_mp3() -> bytes:
    """An ID3v2 tag that claims to be 256 MB long, in front of a short sound."""
    size = 0x0FFFFFFF  # the largest syncsafe size
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x04\x00\x00" + syncsafe + b"\x00" * 1024 + tone_webm(1.0)


def lying_wav() -> bytes:
    """A WAV whose header claims about 37 hours of sound, with a second of it in the file."""
    data = bytearray(tone_wav(1.0))
    data[4:8] = struct.pack("<I", 0xFFFFFFF0)
    data[40:44] = struct.pack("<I", 0xFFFFFF00)
    return bytes(data)
