"""Written and spoken views: language, idempotency, input window, translation, moderation."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.common.errors import DomainError, PermissionDenied
from app.consultations.models import ConsultationStatus as S
from app.consultations.models import RomaniVariety
from app.participation import services
from app.participation.models import (
    Channel,
    Contact,
    HiddenReason,
    Provenance,
    Viewpoint,
)
from tests.conftest import in_days


def _count(db_session) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(Viewpoint))


def _post(client, consultation, lang="rom", **overrides):
    data = {
        "body": "Kamas mai but informacia ande romani chib.",
        "language": "rom",
        "romani_variety": "kalderash",
        "submission_key": "key-1",
        "agenda_item_id": "",
    }
    data.update(overrides)
    return client.post(f"/{lang}/consultations/{consultation.id}/views/new", data=data)


# --- Services ---------------------------------------------------------------------


def test_reference_codes_are_readable_and_normalised():
    code = services.new_reference_code()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert not set(code) & set("01OIL")
    assert services.normalise_reference_code(" abcd efgh ") == "ABCD-EFGH"
    assert services.normalise_reference_code("abcd-efgh") == "ABCD-EFGH"


def test_input_window(create_consultation):
    c = create_consultation(input_opens_dt=in_days(1), input_closes_dt=in_days(3))
    assert not services.input_window_open(c)
    assert services.input_window_open(c, now=in_days(2))
    assert not services.input_window_open(c, now=in_days(4))
    draft = create_consultation(status=S.DRAFT)
    assert not services.input_window_open(draft)
    cancelled = create_consultation(status=S.CANCELLED)
    assert not services.input_window_open(cancelled)


def test_spoken_view_needs_permission(db_session, consultation, create_user, create_board):
    outsider = create_user(boards={create_board(): Role.PUBLISHER})
    with pytest.raises(PermissionDenied):
        services.record_spoken_viewpoint(
            db_session, outsider, consultation, services.ViewpointData(body="x", language="sv"), channel=Channel.PHONE
        )


def test_translation_rules(db_session, consultation, staff):
    view = services.record_spoken_viewpoint(
        db_session,
        staff,
        consultation,
        services.ViewpointData(body="Amen kamas buti", language="rom", romani_variety=RomaniVariety.ARLI),
        channel=Channel.MEETING,
    )
    with pytest.raises(DomainError) as error:
        services.add_translation(
            db_session, staff, view, language="rom", body="x", provenance=Provenance.HUMAN, translator="A"
        )
    assert error.value.field == "language"
    with pytest.raises(DomainError) as error:
        services.add_translation(
            db_session, staff, view, language="sv", body="Vi vill ha arbete", provenance=Provenance.HUMAN
        )
    assert error.value.field == "translator"
    services.add_translation(
        db_session, staff, view, language="sv", body="Vi vill ha arbete", provenance=Provenance.MACHINE
    )
    services.add_translation(
        db_session,
        staff,
        view,
        language="sv",
        body="Vi vill ha jobb",
        provenance=Provenance.HUMAN,
        translator="Brobyggare Maria",
    )
    assert len(view.translations) == 1
    assert view.translations[0].body == "Vi vill ha jobb"
    assert view.body == "Amen kamas buti"  # the original stays
    assert view.lang_tag == "rmn"


# --- Public submission --------------------------------------------------------------


def test_submit_romani_view_anonymously(client, consultation, db_session):
    response = _post(client, consultation)
    assert response.status_code == 302
    view = db_session.scalar(sa.select(Viewpoint).where(Viewpoint.idempotency_key.startswith("key-1.")))
    assert view.language == "rom" and view.romani_variety is RomaniVariety.KALDERASH
    assert view.lang_tag == "rmy"
    assert view.contact is None and view.channel is Channel.WEB
    assert view.publish_consent is False
    assert response.headers["Location"].endswith(f"/rom/views/receipt/{view.reference_code}")
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert view.reference_code in receipt


def test_receipt_names_the_organisation_the_view_was_sent_for(client, consultation):
    """Issue 16.21: the receipt says on whose behalf the view was sent."""
    response = _post(client, consultation, lang="sv", organisation="Romska kulturföreningen")
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Du skickade den för Romska kulturföreningen räkning." in receipt
    plain = client.get(_post(client, consultation, lang="sv", submission_key="key-2").headers["Location"])
    assert "räkning" not in plain.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_find_your_view_is_linked_from_the_receipt_the_navigation_and_the_home_page(client, consultation, lang):
    from app.i18n import force_language, gettext

    with client.application.test_request_context(f"/{lang}/"), force_language(lang):
        label, nav_label = gettext("Find your view by its code"), gettext("Find your view")
    find = f'href="/{lang}/views/find"'
    receipt = client.get(_post(client, consultation, lang=lang).headers["Location"]).get_data(as_text=True)
    assert f"{find}>{label}</a>" in receipt
    home = client.get(f"/{lang}/").get_data(as_text=True)
    assert f"{find}>{label}</a>" in home
    nav = (
        client.get(f"/{lang}/consultations", follow_redirects=True)
        .get_data(as_text=True)
        .split('class="main-nav"', 1)[1]
        .split("</nav>")[0]
    )
    assert f"{find}>{nav_label}</a>" in nav
    assert client.get(f"/{lang}/views/find").status_code == 200


def test_no_ip_or_user_agent_is_stored(client, consultation, db_session):
    client.post(
        f"/sv/consultations/{consultation.id}/views/new",
        data={"body": "Hej", "language": "sv", "submission_key": "k-ip"},
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
        headers={"User-Agent": "SecretBrowser/1.0"},
    )
    view = db_session.scalar(sa.select(Viewpoint).where(Viewpoint.idempotency_key.startswith("k-ip.")))
    assert view is not None
    for table in ("viewpoints", "contacts"):
        for row in db_session.execute(sa.text(f"SELECT * FROM {table}")).all():
            flat = " ".join(str(v) for v in row)
            assert "203.0.113.77" not in flat and "SecretBrowser" not in flat


def test_contact_data_is_kept_apart(client, consultation, db_session):
    _post(
        client,
        consultation,
        name="Maria",
        email="maria@example.org",
        wants_feedback="y",
        organisation="Romska föreningen",
        publish_consent="y",
        show_name="y",
        submission_key="k-contact",
    )
    view = db_session.scalar(sa.select(Viewpoint).where(Viewpoint.idempotency_key.startswith("k-contact.")))
    contact = db_session.get(Contact, view.contact_id)
    assert (contact.name, contact.email, contact.language) == ("Maria", "maria@example.org", "rom")
    assert view.on_behalf_of == "Romska föreningen" and view.show_name and view.wants_feedback


def test_resent_form_creates_no_duplicate(client, consultation, db_session):
    first = _post(client, consultation)
    second = _post(client, consultation)
    assert _count(db_session) == 1
    assert first.headers["Location"] == second.headers["Location"]


def test_validation_keeps_every_character(client, consultation, db_session):
    text = "Åäö <b>ne</b> 😀 " + "x" * 50
    response = _post(
        client, consultation, body=text, language="other", other_language="", email="not-an-email", name="Zoran"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Åäö &lt;b&gt;ne&lt;/b&gt; 😀" in html
    assert 'value="Zoran"' in html
    assert 'id="email-error"' in html
    assert _count(db_session) == 0


@pytest.mark.parametrize(
    "field,value",
    [
        ("body", "   "),
        ("body", "x" * 10001),
        ("agenda_item_id", "999999"),
        ("language", "klingon"),
        ("romani_variety", "elvish"),
    ],
)
def test_bad_input_error_next_to_field(client, consultation, db_session, field, value):
    response = _post(client, consultation, **{field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in html and f'href="#{field}"' in html
    assert _count(db_session) == 0


def test_feedback_request_needs_email(client, consultation, db_session):
    html = _post(client, consultation, wants_feedback="y").get_data(as_text=True)
    assert 'id="email-error"' in html
    assert _count(db_session) == 0


def test_closed_window_stores_nothing(client, create_consultation, db_session):
    c = create_consultation(input_opens_dt=in_days(-10), input_closes_dt=in_days(-1))
    response = _post(client, c)
    assert response.status_code == 200
    assert "notice" in response.get_data(as_text=True)
    assert _count(db_session) == 0


def test_draft_consultation_is_404(client, create_consultation):
    assert _post(client, create_consultation(status=S.DRAFT)).status_code == 404


def test_honeypot(client, consultation, db_session):
    response = _post(client, consultation, website="http://spam.example")
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html and "spam.example" not in html
    assert _count(db_session) == 0
    assert _post(client, consultation, website="").status_code == 302


class TestRateLimit:
    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}

    def test_rate_limit_answers_with_a_page(self, client, consultation):
        from app.web.intake import PER_FORM_SESSION

        per_minute = int(PER_FORM_SESSION.split()[0])  # one client: one form session
        statuses = [_post(client, consultation, submission_key=f"k{i}").status_code for i in range(per_minute + 2)]
        assert statuses[:per_minute] == [302] * per_minute
        assert statuses[-1] == 429
        response = _post(client, consultation, submission_key="k-last")
        assert response.status_code == 429
        assert "<html" in response.get_data(as_text=True)


# --- Staff ----------------------------------------------------------------------------


def test_staff_record_spoken_view_and_translate(client, auth, consultation, staff, db_session):
    auth.login(staff)
    response = client.post(
        f"/sv/staff/consultations/{consultation.id}/views/new",
        data={
            "channel": "meeting",
            "body": "Amen kamas tolko",
            "language": "rom",
            "romani_variety": "lovara",
            "agenda_item_id": str(consultation.agenda_items[0].id),
            "publish_consent": "y",
        },
    )
    assert response.status_code == 302
    view = db_session.scalar(sa.select(Viewpoint).where(Viewpoint.channel == Channel.MEETING))
    assert view.entered_by_id == staff.id and view.publish_consent and view.romani_variety is RomaniVariety.LOVARA
    response = client.post(
        f"/sv/staff/views/{view.id}/translate",
        data={"language": "sv", "body": "Vi vill ha tolk", "provenance": "human", "translator": "Maria"},
    )
    assert response.status_code == 302
    page = client.get(f"/sv/staff/consultations/{consultation.id}/views").get_data(as_text=True)
    assert '<blockquote lang="rmy">Amen kamas tolko</blockquote>' in page
    assert '<blockquote lang="sv">Vi vill ha tolk</blockquote>' in page


def test_staff_form_speaks_to_staff_and_paper_is_a_channel(client, auth, consultation, staff, db_session):
    """Issue 16.12: the staff form used the participant's "my"/"your"; paper forms had no channel."""
    auth.login(staff)
    for lang, wanted, unwanted in (
        (
            "sv",
            ("Språk som talades", "Talarens namn eller pseudonym", "Talaren vill få veta", "På en pappersblankett"),
            ("Språk för din synpunkt", "Visa mitt namn", "Meddela mig"),
        ),
        ("rom", ("E čhib kaj vorbisajli", "Kodo kaj phendas o gindo kamel te žanel"), ("Sikav mo anav", "Phen mange")),
    ):
        page = client.get(f"/{lang}/staff/consultations/{consultation.id}/views/new").get_data(as_text=True)
        for text in wanted:
            assert text in page, (lang, text)
        for text in unwanted:
            assert text not in page, (lang, text)
    response = client.post(
        f"/sv/staff/consultations/{consultation.id}/views/new",
        data={"channel": "paper", "body": "Skrivet på blanketten", "language": "sv"},
    )
    assert response.status_code == 302
    view = db_session.scalar(sa.select(Viewpoint).where(Viewpoint.channel == Channel.PAPER))
    assert view is not None
    csv = client.get(f"/sv/staff/consultations/{consultation.id}/views.csv").get_data(as_text=True)
    assert ";paper;" in csv
    assert "På en pappersblankett" in client.get(f"/sv/staff/consultations/{consultation.id}/views").get_data(
        as_text=True
    )
    document = client.get("/api/v1/openapi.json").json
    assert "paper" in json.dumps(document)


