"""Form data to model fields: multilingual texts (``set_texts``) and enum choices (``enum_value``)."""

from __future__ import annotations

import enum

import pytest

from app.common.errors import DomainError
from app.common.text import enum_value, has_text, require_text, set_texts, texts_of


class _Texts:
    """Columns as a model declares them: a title in three languages, a summary in two."""

    title_sv: str | None = None
    title_rom: str | None = None
    title_fi: str | None = None
    summary_sv: str | None = None
    summary_rom: str | None = None


def test_set_texts_takes_the_languages_from_the_registry(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "LANGUAGES", {**app.config["LANGUAGES"], "fi": {"name": "Suomi"}})
    data = {
        "title_sv": "  Böcker\x00 ",
        "title_rom": "",
        "title_fi": "Kirjat",
        "summary_sv": "Fler",
        "summary_fi": "ignored: no such column",
        "other": "x",
    }
    item = _Texts()
    item.title_rom = "old"
    with app.app_context():
        set_texts(item, data, "title", "summary", required="Give a title in Swedish.")
        assert has_text(_Texts, {"summary_rom": "Phende"}, "summary")
        assert not has_text(_Texts, {"summary_fi": "Ei"}, "summary")
    assert (item.title_sv, item.title_rom, item.title_fi) == ("Böcker", None, "Kirjat")  # type: ignore[comparison-overlap]  # set_texts changed it; mypy keeps the narrowing
    assert (item.summary_sv, item.summary_rom) == ("Fler", None)
    with app.app_context():
        assert texts_of(item, "title") == {"sv": "Böcker", "rom": None, "fi": "Kirjat"}
        # A form whose fields are named otherwise than the columns (one text by key, as site texts).
        set_texts(item, {"intro_sv": "Välkommen", "intro_fi": "Tervetuloa"}, "title", field="intro", required="?")
        assert texts_of(item, "title") == {"sv": "Välkommen", "rom": None, "fi": "Tervetuloa"}
        with pytest.raises(DomainError) as caught:
            set_texts(item, {"intro_fi": "Tervetuloa"}, "title", field="intro", required="Swedish, please.")
        assert caught.value.field == "intro_sv"


def test_set_texts_refuses_a_missing_swedish_text_before_setting_anything(app) -> None:
    item = _Texts()
    with app.app_context(), pytest.raises(DomainError) as caught:
        set_texts(
            item,
            {"title_sv": " \x00", "title_rom": "Lila", "summary_sv": "Fler"},
            "title",
            "summary",
            required="Give a title in Swedish.",
        )
    assert caught.value.field == "title_sv" and str(caught.value) == "Give a title in Swedish."
    assert item.title_rom is None and item.summary_sv is None
    with app.app_context():
        assert require_text({"title_sv": " Lila "}, "title", "message") == "Lila"


class _Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


def test_enum_value_takes_the_member_or_its_value() -> None:
    assert enum_value({"c": "red"}, "c", _Colour, "Choose a colour.") is _Colour.RED
    assert enum_value({"c": _Colour.BLUE}, "c", _Colour, "Choose a colour.") is _Colour.BLUE
    for bad in ({}, {"c": ""}, {"c": "green"}, {"c": 1}, {"c": "blue"}):
        with pytest.raises(DomainError) as caught:
            enum_value(bad, "c", _Colour, "Choose a colour.", among=(_Colour.RED,))
        assert caught.value.field == "c"
    assert enum_value({"c": "green"}, "c", _Colour) is None  # an optional choice


def test_every_service_takes_its_texts_through_set_texts(
    app, monkeypatch, db_session, board, editor, publisher, create_user, create_consultation
) -> None:
    """Each caller: only a Romani text is refused next to the Swedish field, nothing is
    written; a language added by configuration that a model has no column for is passed over."""
    from app.consultations import materials
    from app.consultations import services as consultations
    from app.consultations.models import ConsultationStatus
    from app.experiences import services as experiences
    from app.feedback import consultation as consultation_reports
    from app.feedback import services as feedback
    from app.site import services as site

    admin = create_user(is_site_admin=True)
    draft = create_consultation(board=board)
    report = consultation_reports.start_report(
        db_session, publisher, create_consultation(board=board, status=ConsultationStatus.HELD)
    )
    callers = {
        "name": lambda data: experiences.create_service(db_session, editor, board, data),
        "title": lambda data: feedback.add_theme(db_session, publisher, report, data),
        "reason": lambda data: consultations.cancel_consultation(db_session, publisher, draft, data),
        "a11y_gaps": lambda data: site.save_texts(
            db_session, admin, {f"{key}_sv": "Text" for key in site.ACCESSIBILITY_KEYS if key != "a11y_gaps"} | data
        ),
    }
    agenda = lambda data: materials.add_agenda_item(db_session, editor, draft, data)  # noqa: E731
    monkeypatch.setitem(app.config, "LANGUAGES", {**app.config["LANGUAGES"], "fi": {"name": "Suomi"}})
    with app.app_context():
        for name, call in [*callers.items(), ("title", agenda)]:
            with pytest.raises(DomainError) as caught:
                call({f"{name}_rom": "Romanes", f"{name}_fi": "Suomeksi"})
            assert caught.value.field == f"{name}_sv", name
        assert draft.agenda_items == [] and report.themes == [] and draft.cancel_reason_rom is None
        item = agenda({"title_sv": "Punkt", "title_rom": "Punkto", "title_fi": "Kohta", "description_fi": "x"})
        assert (item.title_sv, item.title_rom, item.description_sv) == ("Punkt", "Punkto", None)
        consultations.cancel_consultation(
            db_session, publisher, draft, {"reason_sv": "Stängt", "reason_fi": "Suljettu"}
        )
        assert (draft.cancel_reason_sv, draft.cancel_reason_rom) == ("Stängt", None)
