"""Shared form helpers (app/web/forms.py)."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from app.web.forms import VersionedForm


@pytest.mark.parametrize(
    ("posted", "expected"),
    [
        ("3", 3),
        (" 12 ", 12),
        ("0", 0),
        ("", None),
        ("abc", None),
        ("-1", None),
        ("²", None),
        ("٣", None),
        ("1.5", None),
    ],
)
def test_expected_version_reads_only_ascii_digits(app, posted, expected):
    with app.test_request_context("/sv/", method="POST", data={"version": posted}):
        form = VersionedForm(formdata=MultiDict({"version": posted}), meta={"csrf": False})
        assert form.expected_version() == expected