def test_staff_form_errors_keep_text(client, auth, consultation, staff):
    auth.login(staff)
    html = client.post(
        f"/sv/staff/consultations/{consultation.id}/views/new",
        data={"channel": "", "body": "Det som sades", "language": "sv"},
    ).get_data(as_text=True)
    assert 'id="channel-error"' in html and "Det som sades" in html


def test_moderation_hides_but_keeps(client, auth, consultation, staff, db_session):
    view = services.record_spoken_viewpoint(
        db_session,
        staff,
        consultation,
        services.ViewpointData(body="Ring mig på 070-1234567", language="sv", publish_consent=True),
        channel=Channel.PHONE,
    )
    db_session.commit()
    auth.login(staff)
    client.post(f"/sv/staff/views/{view.id}/hide", data={"reason": "personal_data", "note": "Telefonnummer"})
    assert view.is_hidden and view.hidden_reason is HiddenReason.PERSONAL_DATA and not view.is_public
    assert db_session.get(Viewpoint, view.id) is not None
    events = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_id == view.id, AuditEvent.object_type == "Viewpoint")
    ).all()
    assert [e.action for e in events] == ["viewpoint.record", "viewpoint.hide"]
    counts = services.count_viewpoints(db_session, consultation.id)
    assert (counts.total, counts.hidden) == (1, 1)
    client.post(f"/sv/staff/views/{view.id}/unhide")
    assert not view.is_hidden


