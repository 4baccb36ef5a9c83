from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from babel.support import NullTranslations

from app.accounts.models import Role
from app.registrations.services import RegistrationData


class MarkerTranslations(NullTranslations):
    """A catalog that prefixes every message with its language, so a test can
    see which language something was rendered in whatever the real catalogs hold."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def ugettext(self, message: str) -> str:
        return f"[{self.lang}]{message}"

    gettext = ugettext

    def ungettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return f"[{self.lang}]" + (msgid1 if n == 1 else msgid2)

    ngettext = ungettext

    def upgettext(self, context: str, message: str) -> str:
        return f"[{self.lang}]{message}"

    pgettext = upgettext


@pytest.fixture
def marker_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    import app.i18n

    monkeypatch.setattr(app.i18n, "_load_catalog", lambda directory, language: MarkerTranslations(language))


@pytest.fixture
def ctx(app: Any) -> Iterator[None]:
    """A Swedish request context, as in a view (e-mails need URLs and templates)."""
    with app.test_request_context("/sv/"):
        yield


@pytest.fixture
def board(create_board):
    return create_board(slug="kultur", name_sv="Kulturnämnden", name_rom="I Komisia vash e Kultura")


@pytest.fixture
def editor(create_user, board):
    return create_user(boards={board: Role.EDITOR})


@pytest.fixture
def data() -> Callable[..., RegistrationData]:
    def _make(**overrides: Any) -> RegistrationData:
        values: dict[str, Any] = {"name": "Sara", "consent": True}
        values.update(overrides)
        return RegistrationData(**values)

    return _make
