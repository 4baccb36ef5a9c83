from __future__ import annotations

from collections.abc import Callable

import pytest

from app.registrations.services import RegistrationData
from tests.conftest import registration_data
from tests.support import MarkerTranslations  # noqa: F401  (was defined here; importers still find it)


@pytest.fixture
def data() -> Callable[..., RegistrationData]:
    """:func:`tests.conftest.registration_data`: the form's data, with ``overrides``."""
    return registration_data
