"""The boards named in the action plan for Roma inclusion 2030, and the 13 district boards.

Romani (kalderash) names await review by a native translator, as the whole
Romani catalog does (see translations/rom/README.md).
"""

BOARDS: list[tuple[str, str, str, str]] = [
    ("kommunstyrelsen", "executive", "Kommunstyrelsen", "I Komisia e Forosko"),
    ("arbetsmarknadsnamnden", "specialist", "Arbetsmarknadsnämnden", "I Komisia vash e Butyi"),
    ("forskolenamnden", "specialist", "Förskolenämnden", "I Komisia vash e Anglunivaki Shkola"),
    ("kulturnamnden", "specialist", "Kulturnämnden", "I Komisia vash e Kultura"),
    ("socialnamnden", "specialist", "Socialnämnden", "I Komisia vash o Socialo Azhutipe"),
    ("utbildningsnamnden", "specialist", "Utbildningsnämnden", "I Komisia vash e Shkola"),
    ("aldrenamnden", "specialist", "Äldrenämnden", "I Komisia vash le Phure Manusha"),
    ("idrottsnamnden", "specialist", "Idrottsnämnden", "I Komisia vash o Sporto"),
    ("fastighetsnamnden", "specialist", "Fastighetsnämnden", "I Komisia vash le Khera"),
    ("trafiknamnden", "specialist", "Trafiknämnden", "I Komisia vash o Trafiko"),
    ("bostadsformedlingen", "company", "Bostadsförmedlingen i Stockholm AB", "Bostadsförmedlingen ande Stockholm AB"),
    ("rinkeby-kista", "district", "Rinkeby-Kista stadsdelsnämnd", "I Komisia e Fororeski Rinkeby-Kista"),
    ("spanga-tensta", "district", "Spånga-Tensta stadsdelsnämnd", "I Komisia e Fororeski Spånga-Tensta"),
    ("hasselby-vallingby", "district", "Hässelby-Vällingby stadsdelsnämnd", "I Komisia e Fororeski Hässelby-Vällingby"),
    ("bromma", "district", "Bromma stadsdelsnämnd", "I Komisia e Fororeski Bromma"),
    ("kungsholmen", "district", "Kungsholmens stadsdelsnämnd", "I Komisia e Fororeski Kungsholmen"),
    ("norrmalm", "district", "Norrmalms stadsdelsnämnd", "I Komisia e Fororeski Norrmalm"),
    ("ostermalm", "district", "Östermalms stadsdelsnämnd", "I Komisia e Fororeski Östermalm"),
    ("sodermalm", "district", "Södermalms stadsdelsnämnd", "I Komisia e Fororeski Södermalm"),
    ("enskede-arsta-vantor", "district", "Enskede-Årsta-Vantörs stadsdelsnämnd", "I Komisia e Fororeski Enskede-Årsta-Vantör"),
    ("skarpnack", "district", "Skarpnäcks stadsdelsnämnd", "I Komisia e Fororeski Skarpnäck"),
    ("farsta", "district", "Farsta stadsdelsnämnd", "I Komisia e Fororeski Farsta"),
    ("hagersten-alvsjo", "district", "Hägersten-Älvsjö stadsdelsnämnd", "I Komisia e Fororeski Hägersten-Älvsjö"),
    ("skarholmen", "district", "Skärholmens stadsdelsnämnd", "I Komisia e Fororeski Skärholmen"),
]
