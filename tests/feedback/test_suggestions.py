"""Suggested themes (issue 22): views grouped by text similarity, proposed to staff, never applied by themselves.

The measure of the grouping is the adjusted Rand index (ARI) between the proposals and the
topics the views were written about: 1 is the same grouping, 0 what chance gives. Staff accept
the proposals with at most a few moves when it is at least 0.7 (docs/performance.md).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.consultations.models import ConsultationStatus as S
from app.consultations.models import RomaniVariety
from app.feedback import consultation as consultation_reports
from app.feedback import publication, suggestions
from app.feedback import services as fb
from app.feedback.models import SuggestionRun, Theme, ThemeSuggestion, theme_suggestion_viewpoints
from app.participation.models import Provenance, Viewpoint, ViewpointTranslation
from tests.feedback import three_topics
from tests.support import first_group, present


@pytest.fixture
def topics(db_session, create_board, create_user, create_consultation):
    """A held consultation with the three topics' 36 views; returns (consultation, editor, report, {view id: topic})."""
    board = create_board()
    editor = create_user(boards={board: Role.EDITOR})
    c = create_consultation(board=board, status=S.HELD)
    topic_of = {}
    for i, (topic, texts, original) in enumerate(three_topics.views()):
        v = Viewpoint(
            consultation_id=c.id,
            reference_code=f"SG{i:02d}-{c.id:04d}",
            body=texts[original],
            language=original,
            publish_consent=True,
            romani_variety=RomaniVariety.KALDERASH if original == "rom" else None,
            translations=[
                ViewpointTranslation(language=lang, body=text, provenance=Provenance.HUMAN, translator="Tolk")
                for lang, text in texts.items()
                if lang != original
            ],
        )
        db_session.add(v)
        db_session.flush()
        topic_of[v.id] = topic
    report = consultation_reports.start_report(db_session, editor, c)
    db_session.commit()
    return c, editor, report, topic_of


def _members(db_session, suggestion) -> list[int]:
    t = theme_suggestion_viewpoints.c
    return list(db_session.scalars(sa.select(t.viewpoint_id).where(t.suggestion_id == suggestion.id).order_by(t.rank)))


def _found(db_session, run) -> dict[int, int]:
    return {viewpoint_id: s.id for s in run.suggestions for viewpoint_id in _members(db_session, s)}


def test_three_topics_in_two_languages_are_recovered(db_session, topics):
    c, editor, report, topic_of = topics
    run = suggestions.suggest(db_session, editor, report, "unthemed")
    db_session.commit()
    found = _found(db_session, run)
    ids = sorted(topic_of)
    # A view in no proposal counts as a group of its own.
    ari = three_topics.adjusted_rand_index([topic_of[i] for i in ids], [found.get(i, -i) for i in ids])
    assert ari >= 0.7, (ari, [(s.title, len(_members(db_session, s))) for s in run.suggestions])
    assert len(run.suggestions) == 3
    assert (run.considered, run.available) == (36, 36)
    titles = " ".join(s.title.lower() for s in run.suggestions)
    assert "buss" in titles and "skol" in titles and "hemtjänst" in titles
    # Proposals only: no theme was made, nothing assigned.
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Theme)) == 0
    # The same views give the same proposals.
    first = sorted(map(sorted, _groups(db_session, run)))
    again = suggestions.suggest(db_session, editor, report, "unthemed")
    assert sorted(map(sorted, _groups(db_session, again))) == first
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SuggestionRun)) == 1  # replaced, not added


def _groups(db_session, run) -> list[list[int]]:
    return [_members(db_session, s) for s in run.suggestions]


def test_suggesting_leaves_cached_public_pages_alone(db_session, topics):
    from app.generations import content_generation

    c, editor, report, topic_of = topics
    before = content_generation(db_session)
    run = suggestions.suggest(db_session, editor, report, "unthemed")
    suggestions.rename(db_session, editor, report, run.suggestions[0], "Bussar", expected_version=1)
    db_session.commit()
    assert content_generation(db_session) == before  # proposals are staff-only: no public page changed


