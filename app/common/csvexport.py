"""The one CSV writer of every export (registrations, views, ledger, city report,
feedback, survey results): UTF-8 with a byte order mark, semicolons and CRLF, as
Excel with Swedish settings expects; a text cell that a spreadsheet would run as
a formula is prefixed with an apostrophe. Headers are stable, language-independent
codes (``reference_code``, ``count``), never UI text, so a script reading the file
does not depend on who downloaded it.

:func:`csv_download` (the view's side) streams the rows to the client as they
are produced, with the request's session kept open meanwhile.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import Response, stream_with_context

from app.db import keep_session_open

#: A text cell starting with one of these is a formula (or a DDE trigger) in Excel, LibreOffice and Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A cell as written: ``None`` empty, numbers as numbers, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def iter_csv(header: Sequence[str], rows: Iterable[Iterable[Any]], *, rows_per_chunk: int = 1) -> Iterator[str]:
    """The CSV text: the BOM and header first, then a piece every ``rows_per_chunk`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([str(name) for name in header])
    yield "\ufeff" + flush()
    pending = 0
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
        pending += 1
        if pending >= rows_per_chunk:
            yield flush()
            pending = 0
    if pending:
        yield flush()


def csv_text(header: Sequence[str], rows: Iterable[Iterable[Any]]) -> str:
    """The whole CSV as one string (small exports)."""
    return "".join(iter_csv(header, rows, rows_per_chunk=1000))


def csv_download(chunks: Iterable[str], filename: str, *, private: bool = False) -> Response:
    """A CSV attachment written to the client as it is produced. ``private``
    (staff exports, personal data): never kept by a browser or proxy."""
    response = Response(stream_with_context(keep_session_open(chunks)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if private:
        response.headers["Cache-Control"] = "no-store"
    return response
