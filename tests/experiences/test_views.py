"""Experiences over HTTP: answering by short link, staff flows, results, CSV, poster, measures, ledger."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.experiences.models import ExperienceRecord, Service, Survey
from app.participation.models import Channel, Contact
from tests.support import first_group, present


def _key(html: str) -> str:
    return first_group(r'name="submission_key"[^>]*value="([^"]+)"', html)


def _count(db_session, model) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_answer_page_renders_in_both_languages(client, survey, lang) -> None:
    response = client.get(f"/{lang}/s/{survey.short_code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}"' in html
    assert ("So sas lasho?" if lang == "rom" else "Vad var bra?") in html
    assert ("Sako kurko" if lang == "rom" else "Varje vecka") in html


def test_short_code_is_forgiving(client, survey) -> None:
    response = client.get(f"/sv/s/{survey.short_code.lower()}")
    assert response.status_code == 301 and response.headers["Location"].endswith(f"/sv/s/{survey.short_code}")
    assert client.get("/sv/s/NOPE99").status_code == 404


def test_draft_survey_is_not_public(client, create_survey) -> None:
    draft = create_survey(published=False)
    assert client.get(f"/sv/s/{draft.short_code}").status_code == 404


def test_anonymous_answer_over_http_stores_no_personal_data(client, db_session, survey) -> None:
    q_text, q_choice, q_scale = survey.questions
    contacts = _count(db_session, Contact)
    key = _key(client.get(f"/sv/s/{survey.short_code}").get_data(as_text=True))
    data = {
        q_text.field_name: "Trevlig personal",
        q_choice.field_name: str(q_choice.options[0].id),
        q_scale.field_name: "4",
        "language": "rom",
        "romani_variety": "kalderash",
        "submission_key": key,
    }
    response = client.post(
        f"/sv/s/{survey.short_code}",
        data=data,
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
        headers={"User-Agent": "SecretBrowser/1.0"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/thanks")
    # sent again (double click): still one record
    client.post(f"/sv/s/{survey.short_code}", data=data)
    records = list(db_session.scalars(sa.select(ExperienceRecord)))
    assert len(records) == 1 and records[0].contact_id is None and records[0].channel is Channel.WEB
    assert _count(db_session, Contact) == contacts
    dump = repr([tuple(row) for row in db_session.execute(sa.select(ExperienceRecord.__table__)).all()])
    assert "203.0.113.7" not in dump and "SecretBrowser" not in dump
    assert client.get(f"/sv/s/{survey.short_code}/thanks").status_code == 200


def test_contact_details_only_when_left(client, db_session, survey) -> None:
    key = _key(client.get(f"/rom/s/{survey.short_code}").get_data(as_text=True))
    client.post(
        f"/rom/s/{survey.short_code}",
        data={
            survey.questions[2].field_name: "2",
            "language": "rom",
            "email": "me@example.org",
            "wants_updates": "y",
            "submission_key": key,
        },
    )
    record = db_session.scalar(sa.select(ExperienceRecord))
    assert record.contact.email == "me@example.org" and record.contact.language == "rom" and record.wants_updates


def test_bad_input_is_shown_next_to_the_field_and_kept(client, db_session, survey) -> None:
    q_text, _q_choice, q_scale = survey.questions
    key = _key(client.get(f"/sv/s/{survey.short_code}").get_data(as_text=True))
    response = client.post(
        f"/sv/s/{survey.short_code}",
        data={
            q_text.field_name: "Min text som ska finnas kvar",
            q_scale.field_name: "9",
            "language": "sv",
            "submission_key": key,
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="{q_scale.field_name}-error"' in html
    assert "Min text som ska finnas kvar" in html
    assert _count(db_session, ExperienceRecord) == 0

    response = client.post(
        f"/sv/s/{survey.short_code}",
        data={q_text.field_name: "Kvar", "email": "inte-en-adress", "language": "sv", "submission_key": key},
    )
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and "inte-en-adress" in html


def test_required_questions_are_marked_in_words_and_every_error_is_shown_at_once(
    client, db_session, create_survey
) -> None:
    """Issue 16.7: required questions say so in text; an incomplete answer shows every problem at once,
    each next to its field, with the summary; what was typed is kept."""
    survey = create_survey()
    q_text, q_choice, q_scale = survey.questions
    q_choice.required = q_scale.required = True
    db_session.commit()
    url = f"/sv/s/{survey.short_code}"
    html = client.get(url).get_data(as_text=True)
    assert "Hur ofta kommer du? (obligatorisk)" in html and "Hur nöjd är du? (obligatorisk)" in html
    assert "Vad var bra? (obligatorisk)" not in html
    assert "Svara bara på de frågor du vill" not in html
    assert "(obligatorisk)” måste besvaras" in html
    assert "(trobul)" in client.get(f"/rom{url[3:]}").get_data(as_text=True)

    response = client.post(
        url,
        data={
            q_text.field_name: "Det här ska stå kvar",
            "language": "sv",
            "wants_updates": "y",
            "submission_key": _key(html),
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    for name in (q_choice.field_name, q_scale.field_name, "email"):
        assert f'id="{name}-error"' in page, name
        assert f'href="#{name}"' in summary, name
    assert "Det här ska stå kvar" in page
    assert _count(db_session, ExperienceRecord) == 0


def test_with_no_required_question_the_intro_says_any_may_be_skipped(client, survey) -> None:
    html = client.get(f"/sv/s/{survey.short_code}").get_data(as_text=True)
    assert "Svara bara på de frågor du vill" in html and "(obligatorisk)" not in html
    key = _key(html)
    page = client.post(f"/sv/s/{survey.short_code}", data={"language": "sv", "submission_key": key}).get_data(
        as_text=True
    )
    assert f'id="{survey.questions[0].field_name}-error"' in page


def test_going_back_and_sending_again_shows_the_receipt_and_stores_nothing(client, app, db_session, survey) -> None:
    """Issue 16.7: the browser fetches the form again on "back" and restores what was typed;
    the key of the stored answer survives, and the second post is answered "already received"."""
    q_text, q_choice, q_scale = survey.questions
    url = f"/rom/s/{survey.short_code}"
    data = {
        q_text.field_name: "Lačho sas",
        q_choice.field_name: str(q_choice.options[1].id),
        q_scale.field_name: "4",
        "language": "rom",
    }
    assert (
        client.post(url, data={**data, "submission_key": _key(client.get(url).get_data(as_text=True))}).status_code
        == 302
    )
    back = client.get(url).get_data(as_text=True)
    response = client.post(url, data={**data, "submission_key": _key(back)})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Lačho sas" in page and "Rar" in page and "4 –" in page  # the receipt: what was stored
    assert _count(db_session, ExperienceRecord) == 1
    # Another browser that somehow holds the key, sending the same answers, learns only that
    # they were received, not what was stored.
    other = app.test_client()
    _key(other.get(url).get_data(as_text=True))
    stranger = other.post(url, data={**data, "submission_key": _key(back)})
    assert stranger.status_code == 200 and "Lačho sas" not in stranger.get_data(as_text=True)
    assert _count(db_session, ExperienceRecord) == 1
    # Other answers under that key are another answer (app.web.intake: the key covers what was
    # filled in), stored as such and never shown the first one.
    different = other.post(url, data={**data, q_text.field_name: "Avrijal", "submission_key": _key(back)})
    assert different.status_code == 302
    assert "Lačho sas" not in other.get(different.headers["Location"]).get_data(as_text=True)
    assert _count(db_session, ExperienceRecord) == 2


def test_closed_survey_says_so(client, create_survey) -> None:
    from tests.conftest import in_days

    closed = create_survey(opens_dt=in_days(-10), closes_dt=in_days(-1))
    html = client.get(f"/sv/s/{closed.short_code}").get_data(as_text=True)
    assert '<form method="post"' not in html.split("<main", 1)[1]


def test_staff_enter_paper_answers_with_channel(client, auth, db_session, editor, survey) -> None:
    auth.login(editor)
    url = f"/sv/staff/experiences/surveys/{survey.id}/answers/new"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        data={
            "channel": "letter",
            "occurred_on": "2026-04-01",
            "language": "sv",
            survey.questions[0].field_name: "Från pappersenkät",
        },
    )
    assert response.status_code == 302
    record = db_session.scalar(sa.select(ExperienceRecord))
    assert record.channel is Channel.LETTER and record.entered_by_id == editor.id
    # the channel is required
    response = client.post(
        url, data={"occurred_on": "2026-04-01", "language": "sv", survey.questions[0].field_name: "Utan kanal"}
    )
    html = response.get_data(as_text=True)
    assert 'id="channel-error"' in html and "Utan kanal" in html


def test_single_survey_records_only_for_who_entered_or_moderated_them(
    client, auth, db_session, editor, publisher, survey, add_answers
) -> None:
    """Issue 16.14: one person's answers are for the staff who entered or moderated them; the
    others see aggregates (and are told who may open them)."""
    from app.experiences import answers as xp_answers
    from app.experiences.models import RecordKind

    web = add_answers(survey, text="Mitt eget svar", reviewed=False)
    paper = add_answers(survey, text="Från papper", channel=Channel.LETTER)
    paper.entered_by_id = editor.id
    note = ExperienceRecord(
        service_id=survey.service_id,
        kind=RecordKind.DIALOGUE,
        channel=Channel.VISIT,
        occurred_on=date(2026, 5, 2),
        language="sv",
        summary_sv="Samtal på biblioteket",
    )
    db_session.add(note)
    db_session.commit()
    auth.login(editor)
    assert client.get(f"/sv/staff/experiences/records/{paper.id}").status_code == 200  # entered it
    assert client.get(f"/sv/staff/experiences/records/{note.id}").status_code == 200  # staff notes
    closed = client.get(f"/sv/staff/experiences/records/{web.id}")
    assert closed.status_code == 403
    page = closed.get_data(as_text=True)
    assert "Mitt eget svar" not in page and "modererat" in page and f"/surveys/{survey.id}/results" in page
    service_page = client.get(f"/sv/staff/experiences/services/{survey.service_id}").get_data(as_text=True)
    assert f"/records/{paper.id}" in service_page and f"/records/{web.id}" not in service_page
    auth.logout()

    auth.login(publisher)
    assert client.get(f"/sv/staff/experiences/records/{web.id}").status_code == 403
    assert client.get(f"/sv/staff/experiences/records/{paper.id}").status_code == 403
    xp_answers.approve_answer(db_session, publisher, web.answers[0])  # moderated it: now theirs to open
    db_session.commit()
    opened = client.get(f"/sv/staff/experiences/records/{web.id}")
    assert opened.status_code == 200 and "Mitt eget svar" in opened.get_data(as_text=True)


def test_staff_create_service_survey_question_and_publish(client, auth, db_session, publisher, board) -> None:
    auth.login(publisher)
    response = client.post("/sv/staff/experiences/services/new", data={"board_id": board.id, "name_sv": ""})
    assert 'id="name_sv-error"' in response.get_data(as_text=True)
    response = client.post(
        "/sv/staff/experiences/services/new",
        data={"board_id": board.id, "name_sv": "Brobyggarverksamheten", "name_rom": "O Phurtyarimos"},
    )
    assert response.status_code == 302
    service = db_session.scalar(sa.select(Service).where(Service.name_sv == "Brobyggarverksamheten"))
    response = client.post(
        f"/sv/staff/experiences/services/{service.id}/surveys/new",
        data={"title_sv": "Enkät 2026", "opens_dt": "2026-01-10T09:00", "closes_dt": "2026-01-01T09:00"},
    )
    assert 'id="closes_dt-error"' in response.get_data(as_text=True)
    response = client.post(
        f"/sv/staff/experiences/services/{service.id}/surveys/new",
        data={"title_sv": "Enkät 2026", "opens_dt": "2026-01-10T09:00", "closes_dt": "2036-01-01T09:00"},
    )
    survey = db_session.scalar(sa.select(Survey).where(Survey.service_id == service.id))
    response = client.post(
        f"/sv/staff/experiences/surveys/{survey.id}/questions/new",
        data={"kind": "choice", "text_sv": "Hur fick du veta?", "options": "Vänner"},
    )
    html = response.get_data(as_text=True)
    assert 'id="options-error"' in html and "Hur fick du veta?" in html
    client.post(
        f"/sv/staff/experiences/surveys/{survey.id}/questions/new",
        data={"kind": "choice", "text_sv": "Hur fick du veta?", "options": "Vänner | Amala\nAffisch"},
    )
    assert [(o.label_sv, o.label_rom) for o in survey.questions[0].options] == [("Vänner", "Amala"), ("Affisch", None)]
    client.post(f"/sv/staff/experiences/surveys/{survey.id}/publish")
    assert survey.is_published
    assert client.get(f"/rom/s/{survey.short_code}").status_code == 200


def test_poster_has_accessible_qr_codes_in_both_languages(client, auth, editor, survey) -> None:
    auth.login(editor)
    html = client.get(f"/sv/staff/experiences/surveys/{survey.id}/poster").get_data(as_text=True)
    assert html.count('<svg role="img" aria-label=') == 2
    assert f"/sv/s/{survey.short_code}" in html and f"/rom/s/{survey.short_code}" in html
    assert "<title>" in html


def test_poster_says_until_when_in_both_languages_and_encodes_the_public_address(
    app, client, auth, editor, survey
) -> None:
    """Issue 16.16: "Open until …" in Romani and Swedish whatever the page's language; the codes lead
    to PUBLIC_BASE_URL (not the address the staff member happens to use)."""
    app.config["PUBLIC_BASE_URL"] = "https://samrad.stockholm.example"
    auth.login(editor, lang="rom")
    html = client.get(f"/rom/staff/experiences/surveys/{survey.id}/poster").get_data(as_text=True)
    assert '<p class="poster-until" lang="rom">Putardi ži ka' in html
    assert '<p class="poster-until" lang="sv">Öppen till och med' in html
    assert f"https://samrad.stockholm.example/rom/s/{survey.short_code}" in html
    assert f"https://samrad.stockholm.example/sv/s/{survey.short_code}" in html
    assert "poster-tools no-print" in html


def test_results_page_and_csv_hide_small_groups(client, auth, editor, survey, add_answers) -> None:
    auth.login(editor)
    for _i in range(4):
        add_answers(survey, text="Hemligt litet svar")
    html = client.get(f"/sv/staff/experiences/surveys/{survey.id}/results").get_data(as_text=True)
    assert "too-few" in html and "Hemligt litet svar" not in html and "<svg" not in html
    csv_text = client.get(f"/sv/staff/experiences/surveys/{survey.id}/results.csv").get_data(as_text=True)
    assert "Varje vecka" not in csv_text and "Hemligt" not in csv_text
    add_answers(survey, text="Femte svaret")
    html = client.get(f"/sv/staff/experiences/surveys/{survey.id}/results").get_data(as_text=True)
    assert '<svg class="chart" role="img" aria-labelledby=' in html and ">Hur ofta kommer du?</title>" in html
    assert "Femte svaret" in html and "<table" in html
    response = client.get(f"/sv/staff/experiences/surveys/{survey.id}/results.csv")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and text.startswith("\ufeffquestion_position;question_sv;")
    assert ";Hur ofta kommer du?;" in text and ";Varje vecka;5;100.0;\r\n" in text


def test_hide_a_free_text_answer(client, auth, db_session, editor, survey, add_answers) -> None:
    auth.login(editor)
    records = [add_answers(survey, text=f"Svar {i}") for i in range(5)]
    answer = next(a for a in records[0].answers if a.text)
    response = client.post(f"/sv/staff/experiences/answers/{answer.id}/hide", data={"reason": "personal_data"})
    assert response.status_code == 302 and answer.is_hidden
    public = client.get(f"/sv/s/{survey.short_code}/results").get_data(as_text=True)
    assert "Svar 0" not in public and "Svar 1" in public


def test_anonymous_is_sent_to_login(client, survey) -> None:
    response = client.get(f"/sv/staff/experiences/surveys/{survey.id}/results")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_other_board_gets_403(client, auth, create_user, create_board, survey) -> None:
    from app.accounts.models import Role

    auth.login(create_user(boards={create_board(): Role.PUBLISHER}))
    assert client.get(f"/sv/staff/experiences/surveys/{survey.id}/results.csv").status_code == 403
    assert client.get(f"/sv/staff/experiences/services/{survey.service_id}/measures").status_code == 403


def test_record_a_dialogue_note(client, auth, db_session, editor, service) -> None:
    auth.login(editor)
    url = f"/sv/staff/experiences/services/{service.id}/notes/new"
    response = client.post(
        url, data={"kind": "dialogue", "channel": "meeting", "occurred_on": "2026-03-01", "language": "rom"}
    )
    assert 'id="summary_sv-error"' in response.get_data(as_text=True)
    response = client.post(
        url,
        data={
            "kind": "dialogue",
            "channel": "meeting",
            "occurred_on": "2026-03-01",
            "language": "rom",
            "romani_variety": "lovara",
            "summary_rom": "Vorbisardam.",
        },
    )
    assert response.status_code == 302
    record = db_session.scalar(sa.select(ExperienceRecord))
    assert record.summary_rom == "Vorbisardam." and record.lang_tag == "rmy"


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_measures_flow_and_public_page(client, auth, db_session, publisher, survey, add_answers, lang) -> None:
    auth.login(publisher)
    record = add_answers(survey, text="Fler böcker", email="x@example.org", language="rom", wants_updates=True)
    base = f"/sv/staff/experiences/services/{survey.service_id}/measures"
    response = client.post(
        f"{base}/themes/new", data={"title_sv": "Böcker", "title_rom": "Lila", "record_ids": [str(record.id)]}
    )
    assert response.status_code == 302
    theme_id = int(first_group(r"/themes/(\d+)/measure", response.headers["Location"]))
    response = client.post(
        f"{base}/themes/{theme_id}/measure",
        data={"body_sv": "Vi köper böcker.", "owner": "Biblioteket", "status": "not_taken"},
    )
    html = response.get_data(as_text=True)
    assert 'id="reason_sv-error"' in html and "Vi köper böcker." in html
    client.post(
        f"{base}/themes/{theme_id}/measure",
        data={
            "body_sv": "Vi köper böcker.",
            "body_rom": "Kinas lila.",
            "owner": "Biblioteket",
            "status": "planned",
            "start_date": "2026-09-01",
        },
    )
    client.post(base, data={"summary_sv": "Det här gör vi.", "summary_rom": "Kado keras."})
    assert client.get(f"{base}/publish").status_code == 200
    response = client.post(f"{base}/publish")
    assert response.status_code == 302
    # Sent again (a second tap): nothing has changed, and no error points at a field the page does not have.
    html = client.post(f"{base}/publish", data={}).get_data(as_text=True)
    assert "error-summary" not in html and 'href="#change_note_sv"' not in html
    html = client.get(f"/{lang}/services/{survey.service_id}/measures").get_data(as_text=True)
    assert f'<html lang="{lang}"' in html
    assert ("Kinas lila." if lang == "rom" else "Vi köper böcker.") in html
    assert 'data-status="planned"' in html and "Biblioteket" in html


def test_ledger_shows_experiences(client, board, survey, add_answers) -> None:
    for _i in range(2):
        add_answers(survey)
    html = client.get(f"/sv/boards/{board.slug}/ledger").get_data(as_text=True)
    assert f'data-service="{survey.service_id}"' in html and 'data-answers="2"' in html


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_city_report_includes_experience_gathering_and_the_board_page_links_its_ledger(
    client, create_board, board, survey, add_answers, lang
) -> None:
    """Issue 16.15: the city report says what each board and the city did with experiences."""
    create_board(slug="utan-verksamheter")
    for _i in range(3):
        add_answers(survey)
    html = client.get(f"/{lang}/report").get_data(as_text=True)
    section = html.split('class="report-experiences"', 1)[1].split("</section>", 1)[0]
    row = section.split(f'data-experience-board="{board.slug}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-surveys="1"' in row and 'data-answers="3"' in row and 'data-measure-status="done"' in row
    assert f'href="/{lang}/boards/{board.slug}/ledger"' in row
    assert 'data-experience-board="utan-verksamheter"' not in section  # a board without services
    page = client.get(f"/{lang}/boards/{board.slug}").get_data(as_text=True)
    assert f'href="/{lang}/boards/{board.slug}/ledger"' in page


def test_the_experience_part_of_the_city_report_sends_a_fixed_number_of_statements(
    app, db_session, create_board, survey, add_answers
) -> None:
    from app.experiences.ledger import experience_report

    def statements() -> int:
        seen: list[str] = []
        engine = db_session.get_bind()

        def count(conn, cursor, statement, *args):
            seen.append(statement)

        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            experience_report(db_session, boards)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len([s for s in seen if s.lstrip().upper().startswith("SELECT")])

    from app.boards.models import Board

    add_answers(survey)
    boards = list(db_session.scalars(sa.select(Board)))
    one = statements()
    for slug in ("andra", "tredje"):
        db_session.add(Service(board=create_board(slug=slug), name_sv=f"Tjänst {slug}"))
    db_session.commit()
    boards = list(db_session.scalars(sa.select(Board)))
    assert statements() == one == 5


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_public_lists_render(client, board, survey, lang) -> None:
    for url in (f"/{lang}/experiences/", f"/{lang}/boards/{board.slug}/services"):
        html = client.get(url).get_data(as_text=True)
        assert f"/{lang}/s/{survey.short_code}" in html
        assert ("Rromani chitaimaski ambasada" if lang == "rom" else "Romsk läsambassad") in html


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_staff_pages_render_in_both_languages(client, auth, db_session, editor, survey, add_answers, lang) -> None:
    auth.login(editor, lang=lang)
    record = add_answers(survey, text="Hej")
    record.entered_by_id = editor.id  # entered from paper by this editor: theirs to open
    db_session.commit()
    service_id = survey.service_id
    for url in (
        "/staff/experiences/",
        "/staff/experiences/services/new",
        f"/staff/experiences/services/{service_id}",
        f"/staff/experiences/surveys/{survey.id}",
        f"/staff/experiences/surveys/{survey.id}/questions/new",
        f"/staff/experiences/questions/{survey.questions[0].id}",
        f"/staff/experiences/records/{record.id}",
        f"/staff/experiences/services/{service_id}/notes/new",
        f"/staff/experiences/services/{service_id}/measures",
        f"/staff/experiences/services/{service_id}/measures/themes/new",
    ):
        response = client.get(f"/{lang}{url}")
        assert response.status_code == 200, url
        assert f'<html lang="{lang}"' in response.get_data(as_text=True)


def test_measures_page_says_what_publishing_needs_as_the_feedback_page_does(
    client, auth, editor, publisher, survey, add_answers
) -> None:
    """One summary page for every subject: what is missing links to its theme, an editor reads who publishes,
    and the published versions are listed."""
    record = add_answers(survey, text="Fler böcker")
    base = f"/sv/staff/experiences/services/{survey.service_id}/measures"
    auth.login(editor)
    response = client.post(f"{base}/themes/new", data={"title_sv": "Böcker", "record_ids": [str(record.id)]})
    theme_id = int(first_group(r"/themes/(\d+)/measure", response.headers["Location"]))
    html = client.get(base).get_data(as_text=True)
    assert "Innan du publicerar:" in html and f'<li><a href="#theme-{theme_id}">' in html
    assert "måste publicera det här" in html and f"{base}/publish" not in html
    auth.login(publisher)
    client.post(
        f"{base}/themes/{theme_id}/measure",
        data={"body_sv": "Vi köper böcker.", "owner": "Biblioteket", "status": "planned", "version": "0"},
    )
    client.post(base, data={"summary_sv": "Det här gör vi.", "version": "0"})
    assert f"{base}/publish" in client.get(base).get_data(as_text=True)
    assert client.post(f"{base}/publish").status_code == 302
    html = client.get(base).get_data(as_text=True)
    assert "Publicerade versioner" in html and f'href="/sv/services/{survey.service_id}/measures"' in html


# --- Staff: two people editing the same measures page (optimistic locking) ----------------------------------


def _version_in(html: str) -> str:
    match = re.search(r'<input id="version" name="version" type="hidden" value="(\d+)">', html)
    assert match, "no hidden version field"
    return match.group(1)


def test_stale_measures_summary_shows_both_versions(app, client, auth, db_session, publisher, service) -> None:
    from app.experiences import measures as xp_measures
    from app.feedback import services as fb

    auth.login(publisher)
    url = f"/sv/staff/experiences/services/{service.id}/measures"
    assert _version_in(client.get(url).get_data(as_text=True)) == "0"
    with app.test_request_context("/sv/"):
        report = xp_measures.start_report(db_session, publisher, service)
        fb.update_summary(db_session, publisher, report, {"summary_sv": "Kollegans sammanfattning"})
    db_session.commit()
    response = client.post(url, data={"summary_sv": "Min <sammanfattning>", "summary_rom": "Miri", "version": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'id="conflict-title"' in html and 'class="error-summary"' in html
    assert "Kollegans sammanfattning" in html and "Min &lt;sammanfattning&gt;" in html and "Miri" in html
    assert report.summary_sv == "Kollegans sammanfattning"
    # The form now carries the version the user has seen: saving again overwrites on purpose.
    assert _version_in(html) == str(report.version)
    again = client.post(url, data={"summary_sv": "Min sammanfattning", "version": _version_in(html)})
    assert again.status_code == 302
    assert report.summary_sv == "Min sammanfattning"


def test_stale_experience_theme_shows_both_versions(app, client, auth, db_session, editor, survey, add_answers) -> None:
    from app.experiences import measures as xp_measures

    one, two = add_answers(survey, text="Ett"), add_answers(survey, text="Två")
    with app.test_request_context("/sv/"):
        theme = xp_measures.add_theme(db_session, editor, survey.service, {"title_sv": "Böcker"}, [one.id])
    db_session.commit()
    auth.login(editor)
    url = f"/sv/staff/experiences/services/{survey.service_id}/measures/themes/{theme.id}"
    opened = _version_in(client.get(url).get_data(as_text=True))
    assert opened == str(theme.version)
    # The colleague only regroups the experiences.
    with app.test_request_context("/sv/"):
        xp_measures.update_theme(db_session, editor, theme, {"title_sv": "Böcker"}, [one.id, two.id])
    db_session.commit()
    response = client.post(
        url, data={"title_sv": "Mitt tema", "summary_sv": "Jag skrev.", "version": opened, "record_ids": [str(one.id)]}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'id="conflict-title"' in html
    assert '<dd lang="sv">Böcker</dd>' in html and f"#{one.id}, #{two.id}</dd>" in html
    assert 'value="Mitt tema"' in html and "Jag skrev." in html
    assert theme.title_sv == "Böcker" and xp_measures.theme_record_ids(db_session, theme) == [one.id, two.id]
    again = client.post(url, data={"title_sv": "Mitt tema", "version": _version_in(html), "record_ids": [str(one.id)]})
    assert again.status_code == 302
    assert theme.title_sv == "Mitt tema" and xp_measures.theme_record_ids(db_session, theme) == [one.id]


def test_stale_measure_shows_both_versions(app, client, auth, db_session, publisher, survey) -> None:
    from app.experiences import measures as xp_measures

    with app.test_request_context("/sv/"):
        theme = xp_measures.add_theme(db_session, publisher, survey.service, {"title_sv": "Böcker"}, [])
    db_session.commit()
    auth.login(publisher)
    url = f"/sv/staff/experiences/services/{survey.service_id}/measures/themes/{theme.id}/measure"
    # Both open the empty form; the colleague saves first.
    assert _version_in(client.get(url).get_data(as_text=True)) == "0"
    with app.test_request_context("/sv/"):
        xp_measures.save_measure(
            db_session,
            publisher,
            theme,
            {
                "body_sv": "Kollegans svar",
                "owner": "Kollegans enhet",
                "status": "planned",
                "start_date": date(2026, 9, 1),
            },
        )
    db_session.commit()
    assert theme.response is not None
    mine = {"body_sv": "Mitt svar", "body_rom": "Miro", "owner": "Min enhet", "status": "ongoing"}
    response = client.post(url, data={**mine, "version": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'id="conflict-title"' in html
    assert "Kollegans svar" in html and "Kollegans enhet" in html and "1 september 2026" in html
    assert "Mitt svar" in html and "Miro" in html and 'value="Min enhet"' in html
    assert theme.response.body_sv == "Kollegans svar"
    seen = _version_in(html)
    assert seen == str(theme.response.version)
    # The colleague changes only the measure: the version the conflict showed is stale in its turn.
    with app.test_request_context("/sv/"):
        xp_measures.save_measure(
            db_session,
            publisher,
            theme,
            {"body_sv": "Kollegans svar", "owner": "Kollegans andra enhet", "status": "planned"},
        )
    db_session.commit()
    response = client.post(url, data={**mine, "version": seen})
    assert response.status_code == 409 and "Kollegans andra enhet" in response.get_data(as_text=True)
    assert present(xp_measures.get_measure(db_session, theme.response)).owner == "Kollegans andra enhet"
    again = client.post(url, data={**mine, "version": str(theme.response.version)})
    assert again.status_code == 302
    measure = present(xp_measures.get_measure(db_session, theme.response))
    assert theme.response.body_sv == "Mitt svar" and measure.owner == "Min enhet" and measure.status.value == "ongoing"
    # The form opened on the saved measure carries its response's version.
    assert _version_in(client.get(url).get_data(as_text=True)) == str(theme.response.version)


def _csv_rows(response) -> list[dict[str, str]]:
    import csv
    import io

    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_the_city_report_and_the_ledger_have_experience_csvs(
    app, client, db_session, create_board, board, publisher, survey, add_answers, lang
) -> None:
    """Issue 16.15: the report's CSV has the experience figures per board and for the city, and the
    ledger's CSV names each survey and each published measure."""
    from app.experiences import measures as xp_measures
    from app.feedback import services as fb

    create_board(slug="utan-verksamheter")
    records = [add_answers(survey) for _i in range(3)]
    with app.test_request_context("/sv/"):
        theme = xp_measures.add_theme(
            db_session, publisher, survey.service, {"title_sv": "Längre öppettider"}, [records[0].id]
        )
        xp_measures.save_measure(
            db_session,
            publisher,
            theme,
            {
                "body_sv": "Vi öppnar tidigare.",
                "owner": "Biblioteket",
                "status": "ongoing",
                "start_date": date(2026, 6, 1),
            },
        )
        fb.update_summary(
            db_session, publisher, present(xp_measures.get_report(db_session, survey.service)), {"summary_sv": "S"}
        )
        xp_measures.publish_measures(db_session, publisher, survey.service)
    db_session.commit()

    report_page = client.get(f"/{lang}/report").get_data(as_text=True)
    link = f"/{lang}/report/service.csv"
    assert f'href="{link}"' in report_page
    rows = _csv_rows(client.get(link))
    city, mine = rows[0], next(r for r in rows if r["board_slug"] == board.slug)
    assert city["board_slug"] == "" and city["surveys_run"] == "1" and city["answers"] == "3"
    assert mine["surveys_run"] == "1" and mine["answers"] == "3" and mine["measures_ongoing"] == "1"
    assert not any(r["board_slug"] == "utan-verksamheter" for r in rows)

    ledger_page = client.get(f"/{lang}/boards/{board.slug}/ledger").get_data(as_text=True)
    link = f"/{lang}/boards/{board.slug}/ledger-service.csv"
    assert f'href="{link}"' in ledger_page
    named = {(r["kind"], r["title_sv"]): r for r in _csv_rows(client.get(link))}
    assert named[("survey", survey.title_sv)]["answers"] == "3"
    measure = named[("measure", "Längre öppettider")]
    assert (measure["measure_status"], measure["measure_owner"], measure["measure_start"]) == (
        "ongoing",
        "Biblioteket",
        "2026-06-01",
    )
    assert client.get(f"/{lang}/report/nothing.csv").status_code == 404
    assert client.get(f"/{lang}/boards/{board.slug}/ledger-nothing.csv").status_code == 404