def test_only_views_in_no_theme_unless_all_are_asked_for(db_session, topics):
    c, editor, report, topic_of = topics
    ids = sorted(topic_of)
    fb.add_theme(db_session, editor, report, {"title_sv": "Redan gjort"}, ids[:6])
    db_session.commit()
    run = suggestions.suggest(db_session, editor, report, "unthemed")
    assert (run.considered, run.available) == (30, 30)
    assert not set(_found(db_session, run)) & set(ids[:6])
    run = suggestions.suggest(db_session, editor, report, "all")
    assert run.considered == 36
    t = theme_suggestion_viewpoints.c
    before = set(db_session.scalars(sa.select(t.viewpoint_id).where(t.themed_before.is_(True))))
    assert before == set(ids[:6]) & set(_found(db_session, run))


def test_at_most_max_views_the_oldest_first(db_session, topics, monkeypatch):
    c, editor, report, topic_of = topics
    monkeypatch.setattr(suggestions, "MAX_VIEWS", 12)
    run = suggestions.suggest(db_session, editor, report, "unthemed")
    assert (run.considered, run.available) == (12, 36)
    assert set(_found(db_session, run)) <= set(sorted(topic_of)[:12])


def test_a_view_themed_since_is_not_assigned_again(db_session, topics):
    c, editor, report, topic_of = topics
    run = suggestions.suggest(db_session, editor, report, "unthemed")
    db_session.commit()
    proposal = run.suggestions[0]
    members = _members(db_session, proposal)
    other = fb.add_theme(
        db_session, editor, report, {"title_sv": "Kollegans tema"}, members[:2]
    )  # a colleague, meanwhile
    db_session.commit()
    done = suggestions.accept(db_session, editor, report, proposal, "Nytt tema", expected_version=proposal.version)
    db_session.commit()
    assert (done.added, done.themed_since) == (len(members) - 2, 2)
    assert sorted(v.id for v in done.theme.viewpoints) == sorted(members[2:])
    assert sorted(v.id for v in other.viewpoints) == sorted(members[:2])


# --- The staff pages ---------------------------------------------------------------------------


def _page(client, c) -> str:
    response = client.get(f"/sv/staff/consultations/{c.id}/feedback/suggestions")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _suggested(client, auth, c, editor):
    auth.login(editor)
    assert (
        client.post(f"/sv/staff/consultations/{c.id}/feedback/suggestions", data={"scope": "unthemed"}).status_code
        == 302
    )


def _proposal_url(c, s) -> str:
    return f"/sv/staff/consultations/{c.id}/feedback/suggestions/{s.id}"


def _run(db_session, c) -> SuggestionRun:
    db_session.expire_all()
    return present(suggestions.get_run(db_session, c.id))


def test_page_linked_from_the_overview_lists_proposals(client, auth, db_session, topics):
    c, editor, report, topic_of = topics
    auth.login(editor)
    assert f"/sv/staff/consultations/{c.id}/feedback/suggestions" in client.get(
        f"/sv/staff/consultations/{c.id}/feedback"
    ).get_data(as_text=True)
    html = _page(client, c)
    assert 'name="scope"' in html and "Förslag</h2>" not in html
    _suggested(client, auth, c, editor)
    run = _run(db_session, c)
    html = _page(client, c)
    for s in run.suggestions:
        assert f'id="proposal-{s.id}"' in html and f'name="s{s.id}-title"' in html
    assert "Kalderash" in html and "SG" in html  # languages and the typical views' excerpts
    for lang in ("sv", "rom"):
        assert client.get(f"/{lang}/staff/consultations/{c.id}/feedback/suggestions").status_code == 200
        assert client.get(f"/{lang}{_proposal_url(c, run.suggestions[0])[3:]}").status_code == 200


