"""Views written to fall into three topics (buses, school, home care), in Swedish and Romani (Kalderash).

Each entry is ``(Swedish, Romani)``: the same view in both languages. :func:`views` makes every
second one's original Romani and the other Swedish, and gives two of every three a translation,
as staff would have: a third of the views can be compared only in their own language.
"""

from __future__ import annotations

TOPICS = {
    "buses": [
        (
            "Bussen till Skärholmen går för sällan på kvällarna, vi kommer inte hem efter mötet.",
            "O busi ko Skärholmen žal but rar ande rat, či šaj aresas khere pala o arakhimos.",
        ),
        (
            "Hållplatsen ligger för långt från träffpunkten, de äldre orkar inte gå dit.",
            "E stanica le busoski si but dur katar o than, le phure či šaj žan žiko late.",
        ),
        ("Busskortet är för dyrt för stora familjer.", "O bileto le busosko si but kuč le bare familijenge."),
        (
            "Vi behöver en buss som går direkt till stadsdelskontoret.",
            "Trobul amenge jekh busi kaj žal direkt žiko biro le forosko.",
        ),
        ("Nattbussarna är otrygga och kommer ofta för sent.", "Le busi ande rat naj sigurne thaj but drom aven palal."),
        (
            "Färdtjänsten kommer aldrig i tid när vi ska till möten.",
            "O transporto le nasvalenge niči drom na avel ando vakti kana žas ko arakhimos.",
        ),
        (
            "Bussen är full på morgonen, barnvagnen får inte plats.",
            "O busi si pherdo ando detehara, o vurdoro le šavorresko na del than.",
        ),
        ("Ge oss gratis busskort till samråden.", "Den amen biletura le busoske bi lovengo vaš le arakhimata."),
        ("Busschaufförerna är otrevliga mot oss romer.", "Le šoferura le busoske si nasul amença le romença."),
        ("Det går ingen buss alls på söndagar till vårt område.", "Niči jekh busi na žal ande Kurke žiko amaro than."),
        ("Bussen stannar inte vid hållplatsen när den är sen.", "O busi či ačhel ki stanica kana si palal."),
        (
            "Fler bussar på helgerna, annars kan vi inte komma.",
            "Maj but busi ando kurko pala e buti, te na či šaj avas.",
        ),
    ],
    "school": [
        (
            "Barnen behöver läxhjälp på romani chib efter skolan.",
            "Le šavorre trobun žutimos le lekcijenca romanes pala e škola.",
        ),
        (
            "Skolan borde anställa fler modersmålslärare i romani.",
            "E škola trobul te lel maj but sityarne la dake čhibake romanes.",
        ),
        (
            "Lärarna behöver förstå våra barns kultur bättre.",
            "Le sityarne trobun te haljaren maj mišto e kultura amare šavorengi.",
        ),
        ("Fler romska brobyggare i skolorna, tack.", "Maj but romane brobyggare ande škole, najis."),
        (
            "Mitt barn blir mobbat i skolan och ingen lärare gör något.",
            "Muro šavo si mardo ande škola thaj khonik le sityarnendar na kerel khanči.",
        ),
        (
            "Skolan ringer bara när något är fel, aldrig när barnet gjort bra.",
            "E škola akharel sal kana si vareso nasul, niči drom kana o šavo kerdja mišto.",
        ),
        (
            "Modersmålsundervisningen i skolan är bara en timme i veckan.",
            "E sityaripe la dake čhibako ande škola si sal jekh ora ando kurko.",
        ),
        (
            "Läxorna är svåra och vi föräldrar kan inte hjälpa barnen.",
            "Le lekcie si phare thaj amen le dada thaj le daja či šaj žutisaras le šavorren.",
        ),
        (
            "Skolan borde ha böcker på romani i biblioteket.",
            "E škola trobul te avel la pustika romanes ande biblioteka.",
        ),
        ("Utvecklingssamtalen i skolan behöver tolk.", "Le vorbi le sityarnença ande škola trobun tolko."),
        ("Fritids i skolan är för dyrt för oss.", "O fritids ande škola si but kuč amenge."),
        (
            "Lärare som kan romani skulle göra att barnen stannar i skolan.",
            "Sityarne kaj žanen romanes kerdine kaj le šavorre ačhen ande škola.",
        ),
    ],
    "homecare": [
        (
            "Vi vill att någon i hemtjänsten talar romani.",
            "Amen kamas te avel jekh manuš kaj vorbil romanes ando žutimos ando kher.",
        ),
        ("Mormor förstår inte personalen i hemtjänsten.", "Muri mami či haljarel le bukjarnen ando žutimos ando kher."),
        (
            "Hemtjänsten byter personal hela tiden, de äldre blir oroliga.",
            "O žutimos ando kher parruvel le bukjarnen sa o vakti, le phure daran.",
        ),
        (
            "Äldreboendet borde ha personal som kan romani och laga vår mat.",
            "O kher le phurengo trobul te avel le bukjarne kaj žanen romanes thaj keren amaro xabe.",
        ),
        ("Hemtjänsten kommer för sent och har bråttom.", "O žutimos ando kher avel palal thaj si sig."),
        (
            "Farfar vill inte flytta till ett äldreboende där ingen förstår honom.",
            "Muro papo či kamel te žal ando kher le phurengo kaj khonik či haljarel les.",
        ),
        (
            "De äldre känner sig ensamma, hemtjänsten har ingen tid att prata.",
            "Le phure si korkore, le bukjarne le žutimaske ando kher naj len vakti te vorbin.",
        ),
        (
            "Anhöriga som hjälper de äldre borde få betalt som hemtjänst.",
            "Le nʒamura kaj žutin le phuren trobun te len love sar o žutimos ando kher.",
        ),
        (
            "Hemtjänsten borde respektera våra traditioner kring rent och orent.",
            "O žutimos ando kher trobul te respektisarel amare traditie vaš o žuklo thaj o melalo.",
        ),
        (
            "Mormor vill ha en kvinna från hemtjänsten, inte en man.",
            "Muri mami kamel jekha žuvlja katar o žutimos ando kher, na jekhe murše.",
        ),
        (
            "Det är svårt att ansöka om hemtjänst när man inte läser svenska.",
            "Si phares te mangel žutimos ando kher kana či ginaves švedicka.",
        ),
        ("Äldreboenden borde fira romska högtider.", "Le khera le phurenge trobun te keren praznikura romane."),
    ],
}


