"""Generic starting lines for the register (kwetsbaarhedenregister).

Only risks and controls that the public reports on ondermijning name for every municipality (weerbaarheid
of vergunningen, inkoop, burgerzaken, vastgoed, subsidies, toezicht, ICT); nothing about a particular
municipality. The regisseur adds them with one button, then adapts each line, names an owner and sets the
review date (all left empty on purpose).
"""

from __future__ import annotations

PROCESS_LINES: list[tuple[str, str, list[str]]] = [
    ("vergunningen", "Druk of omkoping om een vergunning te krijgen. Valse of onvolledige gegevens in aanvragen. "
     "Stromannen als aanvrager of exploitant.", ["vier_ogen", "bibob_toets"]),
    ("inkoop", "Bevoordeling van leveranciers. Belangenverstrengeling. Opdrachten die worden opgeknipt om onder "
     "een aanbestedingsgrens te blijven.", ["vier_ogen", "screening"]),
    ("brp", "Inschrijvingen op adressen waar niemand woont. Druk op baliemedewerkers. Inzage in gegevens zonder "
     "reden.", ["logging", "vier_ogen"]),
    ("vastgoed", "Verkoop of verhuur van gemeentelijk vastgoed aan partijen met geld van onbekende herkomst. "
     "Stromannen als koper of huurder.", ["bibob_toets", "vier_ogen"]),
    ("subsidies", "Aanvragen met valse gegevens. Steeds dezelfde aanvragers of adviseurs.", ["vier_ogen"]),
    ("handhaving", "Bedreiging of omkoping van toezichthouders. Informatie over een controle die vooraf uitlekt.",
     ["functieroulatie", "vier_ogen"]),
    ("ict", "Inzage in systemen zonder noodzaak. Rechten die na een functiewissel blijven staan.", ["logging"]),
]

FUNCTION_LINES: list[tuple[str, str, list[str]]] = [
    ("Medewerker vergunningen", "Benaderd worden door aanvragers met een aanbod of met druk.",
     ["vier_ogen", "screening"]),
    ("BOA / toezichthouder", "Bedreiging, intimidatie of een aanbod tijdens controles.",
     ["functieroulatie", "screening"]),
    ("Inkoper", "Contacten met leveranciers die een gunst vragen of aanbieden.", ["vier_ogen", "screening"]),
    ("Baliemedewerker burgerzaken", "Druk om een inschrijving of document toch te verwerken.",
     ["vier_ogen", "logging"]),
]