def test_accept_renamed_makes_an_audited_theme(client, auth, db_session, topics):
    c, editor, report, topic_of = topics
    _suggested(client, auth, c, editor)
    proposal = _run(db_session, c).suggestions[0]
    members = _members(db_session, proposal)
    response = client.post(
        _proposal_url(c, proposal),
        data={
            f"s{proposal.id}-title": "Kollektivtrafik",
            f"s{proposal.id}-version": proposal.version,
            f"s{proposal.id}-accept": "1",
        },
    )
    assert response.status_code == 302
    db_session.expire_all()
    theme = db_session.scalar(sa.select(Theme).where(Theme.title_sv == "Kollektivtrafik"))
    assert sorted(v.id for v in theme.viewpoints) == sorted(members)
    assigned = db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "theme.assign")).all()
    assert sorted(e.object_id for e in assigned) == sorted(members) and {e.actor_id for e in assigned} == {editor.id}
    accepted = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "theme_suggestion.accept"))
    assert accepted.after["theme_id"] == theme.id
    assert db_session.get(ThemeSuggestion, proposal.id) is None  # off the list
    assert "Kollektivtrafik" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_rename_then_reject(client, auth, db_session, topics):
    c, editor, report, topic_of = topics
    _suggested(client, auth, c, editor)
    proposal = _run(db_session, c).suggestions[1]
    p = f"s{proposal.id}-"
    assert (
        client.post(
            _proposal_url(c, proposal),
            data={p + "title": "Skolan och läxor", p + "version": proposal.version, p + "rename": "1"},
        ).status_code
        == 302
    )
    db_session.expire_all()
    assert proposal.title == "Skolan och läxor" and proposal.version == 2
    assert (
        client.post(
            _proposal_url(c, proposal), data={p + "title": "", p + "version": proposal.version, p + "reject": "1"}
        ).status_code
        == 302
    )
    assert db_session.get(ThemeSuggestion, proposal.id) is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Theme)) == 0
    actions = set(db_session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("theme_suggestion.%"))))
    assert actions == {"theme_suggestion.run", "theme_suggestion.rename", "theme_suggestion.reject"}


def test_bad_input_keeps_the_typed_text_and_says_why(client, auth, db_session, topics):
    c, editor, report, topic_of = topics
    _suggested(client, auth, c, editor)
    proposal = _run(db_session, c).suggestions[0]
    p = f"s{proposal.id}-"
    # No title: the error is next to the field.
    response = client.post(
        _proposal_url(c, proposal), data={p + "title": "  ", p + "version": proposal.version, p + "accept": "1"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and f'id="{p}title-error"' in html and "error-summary" in html
    # Too long: the typed text stays.
    long_title = "Buss " * 70
    response = client.post(
        _proposal_url(c, proposal) + "?from=proposal",
        data={p + "title": long_title, p + "version": proposal.version, p + "rename": "1"},
    )
    assert response.status_code == 400 and long_title.strip() in response.get_data(as_text=True)
    # No scope, a proposal that is not there, nothing ticked, a bad merge.
    assert client.post(f"/sv/staff/consultations/{c.id}/feedback/suggestions", data={"scope": "x"}).status_code == 400
    response = client.post(f"/sv/staff/consultations/{c.id}/feedback/suggestions/999999", data={})
    assert response.status_code == 302
    assert client.get(f"/sv/staff/consultations/{c.id}/feedback/suggestions/999999").status_code == 404
    response = client.post(_proposal_url(c, proposal) + "/remove", data={"version": proposal.version})
    assert response.status_code == 400 and 'id="viewpoint_ids"' in response.get_data(as_text=True)
    # Ids and page numbers too large for an SQL integer: a message, never a 500.
    response = client.post(
        _proposal_url(c, proposal) + "/remove",
        data={"viewpoint_ids": "99999999999999999999", "version": proposal.version},
    )
    assert response.status_code == 400 and 'id="viewpoint_ids"' in response.get_data(as_text=True)
    assert client.get(_proposal_url(c, proposal) + "?page=99999999999999999999").status_code == 200
    response = client.post(
        f"/sv/staff/consultations/{c.id}/feedback/suggestions/merge",
        data={"source": proposal.id, "target": proposal.id, "versions": f"{proposal.id}:1"},
    )
    assert response.status_code == 400 and 'id="target-error"' in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Theme)) == 0


def test_merge_and_remove_views(client, auth, db_session, topics):
    c, editor, report, topic_of = topics
    _suggested(client, auth, c, editor)
    first, second = _run(db_session, c).suggestions[:2]
    one, two = _members(db_session, first), _members(db_session, second)
    html = _page(client, c)
    versions = first_group(r'name="versions" type="hidden" value="([^"]+)"', html)
    response = client.post(
        f"/sv/staff/consultations/{c.id}/feedback/suggestions/merge",
        data={"source": second.id, "target": first.id, "versions": versions},
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(ThemeSuggestion, second.id) is None
    assert sorted(_members(db_session, first)) == sorted(one + two)
    # Take two views out; a stale form is refused first.
    url = _proposal_url(c, first)
    html = client.get(url).get_data(as_text=True)
    assert 'name="viewpoint_ids"' in html
    response = client.post(url + "/remove", data={"viewpoint_ids": [one[0], one[1]], "version": first.version - 1})
    assert response.status_code == 409
    db_session.expire_all()
    assert len(_members(db_session, first)) == len(one + two)
    response = client.post(url + "/remove", data={"viewpoint_ids": [one[0], one[1]], "version": first.version})
    assert response.status_code == 302
    db_session.expire_all()
    assert sorted(_members(db_session, first)) == sorted(one[2:] + two)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Theme)) == 0
    # A stale merge is refused.
    third = _run(db_session, c).suggestions[1]
    response = client.post(
        f"/sv/staff/consultations/{c.id}/feedback/suggestions/merge",
        data={"source": third.id, "target": first.id, "versions": f"{third.id}:1,{first.id}:1"},
    )
    assert response.status_code == 409
    assert db_session.get(ThemeSuggestion, third.id) is not None


