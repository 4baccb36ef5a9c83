"""Storing background documents outside the database, checked by content."""

from __future__ import annotations

import errno
import logging
import os
import secrets
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from app.common.errors import DomainError
from app.i18n import lazy_gettext as _l

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class SniffedType:
    content_type: str
    extension: str


PDF = SniffedType("application/pdf", "pdf")
PNG = SniffedType("image/png", "png")
JPEG = SniffedType("image/jpeg", "jpg")
DOCX = SniffedType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = SniffedType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
ODT = SniffedType("application/vnd.oasis.opendocument.text", "odt")
TXT = SniffedType("text/plain; charset=utf-8", "txt")


def sniff(data: bytes) -> SniffedType | None:
    """The document type from the bytes themselves, never from the file name."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "mimetype" in names and archive.read("mimetype") == ODT.content_type.encode():
                    return ODT
                if "[Content_Types].xml" in names:
                    if any(n.startswith("word/") for n in names):
                        return DOCX
                    if any(n.startswith("xl/") for n in names):
                        return XLSX
        except (zipfile.BadZipFile, KeyError, OSError):
            return None
        return None
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return TXT
    return None


class DocumentStore:
    """Files named by a random token in one directory."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def save(self, data: bytes) -> tuple[str, SniffedType]:
        if not data:
            raise DomainError(_l("The file is empty."), field="file")
        if len(data) > MAX_DOCUMENT_BYTES:
            raise DomainError(_l("The file is larger than 20 MB."), field="file")
        kind = sniff(data)
        if kind is None:
            raise DomainError(
                _l("This type of file cannot be uploaded. Use PDF, Word, OpenDocument, Excel, text, PNG or JPEG."),
                field="file",
            )
        name = secrets.token_hex(16)
        # Written under a temporary name and renamed into place: a file that
        # exists under its final name is complete. Whatever fails on the way
        # (a full or read-only volume) leaves nothing behind that would eat the
        # space the next upload needs.
        partial = self.directory / f".{name}.partial"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with open(partial, "xb") as handle:
                self._write(handle, data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, self.directory / name)
        except OSError as error:
            try:
                partial.unlink(missing_ok=True)
            except OSError:
                pass  # never created (the directory is missing or unwritable)
            log.error(
                "document store: could not write %d bytes to %s (%s)",
                len(data),
                self.directory,
                errno.errorcode.get(error.errno or 0, type(error).__name__),
            )
            raise DomainError(
                _l(
                    "The file could not be stored on the server (its disk may be full). "
                    "Nothing was saved; please try again later or tell the site's administrator."
                ),
                field="file",
            ) from error
        return name, kind

    def _write(self, handle: BinaryIO, data: bytes) -> None:
        handle.write(data)

    def path(self, stored_name: str) -> Path:
        if not stored_name.isalnum():
            raise ValueError("bad stored name")
        return self.directory / stored_name

    def delete(self, stored_name: str) -> None:
        self.path(stored_name).unlink(missing_ok=True)