def test_other_board_cannot_touch_views(client, auth, consultation, staff, db_session, create_user, create_board):
    view = services.record_spoken_viewpoint(
        db_session, staff, consultation, services.ViewpointData(body="Hemligt", language="sv"), channel=Channel.LETTER
    )
    db_session.commit()
    auth.login(create_user(boards={create_board(): Role.PUBLISHER}))
    assert client.get(f"/sv/staff/consultations/{consultation.id}/views").status_code == 403
    assert client.post(f"/sv/staff/views/{view.id}/hide", data={"reason": "offensive"}).status_code == 403
    assert (
        client.post(
            f"/sv/staff/views/{view.id}/translate", data={"language": "rom", "body": "x", "provenance": "machine"}
        ).status_code
        == 403
    )
    assert not view.is_hidden and view.translations == []


def test_counts_on_public_page_not_text(client, consultation, staff, db_session):
    services.record_spoken_viewpoint(
        db_session,
        staff,
        consultation,
        services.ViewpointData(body="Privat text", language="sv"),
        channel=Channel.PHONE,
    )
    db_session.commit()
    html = client.get(f"/sv/consultations/{consultation.id}").get_data(as_text=True)
    assert "Privat text" not in html


def test_view_window_timezone_edge(create_consultation):
    c = create_consultation(input_closes_dt=in_days(1, hour=22))  # 23:00 Stockholm in winter
    assert services.input_window_open(c, now=c.input_closes_dt - timedelta(minutes=1))
    assert not services.input_window_open(c, now=c.input_closes_dt + timedelta(minutes=1))