def test_stale_accept_is_refused_and_a_themed_view_is_said(client, auth, db_session, topics):
    c, editor, report, topic_of = topics
    _suggested(client, auth, c, editor)
    proposal = _run(db_session, c).suggestions[0]
    p = f"s{proposal.id}-"
    seen = proposal.version
    suggestions.rename(db_session, editor, report, proposal, "Bussar", expected_version=seen)  # a colleague
    db_session.commit()
    response = client.post(
        _proposal_url(c, proposal), data={p + "title": "Min titel", p + "version": seen, p + "accept": "1"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Min titel" in html and "Bussar" in html
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Theme)) == 0
    # Views themed since are marked on the page, and the message says they stayed where they were.
    members = _members(db_session, proposal)
    fb.add_theme(db_session, editor, report, {"title_sv": "Kollegans"}, members[:1])
    db_session.commit()
    assert "sedan förslaget" in _page(client, c) or "since it was made" in _page(client, c)
    db_session.expire_all()
    response = client.post(
        _proposal_url(c, proposal),
        data={p + "title": "Min titel", p + "version": proposal.version, p + "accept": "1"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "1 av förslagets synpunkter hade lagts i ett tema sedan förslaget gjordes" in response.get_data(as_text=True)
    db_session.expire_all()
    theme = db_session.scalar(sa.select(Theme).where(Theme.title_sv == "Min titel"))
    assert members[0] not in {v.id for v in theme.viewpoints}


def test_permissions(client, auth, db_session, topics, create_user, create_board):
    c, editor, report, topic_of = topics
    _suggested(client, auth, c, editor)
    proposal = _run(db_session, c).suggestions[0]
    auth.logout()
    p = f"s{proposal.id}-"
    urls = [f"/sv/staff/consultations/{c.id}/feedback/suggestions", _proposal_url(c, proposal)]
    for url in urls:
        assert client.get(url).status_code == 302 and "login" in client.get(url).headers["Location"]
    stranger = create_user(boards={create_board(): Role.PUBLISHER})
    auth.login(stranger)
    for url in urls:
        assert client.get(url).status_code == 403
    assert (
        client.post(
            _proposal_url(c, proposal), data={p + "title": "X", p + "version": 1, p + "accept": "1"}
        ).status_code
        == 403
    )
    assert client.post(urls[0], data={"scope": "all"}).status_code == 403
    db_session.expire_all()
    assert db_session.get(ThemeSuggestion, proposal.id) is not None


@pytest.mark.parametrize(
    "lang,sentence",
    [
        ("sv", "Nämndens tjänstepersoner har läst synpunkterna och delat in dem i de här temana."),
        ("rom", "Le bukjarne la komisiake ginavde le gindura thaj thode len ande kadala teme."),
    ],
)
def test_published_feedback_says_staff_formed_the_themes(
    client, db_session, held, publisher, create_viewpoint, lang, sentence
):
    report = consultation_reports.start_report(db_session, publisher, held)
    fb.update_summary(db_session, publisher, report, {"summary_sv": "Tack."})
    theme = fb.add_theme(db_session, publisher, report, {"title_sv": "Läxhjälp"}, [create_viewpoint(held).id])
    fb.save_response(db_session, publisher, theme, {"outcome": "implemented", "body_sv": "Vi gör det."})
    publication.publish_feedback(db_session, publisher, report)
    db_session.commit()
    assert sentence in client.get(f"/{lang}/consultations/{held.id}/feedback").get_data(as_text=True)
