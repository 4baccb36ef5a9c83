"""The measures theme form offers a service's records to group: one person's survey answers
show their text only to the staff who may open them (issue 16 item 14, ``policies.can_open_record``)."""

from __future__ import annotations

from datetime import date

from app.experiences import answers as xp_answers
from app.experiences.models import Channel


def test_theme_form_shows_survey_answer_text_only_to_who_may_open_the_record(
    client, auth, db_session, editor, publisher, survey, add_answers
) -> None:
    web = add_answers(survey, text="Mitt eget svar", reviewed=False)
    paper = add_answers(survey, text="Från papper", channel=Channel.LETTER)
    paper.entered_by_id = editor.id  # entered from paper by this editor
    note = xp_answers.record_note(
        db_session,
        publisher,
        survey.service,
        {
            "kind": "dialogue",
            "channel": "visit",
            "occurred_on": date(2026, 5, 2),
            "language": "sv",
            "summary_sv": "Samtal på biblioteket",
        },
    )
    db_session.commit()
    url = f"/sv/staff/experiences/services/{survey.service_id}/measures/themes/new"

    auth.login(editor)
    page = client.get(url).get_data(as_text=True)
    # Every record can be ticked, by its number; the text only where the record page would open.
    assert f"#{web.id}" in page and f"#{paper.id}" in page and f"#{note.id}" in page
    assert "Från papper" in page  # entered it
    assert "Samtal på biblioteket" in page  # staff notes are the board's
    assert "Mitt eget svar" not in page
    auth.logout()

    auth.login(publisher)
    page = client.get(url).get_data(as_text=True)
    assert "Mitt eget svar" not in page and "Från papper" not in page and f"#{web.id}" in page
    xp_answers.approve_answer(db_session, publisher, web.answers[0])  # moderated it: now theirs to open
    db_session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Mitt eget svar" in page and "Från papper" not in page
