"""Demo data for ``make run``: the city's boards, a staff account and consultations.

Idempotent: running it again changes nothing once the demo account exists.
Romani texts are in kalderash and await review like the UI catalog.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.accounts.services import create_user, get_user_by_email, grant_role
from app.boards.services import get_board_by_slug, seed_boards
from app.consultations import materials
from app.consultations import services as consultations
from app.consultations.models import MeetingFormat, RomaniVariety
from app.i18n import STOCKHOLM


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    base = datetime.now(STOCKHOLM).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return base + timedelta(days=days)


def load_demo_data(session: Session, config: Any) -> None:
    seed_boards(session)
    if get_user_by_email(session, config["DEMO_STAFF_EMAIL"]) is not None:
        return
    staff = create_user(
        session, email=config["DEMO_STAFF_EMAIL"], name="Demo Handläggare", password=config["DEMO_STAFF_PASSWORD"]
    )
    labour = get_board_by_slug(session, "arbetsmarknadsnamnden")
    rinkeby = get_board_by_slug(session, "rinkeby-kista")
    culture = get_board_by_slug(session, "kulturnamnden")
    elderly = get_board_by_slug(session, "aldrenamnden")
    assert labour and rinkeby and culture and elderly
    grant_role(session, staff, labour, Role.PUBLISHER)
    grant_role(session, staff, rinkeby, Role.EDITOR)
    grant_role(session, staff, culture, Role.PUBLISHER)
    grant_role(session, staff, elderly, Role.PUBLISHER)

    work = consultations.create_consultation(
        session,
        staff,
        labour,
        {
            "title_sv": "Öppet samråd: vägar till arbete för romer i Järva",
            "title_rom": "Putardi konsultacia: droma karing e buti vaš le Roma ande Järva",
            "summary_sv": (
                "Arbetsmarknadsnämnden och Rinkeby-Kista stadsdelsnämnd vill höra hur stadens stöd för att hitta "
                "arbete eller utbildning fungerar för er – och vad som behöver bli bättre.\n\n"
                "Alla är välkomna. Du behöver inte anmäla dig, men det hjälper oss att planera tolk och fika."
            ),
            "summary_rom": (
                "Komisia vaš e buti (Arbetsmarknadsnämnden) thaj e komisia le kartieroski Rinkeby-Kista kamen te "
                "šunen sar džal o žutimos le forosko te arakhen buti vaj škola – thaj so trebul te avel maj lačhes.\n\n"
                "Savorre si mišto avile. Na trebul te registrisares tut, numa kodo žutil amen te planisaras le "
                "tolmačen thaj e kafa."
            ),
            "easy_read_sv": "Vi vill veta vad du tycker om stadens hjälp att få jobb. Du kan prata romani eller svenska.",
            "influence_sv": "Hur vägledningen på jobbtorget ska läggas upp under 2027, och vilka språk informationen ska finnas på.",
            "influence_rom": "Sar te avel kerdo o sikavimos ko jobbtorg ande 2027, thaj ande savi čhib te avel e informacia.",
            "decided_sv": "Budgeten för 2027 är redan beslutad av kommunfullmäktige.",
            "decided_rom": "O budžeto vaš 2027 si deja decidisardo katar o kommunfullmäktige.",
            "format": MeetingFormat.HYBRID,
            "start_dt": _at(21, 17, 30),
            "end_dt": _at(21, 19, 30),
            "venue_name": "Rinkeby bibliotek",
            "address": "Skolvägen 2, 163 55 Spånga",
            "room": "Stora salen",
            "directions_sv": "Tunnelbana blå linje till Rinkeby, uppgång Rinkeby torg. Två minuters promenad.",
            "directions_rom": "Tunnelbana vuni linia ži ko Rinkeby, avri ko Rinkeby torg. Duj minute pe punre.",
            "accessibility_sv": "Entré utan trappsteg, hörslinga och tillgänglig toalett.",
            "accessibility_rom": "Vudar bi skara, hörslinga thaj toaleta vaš savorre.",
            "join_url": "https://meet.stockholm.example/samrad-jarva",
            "interpreter_languages": ["kalderash", "arli"],
            "compensation_sv": "Ersättning för resor med SL.",
            "compensation_rom": "Počinen o drom le SL-esa.",
            "registration_deadline_dt": _at(18, 23, 59),
            "capacity": 40,
            "input_opens_dt": _at(0, 0, 0),
            "input_closes_dt": _at(28, 23, 59),
        },
        co_host_ids=[rinkeby.id],
    )
    for sv, rom in (
        ("Hur har du fått stöd att hitta arbete?", "Sar žutisardam tut te arakhes buti?"),
        ("Vad saknas i dag?", "So naj akana?"),
        ("Hur vill du få information?", "Sar kames te les informacia?"),
    ):
        materials.add_agenda_item(session, staff, work, {"title_sv": sv, "title_rom": rom})
    consultations.publish_consultation(session, staff, work)
    _demo_registrations(session, work)

    reading = consultations.create_consultation(
        session,
        staff,
        culture,
        {
            "title_sv": "Samråd om romska läsambassaden på Stadsbiblioteket",
            "summary_sv": "Vilka böcker, aktiviteter och tider vill ni ha på den romska läsambassaden?",
            "influence_sv": "Programmet för våren 2027 och inköp av böcker på romani chib.",
            "decided_sv": "Läsambassaden finns kvar på Stadsbiblioteket.",
            "format": MeetingFormat.DIGITAL,
            "start_dt": _at(35, 18),
            "end_dt": _at(35, 19, 30),
            "join_url": "https://meet.stockholm.example/lasambassad",
            "interpreter_languages": ["kalderash"],
        },
    )
    consultations.publish_consultation(session, staff, reading, romani_pending_confirmed=True)

    past = consultations.create_consultation(
        session,
        staff,
        elderly,
        {
            "title_sv": "Samråd om äldreomsorg för romska seniorer",
            "title_rom": "Konsultacia vaš o grižimos le phure Romengo",
            "summary_sv": "Hur kan hemtjänst och träffpunkter bli tryggare för romska äldre?",
            "summary_rom": "Sar šaj te aven o žutimos ando kher thaj le thana kaj arakhadjon maj siguri vaš le phure Roma?",
            "influence_sv": "Utformningen av träffpunkternas program.",
            "influence_rom": "Sar te avel o programo le thanengo kaj arakhadjon.",
            "decided_sv": "Hemtjänstens organisation.",
            "decided_rom": "Sar si organizisardo o žutimos ando kher.",
            "format": MeetingFormat.IN_PERSON,
            "start_dt": _at(-14, 14),
            "end_dt": _at(-14, 16),
            "venue_name": "Träffpunkt Tensta",
            "address": "Tensta allé 10, 163 64 Spånga",
        },
    )
    consultations.publish_consultation(session, staff, past)
    consultations.mark_held(session, staff, past)
    _demo_feedback(session, staff, past, elderly)

    consultations.create_consultation(
        session,
        staff,
        rinkeby,
        {"title_sv": "Utkast: samråd om fritidsgården", "summary_sv": "Ett utkast som inte är publicerat."},
    )
    _demo_experiences(session, staff, culture)
    _demo_wish(session, staff, labour)
    _demo_translations(session, staff, config)
    session.flush()


def _demo_translations(session: Session, staff: Any, config: Any) -> None:
    """The demo staff user translates Romani in the workbench; the project's glossary is loaded."""
    from app.translations.models import TranslatorLanguage
    from app.translations.services import import_glossary

    session.add(TranslatorLanguage(user_id=staff.id, language="rom"))
    directory = config.get("TRANSLATIONS_DIR", "translations")
    for language in config.get("LANGUAGES", {"sv": {}, "rom": {}}):
        import_glossary(session, None, language, f"{directory}/glossary-terms.json")


