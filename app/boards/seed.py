"""The boards named in the action plan for Roma inclusion 2030, and the 13 district boards.

Romani (kalderash) names await review by a native translator, as the whole
Romani catalog does (see translations/README.md). They follow the glossary
(translations/glossary.md, glossary-terms.json): labels without an article,
*komisia vaš …* for a specialist board, *komisia le kartieroski …* for a district
board, company names in Swedish. Sentences that insert a name are written
"Komisia: %(board)s", so no case agreement is needed.
"""

BOARDS: list[tuple[str, str, str, str]] = [
    ("kommunstyrelsen", "executive", "Kommunstyrelsen", "Bari komisia le forosko (Kommunstyrelsen)"),
    ("arbetsmarknadsnamnden", "specialist", "Arbetsmarknadsnämnden", "Komisia vaš e buti (Arbetsmarknadsnämnden)"),
    ("forskolenamnden", "specialist", "Förskolenämnden", "Komisia vaš e angluni škola (Förskolenämnden)"),
    ("kulturnamnden", "specialist", "Kulturnämnden", "Komisia vaš e kultura (Kulturnämnden)"),
    ("socialnamnden", "specialist", "Socialnämnden", "Komisia vaš o socialno žutimos (Socialnämnden)"),
    ("utbildningsnamnden", "specialist", "Utbildningsnämnden", "Komisia vaš e škola (Utbildningsnämnden)"),
    ("aldrenamnden", "specialist", "Äldrenämnden", "Komisia vaš le phure manuša (Äldrenämnden)"),
    ("idrottsnamnden", "specialist", "Idrottsnämnden", "Komisia vaš o sporto (Idrottsnämnden)"),
    ("fastighetsnamnden", "specialist", "Fastighetsnämnden", "Komisia vaš le khera (Fastighetsnämnden)"),
    ("trafiknamnden", "specialist", "Trafiknämnden", "Komisia vaš o trafiko (Trafiknämnden)"),
    ("bostadsformedlingen", "company", "Bostadsförmedlingen i Stockholm AB", "Bostadsförmedlingen i Stockholm AB"),
    ("rinkeby-kista", "district", "Rinkeby-Kista stadsdelsnämnd", "Komisia le kartieroski Rinkeby-Kista"),
    ("spanga-tensta", "district", "Spånga-Tensta stadsdelsnämnd", "Komisia le kartieroski Spånga-Tensta"),
    (
        "hasselby-vallingby",
        "district",
        "Hässelby-Vällingby stadsdelsnämnd",
        "Komisia le kartieroski Hässelby-Vällingby",
    ),
    ("bromma", "district", "Bromma stadsdelsnämnd", "Komisia le kartieroski Bromma"),
    ("kungsholmen", "district", "Kungsholmens stadsdelsnämnd", "Komisia le kartieroski Kungsholmen"),
    ("norrmalm", "district", "Norrmalms stadsdelsnämnd", "Komisia le kartieroski Norrmalm"),
    ("ostermalm", "district", "Östermalms stadsdelsnämnd", "Komisia le kartieroski Östermalm"),
    ("sodermalm", "district", "Södermalms stadsdelsnämnd", "Komisia le kartieroski Södermalm"),
    (
        "enskede-arsta-vantor",
        "district",
        "Enskede-Årsta-Vantörs stadsdelsnämnd",
        "Komisia le kartieroski Enskede-Årsta-Vantör",
    ),
    ("skarpnack", "district", "Skarpnäcks stadsdelsnämnd", "Komisia le kartieroski Skarpnäck"),
    ("farsta", "district", "Farsta stadsdelsnämnd", "Komisia le kartieroski Farsta"),
    ("hagersten-alvsjo", "district", "Hägersten-Älvsjö stadsdelsnämnd", "Komisia le kartieroski Hägersten-Älvsjö"),
    ("skarholmen", "district", "Skärholmens stadsdelsnämnd", "Komisia le kartieroski Skärholmen"),
]

#: Romani names seeded before the glossary held (issue 17): replaced on the next
#: seed unless someone edited the name since.
PREVIOUS_NAMES_ROM: frozenset[str] = frozenset(
    {
        "I Komisia e Forosko",
        "I Komisia vash e Butyi",
        "I Komisia vash e Anglunivaki Shkola",
        "I Komisia vash e Kultura",
        "I Komisia vash o Socialo Azhutipe",
        "I Komisia vash e Shkola",
        "I Komisia vash le Phure Manusha",
        "I Komisia vash o Sporto",
        "I Komisia vash le Khera",
        "I Komisia vash o Trafiko",
        "Bostadsförmedlingen ande Stockholm AB",
        *(
            f"I Komisia e Fororeski {d}"
            for d in (
                "Rinkeby-Kista",
                "Spånga-Tensta",
                "Hässelby-Vällingby",
                "Bromma",
                "Kungsholmen",
                "Norrmalm",
                "Östermalm",
                "Södermalm",
                "Enskede-Årsta-Vantör",
                "Skarpnäck",
                "Farsta",
                "Hägersten-Älvsjö",
                "Skärholmen",
            )
        ),
    }
)
