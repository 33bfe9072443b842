"""Seed data: the taxonomy of the source reports with one line of help per choice ("waar moet ik op letten")."""

from __future__ import annotations

from meldpunt.taxonomy.models import TermKind

PHENOMENA = [
    ("drugs", "Drugsproductie en -handel", "Bijvoorbeeld hennepkwekerij, drugsafval, veel bezoek kort na elkaar, stroomverbruik dat niet klopt."),
    ("witwassen", "Witwassen", "Grote contante betalingen, bedrijven zonder echte klanten, bezit dat niet past bij het inkomen."),
    ("vastgoedfraude", "Vastgoedfraude", "Panden die snel na elkaar van eigenaar wisselen, vreemde prijzen, stromannen als koper."),
    ("mensenhandel", "Mensenhandel en arbeidsuitbuiting", "Veel mensen op één adres, mensen die niet vrij lijken te zijn, werk zonder normale betaling."),
    ("prostitutie", "Illegale prostitutie", "Prostitutie zonder vergunning, bijvoorbeeld in woningen, massagesalons of hotels."),
    ("subsidiefraude", "Fraude met regelingen en subsidies", "Aanvragen met vreemde of valse gegevens, steeds dezelfde aanvragers of adviseurs."),
    ("adresfraude", "Spookbewoning of adresfraude", "Veel inschrijvingen op één adres, mensen die er niet echt wonen."),
    ("omkoping", "Omkoping", "Een aanbod van geld, cadeaus of diensten in ruil voor een gunst of informatie."),
    ("infiltratie", "Infiltratie", "Pogingen om binnen de organisatie invloed of informatie te krijgen, bijvoorbeeld via personeel of inhuur."),
    ("bedreiging", "Bedreiging en intimidatie van medewerkers of bestuurders", "Dreigen, druk zetten, volgen of lastigvallen, ook online. Voelt u zich onveilig? Zeg het ons."),
    ("vakantieparken", "Misbruik van vakantieparken", "Permanente bewoning, criminele activiteiten of afgeschermde delen op een park."),
    ("leegstand", "Misbruik van leegstaande (agrarische) panden", "Lege schuren of panden die opeens verhuurd worden, geblindeerde ramen, 's nachts activiteit."),
    ("overig", "Overig", "Past het niet bij een van de andere keuzes? Kies dan deze."),
]

PROCESSES = [
    ("vergunningen", "Vergunningverlening en ontheffingen", "Horeca, drank, gokken, exploitatie: aanvragen of aanvragers die niet kloppen."),
    ("bibob", "Bibob", "Informatie die van belang kan zijn voor een Bibob-toets."),
    ("handhaving", "Toezicht en handhaving", "Wat u ziet bij controles of inspecties en wat niet past."),
    ("subsidies", "Subsidies", "Aanvragen, verantwoording of aanvragers die vragen oproepen."),
    ("inkoop", "Inkoop en aanbesteding", "Leveranciers, offertes of opdrachten die vreemd lopen."),
    ("vastgoed", "Vastgoed- en grondtransacties", "Koop, verkoop of huur van gemeentelijke grond of panden."),
    ("brp", "Burgerzaken / BRP", "Inschrijvingen, verhuizingen of gegevens in de basisregistratie die niet kloppen."),
    ("reisdocumenten", "Reisdocumenten en rijbewijzen", "Aanvragen met vreemde gegevens of druk bij de balie."),
    ("financieel", "Financiële transacties", "Betalingen aan of van de gemeente die niet kloppen."),
    ("sociaal_domein", "Sociaal domein / uitkeringen", "Uitkeringen, zorg of hulp waarbij iets niet klopt."),
    ("omgevingswet", "Omgevingswet / ruimtelijke ordening", "Bestemmingsplannen, omgevingsvergunningen, bouw."),
    ("personeel", "Personeelszaken", "Werving, inhuur of gedrag van medewerkers."),
    ("ict", "ICT en autorisaties", "Toegang tot systemen of gegevens die niet nodig lijkt."),
    ("besluitvorming", "Besluitvorming", "Druk of beïnvloeding bij besluiten van bestuur of organisatie."),
    ("overig", "Overig", "Past het niet bij een van de andere keuzes? Kies dan deze."),
]

LOCATION_TYPES = [
    ("bedrijfspand", "Bedrijfspand", "Een kantoor, winkel of werkplaats."),
    ("bedrijventerrein", "Bedrijventerrein", "Een terrein met meerdere bedrijven."),
    ("horeca", "Horeca", "Café, restaurant, hotel, coffeeshop."),
    ("vakantiepark", "Vakantiepark / recreatieterrein", "Camping, bungalowpark, recreatieterrein."),
    ("buitengebied", "Agrarisch / buitengebied", "Boerderij, schuur, land."),
    ("woning", "Woning", "Een huis, appartement of kamer."),
    ("jachthaven", "Jachthaven", "Haven, boten, ligplaatsen."),
    ("school", "School-omgeving", "Rondom een school."),
    ("openbare_ruimte", "Openbare ruimte", "Straat, park, plein."),
    ("online", "Online", "Website, sociale media, berichtendienst."),
]

CHANNELS = [
    ("intern_formulier", "Intern formulier", "Gemeld via dit meldpunt."),
    ("mondeling", "Mondeling / telefoon", "Doorgegeven in een gesprek of telefonisch."),
    ("email", "E-mail", "Doorgegeven per e-mail."),
    ("ketenpartner", "Ketenpartner", "Van politie, RIEC of een andere partner."),
    ("mma", "Meld Misdaad Anoniem", "Via Meld Misdaad Anoniem."),
    ("inwoner", "Inwoner", "Van een inwoner."),
    ("toezicht", "Eigen waarneming toezicht", "Door toezicht of handhaving zelf gezien."),
]

DEPARTMENTS = [
    ("burgerzaken", "Burgerzaken", ""),
    ("vergunningen", "Vergunningen", ""),
    ("handhaving", "Toezicht en handhaving", ""),
    ("sociaal_domein", "Sociaal domein", ""),
    ("financien", "Financiën", ""),
    ("vastgoed", "Vastgoed en grondzaken", ""),
    ("bestuur", "Bestuur en concern", ""),
    ("overig", "Overig", ""),
]

TAXONOMY = {
    TermKind.PHENOMENON: PHENOMENA,
    TermKind.PROCESS: PROCESSES,
    TermKind.LOCATION_TYPE: LOCATION_TYPES,
    TermKind.CHANNEL: CHANNELS,
    TermKind.DEPARTMENT: DEPARTMENTS,
}