def _demo_feedback(session: Session, staff: Any, consultation: Any, board: Any) -> None:
    """Views (written and spoken), two themes, responses citing one decision (in both), published feedback."""
    from datetime import date

    from app.feedback import consultation as consultation_reports
    from app.feedback import publication
    from app.feedback import services as feedback
    from app.participation import services as participation
    from app.participation.models import Channel

    spoken = participation.record_spoken_viewpoint(
        session,
        staff,
        consultation,
        participation.ViewpointData(
            body="Amen kamas te avel jekh manuš kaj vorbil romanes ando žutimos ando kher.",
            language="rom",
            romani_variety=RomaniVariety.KALDERASH,
            publish_consent=True,
        ),
        channel=Channel.MEETING,
    )
    participation.add_translation(
        session,
        staff,
        spoken,
        language="sv",
        body="Vi vill att någon i hemtjänsten talar romani.",
        provenance=participation.Provenance.HUMAN,
        translator="Brobyggare (demo)",
    )
    written = participation.record_spoken_viewpoint(
        session,
        staff,
        consultation,
        participation.ViewpointData(
            body="Träffpunkten borde vara öppen på kvällen också.",
            language="sv",
            publish_consent=True,
            organisation="Romska seniorföreningen (demo)",
        ),
        channel=Channel.LETTER,
    )
    report = consultation_reports.start_report(session, staff, consultation)
    feedback.update_summary(
        session,
        staff,
        report,
        {
            "summary_sv": "Tack för alla synpunkter. Här är vad nämnden har gjort med dem.",
            "summary_rom": "Najis tumenge vaš savorre gindura. Akate si so kerdja e komisia lença.",
        },
    )
    language = feedback.add_theme(
        session,
        staff,
        report,
        {"title_sv": "Romani i hemtjänsten", "title_rom": "Romani čhib ando žutimos ando kher"},
        [spoken.id],
    )
    response = feedback.save_response(
        session,
        staff,
        language,
        {
            "outcome": "implemented",
            "body_sv": "Hemtjänsten rekryterar två medarbetare som talar romani under 2027.",
            "body_rom": "O žutimos ando kher lel duj bukjarne kaj vorbin romanes ande 2027.",
        },
    )
    action_plan = {
        "board_id": board.id,
        "meeting_date": date.today().replace(day=1),
        "case_reference": "ÄLD 2026/114",
        "paragraph": "9",
        "title_sv": "Handlingsplan för romsk inkludering inom äldreomsorgen",
        "title_rom": "Plano vaš e romani inkluzia ando grižimos le phurengo",
    }
    feedback.cite_decision(session, staff, response, action_plan)
    evenings = feedback.add_theme(
        session, staff, report, {"title_sv": "Öppettider", "title_rom": "Vakti kana si putardo"}, [written.id]
    )
    partly = feedback.save_response(
        session,
        staff,
        evenings,
        {
            "outcome": "partly",
            "body_sv": "Träffpunkten prövar öppet en kväll i veckan under våren.",
            "body_rom": "O than kaj arakhadjon zumavel te avel putardo jekh rat ando kurko ande primavara.",
            "reason_sv": "Budgeten räcker inte till fler kvällar.",
        },
    )
    # The same decision answers both themes: the pages must show it twice without duplicate ids.
    feedback.cite_decision(session, staff, partly, action_plan)
    publication.publish_feedback(session, staff, report)