def test_editor_is_told_a_publisher_must_publish_the_survey(client, auth, editor, create_survey) -> None:
    """Issue 16.10: no publish button for an editor, and no reason."""
    draft = create_survey(published=False)
    auth.login(editor)
    page = client.get(f"/rom/staff/experiences/surveys/{draft.id}").get_data(as_text=True)
    assert "/publish" not in page.split("questions-title")[1].split("edit-title")[0]
    assert "I Komisia vash e Kultura" in page


def test_paper_answers_form_speaks_to_staff(client, auth, db_session, editor, survey) -> None:
    """Issue 16.12: "Tell me…" and "Language of your answers" on the staff form; paper is a channel."""
    auth.login(editor)
    url = f"/sv/staff/experiences/surveys/{survey.id}/answers/new"
    page = client.get(url).get_data(as_text=True)
    assert "Meddela mig" not in page and "dina svar" not in page
    assert "Personen vill få veta" in page and "På en pappersblankett" in page
    response = client.post(
        url,
        data={
            "channel": "paper",
            "occurred_on": "2026-04-01",
            "language": "sv",
            survey.questions[0].field_name: "Från pappersenkät",
        },
    )
    assert response.status_code == 302
    assert db_session.scalar(sa.select(ExperienceRecord)).channel is Channel.PAPER
