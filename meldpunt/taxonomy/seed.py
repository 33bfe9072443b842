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
    ("identiteitsfraude", "Identiteitsfraude", "Iemand gebruikt de identiteit van een ander, of valse papieren, bijvoorbeeld aan de balie of bij een aanvraag."),
    ("omkoping", "Omkoping", "Een aanbod van geld, cadeaus of diensten in ruil voor een gunst of informatie."),
    ("belangenverstrengeling", "Bevoordeling en belangenverstrengeling",
     "Een medewerker of bestuurder bevoordeelt familie, vrienden of een eigen bedrijf, of heeft een belang bij een besluit."),
    ("beinvloeding_besluitvorming", "Beïnvloeding van besluitvorming",
     "Druk of lobby van buiten om een besluit, vergunning of plan een bepaalde kant op te krijgen."),
    ("lekken_informatie", "Lekken van informatie",
     "Vertrouwelijke informatie komt buiten terecht: over controles, onderzoeken of personen. Niet alleen via ICT, ook in een gesprek."),
    ("verduistering", "Verduistering",
     "Geld of spullen van de organisatie verdwijnen, bijvoorbeeld uit de kas of de kluis, of betalingen naar een eigen rekening."),
    ("infiltratie", "Infiltratie", "Pogingen om binnen de organisatie invloed of informatie te krijgen, bijvoorbeeld via personeel of inhuur."),
    ("bedreiging", "Bedreiging en intimidatie van medewerkers of bestuurders", "Dreigen, druk zetten, volgen of lastigvallen, ook online. Voelt u zich onveilig? Zeg het ons."),
    ("afpersing", "Afpersing", "Iemand moet betalen of iets doen, anders gebeurt er iets: bij een ondernemer, medewerker of bestuurder."),
    ("ronselen_jongeren", "Ronselen van jongeren", "Jongeren worden benaderd voor klussen als koerier, geldezel of uitkijk, bijvoorbeeld rond school of online."),
    ("zorgcriminaliteit", "Zorgfraude en zorgcriminaliteit", "Zorg die wel betaald maar niet geleverd wordt, zorgbedrijven met vreemde eigenaren, cliënten die worden uitgebuit."),
    ("cybercrime", "Cybercrime", "Phishing, hacken, gijzelsoftware of online oplichting, ook gericht op de organisatie zelf."),
    ("milieucriminaliteit", "Milieu- en afvalcriminaliteit", "Afval dumpen of verbranden, vreemde opslag van vaten of grond, afvalbedrijven die niet kloppen."),
    ("vrijplaatsen", "Vrijplaatsen", "Een plek waar regels niet meer gelden en waar overheid of hulpdiensten moeilijk binnenkomen."),
    ("vakantieparken", "Misbruik van vakantieparken", "Permanente bewoning, criminele activiteiten of afgeschermde delen op een park."),
    ("leegstand", "Misbruik van leegstaande (agrarische) panden", "Lege schuren of panden die opeens verhuurd worden, geblindeerde ramen, 's nachts activiteit."),
    ("overig", "Overig", "Past het niet bij een van de andere keuzes? Kies dan deze."),
]

PROCESSES = [
    ("vergunningen", "Vergunningverlening en ontheffingen",
     "Horeca, drank, gokken, prostitutie, coffeeshops, evenementen, exploitatie: aanvragen of aanvragers die niet kloppen."),
    ("handhaving", "Toezicht en handhaving",
     "Wat u ziet bij controles of inspecties en wat niet past. Ook: druk om een oogje dicht te knijpen of een controle over te slaan."),
    ("subsidies", "Subsidies", "Aanvragen, verantwoording of aanvragers die vragen oproepen."),
    ("inkoop", "Inkoop en aanbesteding", "Leveranciers, offertes of opdrachten die vreemd lopen."),
    ("vastgoed", "Vastgoed- en grondtransacties", "Koop, verkoop of huur van gemeentelijke grond of panden."),
    ("brp", "Burgerzaken / BRP", "Inschrijvingen, verhuizingen of gegevens in de basisregistratie die niet kloppen."),
    ("reisdocumenten", "Reisdocumenten en rijbewijzen", "Aanvragen met vreemde gegevens of druk bij de balie."),
    ("financieel", "Financiële transacties",
     "Betalingen aan of van de gemeente die niet kloppen. Ook: geld in de kas of kluis dat niet klopt."),
    ("belastingen", "Belastingen en invordering", "Aanslagen, kwijtschelding of invordering: vreemde betalers, contant geld, verzoeken om een uitzondering."),
    ("sociaal_domein", "Sociaal domein / uitkeringen", "Uitkeringen, zorg of hulp waarbij iets niet klopt."),
    ("omgevingswet", "Omgevingswet / ruimtelijke ordening", "Bestemmingsplannen, omgevingsvergunningen, bouw."),
    ("evenementen", "Evenementen", "Organisatoren, beveiligers of geldstromen rond een evenement die niet kloppen."),
    ("deelnemingen", "Deelnemingen en verbonden partijen", "Bedrijven en stichtingen waarin de gemeente deelneemt: vreemde partners of geldstromen."),
    ("vooroverleg", "Vooroverleg", "Gesprekken vóór een aanvraag of besluit: druk, beloftes of vragen naar informatie die niet gedeeld mag worden."),
    ("personeel", "Personeelszaken", "Werving, screening of gedrag van medewerkers."),
    ("inhuur_nevenwerkzaamheden", "Inhuur en nevenwerkzaamheden",
     "Ingehuurde krachten of nevenwerk van medewerkers dat botst met hun werk of toegang geeft tot informatie."),
    ("ict", "ICT, autorisaties en informatie",
     "Toegang tot systemen of gegevens die niet nodig lijkt. Ook: informatie die naar buiten gaat, op papier of in een gesprek."),
    ("besluitvorming", "Besluitvorming", "Druk of beïnvloeding bij besluiten van bestuur of organisatie."),
    ("overig", "Overig", "Past het niet bij een van de andere keuzes? Kies dan deze."),
]

#: Terms no longer offered. The row stays (inactive) so a code on an older signal still resolves.
#: Bibob is an instrument (a case intervention and a meeting decision, ``bibob_toets``), not a work process.
RETIRED = {
    (TermKind.PROCESS, "bibob"): ("Bibob (instrument, geen werkproces)",
                                  "Bibob is een instrument bij besluiten, geen werkproces. Kies het werkproces, bijvoorbeeld vergunningen."),
}

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
    ("telefoon", "Telefoon", "Telefonisch doorgegeven aan het meldpunt."),
    ("mondeling", "Mondeling / gesprek", "Doorgegeven in een gesprek."),
    ("email", "E-mail", "Doorgegeven per e-mail."),
    ("brief", "Brief", "Per post ontvangen."),
    ("ketenpartner", "Ketenpartner", "Van politie, RIEC, Belastingdienst, een andere gemeente of een andere partner."),
    ("mma", "Meld Misdaad Anoniem", "Via Meld Misdaad Anoniem: anoniem, zonder weg terug naar de tipgever."),
    ("toezicht", "BOA of toezichthouder", "Door een BOA, toezichthouder of handhaver gezien of doorgegeven."),
    ("inwoner", "Inwoner", "Van een inwoner."),
    ("ondernemer", "Ondernemer", "Van een ondernemer."),
    ("publiek_formulier", "Openbaar formulier", "Anoniem gemeld door een inwoner of ondernemer via het openbare formulier."),
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