def _demo_wish(session: Session, staff: Any, board: Any) -> None:
    """An anonymous wish for a future consultation, read and approved by staff (so it is public)."""
    from app.wishes import services as wishes
    from app.wishes.models import WishKind

    wish, _created = wishes.submit_wish(
        session,
        wishes.WishData(
            kind=list(WishKind)[0],
            text="Ett samråd på kvällstid i Skärholmen, tack.",
            language="sv",
            board_ids=[board.id],
        ),
        idempotency_key="demo-wish-1",
    )
    wishes.approve_wish(session, staff, wish)


def _demo_registrations(session: Session, consultation: Any) -> None:
    """A few registrations (without e-mail addresses, so nothing is sent)."""
    from app.registrations.services import RegistrationData, register

    for data in (
        RegistrationData(
            name="Demo Deltagare",
            consent=True,
            language="rom",
            romani_variety=RomaniVariety.KALDERASH,
            needs_interpreter=True,
            interpreter_variety=RomaniVariety.KALDERASH,
        ),
        RegistrationData(
            name="Demo Besökare", consent=True, language="sv", organisation="Demoföreningen", needs="Behöver hörslinga."
        ),
    ):
        register(session, consultation, data)


def _demo_experiences(session: Session, staff: Any, board: Any) -> None:
    """A service with an open survey and a few anonymous answers (no e-mail addresses)."""
    from app.experiences import answers as xp_answers
    from app.experiences import services as experiences
    from app.participation.models import Channel

    service = experiences.create_service(
        session,
        staff,
        board,
        {
            "name_sv": "Romsk läsambassad, Stadsbiblioteket",
            "name_rom": "Romani ambasada le ginavimaski, Stadsbiblioteket",
            "description_sv": "Böcker, sagostunder och läxhjälp på romani chib och svenska.",
        },
    )
    survey = experiences.create_survey(
        session,
        staff,
        service,
        {
            "title_sv": "Hur var ditt besök på läsambassaden?",
            "title_rom": "Sar sas tjo vizito ande ambasada le ginavimaski?",
            "intro_sv": "Svaren är anonyma. Vi berättar här vad vi gör med dem.",
            "intro_rom": "Le respunsuri si bi anavesko. Phenas akate so keras lença.",
            "opens_dt": _at(-7, 9),
            "closes_dt": _at(30, 20),
        },
    )
    text = experiences.add_question(
        session,
        staff,
        survey,
        {
            "kind": "text",
            "text_sv": "Vad var bra, och vad kan bli bättre?",
            "text_rom": "So sas lačho, thaj so šaj te avel maj lačho?",
        },
    )
    often = experiences.add_question(
        session,
        staff,
        survey,
        {
            "kind": "choice",
            "text_sv": "Hur ofta kommer du hit?",
            "text_rom": "Sode drom aves akate?",
            "options": "Varje vecka | Sako kurko\nNågon gång i månaden | Varekana ando šon\nFörsta gången | O angluno drom",
        },
    )
    scale = experiences.add_question(
        session,
        staff,
        survey,
        {
            "kind": "scale",
            "text_sv": "Hur nöjd är du med besöket?",
            "text_rom": "Sar san mulcumime le vizitosa?",
            "required": True,
        },
    )
    experiences.publish_survey(session, staff, survey)
    answers = (
        ("Fler böcker på romani chib, tack!", 0, "5", "sv"),
        ("Sagostunden för barnen är fin.", 1, "4", "sv"),
        (None, 0, "4", "rom"),
        ("Öppet på kvällar skulle hjälpa.", 2, "3", "sv"),
        (None, 1, "5", "rom"),
        ("Lačhi buti!", 0, "5", "rom"),
    )
    for i, (free, option, value, language) in enumerate(answers):
        data = xp_answers.AnswerData(
            answers={text.id: free, often.id: str(often.options[option].id), scale.id: value},
            language=language,
            publish_consent=True,
        )
        if i == 3:
            xp_answers.record_answers(
                session, staff, survey, data, channel=Channel.LETTER, occurred_on=_at(-2, 12).date()
            )
        else:
            xp_answers.submit_answers(session, survey, data, idempotency_key=f"demo-experience-{i}")
