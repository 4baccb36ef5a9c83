"""Field errors say what to do, about that field, in the page's language; WTForms'
generic English messages never reach a page (issue 17, section 3)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "lang,choose_language,generic",
    [("sv", "Välj ett språk.", "Fältet är obligatoriskt"), ("rom", "Alosar jekh čhib.", "Kado than trobul")],
)
def test_a_missing_choice_names_what_to_choose(client, create_consultation, lang, choose_language, generic):
    consultation = create_consultation()
    html = client.post(
        f"/{lang}/consultations/{consultation.id}/register", data={"name": "Ruža", "consent": "y"}
    ).get_data(as_text=True)
    assert 'id="language-error"' in html and choose_language in html
    assert generic not in html and "This field is required" not in html
    assert "?:" not in html  # the summary no longer glues a question label to a message


@pytest.mark.parametrize(
    "lang,too_long", [("sv", "Skriv högst 10000 tecken."), ("rom", "Ramosar maj but 10000 semne.")]
)
def test_a_text_over_the_limit_is_refused_in_the_page_language(client, create_consultation, lang, too_long):
    """maxlength in the browser can be bypassed; the message must still be ours, not WTForms' English."""
    consultation = create_consultation()
    html = client.post(
        f"/{lang}/consultations/{consultation.id}/views/new", data={"body": "x" * 10001, "language": "sv"}
    ).get_data(as_text=True)
    assert 'id="body-error"' in html and too_long in html
    assert "Field cannot be longer" not in html and "characters." not in html
    assert "x" * 10001 in html  # the typed text is kept


def test_an_unknown_wtforms_message_is_never_shown_in_english(app):
    from app.web.forms import _Translations

    with app.test_request_context("/sv/"):
        from app.i18n import force_language

        with force_language("sv"):
            said = _Translations().gettext("Not a valid UUID value.")  # a WTForms message we do not use
            assert said == "Kontrollera vad du har skrivit i fältet."
            assert _Translations().gettext("Not a valid integer value.") == "Skriv ett heltal, till exempel 12."
            assert _Translations().gettext("Not a valid date value.") == "Skriv datumet som ÅÅÅÅ-MM-DD."


def test_required_text_fields_name_the_field(app):
    from wtforms import StringField
    from wtforms.validators import DataRequired

    from app.i18n import force_language
    from app.web.forms import BaseForm

    class Form(BaseForm):
        class Meta:
            csrf = False

        title_sv = StringField("Rubrik på svenska", validators=[DataRequired()])

    with app.test_request_context("/sv/", method="POST", data={}), force_language("sv"):
        form = Form()
        assert not form.validate()
        assert form.title_sv.errors == ["Fyll i ”Rubrik på svenska”."]
        assert form.error_list() == [("title_sv", "", "Fyll i ”Rubrik på svenska”.")]