def views() -> list[tuple[str, dict[str, str], str]]:
    """``(topic, {language: text}, original language)`` for each view: the original first, then the translation."""
    out = []
    for topic, items in TOPICS.items():
        for i, (sv, rom) in enumerate(items):
            original = "rom" if i % 2 == 0 else "sv"
            texts = {original: rom if original == "rom" else sv}
            if i % 3 != 2:
                other = "sv" if original == "rom" else "rom"
                texts[other] = sv if other == "sv" else rom
            out.append((topic, texts, original))
    return out


def adjusted_rand_index(truth: list[str], found: list[int]) -> float:
    """Hubert and Arabie's adjusted Rand index of two labellings: 1 the same grouping, about 0 chance."""
    from math import comb

    pairs: dict[tuple[str, int], int] = {}
    for a, b in zip(truth, found, strict=True):
        pairs[(a, b)] = pairs.get((a, b), 0) + 1
    rows: dict[str, int] = {}
    cols: dict[int, int] = {}
    for (a, b), n in pairs.items():
        rows[a] = rows.get(a, 0) + n
        cols[b] = cols.get(b, 0) + n
    index = sum(comb(n, 2) for n in pairs.values())
    sum_rows = sum(comb(n, 2) for n in rows.values())
    sum_cols = sum(comb(n, 2) for n in cols.values())
    expected = sum_rows * sum_cols / comb(len(truth), 2)
    maximum = (sum_rows + sum_cols) / 2
    return (index - expected) / (maximum - expected)


def insert_views(conn, consultation_id: int, prefix: str) -> list[int]:
    """Write the views and their translations into a consultation with bulk INSERTs on ``conn``
    (for the browser tests' live server); ``prefix`` (≤ 4 characters) makes the reference codes unique."""
    from datetime import datetime, timezone

    import sqlalchemy as sa

    from app.participation.models import Provenance, Viewpoint, ViewpointTranslation

    now = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    made = views()
    ids = []
    for i, (_topic, texts, original) in enumerate(made):
        ids.append(
            conn.execute(
                sa.insert(Viewpoint.__table__)
                .values(
                    consultation_id=consultation_id,
                    reference_code=f"{prefix[:4]:<4}-{i:04d}".replace(" ", "X"),
                    body=texts[original],
                    language=original,
                    romani_variety="kalderash" if original == "rom" else None,
                    channel="web",
                    publish_consent=False,
                    show_name=False,
                    wants_feedback=False,
                    created_dt=now,
                )
                .returning(Viewpoint.__table__.c.id)
            ).scalar_one()
        )
    conn.execute(
        sa.insert(ViewpointTranslation.__table__),
        [
            {
                "viewpoint_id": vid,
                "language": lang,
                "body": text,
                "provenance": Provenance.HUMAN,
                "translator": "Tolk",
                "created_dt": now,
            }
            for vid, (_topic, texts, original) in zip(ids, made, strict=True)
            for lang, text in texts.items()
            if lang != original
        ],
    )
    return ids
