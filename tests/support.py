"""Typed helpers for tests: what mypy needs to narrow, written once.

A test that expects a row, a match or a message part to exist says so with these, and
fails at that line (not with an AttributeError on ``None`` further down) when it does not.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TypeVar

T = TypeVar("T")


def present(value: T | None) -> T:
    """``value``, which the test expects to exist."""
    assert value is not None
    return value


def first_group(pattern: str, text: str, flags: int = 0) -> str:
    """The first group of the first match of ``pattern`` in ``text``."""
    match = re.search(pattern, text, flags)
    assert match is not None, f"{pattern!r} not found"
    return match.group(1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in UTC, as the database stores it."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
